// The app's Provisioning tab (tutorial steps 3–12): mode Automatic (the job from the connector's
// template), admin credentials, Test Connection, notification e-mail and scope, attribute mappings,
// Provisioning Status On, and the pilot user provisioned on demand.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import type { Connector, NotificationSettings } from "../config/schema";
import { AttributeMappings, type AttributeMappingSpec } from "./attributeMappings";
import { GuardedSynchronizationSecret } from "./guardedSynchronizationSecret";
import { ProvisioningStatus, type ProvisioningStatusOutputs } from "./provisioningStatus";
import { settingsPairs } from "./synchronizationSecrets";
import { SynchronizationTemplate } from "./synchronizationTemplate";
import { TestConnection } from "./testConnection";

export interface ProvisioningJobArgs {
  /** Service principal object id (GUID). */
  servicePrincipalObjectId: pulumi.Input<string>;
  /** Service principal resource id ("/servicePrincipals/{id}"), as the azuread sync resources want it. */
  servicePrincipalId: pulumi.Input<string>;
  connector: Connector;
  /** Gallery app name, for messages. */
  galleryApp: string;
  /** Template id to use instead of the discovered one (`synchronizationTemplateId`). */
  synchronizationTemplateId?: string;
  /** GoToMeeting admin user name (connector gotomeeting only). */
  adminUserName?: string;
  /** GoToMeeting admin password, a Pulumi secret (connector gotomeeting only). */
  adminPassword?: pulumi.Input<string>;
  notification: NotificationSettings;
  /** Accidental-deletion threshold; 0 turns it off. Default 500. */
  deleteThreshold?: number;
  /** Sync only assigned principals, or all. Default "assigned". */
  scope?: "assigned" | "all";
  /** Provisioning Status On (step 11). Default true. The job starts only after Test Connection passed. */
  provisioningEnabled?: boolean;
  /** Declared attribute mappings, per object type. Default none (the template's mappings stay). */
  attributeMappings?: { objectType: "User" | "Group"; mappings: AttributeMappingSpec[] }[];
  /** The pilot user's object id: provisioned on demand once the job is configured. */
  pilotUserObjectId?: pulumi.Input<string>;
  /** Assignments must exist before the first cycle; the job waits for them. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The status outputs without the ids they were read for. */
export type ProvisioningStatusSummary = Omit<
  ProvisioningStatusOutputs,
  "servicePrincipalId" | "jobId"
>;

export class ProvisioningJob extends pulumi.ComponentResource {
  /** The job id Graph uses ("<templateId>.<hex>"). */
  public readonly jobId: pulumi.Output<string>;
  public readonly templateId: pulumi.Output<string>;
  public readonly testConnectionPassed: pulumi.Output<boolean>;
  /** Empty, or what the admin still has to do by hand (the GoTo connector's Authorize step). */
  public readonly pendingManualStep: pulumi.Output<string>;
  public readonly status: ProvisioningStatus;
  /** "Synchronization Details": the job's state as of the last `pulumi up` or `pulumi refresh`. */
  public readonly statusSummary: pulumi.Output<ProvisioningStatusSummary>;

