// The TestConnection resource class: what a program declares.
import * as pulumi from "@pulumi/pulumi";
import type { Connector } from "../../model/connector";
import { providerShim } from "../shim";
import { testConnectionProvider } from "./provider";

export interface TestConnectionArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** The synchronization job to test (id of azuread.SynchronizationJob). */
  jobId: pulumi.Input<string>;
  /** "gotomeeting": test `credentials`; "goto": test the authorization saved by the portal's Authorize. */
  connector: pulumi.Input<Connector>;
  /** For "gotomeeting": exactly UserName and Password of a GoToMeeting Team Admin; pass them as
   *  Pulumi secrets. Must be absent (or empty) for "goto". */
  credentials?: pulumi.Input<
    pulumi.Input<{ key: pulumi.Input<string>; value: pulumi.Input<string> }>[]
  >;
}

// Serialized into the state instead of testConnectionProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const testConnectionShim = providerShim(
  testConnectionProvider,
  "providers/testConnection/provider",
  "testConnectionProvider",
);

/** Runs Graph's Test Connection for the provisioning job and exposes whether it passed. */
export class TestConnection extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly connector: pulumi.Output<Connector>;
  declare readonly passed: pulumi.Output<boolean>;
  declare readonly authorizationPending: pulumi.Output<boolean>;
  declare readonly message: pulumi.Output<string>;
  declare readonly checkedAt: pulumi.Output<string>;
  declare readonly credentialsHash: pulumi.Output<string>;

  constructor(name: string, args: TestConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      testConnectionShim,
      name,
      {
        ...args,
        passed: undefined,
        authorizationPending: undefined,
        message: undefined,
        checkedAt: undefined,
        credentialsHash: undefined,
      },
      // A hash of a short password can be brute-forced offline; keep it encrypted in the state.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["credentialsHash"] }),
      "gotomeeting",
      "TestConnection",
    );
  }
}
