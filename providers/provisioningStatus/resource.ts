// The ProvisioningStatus resource class: what a program declares.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../shim";
import { provisioningStatusProvider } from "./provider";

export interface ProvisioningStatusArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** The synchronization job (id of azuread.SynchronizationJob). */
  jobId: pulumi.Input<string>;
  /** Whether the job should run: provisioningEnabled AND Test Connection passed. A job paused in
   *  the portal shows as drift after refresh and is started again by the next up. */
  enabled: pulumi.Input<boolean>;
  /** Release a TooManyDeletes quarantine on this run (restart with ForceDeletes). Default false. */
  allowMassDeletion?: pulumi.Input<boolean>;
}

// Serialized into the state instead of provisioningStatusProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const provisioningStatusShim = providerShim(
  provisioningStatusProvider,
  "providers/provisioningStatus/provider",
  "provisioningStatusProvider",
);

/** Runs or pauses the provisioning job and exports its status (refreshed by pulumi refresh). */
export class ProvisioningStatus extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly allowMassDeletion: pulumi.Output<boolean>;
  declare readonly scheduleState: pulumi.Output<string>;
  declare readonly statusCode: pulumi.Output<string>;
  declare readonly lastExecutionState: pulumi.Output<string>;
  declare readonly lastExecutionTime: pulumi.Output<string>;
  declare readonly quarantineReason: pulumi.Output<string>;
  declare readonly quarantineSince: pulumi.Output<string>;
  declare readonly steadyStateLastAchievedTime: pulumi.Output<string>;
  declare readonly countSuccessiveCompleteFailures: pulumi.Output<number>;
  declare readonly synchronizedEntryCounts: pulumi.Output<Record<string, number>>;
  declare readonly troubleshootingUrl: pulumi.Output<string>;

  constructor(name: string, args: ProvisioningStatusArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provisioningStatusShim,
      name,
      {
        ...args,
        scheduleState: undefined,
        statusCode: undefined,
        lastExecutionState: undefined,
        lastExecutionTime: undefined,
        quarantineReason: undefined,
        quarantineSince: undefined,
        steadyStateLastAchievedTime: undefined,
        countSuccessiveCompleteFailures: undefined,
        synchronizedEntryCounts: undefined,
        troubleshootingUrl: undefined,
      },
      opts,
      "gotomeeting",
      "ProvisioningStatus",
    );
  }
}