  constructor(name: string, args: ProvisioningJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gotomeeting-provisioning:index:ProvisioningJob", name, {}, opts);
    const parent = { parent: this };

    // Step 4, Provisioning Mode Automatic: a job from the connector's synchronization template.
    const template = new SynchronizationTemplate(
      `${name}-template`,
      {
        servicePrincipalId: args.servicePrincipalObjectId,
        connector: args.connector,
        galleryApp: args.galleryApp,
        preferredTemplateId: args.synchronizationTemplateId,
      },
      parent,
    );
    // Graph creates jobs disabled and this program starts them only after Test Connection passed, so
    // ProvisioningStatus owns the on/off switch; the azuread provider must not fight over it.
    const job = new azuread.SynchronizationJob(
      `${name}-job`,
      {
        servicePrincipalId: args.servicePrincipalId,
        templateId: template.templateId,
        enabled: false,
      },
      { ...parent, dependsOn: args.dependsOn, ignoreChanges: ["enabled"] },
    );
    const jobId = job.id.apply((id) => id.split("/").pop()!);

    // Steps 5–6: admin credentials and Test Connection.
    const credentials =
      args.connector === "gotomeeting"
        ? pulumi.secret([
            { key: "UserName", value: pulumi.output(args.adminUserName ?? "") },
            { key: "Password", value: pulumi.output(args.adminPassword ?? "") },
          ])
        : undefined;
    const testConnection = new TestConnection(
      `${name}-test-connection`,
      {
        servicePrincipalId: args.servicePrincipalObjectId,
        jobId,
        connector: args.connector,
        credentials,
      },
      parent,
    );

    // Steps 7–8: notification e-mail, deletion threshold and scope, saved with the credentials.
    const settings = settingsPairs({
      notification: args.notification,
      deleteThreshold: args.deleteThreshold ?? 500,
      scope: args.scope ?? "assigned",
    });
    const saved: pulumi.Resource =
      args.connector === "gotomeeting"
        ? new azuread.SynchronizationSecret(
            `${name}-secrets`,
            {
              servicePrincipalId: args.servicePrincipalId,
              // One write holds every key: Graph's PUT replaces the whole set, so a second writer
              // would erase the first one's keys.
              credentials: pulumi
                .all([credentials!, settings])
                .apply(([creds, rest]) => [...creds, ...rest]),
            },
            // The portal saves only after Test Connection passed; so does this.
            { ...parent, dependsOn: [testConnection] },
          )
        : new GuardedSynchronizationSecret(
            `${name}-settings`,
            { servicePrincipalId: args.servicePrincipalObjectId, settings },
            { ...parent, dependsOn: [job] },
          );

    // Steps 9–10: attribute mappings.
    const mappings = (args.attributeMappings ?? []).map(
      (group) =>
        new AttributeMappings(
          `${name}-${group.objectType.toLowerCase()}-mappings`,
          {
            servicePrincipalId: args.servicePrincipalObjectId,
            jobId,
            objectType: group.objectType,
            mappings: group.mappings,
          },
          parent,
        ),
    );

    // Steps 11–12: Provisioning Status On, once the connection is proven and everything is saved.
    const enabled = args.provisioningEnabled ?? true;
    this.status = new ProvisioningStatus(
      `${name}-status`,
      {
        servicePrincipalId: args.servicePrincipalObjectId,
        jobId,
        enabled: testConnection.passed.apply((passed) => enabled && passed),
      },
      { ...parent, dependsOn: [saved, ...mappings] },
    );

    // Tip "assign a single user first": provision the pilot right away instead of waiting ~40 min.
    if (args.pilotUserObjectId !== undefined && enabled) {
      const objectId = pulumi.output(args.pilotUserObjectId);
      new azuread.SynchronizationJobProvisionOnDemand(
        `${name}-pilot`,
        {
          servicePrincipalId: args.servicePrincipalId,
          synchronizationJobId: job.id,
          parameters: [
            { ruleId: template.userRuleId, subjects: [{ objectId, objectTypeName: "User" }] },
          ],
          // Runs again when the pilot changes.
          triggers: { pilot: objectId },
        },
        { ...parent, dependsOn: [this.status] },
      );
    }

    const st = this.status;
    this.statusSummary = pulumi.output({
      enabled: st.enabled,
      scheduleState: st.scheduleState,
      statusCode: st.statusCode,
      lastExecutionState: st.lastExecutionState,
      lastExecutionTime: st.lastExecutionTime,
      quarantineReason: st.quarantineReason,
      quarantineSince: st.quarantineSince,
      steadyStateLastAchievedTime: st.steadyStateLastAchievedTime,
      countSuccessiveCompleteFailures: st.countSuccessiveCompleteFailures,
      synchronizedEntryCounts: st.synchronizedEntryCounts,
      troubleshootingUrl: st.troubleshootingUrl,
    });
    this.jobId = jobId;
    this.templateId = template.templateId;
    this.testConnectionPassed = testConnection.passed;
    this.pendingManualStep = testConnection.authorizationPending.apply((pending) =>
      pending
        ? `Authorize pending: Entra admin center → Enterprise apps → ${args.galleryApp} → Provisioning → Admin Credentials → Authorize (sign in as a GoTo organization admin), then run pulumi up again.`
        : "",
    );
    this.registerOutputs({
      jobId: this.jobId,
      templateId: this.templateId,
      testConnectionPassed: this.testConnectionPassed,
      pendingManualStep: this.pendingManualStep,
      statusSummary: this.statusSummary,
    });
  }
}
