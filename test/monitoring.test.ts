// Monitoring under Pulumi's mocks: exact types, names, parents and inputs of the workspace, the
// Entra diagnostic setting, the action group and the log alert, for both forms of `monitoring`.
// What this does not prove: that Azure accepts these inputs or that the KQL matches real records
// (the UNVERIFIED parts are listed in components/provisioningMonitoring.ts).
import { describe, expect, it } from "vitest";
import {
  ProvisioningMonitoring,
  provisioningAlertQuery,
  validateMonitoringArgs,
} from "../components/provisioningMonitoring";
import { APP_ID, BASE, SP_OBJECT_ID, azureResourceId, runStack } from "./helpers/program";

const T = {
  component: "gotomeeting-provisioning:index:ProvisioningMonitoring",
  workspace: "azure-native:operationalinsights:Workspace",
  diagnostics: "azure-native:aadiam:DiagnosticSetting",
  actionGroup: "azure-native:monitor:ActionGroup",
  alert: "azure-native:monitor:ScheduledQueryRule",
};
const RECIPIENTS = ["provisioning-alerts@contoso.com", "identity-team@contoso.com"];
const NEW_WORKSPACE = {
  resourceGroupName: "rg-identity-monitoring",
  location: "westeurope",
  retentionInDays: 90,
};
const EXISTING_WORKSPACE_ID = azureResourceId(
  "rg-shared-logs",
  "Microsoft.OperationalInsights/workspaces",
  "law-identity",
);
const CREATED_WORKSPACE_ID = azureResourceId(
  "rg-identity-monitoring",
  "Microsoft.OperationalInsights/workspaces",
  "monitoring-workspace",
);

type Run = Awaited<ReturnType<typeof runStack>>;

/** The monitoring part of the graph, sorted by name: [type, name, parent]. */
function monitoringStructure(run: Run) {
  return run.resources
    .filter((r) => r.type === T.component || r.type.startsWith("azure-native:"))
    .map((r) => [r.type, r.name, r.parent ?? null])
    .sort((a, b) => (a[1]! < b[1]! ? -1 : 1));
}

function alertInputs(resourceGroupName: string, workspaceId: string) {
  return {
    resourceGroupName,
    location: "westeurope",
    kind: "LogAlert",
    displayName: "GoToMeeting provisioning failures and quarantine (test)",
    description:
      "Provisioning failures and quarantine events of the GoToMeeting app, from Entra's provisioning and audit logs.",
    enabled: true,
    severity: 1,
    evaluationFrequency: "PT15M",
    windowSize: "PT1H",
    scopes: [workspaceId],
    criteria: {
      allOf: [
        {
          query: provisioningAlertQuery(SP_OBJECT_ID, APP_ID),
          timeAggregation: "Count",
          operator: "GreaterThan",
          threshold: 0,
          dimensions: [{ name: "Kind", operator: "Include", values: ["*"] }],
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
        },
      ],
    },
    autoMitigate: true,
    skipQueryValidation: true,
    actions: {
      actionGroups: [
        azureResourceId(
          resourceGroupName,
          "microsoft.insights/actionGroups",
          "monitoring-action-group",
        ),
      ],
    },
  };
}

describe("monitoring with a workspace created in a resource group", () => {
  const config = { ...BASE, notificationEmail: RECIPIENTS, monitoring: NEW_WORKSPACE };

  it("declares the workspace, diagnostic setting, action group and alert under one component", async () => {
    const run = await runStack(config);
    expect(monitoringStructure(run)).toEqual([
      [T.component, "monitoring", null],
      [T.actionGroup, "monitoring-action-group", "monitoring"],
      [T.diagnostics, "monitoring-entra-diagnostics", "monitoring"],
      [T.alert, "monitoring-failure-alert", "monitoring"],
      [T.workspace, "monitoring-workspace", "monitoring"],
    ]);
  });

  it("creates a PerGB2018 workspace with the configured retention", async () => {
    const run = await runStack(config);
    expect(run.byName("monitoring-workspace").inputs).toEqual({
      resourceGroupName: "rg-identity-monitoring",
      location: "westeurope",
      sku: { name: "PerGB2018" },
      retentionInDays: 90,
    });
  });

  it("keeps the schema's default retention of 30 days when none is given", async () => {
    const run = await runStack({
      ...config,
      monitoring: { resourceGroupName: "rg-identity-monitoring", location: "westeurope" },
    });
    expect(run.byName("monitoring-workspace").inputs.retentionInDays).toBe(30);
  });

  it("streams exactly AuditLogs and ProvisioningLogs to the new workspace", async () => {
    const run = await runStack(config);
    const diagnostics = run.byName("monitoring-entra-diagnostics");
    expect(diagnostics.inputs).toEqual({
      workspaceId: CREATED_WORKSPACE_ID,
      logs: [
        { category: "AuditLogs", enabled: true },
        { category: "ProvisioningLogs", enabled: true },
      ],
    });
    expect(diagnostics.dependsOn).toEqual(["monitoring-workspace"]);
  });

  it("e-mails every notification recipient, one receiver each, with the common alert schema", async () => {
    const run = await runStack(config);
    expect(run.byName("monitoring-action-group").inputs).toEqual({
      resourceGroupName: "rg-identity-monitoring",
      location: "Global",
      enabled: true,
      groupShortName: "GoToProv",
      emailReceivers: [
        { name: "email-1", emailAddress: RECIPIENTS[0], useCommonAlertSchema: true },
        { name: "email-2", emailAddress: RECIPIENTS[1], useCommonAlertSchema: true },
      ],
    });
  });

  it("alerts on this app's failures and quarantines, scoped to the workspace, after the logs flow", async () => {
    const run = await runStack(config);
    const alert = run.byName("monitoring-failure-alert");
    expect(alert.inputs).toEqual(alertInputs("rg-identity-monitoring", CREATED_WORKSPACE_ID));
    const query = (alert.inputs.criteria as { allOf: { query: string }[] }).allOf[0].query;
    expect(query).toContain(`let spObjectId = "${SP_OBJECT_ID}";`);
    expect(query).toContain(`let appId = "${APP_ID}";`);
    expect(query).toContain("AADProvisioningLogs");
    expect(query).toContain('| where ResultType == "Failure"');
    expect(query).toContain('| where ActivityDisplayName has "Quarantine"');
    expect(alert.dependsOn).toContain("monitoring-entra-diagnostics");
    expect(alert.dependsOn).toContain("monitoring-action-group");
  });
});

