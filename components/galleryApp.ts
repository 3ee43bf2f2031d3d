// Tutorial steps 1–2: find the app in the Entra application gallery and add an instance of it.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

export interface GalleryAppArgs {
  /** Gallery template display name, e.g. "GoToMeeting" or "GoTo". */
  galleryApp: pulumi.Input<string>;
  /** Name of the enterprise app instance. Defaults to the gallery name. */
  displayName?: pulumi.Input<string>;
}

/** An app role of the instantiated service principal, as Entra reports it. */
export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  enabled: boolean;
}

/**
 * The gallery app instance: application + service principal, instantiated from the template.
 * GoToMeeting's SAML identifier is a fixed string, so a tenant can hold only one instance of it.
 */
export class GalleryApp extends pulumi.ComponentResource {
  /** Application (client) id. */
  public readonly applicationId: pulumi.Output<string>;
  /** Service principal object id (a GUID). */
  public readonly servicePrincipalObjectId: pulumi.Output<string>;
  /** Service principal resource id ("/servicePrincipals/{objectId}") as the azuread sync resources expect it. */
  public readonly servicePrincipalId: pulumi.Output<string>;
  /** The app roles the gallery app defines; assignments resolve role names against them. */
  public readonly appRoles: pulumi.Output<AppRole[]>;
  public readonly templateId: pulumi.Output<string>;

  constructor(name: string, args: GalleryAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gotomeeting-provisioning:index:GalleryApp", name, {}, opts);

    const template = azuread.getApplicationTemplateOutput(
      { displayName: args.galleryApp },
      { parent: this },
    );
    const app = new azuread.ApplicationFromTemplate(
      `${name}-app`,
      { displayName: args.displayName ?? args.galleryApp, templateId: template.templateId },
      { parent: this },
    );
    const sp = azuread.getServicePrincipalOutput(
      { objectId: app.servicePrincipalObjectId },
      { parent: this },
    );

    this.applicationId = app.applicationId;
    this.servicePrincipalObjectId = app.servicePrincipalObjectId;
    this.servicePrincipalId = app.servicePrincipalId;
    this.templateId = template.templateId;
    this.appRoles = sp.appRoles.apply((roles) =>
      roles.map((r) => ({
        id: r.id,
        value: r.value,
        displayName: r.displayName,
        enabled: r.enabled,
      })),
    );
    this.registerOutputs({
      applicationId: this.applicationId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      servicePrincipalId: this.servicePrincipalId,
      appRoles: this.appRoles,
      templateId: this.templateId,
    });
  }
}
