// The ProvisionOnDemand resource class: the tutorial's tip "assign a single user first", run at once
// instead of waiting for the next ~40-minute cycle.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../shim";
import { provisionOnDemandProvider } from "./provider";
import type { ProvisioningStepSummary } from "./result";

export interface ProvisionOnDemandArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** The synchronization job (the last segment of azuread.SynchronizationJob's id). */
  jobId: pulumi.Input<string>;
  /** The synchronization rule that provisions users (SynchronizationTemplate.userRuleId). */
  ruleId: pulumi.Input<string>;
  /** Object id of the pilot user. */
  objectId: pulumi.Input<string>;
  /** Provision only when true (Test Connection passed and provisioning on); until then the
   *  resource waits and every up checks again. */
  ready: pulumi.Input<boolean>;
}

// Serialized into the state instead of provisionOnDemandProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const provisionOnDemandShim = providerShim(
  provisionOnDemandProvider,
  "providers/provisionOnDemand/provider",
  "provisionOnDemandProvider",
);

/** Provisions one user on demand and fails the deployment, with the failed step, unless it worked. */
export class ProvisionOnDemand extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly ruleId: pulumi.Output<string>;
  declare readonly objectId: pulumi.Output<string>;
  declare readonly ready: pulumi.Output<boolean>;
  declare readonly result: pulumi.Output<string>;
  declare readonly errorCode: pulumi.Output<string>;
  declare readonly errorMessage: pulumi.Output<string>;
  declare readonly action: pulumi.Output<string>;
  declare readonly steps: pulumi.Output<ProvisioningStepSummary[]>;
  declare readonly ranAt: pulumi.Output<string>;

  constructor(name: string, args: ProvisionOnDemandArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provisionOnDemandShim,
      name,
      {
        ...args,
        result: undefined,
        errorCode: undefined,
        errorMessage: undefined,
        action: undefined,
        steps: undefined,
        ranAt: undefined,
      },
      opts,
      "gotomeeting",
      "ProvisionOnDemand",
    );
  }
}
