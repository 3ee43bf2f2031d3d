// The SynchronizationTemplate resource class: what a program declares.
import * as pulumi from "@pulumi/pulumi";
import type { Connector } from "../../model/connector";
import { providerShim } from "../shim";
import { synchronizationTemplateProvider } from "./provider";

export interface SynchronizationTemplateArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** "gotomeeting" (legacy gallery app) or "goto" (its successor); only shapes the error messages. */
  connector: pulumi.Input<Connector>;
  /** Display name of the gallery app, for messages (e.g. "GoToMeeting"). */
  galleryApp: pulumi.Input<string>;
  /** Stack config `synchronizationTemplateId`: used as given instead of the discovered template (an
   *  escape hatch, e.g. for a template Microsoft support enabled). Default: discover. */
  preferredTemplateId?: pulumi.Input<string | undefined>;
  /** The secret keys the program writes and tests: ["UserName", "Password"] for GoToMeeting admin
   *  credentials, [] (the default) for a connector authorized in the portal. Refused when the
   *  template's metadata says the connector does not take them. */
  credentialKeys?: pulumi.Input<string[]>;
}

// Serialized into the state instead of synchronizationTemplateProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const synchronizationTemplateShim = providerShim(
  synchronizationTemplateProvider,
  "providers/synchronizationTemplate/provider",
  "synchronizationTemplateProvider",
);

/** The provisioning template of a gallery app's service principal, discovered at deploy time. */
export class SynchronizationTemplate extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly connector: pulumi.Output<Connector>;
  declare readonly galleryApp: pulumi.Output<string>;
  declare readonly templateId: pulumi.Output<string>;
  declare readonly factoryTag: pulumi.Output<string>;
  declare readonly candidates: pulumi.Output<string[]>;
  declare readonly userRuleId: pulumi.Output<string>;
  declare readonly authorization: pulumi.Output<"oauth" | "credentials" | "unknown">;
  declare readonly acceptedKeys: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: SynchronizationTemplateArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      synchronizationTemplateShim,
      name,
      {
        ...args,
        templateId: undefined,
        factoryTag: undefined,
        candidates: undefined,
        userRuleId: undefined,
        authorization: undefined,
        acceptedKeys: undefined,
      },
      opts,
      "gotomeeting",
      "SynchronizationTemplate",
    );
  }
}
