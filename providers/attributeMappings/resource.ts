// The AttributeMappings resource class: what a program declares.
import * as pulumi from "@pulumi/pulumi";
import type { AttributeMappingSpec, MappingObjectType } from "../../model/attributeMapping";
import { providerShim } from "../shim";
import type { MappingProjection } from "./overlay";
import { attributeMappingsProvider } from "./provider";

export interface AttributeMappingsArgs {
  /** Object id of the app's service principal (ApplicationFromTemplate.servicePrincipalObjectId). */
  servicePrincipalId: pulumi.Input<string>;
  /** The provisioning job's id ("<templateId>.<hex>"). */
  jobId: pulumi.Input<string>;
  /** Which object mapping to change. Default "User". */
  objectType?: pulumi.Input<MappingObjectType>;
  /** The mappings to declare; any target not listed keeps its template definition. */
  mappings: pulumi.Input<pulumi.Input<AttributeMappingSpec>[]>;
}

// Serialized into the state instead of attributeMappingsProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const attributeMappingsShim = providerShim(
  attributeMappingsProvider,
  "providers/attributeMappings/provider",
  "attributeMappingsProvider",
);

/**
 * The declared attribute mappings of one object mapping of a provisioning job. Undeclared mappings,
 * scoping filters and everything else in the schema stay as they are; delete puts the template's
 * definitions of the declared targets back.
 */
export class AttributeMappings extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly objectType: pulumi.Output<MappingObjectType>;
  declare readonly mappings: pulumi.Output<AttributeMappingSpec[]>;
  /** Live values of the declared targets as last read; null where a target has no mapping. */
  declare readonly live: pulumi.Output<(MappingProjection | null)[]>;
  /** Graph's parse of each declared expression (text → the tree sent as the mapping's source). */
  declare readonly parsedExpressions: pulumi.Output<Record<string, unknown>>;
  /** The synchronizationRule id, for provisionOnDemand. */
  declare readonly ruleId: pulumi.Output<string>;
  declare readonly objectMappingName: pulumi.Output<string>;
  declare readonly targetDirectory: pulumi.Output<string>;

  constructor(name: string, args: AttributeMappingsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      attributeMappingsShim,
      name,
      {
        servicePrincipalId: args.servicePrincipalId,
        jobId: args.jobId,
        objectType: args.objectType ?? "User",
        mappings: args.mappings,
        live: undefined,
        parsedExpressions: undefined,
        ruleId: undefined,
        objectMappingName: undefined,
        targetDirectory: undefined,
      },
      opts,
      "gotomeeting",
      "AttributeMappings",
    );
  }
}
