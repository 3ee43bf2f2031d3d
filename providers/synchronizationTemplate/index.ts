export { SynchronizationTemplate, type SynchronizationTemplateArgs } from "./resource";
export { synchronizationTemplateProvider } from "./provider";
export * from "./templates";
