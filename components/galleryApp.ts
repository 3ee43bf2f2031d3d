// Tutorial steps 1–2: find the app in the Entra application gallery and add an instance of it.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import type { AppRole } from "../model/appRoles";
import { childOptions } from "./options";

export type { AppRole } from "../model/appRoles";

export interface GalleryAppArgs {
  /** Gallery template display name, e.g. "GoToMeeting" or "GoTo". */
  galleryApp: pulumi.Input<string>;
  /** Name of the enterprise app instance. Default: the gallery name. */
  displayName?: pulumi.Input<string>;
  /**
   * Refuse a gallery app that offers no automatic provisioning (its template's
   * `supportedProvisioningTypes` lacks "sync") before the app is instantiated. Default true; the
   * message names `hint`.
   */
  requireProvisioning?: boolean;
  /** Appended to the "offers no provisioning" message (e.g. which connector to use instead). */
  provisioningHint?: string;
}

/**
 * The gallery app instance: application + service principal, instantiated from the template.
 * GoToMeeting's SAML identifier is a fixed string, so a tenant can hold only one instance of it.
 */
export class GalleryApp extends pulumi.ComponentResource {
  /** Application (client) id, a GUID (the service principal's `clientId`). */
  public readonly clientId: pulumi.Output<string>;
  /** Object id of the application registration (a GUID). */
  public readonly applicationObjectId: pulumi.Output<string>;
  /** Service principal object id (a GUID). */
  public readonly servicePrincipalObjectId: pulumi.Output<string>;
  /** Service principal resource id ("/servicePrincipals/{objectId}") as the azuread sync resources expect it. */
  public readonly servicePrincipalId: pulumi.Output<string>;
  /** The app roles the gallery app defines; assignments resolve role names against them. */
  public readonly appRoles: pulumi.Output<AppRole[]>;
  /** The application template's id. */
  public readonly templateId: pulumi.Output<string>;
  /** The template's `supportedProvisioningTypes` (["sync"] for apps with automatic provisioning). */
  public readonly supportedProvisioningTypes: pulumi.Output<string[]>;
  /** The instantiated application and service principal. */
  public readonly app: azuread.ApplicationFromTemplate;

  constructor(name: string, args: GalleryAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gotomeeting-provisioning:index:GalleryApp", name, {}, opts);

    const template = azuread.getApplicationTemplateOutput(
      { displayName: args.galleryApp },
      { parent: this },
    );
    const requireProvisioning = args.requireProvisioning ?? true;
    // Checked on the invoke's answer, before the instantiation can start: a gallery app without
    // provisioning would otherwise be created only to fail at the job (entra-goto-facts §1a).
    const templateId = pulumi
      .all([template.templateId, template.supportedProvisioningTypes, args.galleryApp])
      .apply(([id, types, gallery]) => {
        if (requireProvisioning && !(types ?? []).some((t) => t.toLowerCase() === "sync")) {
          throw new Error(
            `The gallery app "${gallery}" (template ${id}) offers no automatic provisioning: its ` +
              `supportedProvisioningTypes is [${(types ?? []).join(", ")}], without "sync". Nothing was created.` +
              (args.provisioningHint ? ` ${args.provisioningHint}` : ""),
          );
        }
        return id;
      });
    this.app = new azuread.ApplicationFromTemplate(
      `${name}-app`,
      { displayName: args.displayName ?? args.galleryApp, templateId },
      childOptions(this, opts),
    );
    const sp = azuread.getServicePrincipalOutput(
      { objectId: this.app.servicePrincipalObjectId },
      { parent: this },
    );

    this.clientId = sp.clientId;
    this.applicationObjectId = this.app.applicationObjectId;
    this.servicePrincipalObjectId = this.app.servicePrincipalObjectId;
    this.servicePrincipalId = this.app.servicePrincipalId;
    this.templateId = template.templateId;
    this.supportedProvisioningTypes = template.supportedProvisioningTypes;
    this.appRoles = sp.appRoles.apply((roles) =>
      roles.map((r): AppRole => ({
        id: r.id,
        value: r.value === "" ? null : r.value,
        displayName: r.displayName,
        enabled: r.enabled,
        allowedMemberTypes: r.allowedMemberTypes,
      })),
    );
    this.registerOutputs({
      clientId: this.clientId,
      applicationObjectId: this.applicationObjectId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      servicePrincipalId: this.servicePrincipalId,
      appRoles: this.appRoles,
      templateId: this.templateId,
    });
  }
}
