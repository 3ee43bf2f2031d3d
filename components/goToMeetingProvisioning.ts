// The whole portal procedure as one component: gallery app → assignments → provisioning job.
import * as pulumi from "@pulumi/pulumi";
import type { ProvisioningConfig } from "../config/schema";
import { AppRoleAssignments, type AssignedPrincipal } from "./appRoleAssignments";
import { GalleryApp } from "./galleryApp";
import { ProvisioningJob } from "./provisioningJob";

export interface GoToMeetingProvisioningArgs {
  /** Validated stack config (see config/schema.ts). */
  config: ProvisioningConfig;
  /** The GoToMeeting admin password as a Pulumi secret (connector gotomeeting). */
  adminPassword?: pulumi.Input<string>;
}

export class GoToMeetingProvisioning extends pulumi.ComponentResource {
  public readonly app: GalleryApp;
  public readonly assignments: AppRoleAssignments;
  public readonly provisioning: ProvisioningJob;
  public readonly assignedPrincipals: pulumi.Output<AssignedPrincipal[]>;

  constructor(
    name: string,
    args: GoToMeetingProvisioningArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("gotomeeting-provisioning:index:GoToMeetingProvisioning", name, {}, opts);
    const c = args.config;

    this.app = new GalleryApp(
      `${name}-gallery`,
      { galleryApp: c.galleryApp, displayName: c.appDisplayName },
      { parent: this },
    );
    this.assignments = new AppRoleAssignments(
      `${name}-assignments`,
      {
        servicePrincipalObjectId: this.app.servicePrincipalObjectId,
        appRoles: this.app.appRoles,
        assignments: c.assignments,
        allowDefaultAccessRole: c.allowDefaultAccessRole,
      },
      { parent: this },
    );
    this.provisioning = new ProvisioningJob(
      `${name}-provisioning`,
      {
        servicePrincipalObjectId: this.app.servicePrincipalObjectId,
        servicePrincipalId: this.app.servicePrincipalId,
        connector: c.connector,
        galleryApp: c.appDisplayName,
        synchronizationTemplateId: c.synchronizationTemplateId,
        adminUserName: c.adminUserName,
        adminPassword: args.adminPassword,
        notification: c.notification,
        deleteThreshold: c.deleteThreshold,
        scope: c.scope,
        provisioningEnabled: c.provisioningEnabled,
        attributeMappings: c.attributeMappings,
        pilotUserObjectId: c.pilotUser
          ? this.assignments.objectIds[c.pilotUser.principalText.toLowerCase()]
          : undefined,
        dependsOn: [this.assignments],
      },
      { parent: this },
    );
    this.assignedPrincipals = this.assignments.principals;
    this.registerOutputs({
      applicationId: this.app.applicationId,
      servicePrincipalObjectId: this.app.servicePrincipalObjectId,
      jobId: this.provisioning.jobId,
      assignedPrincipals: this.assignedPrincipals,
    });
  }
}
