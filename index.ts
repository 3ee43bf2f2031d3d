// The stack program: stack config → validation → components → stack outputs. One consumer of the
// components; any other Pulumi program can use them with its own arguments.
import * as pulumi from "@pulumi/pulumi";
import { GoToMeetingProvisioning, GoToMeetingUsers, ProvisioningMonitoring } from "./components";
import { loadConfig } from "./config/load";

const { settings, adminPassword } = loadConfig();

const gotomeeting = new GoToMeetingProvisioning("gotomeeting", {
  ...settings.args,
  appDisplayName: settings.appDisplayName,
  adminPassword,
});
// Warnings of the stack config alone (e.g. plain http to a loopback test address); the component
// logs normalizeProvisioning's own.
for (const w of settings.warnings) {
  if (!gotomeeting.warnings.includes(w)) void pulumi.log.warn(w);
}
const gotoUsers =
  settings.gotoUsers.length > 0
    ? new GoToMeetingUsers("goto-users", { users: settings.gotoUsers })
    : undefined;
if (settings.monitoring) {
  new ProvisioningMonitoring("monitoring", {
    servicePrincipalObjectId: gotomeeting.app.servicePrincipalObjectId,
    applicationId: gotomeeting.app.clientId,
    recipients: settings.notification.recipients,
    settings: settings.monitoring,
  });
}

/** The application (client) id, a GUID. */
export const applicationId = gotomeeting.app.clientId;
/** The application registration's object id. */
export const applicationObjectId = gotomeeting.app.applicationObjectId;
export const servicePrincipalObjectId = gotomeeting.app.servicePrincipalObjectId;
export const synchronizationJobId = gotomeeting.provisioning.jobId;
export const assignedPrincipals = gotomeeting.assignedPrincipals;
export const testConnectionPassed = gotomeeting.provisioning.testConnectionPassed;
export const pendingManualStep = gotomeeting.provisioning.pendingManualStep;
export const provisioningStatus = gotomeeting.provisioning.statusSummary;
export const gotoUserKeys = gotoUsers ? gotoUsers.userKeys : pulumi.output({});
