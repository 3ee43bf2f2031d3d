// A platform team's own Pulumi program that adds Entra → GoToMeeting/GoTo provisioning next to what
// it already declares. It uses the package's components with typed arguments: no stack config of
// gotomeeting-provisioning is involved (only the Graph and GoTo settings of its dynamic resources
// come from this stack's `gotomeeting-provisioning:*` config, as a provider's settings would).
import * as pulumi from "@pulumi/pulumi";
import { GoToMeetingProvisioning, GoToMeetingUsers } from "gotomeeting-provisioning";

const config = new pulumi.Config();

// The tutorial's legacy app: admin user name and password, a pilot user first.
const meetings = new GoToMeetingProvisioning("meetings", {
  connector: "gotomeeting",
  appDisplayName: "GoToMeeting (platform)",
  adminUserName: config.get("gotoAdminUpn") ?? "gotomeeting-admin@contoso.com",
  adminPassword: config.requireSecret("gotoAdminPassword"),
  assignments: [{ group: "GoToMeeting Users" }, { user: "pilot.user@contoso.com" }],
  pilotUser: "pilot.user@contoso.com",
  notificationEmail: ["identity-team@contoso.com"],
  attributeMappings: [{ target: "userName", source: "userPrincipalName", matchingPriority: 1 }],
});

// Its successor, authorized once in the portal; users and groups, everything assigned.
const goto = new GoToMeetingProvisioning(
  "goto",
  {
    connector: "goto",
    assignments: [{ group: "GoTo Users" }, { group: "GoTo Admins", role: "User" }],
    notificationEmail: "identity-team@contoso.com",
    deleteThreshold: 200,
  },
  // Keep the app and its assignments if this block is ever removed from the program.
  { retainOnDelete: true },
);

// Break-glass accounts held in code, kept in GoTo when they leave the program.
const accounts = new GoToMeetingUsers(
  "break-glass",
  {
    users: [{ userName: "breakglass-admin@contoso.com", givenName: "Break", familyName: "Glass" }],
  },
  { retainOnDelete: true },
);

export const meetingsAppId = meetings.app.clientId;
export const gotoAppId = goto.app.clientId;
export const gotoPendingStep = goto.provisioning.pendingManualStep;
export const breakGlassKeys = accounts.userKeys;
