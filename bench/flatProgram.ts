// The benchmark's baseline: the azuread resources index.ts ends up declaring for the gotomeeting
// connector (ApplicationFromTemplate, one AppRoleAssignment per assignment, SynchronizationJob,
// SynchronizationSecret), declared directly as a hand-written program would, with no components,
// no config validation and no dynamic resources. It reads the same stack config and exports the
// same core outputs, so the two programs do the same work for the assignments; what it lacks (Test
// Connection, template discovery, Provisioning Status, checks) is what the ratio pays for.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

const cfg = new pulumi.Config("gotomeeting-provisioning");
const gallery = cfg.get("galleryApp") || "GoToMeeting";
const assignments =
  cfg.requireObject<{ user?: string; group?: string; role?: string }[]>("assignments");

const template = azuread.getApplicationTemplateOutput({ displayName: gallery });
const app = new azuread.ApplicationFromTemplate("gotomeeting-app", {
  displayName: cfg.get("appDisplayName") || gallery,
  templateId: template.templateId,
});
const sp = azuread.getServicePrincipalOutput({ objectId: app.servicePrincipalObjectId });
const roleIds = sp.appRoles.apply(
  (roles) => new Map(roles.map((r) => [r.value.toLowerCase(), r.id] as [string, string])),
);

const principals = assignments.map((a) => {
  const objectId = (a.user ?? a.group)!;
  const appRoleId = roleIds.apply((ids) => ids.get((a.role ?? "User").toLowerCase())!);
  new azuread.AppRoleAssignment(`gotomeeting-${objectId}`, {
    appRoleId,
    principalObjectId: objectId,
    resourceObjectId: app.servicePrincipalObjectId,
  });
  return appRoleId.apply((roleId) => ({ principalObjectId: objectId, appRoleId: roleId }));
});

const job = new azuread.SynchronizationJob("gotomeeting-job", {
  servicePrincipalId: app.servicePrincipalId,
  templateId: cfg.get("synchronizationTemplateId") || "GoToMeeting",
  enabled: true,
});

const recipients = cfg.require("notificationEmail");
new azuread.SynchronizationSecret("gotomeeting-secrets", {
  servicePrincipalId: app.servicePrincipalId,
  credentials: [
    { key: "UserName", value: cfg.require("adminUserName") },
    { key: "Password", value: cfg.requireSecret("adminPassword") },
    {
      key: "SyncNotificationSettings",
      value: JSON.stringify({
        Enabled: true,
        Recipients: recipients,
        DeleteThresholdEnabled: true,
        DeleteThresholdValue: 500,
      }),
    },
    { key: "SyncAll", value: "false" },
  ],
});

export const applicationId = app.applicationId;
export const servicePrincipalObjectId = app.servicePrincipalObjectId;
export const synchronizationJobId = job.id.apply((id) => id.split("/").pop()!);
export const assignedPrincipals = pulumi.all(principals);
