// Optional monitoring (stack config `monitoring`): Entra's audit and provisioning logs streamed to a
// Log Analytics workspace, and one log alert on this app's provisioning failures and quarantines
// that e-mails the provisioning notification recipients.
import * as aadiam from "@pulumi/azure-native/aadiam";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringSettings } from "../model/monitoring";
import { childOptions } from "./options";

/** Entra diagnostic-setting categories this component streams (the tables AuditLogs and AADProvisioningLogs). */
export const LOG_CATEGORIES = ["AuditLogs", "ProvisioningLogs"] as const;

export interface ProvisioningMonitoringArgs {
  /** Object id of the app's service principal; the alert query matches it. */
  servicePrincipalObjectId: pulumi.Input<string>;
  /** Application (client) id of the app (a GUID, GalleryApp.clientId); the alert query matches it as well. */
  applicationId: pulumi.Input<string>;
  /** Who receives the alert e-mail: the provisioning notification recipients. At least one. */
  recipients: string[];
  /** Validated `monitoring` stack config: an existing workspace, or a resource group to create one in. */
  settings: MonitoringSettings;
  /** Alert severity, 0 (critical) to 4 (verbose). Default 1 (error). */
  severity?: number;
  /** How often the alert query runs, ISO 8601. Default "PT15M". */
  evaluationFrequency?: string;
  /**
   * How far back each run looks, ISO 8601. Default "PT1H": one ~40-minute provisioning cycle plus
   * the delay before Entra's logs reach the workspace.
   */
  windowSize?: string;
  /** Action group short name, shown as the sender of notifications; 1 to 12 characters. Default "GoToProv". */
  actionGroupShortName?: string;
}

/**
 * Checks the arguments Azure would reject only at deploy time; the message names the argument.
 * Pure, so the rules are tested without mocks.
 */
export function validateMonitoringArgs(
  args: Pick<ProvisioningMonitoringArgs, "recipients" | "severity" | "actionGroupShortName">,
): string[] {
  const problems: string[] = [];
  if (args.recipients.length === 0) {
    problems.push(
      "recipients: the alert has nobody to e-mail; set notificationEmail in the stack config or remove monitoring",
    );
  }
  const severity = args.severity ?? 1;
  if (!Number.isInteger(severity) || severity < 0 || severity > 4) {
    problems.push(`severity: ${severity} is not a whole number from 0 (critical) to 4 (verbose)`);
  }
  const short = args.actionGroupShortName ?? "GoToProv";
  if (short.length < 1 || short.length > 12) {
    problems.push(
      `actionGroupShortName: "${short}" has ${short.length} characters; Azure allows 1 to 12`,
    );
  }
  return problems;
}

