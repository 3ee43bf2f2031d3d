export { ProvisioningStatus, type ProvisioningStatusArgs } from "./resource";
export { provisioningStatusProvider } from "./provider";
export * from "./status";
