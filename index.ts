// Thin entry point: stack config → validation → components → stack outputs.
import * as pulumi from "@pulumi/pulumi";
import { GoToMeetingProvisioning, GoToMeetingUsers, ProvisioningMonitoring } from "./components";
import { loadConfig } from "./config/load";

const { settings, adminPassword } = loadConfig();

const gotomeeting = new GoToMeetingProvisioning("gotomeeting", { config: settings, adminPassword });
const gotoUsers =
  settings.gotoUsers.length > 0
    ? new GoToMeetingUsers("goto-users", { users: settings.gotoUsers })
    : undefined;
if (settings.monitoring) {
  new ProvisioningMonitoring("monitoring", {
    servicePrincipalObjectId: gotomeeting.app.servicePrincipalObjectId,
    applicationId: gotomeeting.app.applicationId,
    recipients: settings.notification.recipients,
    settings: settings.monitoring,
  });
}

export const applicationId = gotomeeting.app.applicationId;
export const servicePrincipalObjectId = gotomeeting.app.servicePrincipalObjectId;
export const synchronizationJobId = gotomeeting.provisioning.jobId;
export const assignedPrincipals = gotomeeting.assignedPrincipals;
export const testConnectionPassed = gotomeeting.provisioning.testConnectionPassed;
export const pendingManualStep = gotomeeting.provisioning.pendingManualStep;
export const provisioningStatus = gotomeeting.provisioning.statusSummary;
export const gotoUserKeys = gotoUsers ? gotoUsers.userKeys : pulumi.output({});