/** A KQL string literal; the ids come from Entra, but a quote must never end the literal early. */
function kqlString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * The alert query: one row per provisioning failure or quarantine event of this app, with a `Kind`
 * column the rule splits on, so failures and quarantines alert separately.
 *
 * Verified against Microsoft Learn (table references, Graph's directoryAudit, the quarantine article):
 *   - AADProvisioningLogs has the string columns ResultType ("Success", "Failure", "Skipped"),
 *     ResultSignature, ResultDescription, JobId and ServicePrincipal;
 *   - AuditLogs has ActivityDisplayName (the portal's "Activity") and AdditionalDetails;
 *   - the quarantine history is in the audit logs under the activity "Quarantine";
 *   - audit events carry target resources (id, type such as ServicePrincipal).
 * UNVERIFIED (no sample record was available):
 *   - which id the ServicePrincipal column holds (object id or application id) and its JSON shape:
 *     the query matches either id as a substring;
 *   - the exact activity name of quarantine events: matched with `has "Quarantine"`;
 *   - the AuditLogs column name TargetResources (Graph's targetResources) and that quarantine
 *     events list the app's service principal there.
 * Check these against the first real records and tighten the query then.
 */
export function provisioningAlertQuery(
  servicePrincipalObjectId: string,
  applicationId: string,
): string {
  return [
    `let spObjectId = ${kqlString(servicePrincipalObjectId)};`,
    `let appId = ${kqlString(applicationId)};`,
    "let failures = AADProvisioningLogs",
    '    | where ResultType == "Failure"',
    "    | where ServicePrincipal contains spObjectId or ServicePrincipal contains appId",
    '    | project TimeGenerated, Kind = "ProvisioningFailure", Detail = strcat(ResultSignature, ": ", ResultDescription);',
    "let quarantines = AuditLogs",
    '    | where ActivityDisplayName has "Quarantine"',
    "    | where tostring(TargetResources) contains spObjectId or tostring(TargetResources) contains appId",
    '    | project TimeGenerated, Kind = "Quarantine", Detail = tostring(AdditionalDetails);',
    "union failures, quarantines",
  ].join("\n");
}

export class ProvisioningMonitoring extends pulumi.ComponentResource {
  /** Resource id of the Log Analytics workspace the logs go to (created or given). */
  public readonly workspaceId: pulumi.Output<string>;
  public readonly actionGroupId: pulumi.Output<string>;
  public readonly alertRuleId: pulumi.Output<string>;

  constructor(
    name: string,
    args: ProvisioningMonitoringArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Before super(): a bad argument fails the program without registering anything.
    const problems = validateMonitoringArgs(args);
    if (problems.length > 0) {
      throw new Error(`ProvisioningMonitoring ${name}: ${problems.join("; ")}`);
    }
    super("gotomeeting-provisioning:index:ProvisioningMonitoring", name, {}, opts);
    const s = args.settings;
    const parent = childOptions(this, opts);

    // Azure names come from the logical names plus a random suffix (azure-native auto-naming), so
    // dev and prod can share a resource group without colliding.
    const workspaceId: pulumi.Output<string> = s.resourceGroupName
      ? new operationalinsights.Workspace(
          `${name}-workspace`,
          {
            resourceGroupName: s.resourceGroupName,
            location: s.location,
            sku: { name: "PerGB2018" },
            retentionInDays: s.retentionInDays,
          },
          parent,
        ).id
      : pulumi.output(s.workspaceId!);

    // Tenant-wide: Entra keeps one set of diagnostic settings per tenant, not per app.
    const diagnostics = new aadiam.DiagnosticSetting(
      `${name}-entra-diagnostics`,
      {
        workspaceId,
        logs: LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
      },
      parent,
    );

    const actionGroup = new monitor.ActionGroup(
      `${name}-action-group`,
      {
        resourceGroupName: s.alertResourceGroupName,
        // Action groups are global resources.
        location: "Global",
        enabled: true,
        groupShortName: args.actionGroupShortName ?? "GoToProv",
        emailReceivers: args.recipients.map((emailAddress, i) => ({
          name: `email-${i + 1}`,
          emailAddress,
          useCommonAlertSchema: true,
        })),
      },
      parent,
    );

    const alert = new monitor.ScheduledQueryRule(
      `${name}-failure-alert`,
      {
        resourceGroupName: s.alertResourceGroupName,
        location: s.location,
        kind: "LogAlert",
        // The stack in the title tells dev's alert from prod's in a shared resource group.
        displayName: `GoToMeeting provisioning failures and quarantine (${pulumi.getStack()})`,
        description:
          "Provisioning failures and quarantine events of the GoToMeeting app, from Entra's provisioning and audit logs.",
        enabled: true,
        severity: args.severity ?? 1,
        evaluationFrequency: args.evaluationFrequency ?? "PT15M",
        windowSize: args.windowSize ?? "PT1H",
        scopes: [workspaceId],
        criteria: {
          allOf: [
            {
              query: pulumi
                .all([args.servicePrincipalObjectId, args.applicationId])
                .apply(([sp, app]) => provisioningAlertQuery(sp, app)),
              timeAggregation: "Count",
              operator: "GreaterThan",
              threshold: 0,
              dimensions: [{ name: "Kind", operator: "Include", values: ["*"] }],
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
        // Stateful: one notification per episode, resolved once a window has no matching rows.
        autoMitigate: true,
        // The tables exist in a new workspace only after the first logs arrive; without this Azure
        // rejects the rule ("Failed to resolve table") on the first deploy.
        skipQueryValidation: true,
        actions: { actionGroups: [actionGroup.id] },
      },
      { ...parent, dependsOn: [diagnostics] },
    );

    this.workspaceId = workspaceId;
    this.actionGroupId = actionGroup.id;
    this.alertRuleId = alert.id;
    this.registerOutputs({
      workspaceId: this.workspaceId,
      actionGroupId: this.actionGroupId,
      alertRuleId: this.alertRuleId,
    });
  }
}
