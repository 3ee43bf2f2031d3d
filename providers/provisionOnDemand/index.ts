export { ProvisionOnDemand, type ProvisionOnDemandArgs } from "./resource";
export { provisionOnDemandProvider } from "./provider";
export * from "./result";
