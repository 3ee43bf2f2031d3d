// The whole portal procedure as one component: gallery app → assignments → provisioning job. Usable
// from any Pulumi program: its arguments are the stack config keys of this project, as typed values.
import * as pulumi from "@pulumi/pulumi";
import type { Connector } from "../model/connector";
import {
  type AssignmentArgs,
  type DeclaredMapping,
  normalizeProvisioning,
} from "../model/provisioning";
import { AppRoleAssignments, type AssignedPrincipal } from "./appRoleAssignments";
import { GalleryApp } from "./galleryApp";
import { childOptions } from "./options";
import { ProvisioningJob } from "./provisioningJob";

export interface GoToMeetingProvisioningArgs {
  /** Which gallery app: "gotomeeting" (the tutorial's, admin user name and password) or "goto"
   *  (its successor, authorized once in the portal with Authorize). Default "gotomeeting". */
  connector?: Connector;
  /** Gallery template display name. Default "GoToMeeting" (connector gotomeeting) or "GoTo". */
  galleryApp?: string;
  /** Name of the enterprise app instance. Default: the gallery name. */
  appDisplayName?: pulumi.Input<string>;
  /** Users and groups to assign: exactly one of `user` (UPN or object id) or `group` (display
   *  name or object id) each, with an optional `role`. Default none. */
  assignments?: AssignmentArgs[];
  /** UPN or object id of one user: while set, only this user is assigned and provisioned on demand. */
  pilotUser?: string;
  /** Allow the Default Access role (configurations created after 2020-04-16). Default false. */
  allowDefaultAccessRole?: boolean;
  /** GoToMeeting Team Admin's user name (connector gotomeeting). Required while provisioning is enabled. */
  adminUserName?: pulumi.Input<string>;
  /** Its password; pass a Pulumi secret. Required with adminUserName. */
  adminPassword?: pulumi.Input<string>;
  /** Who gets failure notifications: an address, a list, or "none". Required while provisioning is enabled. */
  notificationEmail?: string | string[];
  /** Accidental-deletion prevention threshold; 0 turns it off. Default 500. */
  deleteThreshold?: number;
  /** Sync only "assigned" users and groups, or "all". Default "assigned". */
  scope?: "assigned" | "all";
  /** Provisioning Status On (the job starts once Test Connection passed). Default true. */
  provisioningEnabled?: boolean;
  /** Release a TooManyDeletes quarantine on this run (restart with ForceDeletes). Default false;
   *  set it for one `pulumi up` after reviewing the held deletions, then unset it. */
  allowMassDeletion?: boolean;
  /** Synchronization template id instead of the discovered one. Default: discovered. */
  synchronizationTemplateId?: string;
  /** Attribute mappings to declare (`objectType` per entry, default User). Default: the template's. */
  attributeMappings?: DeclaredMapping[];
}

export class GoToMeetingProvisioning extends pulumi.ComponentResource {
  public readonly app: GalleryApp;
  public readonly assignments: AppRoleAssignments;
  public readonly provisioning: ProvisioningJob;
  public readonly assignedPrincipals: pulumi.Output<AssignedPrincipal[]>;
  /** What a reviewer should know that is not an error (e.g. a pilot missing from assignments). */
  public readonly warnings: string[];

  constructor(
    name: string,
    args: GoToMeetingProvisioningArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Before super(): bad arguments fail the program without registering anything.
    const { settings: s, problems } = normalizeProvisioning({
      ...args,
      hasAdminUserName: args.adminUserName !== undefined && args.adminUserName !== "",
      hasAdminPassword: args.adminPassword !== undefined && args.adminPassword !== "",
    });
    if (problems.length > 0) {
      // RunError: Pulumi prints the message alone, without a stack trace.
      throw new pulumi.RunError(
        `GoToMeetingProvisioning ${name}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
          problems.map((p) => `  - ${p}`).join("\n"),
      );
    }
    super("gotomeeting-provisioning:index:GoToMeetingProvisioning", name, {}, opts);
    const parent = childOptions(this, opts);
    this.warnings = s.warnings;
    for (const w of s.warnings) void pulumi.log.warn(w, this);

    this.app = new GalleryApp(
      `${name}-gallery`,
      {
        galleryApp: s.galleryApp,
        displayName: args.appDisplayName ?? s.galleryApp,
        provisioningHint:
          s.connector === "gotomeeting"
            ? 'Microsoft retired the GoToMeeting app\'s provisioning; use its successor: connector: goto (the "GoTo" gallery app).'
            : "Check that galleryApp names the GoTo gallery app (the one with automatic provisioning).",
      },
      parent,
    );
    this.assignments = new AppRoleAssignments(
      `${name}-assignments`,
      {
        servicePrincipalObjectId: this.app.servicePrincipalObjectId,
        appRoles: this.app.appRoles,
        assignments: s.assignments,
        allowDefaultAccessRole: s.allowDefaultAccessRole,
      },
      parent,
    );
    this.provisioning = new ProvisioningJob(
      `${name}-provisioning`,
      {
        servicePrincipalObjectId: this.app.servicePrincipalObjectId,
        servicePrincipalId: this.app.servicePrincipalId,
        connector: s.connector,
        galleryApp: s.galleryApp,
        appDisplayName: args.appDisplayName ?? s.galleryApp,
        synchronizationTemplateId: args.synchronizationTemplateId || undefined,
        adminUserName: s.credentialsDeclared ? args.adminUserName : undefined,
        adminPassword: s.credentialsDeclared ? args.adminPassword : undefined,
        notification: s.notification,
        deleteThreshold: s.deleteThreshold,
        scope: s.scope,
        provisioningEnabled: s.provisioningEnabled,
        allowMassDeletion: s.allowMassDeletion,
        attributeMappings: s.attributeMappings,
        pilotUserObjectId: s.pilotUser
          ? this.assignments.objectIds[s.pilotUser.principalText.toLowerCase()]
          : undefined,
        dependsOn: [this.assignments],
      },
      parent,
    );
    this.assignedPrincipals = this.assignments.principals;
    this.registerOutputs({
      applicationId: this.app.clientId,
      applicationObjectId: this.app.applicationObjectId,
      servicePrincipalObjectId: this.app.servicePrincipalObjectId,
      jobId: this.provisioning.jobId,
      assignedPrincipals: this.assignedPrincipals,
    });
  }
}
