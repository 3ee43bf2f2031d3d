// The GuardedSynchronizationSecret resource class: what a program declares.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../shim";
import { guardedSynchronizationSecretProvider } from "./provider";
import type { ManagedSecretKey, SettingPair } from "./settings";

export interface GuardedSynchronizationSecretArgs {
  /** Object id (GUID) of the GoTo gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** Exactly SyncNotificationSettings (Graph's JSON string, e.g.
   *  `{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":50}`;
   *  DeleteThresholdEnabled defaults to true and DeleteThresholdValue to 500) and SyncAll ("true" =
   *  all users and groups, "false" = only assigned ones). No credential key: GoTo is authorized in the portal. */
  settings: pulumi.Input<
    pulumi.Input<{ key: pulumi.Input<ManagedSecretKey>; value: pulumi.Input<string> }>[]
  >;
}

// Serialized into the state instead of guardedSynchronizationSecretProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const guardedSynchronizationSecretShim = providerShim(
  guardedSynchronizationSecretProvider,
  "providers/synchronizationSettings/provider",
  "guardedSynchronizationSecretProvider",
);

/** GoTo connector settings (notification e-mail, deletion threshold, scope) that never erase the
 *  portal's authorization: when they cannot be written safely, the deployment fails with the clicks. */
export class GuardedSynchronizationSecret extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly settings: pulumi.Output<SettingPair[]>;
  declare readonly otherKeys: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: GuardedSynchronizationSecretArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      guardedSynchronizationSecretShim,
      name,
      { ...args, otherKeys: undefined },
      opts,
      "gotomeeting",
      "GuardedSynchronizationSecret",
    );
  }
}
