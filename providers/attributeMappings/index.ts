export { AttributeMappings, type AttributeMappingsArgs } from "./resource";
export { attributeMappingsProvider } from "./provider";
export * from "./overlay";
export type { AttributeMappingSpec, MappingObjectType } from "../../model/attributeMapping";
export { validateMappingSpecs, scanExpression } from "../../model/attributeMapping";
