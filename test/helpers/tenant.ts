// What the dynamic resources answer under mocks when a tenant has everything in place. Shared by
// the program tests and the benchmark (which cannot import vitest), so both measure the same program.
export const TEMPLATE_ID = "GoToMeeting";
export const USER_RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";

export const DYNAMIC_OUTPUTS: Record<string, Record<string, unknown>> = {
  "pulumi-nodejs:dynamic/gotomeeting:SynchronizationTemplate": {
    templateId: TEMPLATE_ID,
    factoryTag: "gotomeeting",
    candidates: [TEMPLATE_ID],
    userRuleId: USER_RULE_ID,
  },
  "pulumi-nodejs:dynamic/gotomeeting:TestConnection": {
    passed: true,
    authorizationPending: false,
    message: "",
  },
  "pulumi-nodejs:dynamic/gotomeeting:ProvisioningStatus": {
    scheduleState: "Active",
    statusCode: "Active",
    lastExecutionState: "Succeeded",
    lastExecutionTime: "2026-11-26T10:00:00Z",
    quarantineReason: "",
    quarantineSince: "",
    steadyStateLastAchievedTime: "2026-11-26T10:00:00Z",
    countSuccessiveCompleteFailures: 0,
    synchronizedEntryCounts: { User: 3 },
    troubleshootingUrl: "",
  },
};
