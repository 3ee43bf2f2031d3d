// The app's Provisioning tab (tutorial steps 3–12): mode Automatic (the job from the connector's
// template), admin credentials, Test Connection, notification e-mail and scope, attribute mappings,
// Provisioning Status On, and the pilot user provisioned on demand.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import type { AttributeMappingSpec, MappingObjectType } from "../model/attributeMapping";
import type { Connector } from "../model/connector";
import type { NotificationSettings } from "../model/provisioning";
import { AttributeMappings } from "../providers/attributeMappings";
import { GuardedSynchronizationSecret } from "../providers/synchronizationSettings";
import { ProvisionOnDemand } from "../providers/provisionOnDemand";
import {
  ProvisioningStatus,
  type ProvisioningStatusOutputs,
} from "../providers/provisioningStatus";
import { SynchronizationTemplate } from "../providers/synchronizationTemplate";
import { TestConnection } from "../providers/testConnection";
import { childOptions } from "./options";
import { settingsPairs } from "./synchronizationSecrets";

export interface ProvisioningJobArgs {
  /** Service principal object id (GUID). */
  servicePrincipalObjectId: pulumi.Input<string>;
  /** Service principal resource id ("/servicePrincipals/{id}"), as the azuread sync resources want it. */
  servicePrincipalId: pulumi.Input<string>;
  /** "gotomeeting" (admin user name and password) or "goto" (authorized in the portal). */
  connector: Connector;
  /** Gallery app name (e.g. "GoToMeeting"), for template discovery and its messages. */
  galleryApp: string;
  /** The enterprise app's display name, for the by-hand steps messages point to. Default galleryApp. */
  appDisplayName?: pulumi.Input<string>;
  /** Template id to use instead of the discovered one (`synchronizationTemplateId`). */
  synchronizationTemplateId?: string;
  /** GoToMeeting admin user name (connector gotomeeting only). */
  adminUserName?: pulumi.Input<string>;
  /** GoToMeeting admin password, a Pulumi secret (connector gotomeeting only). */
  adminPassword?: pulumi.Input<string>;
  /** Failure notifications (step 7). */
  notification: NotificationSettings;
  /** Accidental-deletion threshold; 0 turns it off. Default 500. */
  deleteThreshold?: number;
  /** Sync only assigned principals, or all. Default "assigned". */
  scope?: "assigned" | "all";
  /** Provisioning Status On (step 11). Default true. The job starts only after Test Connection passed. */
  provisioningEnabled?: boolean;
  /** Release a TooManyDeletes quarantine on this run. Default false. */
  allowMassDeletion?: boolean;
  /** Declared attribute mappings, per object type. Default none (the template's mappings stay). */
  attributeMappings?: { objectType: MappingObjectType; mappings: AttributeMappingSpec[] }[];
  /** The pilot user's object id: provisioned on demand once the job is configured. */
  pilotUserObjectId?: pulumi.Input<string>;
  /** Assignments must exist before the first cycle; the job waits for them. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The status outputs without the ids they were read for. */
export type ProvisioningStatusSummary = Omit<
  ProvisioningStatusOutputs,
  "servicePrincipalId" | "jobId" | "allowMassDeletion"
>;

export class ProvisioningJob extends pulumi.ComponentResource {
  /** The job id Graph uses (e.g. "gotomeeting.<tenant hex>.<app id>"). */
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
    const child = (extra: pulumi.CustomResourceOptions = {}) => childOptions(this, opts, extra);
    const gotomeeting = args.connector === "gotomeeting";
    const withCredentials =
      gotomeeting && args.adminUserName !== undefined && args.adminPassword !== undefined;

    // Step 4, Provisioning Mode Automatic: a job from the connector's synchronization template.
    const template = new SynchronizationTemplate(
      `${name}-template`,
      {
        servicePrincipalId: args.servicePrincipalObjectId,
        connector: args.connector,
        galleryApp: args.galleryApp,
        preferredTemplateId: args.synchronizationTemplateId,
        // Checked against the template's metadata before anything is written.
        credentialKeys: withCredentials ? ["UserName", "Password"] : [],
      },
      child(),
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
      child({ dependsOn: args.dependsOn, ignoreChanges: ["enabled"] }),
    );
    const jobId = job.id.apply((id) => id.split("/").pop()!);

    // Steps 5–6: admin credentials and Test Connection.
    const credentials = withCredentials
      ? pulumi.secret([
          { key: "UserName", value: pulumi.output(args.adminUserName!) },
          { key: "Password", value: pulumi.output(args.adminPassword!) },
        ])
      : undefined;
    const testConnection =
      withCredentials || !gotomeeting
        ? new TestConnection(
            `${name}-test-connection`,
            {
              servicePrincipalId: args.servicePrincipalObjectId,
              jobId,
              connector: args.connector,
              credentials,
            },
            child(),
          )
        : undefined;

    // Steps 7–8: notification e-mail, deletion threshold and scope, saved with the credentials.
    const settings = settingsPairs({
      notification: args.notification,
      deleteThreshold: args.deleteThreshold ?? 500,
      scope: args.scope ?? "assigned",
    });
    let saved: pulumi.Resource | undefined;
    if (gotomeeting && withCredentials) {
      saved = new azuread.SynchronizationSecret(
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
        child({ dependsOn: [testConnection!] }),
      );
    } else if (!gotomeeting) {
      saved = new GuardedSynchronizationSecret(
        `${name}-settings`,
        { servicePrincipalId: args.servicePrincipalObjectId, settings },
        child({ dependsOn: [job] }),
      );
    }

    // Steps 9–10: attribute mappings. Every write to the job's synchronization (secrets PUT, schema
    // PUT, start/pause) is ordered by dependencies: the azuread secret runs in another process,
    // which the providers' in-process write lock cannot see.
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
          child({ dependsOn: saved ? [saved] : [job] }),
        ),
    );

    // Steps 11–12: Provisioning Status On, once the connection is proven and everything is saved.
    const enabled = args.provisioningEnabled ?? true;
    const passed = testConnection ? testConnection.passed : pulumi.output(false);
    this.status = new ProvisioningStatus(
      `${name}-status`,
      {
        servicePrincipalId: args.servicePrincipalObjectId,
        jobId,
        // Known offline when config turns provisioning off, so a plan shows it as a value.
        enabled: enabled ? passed : false,
        allowMassDeletion: args.allowMassDeletion ?? false,
      },
      child({ dependsOn: [...(saved ? [saved] : [job]), ...mappings] }),
    );

    // Tip "assign a single user first": provision the pilot right away instead of waiting ~40 min,
    // once Test Connection passed, and fail with the step that failed unless it worked.
    if (args.pilotUserObjectId !== undefined && enabled) {
      new ProvisionOnDemand(
        `${name}-pilot`,
        {
          servicePrincipalId: args.servicePrincipalObjectId,
          jobId,
          ruleId: template.userRuleId,
          objectId: args.pilotUserObjectId,
          ready: passed,
        },
        child({ dependsOn: [this.status] }),
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
    this.testConnectionPassed = passed;
    const appName = pulumi.output(args.appDisplayName ?? args.galleryApp);
    this.pendingManualStep = testConnection
      ? pulumi
          .all([testConnection.authorizationPending, appName])
          .apply(([pending, app]) =>
            pending
              ? `Authorize pending: Entra admin center → Enterprise apps → ${app} → Provisioning → Admin Credentials → Authorize (sign in as a GoTo organization admin), then run pulumi up again.`
              : "",
          )
      : pulumi.output(
          "Admin credentials pending: set adminUserName and the secret adminPassword, then run pulumi up; Test Connection and the settings wait until then.",
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
