export { GuardedSynchronizationSecret, type GuardedSynchronizationSecretArgs } from "./resource";
export { guardedSynchronizationSecretProvider } from "./provider";
export * from "./settings";