describe("monitoring with an existing workspace", () => {
  const config = {
    ...BASE,
    notificationEmail: RECIPIENTS,
    monitoring: { workspaceId: EXISTING_WORKSPACE_ID, location: "westeurope" },
  };

  it("creates no workspace and points the diagnostic setting and the alert at the given one", async () => {
    const run = await runStack(config);
    expect(monitoringStructure(run)).toEqual([
      [T.component, "monitoring", null],
      [T.actionGroup, "monitoring-action-group", "monitoring"],
      [T.diagnostics, "monitoring-entra-diagnostics", "monitoring"],
      [T.alert, "monitoring-failure-alert", "monitoring"],
    ]);
    expect(run.byName("monitoring-entra-diagnostics").inputs.workspaceId).toBe(
      EXISTING_WORKSPACE_ID,
    );
    expect(run.byName("monitoring-failure-alert").inputs).toEqual(
      alertInputs("rg-shared-logs", EXISTING_WORKSPACE_ID),
    );
  });

  it("puts the action group in the workspace's resource group", async () => {
    const run = await runStack(config);
    expect(run.byName("monitoring-action-group").inputs.resourceGroupName).toBe("rg-shared-logs");
  });
});

describe("without monitoring", () => {
  it("declares no monitoring component and no Azure resource", async () => {
    const run = await runStack(BASE);
    expect(monitoringStructure(run)).toEqual([]);
    expect(run.resources.length).toBeGreaterThan(0);
  });
});

describe("monitoring arguments", () => {
  it("accepts the defaults", () => {
    expect(validateMonitoringArgs({ recipients: ["a@contoso.com"] })).toEqual([]);
  });

  it.each([
    [
      { recipients: [] },
      "recipients: the alert has nobody to e-mail; set notificationEmail in the stack config or remove monitoring",
    ],
    [
      { recipients: ["a@contoso.com"], severity: 5 },
      "severity: 5 is not a whole number from 0 (critical) to 4 (verbose)",
    ],
    [
      { recipients: ["a@contoso.com"], severity: 1.5 },
      "severity: 1.5 is not a whole number from 0 (critical) to 4 (verbose)",
    ],
    [
      { recipients: ["a@contoso.com"], actionGroupShortName: "GoToMeetingOps" },
      'actionGroupShortName: "GoToMeetingOps" has 14 characters; Azure allows 1 to 12',
    ],
    [
      { recipients: ["a@contoso.com"], actionGroupShortName: "" },
      'actionGroupShortName: "" has 0 characters; Azure allows 1 to 12',
    ],
  ])("rejects %j", (args, message) => {
    expect(validateMonitoringArgs(args)).toEqual([message]);
  });

  it("makes the component throw before it registers anything", () => {
    // validateConfig already refuses monitoring without recipients; this is the backstop for
    // callers that build the component themselves. No mocks are set: registering would fail.
    expect(
      () =>
        new ProvisioningMonitoring("m", {
          servicePrincipalObjectId: SP_OBJECT_ID,
          applicationId: APP_ID,
          recipients: [],
          settings: {
            resourceGroupName: "rg",
            location: "westeurope",
            retentionInDays: 30,
            alertResourceGroupName: "rg",
          },
        }),
    ).toThrow(
      "ProvisioningMonitoring m: recipients: the alert has nobody to e-mail; set notificationEmail in the stack config or remove monitoring",
    );
  });

  it("is refused by the config when notifications are opted out", async () => {
    await expect(
      runStack({ ...BASE, notificationEmail: "none", monitoring: NEW_WORKSPACE }),
    ).rejects.toThrow(
      "monitoring: the failure alert e-mails the notification recipients, but notificationEmail opts out; set notificationEmail or remove monitoring",
    );
  });
});

describe("the alert query", () => {
  it("is exact KQL over AADProvisioningLogs failures and AuditLogs quarantines", () => {
    expect(provisioningAlertQuery("sp-1", "app-1")).toBe(
      [
        'let spObjectId = "sp-1";',
        'let appId = "app-1";',
        "let failures = AADProvisioningLogs",
        '    | where ResultType == "Failure"',
        "    | where ServicePrincipal contains spObjectId or ServicePrincipal contains appId",
        '    | project TimeGenerated, Kind = "ProvisioningFailure", Detail = strcat(ResultSignature, ": ", ResultDescription);',
        "let quarantines = AuditLogs",
        '    | where ActivityDisplayName has "Quarantine"',
        "    | where tostring(TargetResources) contains spObjectId or tostring(TargetResources) contains appId",
        '    | project TimeGenerated, Kind = "Quarantine", Detail = tostring(AdditionalDetails);',
        "union failures, quarantines",
      ].join("\n"),
    );
  });

  it("keeps quotes and backslashes inside the string literals", () => {
    const [first, second] = provisioningAlertQuery('a"b', "c\\d").split("\n");
    expect(first).toBe('let spObjectId = "a\\"b";');
    expect(second).toBe('let appId = "c\\\\d";');
  });
});
