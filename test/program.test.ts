// The whole program under Pulumi's mocks: exact resource types, names, parents and inputs per
// scenario. What this does not prove: that Entra accepts these inputs (only a tenant shows that).
import { describe, expect, it } from "vitest";
import { isSecretEnvelope } from "../scripts/mockRuntime";
import {
  APP_ID,
  APP_OBJECT_ID,
  BASE,
  JOB_ID,
  MSIAM_ROLE_ID,
  SP_OBJECT_ID,
  TEMPLATE_ID,
  USER_ROLE_ID,
  USER_RULE_ID,
  objectIdFor,
  runStack,
} from "./helpers/program";

const T = {
  provisioning: "gotomeeting-provisioning:index:GoToMeetingProvisioning",
  gallery: "gotomeeting-provisioning:index:GalleryApp",
  assignments: "gotomeeting-provisioning:index:AppRoleAssignments",
  job: "gotomeeting-provisioning:index:ProvisioningJob",
  users: "gotomeeting-provisioning:index:GoToMeetingUsers",
  app: "azuread:index/applicationFromTemplate:ApplicationFromTemplate",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  syncJob: "azuread:index/synchronizationJob:SynchronizationJob",
  secret: "azuread:index/synchronizationSecret:SynchronizationSecret",
  onDemand: "pulumi-nodejs:dynamic/gotomeeting:ProvisionOnDemand",
  template: "pulumi-nodejs:dynamic/gotomeeting:SynchronizationTemplate",
  testConnection: "pulumi-nodejs:dynamic/gotomeeting:TestConnection",
  status: "pulumi-nodejs:dynamic/gotomeeting:ProvisioningStatus",
  guarded: "pulumi-nodejs:dynamic/gotomeeting:GuardedSynchronizationSecret",
  mappings: "pulumi-nodejs:dynamic/gotomeeting:AttributeMappings",
  gotoUser: "pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser",
};
const SP_RESOURCE_ID = `/servicePrincipals/${SP_OBJECT_ID}`;
const PASSWORD = BASE.adminPassword as string;

/** Unwraps secret envelopes, remembering that the value was secret. */
function reveal(v: unknown): unknown {
  if (isSecretEnvelope(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

/** Paths at which `needle` occurs outside any secret envelope. */
function plaintextPaths(v: unknown, needle: string, at = "$"): string[] {
  if (isSecretEnvelope(v)) return [];
  if (typeof v === "string") return v.includes(needle) ? [at] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => plaintextPaths(x, needle, `${at}[${i}]`));
  if (v && typeof v === "object")
    return Object.entries(v).flatMap(([k, x]) => plaintextPaths(x, needle, `${at}.${k}`));
  return [];
}

/** Registration order follows data dependencies, not source order; compare sorted by name. */
function structure(run: Awaited<ReturnType<typeof runStack>>) {
  return run.resources
    .map((r) => [r.type, r.name, r.parent ?? null])
    .sort((a, b) => (a[1]! < b[1]! ? -1 : 1));
}

describe("connector gotomeeting (the tutorial's flow)", () => {
  it("declares every step with exact types, names and parents", async () => {
    const run = await runStack(BASE);
    expect(structure(run)).toEqual([
      [T.provisioning, "gotomeeting", null],
      [T.assignments, "gotomeeting-assignments", "gotomeeting"],
      [
        T.assignment,
        "gotomeeting-assignments-group-gotomeeting-users-9150b28d",
        "gotomeeting-assignments",
      ],
      [T.assignment, "gotomeeting-assignments-user-alice@contoso.com", "gotomeeting-assignments"],
      [T.gallery, "gotomeeting-gallery", "gotomeeting"],
      [T.app, "gotomeeting-gallery-app", "gotomeeting-gallery"],
      [T.job, "gotomeeting-provisioning", "gotomeeting"],
      [T.syncJob, "gotomeeting-provisioning-job", "gotomeeting-provisioning"],
      [T.secret, "gotomeeting-provisioning-secrets", "gotomeeting-provisioning"],
      [T.status, "gotomeeting-provisioning-status", "gotomeeting-provisioning"],
      [T.template, "gotomeeting-provisioning-template", "gotomeeting-provisioning"],
      [T.testConnection, "gotomeeting-provisioning-test-connection", "gotomeeting-provisioning"],
    ]);
  });

  it("instantiates the gallery template by name and assigns each principal its role", async () => {
    const run = await runStack(BASE);
    expect(run.calls.find((c) => c.token.endsWith("getApplicationTemplate"))?.inputs).toEqual({
      displayName: "GoToMeeting",
    });
    expect(run.byName("gotomeeting-gallery-app").inputs).toEqual({
      displayName: "GoToMeeting",
      templateId: "template-of-GoToMeeting",
    });
    expect(run.byName("gotomeeting-assignments-user-alice@contoso.com").inputs).toEqual({
      appRoleId: USER_ROLE_ID,
      principalObjectId: objectIdFor("alice@contoso.com"),
      resourceObjectId: SP_OBJECT_ID,
    });
    expect(run.byName("gotomeeting-assignments-group-gotomeeting-users-9150b28d").inputs).toEqual({
      appRoleId: USER_ROLE_ID,
      principalObjectId: objectIdFor("GoToMeeting Users"),
      resourceObjectId: SP_OBJECT_ID,
    });
  });

  it("creates the job disabled from the discovered template and leaves the switch to ProvisioningStatus", async () => {
    const run = await runStack(BASE);
    expect(run.byName("gotomeeting-provisioning-template").inputs).toMatchObject({
      servicePrincipalId: SP_OBJECT_ID,
      connector: "gotomeeting",
      galleryApp: "GoToMeeting",
    });
    expect(run.byName("gotomeeting-provisioning-job").inputs).toEqual({
      servicePrincipalId: SP_RESOURCE_ID,
      templateId: TEMPLATE_ID,
      enabled: false,
    });
    expect(run.byName("gotomeeting-provisioning-status").inputs).toMatchObject({
      servicePrincipalId: SP_OBJECT_ID,
      jobId: JOB_ID,
      enabled: true,
    });
    expect(run.byName("gotomeeting-provisioning-status").dependsOn).toContain(
      "gotomeeting-provisioning-secrets",
    );
  });

  it("writes credentials, notification settings and scope in one secret resource, password secret", async () => {
    const run = await runStack({
      ...BASE,
      notificationEmail: ["a@contoso.com", "b@contoso.com"],
      deleteThreshold: 0,
      scope: "all",
    });
    const secret = run.byName("gotomeeting-provisioning-secrets");
    expect(secret.inputs.servicePrincipalId).toBe(SP_RESOURCE_ID);
    const creds = reveal(secret.inputs.credentials) as { key: string; value: string }[];
    expect(creds.map((c) => c.key)).toEqual([
      "UserName",
      "Password",
      "SyncNotificationSettings",
      "SyncAll",
    ]);
    expect(creds[0].value).toBe("admin@contoso.com");
    expect(creds[1].value).toBe(PASSWORD);
    expect(JSON.parse(creds[2].value)).toEqual({
      Enabled: true,
      Recipients: "a@contoso.com;b@contoso.com",
      DeleteThresholdEnabled: false,
      DeleteThresholdValue: 0,
    });
    expect(creds[3].value).toBe("true");
    expect(plaintextPaths(secret.inputs, PASSWORD)).toEqual([]);
    expect(secret.dependsOn).toContain("gotomeeting-provisioning-test-connection");
  });

  it("tests the connection with the admin credentials, the password staying secret", async () => {
    const run = await runStack(BASE);
    const tc = run.byName("gotomeeting-provisioning-test-connection");
    expect(reveal(tc.inputs)).toMatchObject({
      servicePrincipalId: SP_OBJECT_ID,
      jobId: JOB_ID,
      connector: "gotomeeting",
      credentials: [
        { key: "UserName", value: "admin@contoso.com" },
        { key: "Password", value: PASSWORD },
      ],
    });
    expect(plaintextPaths(tc.inputs, PASSWORD)).toEqual([]);
  });

  it("never puts the password in a plaintext input or stack output", async () => {
    const run = await runStack(BASE);
    for (const r of run.resources) expect(plaintextPaths(r.inputs, PASSWORD)).toEqual([]);
    expect(JSON.stringify(run.outputs)).not.toContain(PASSWORD);
  });

  it("exports the ids, the assigned principals and the job's status", async () => {
    const run = await runStack(BASE);
    // The application (client) id, not ApplicationFromTemplate's "/applications/{objectId}" (F10).
    expect(run.outputs.applicationId).toEqual({ known: true, secret: false, value: APP_ID });
    expect(run.outputs.applicationObjectId).toEqual({
      known: true,
      secret: false,
      value: APP_OBJECT_ID,
    });
    expect(run.outputs.servicePrincipalObjectId).toEqual({
      known: true,
      secret: false,
      value: SP_OBJECT_ID,
    });
    expect(run.outputs.synchronizationJobId).toEqual({ known: true, secret: false, value: JOB_ID });
    expect(run.outputs.assignedPrincipals).toEqual({
      known: true,
      secret: false,
      value: [
        {
          principalType: "User",
          principal: "alice@contoso.com",
          principalObjectId: objectIdFor("alice@contoso.com"),
          role: "User",
          appRoleId: USER_ROLE_ID,
        },
        {
          principalType: "Group",
          principal: "GoToMeeting Users",
          principalObjectId: objectIdFor("GoToMeeting Users"),
          role: "User",
          appRoleId: USER_ROLE_ID,
        },
      ],
    });
    expect(run.outputs.pendingManualStep).toEqual({ known: true, secret: false, value: "" });
    expect(run.outputs.testConnectionPassed).toEqual({ known: true, secret: false, value: true });
    expect(run.outputs.provisioningStatus).toEqual({
      known: true,
      secret: false,
      value: {
        enabled: true,
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
    });
  });

  it("keeps the status off when provisioning is disabled", async () => {
    const run = await runStack({ ...BASE, provisioningEnabled: false });
    expect(run.byName("gotomeeting-provisioning-status").inputs.enabled).toBe(false);
  });

  it("uses synchronizationTemplateId as the preferred template", async () => {
    const run = await runStack({ ...BASE, synchronizationTemplateId: "gotomeetingOutDelta" });
    expect(run.byName("gotomeeting-provisioning-template").inputs.preferredTemplateId).toBe(
      "gotomeetingOutDelta",
    );
  });

  it("uses object ids as given, without a directory lookup", async () => {
    const id = "6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10";
    const run = await runStack({ ...BASE, assignments: [{ user: id }] });
    expect(run.calls.filter((c) => c.token.endsWith("getUser"))).toEqual([]);
    expect(run.byName(`gotomeeting-assignments-user-${id}`).inputs.principalObjectId).toBe(id);
  });
});

describe("pilot stage", () => {
  it("assigns only the pilot and provisions it on demand with the user rule", async () => {
    const run = await runStack({
      ...BASE,
      pilotUser: "pilot@contoso.com",
      assignments: [{ group: "Everyone" }],
    });
    expect(run.ofType(T.assignment).map((r) => r.name)).toEqual([
      "gotomeeting-assignments-user-pilot@contoso.com",
    ]);
    const pilot = run.byName("gotomeeting-provisioning-pilot");
    expect(pilot.type).toBe(T.onDemand);
    expect(pilot.parent).toBe("gotomeeting-provisioning");
    // Our own resource, not azuread's: it waits for Test Connection and reads Graph's verdict (F9).
    expect(pilot.inputs).toMatchObject({
      servicePrincipalId: SP_OBJECT_ID,
      jobId: JOB_ID,
      ruleId: USER_RULE_ID,
      objectId: objectIdFor("pilot@contoso.com"),
      ready: true,
    });
    expect(pilot.dependsOn).toContain("gotomeeting-provisioning-status");
  });

  it("rolls out to everyone when pilotUser is removed", async () => {
    const run = await runStack({
      ...BASE,
      assignments: [{ user: "pilot@contoso.com" }, { group: "Everyone" }],
    });
    expect(
      run
        .ofType(T.assignment)
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "gotomeeting-assignments-group-everyone",
      "gotomeeting-assignments-user-pilot@contoso.com",
    ]);
    expect(run.ofType(T.onDemand)).toEqual([]);
  });
});

describe("connector goto", () => {
  const GOTO = {
    connector: "goto",
    notificationEmail: "ops@contoso.com",
    assignments: [{ group: "GoTo Users" }],
  };

  it("writes no credential keys and guards the portal's authorization", async () => {
    const run = await runStack(GOTO);
    expect(run.ofType(T.secret)).toEqual([]);
    const guarded = run.byName("gotomeeting-provisioning-settings");
    expect(guarded.type).toBe(T.guarded);
    expect(reveal(guarded.inputs)).toMatchObject({
      servicePrincipalId: SP_OBJECT_ID,
      settings: [
        {
          key: "SyncNotificationSettings",
          value:
            '{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}',
        },
        { key: "SyncAll", value: "false" },
      ],
    });
    const tc = run.byName("gotomeeting-provisioning-test-connection");
    expect(tc.inputs.connector).toBe("goto");
    expect(tc.inputs.credentials).toBeUndefined();
    expect(run.calls.find((c) => c.token.endsWith("getApplicationTemplate"))?.inputs).toEqual({
      displayName: "GoTo",
    });
  });

  it("reports the pending Authorize step as a stack output", async () => {
    const run = await runStack(GOTO, {
      overrides: {
        [T.testConnection]: { passed: false, authorizationPending: true, message: "pending" },
      },
    });
    expect(run.outputs.pendingManualStep).toEqual({
      known: true,
      secret: false,
      value:
        "Authorize pending: Entra admin center → Enterprise apps → GoTo → Provisioning → Admin Credentials → Authorize (sign in as a GoTo organization admin), then run pulumi up again.",
    });
    expect(run.byName("gotomeeting-provisioning-status").inputs.enabled).toBe(false);
  });
});

describe("roles", () => {
  it("rejects a role the app does not have, listing the roles it offers", async () => {
    await expect(
      runStack({ ...BASE, assignments: [{ user: "a@contoso.com", role: "Presenter" }] }),
    ).rejects.toThrow(
      `assignments[0].role: the app has no role "Presenter"; roles it offers: "User" (User, ${USER_ROLE_ID}), "msiam_access" (${MSIAM_ROLE_ID}). Set role to one of them.`,
    );
  });

  it("rejects a disabled role", async () => {
    await expect(
      runStack({ ...BASE, assignments: [{ user: "a@contoso.com", role: "Retired role" }] }),
    ).rejects.toThrow(
      'assignments[0].role: role "Retired role" exists but is disabled in the app; enable it or pick another role.',
    );
  });

  it("assigns Default Access only when allowDefaultAccessRole is true", async () => {
    await expect(
      runStack({ ...BASE, assignments: [{ user: "a@contoso.com", role: "msiam_access" }] }),
    ).rejects.toThrow('assignments[0].role: "msiam_access" is the Default Access role');
    const run = await runStack({
      ...BASE,
      allowDefaultAccessRole: true,
      assignments: [{ user: "a@contoso.com", role: "msiam_access" }],
    });
    expect(run.byName("gotomeeting-assignments-user-a@contoso.com").inputs.appRoleId).toBe(
      MSIAM_ROLE_ID,
    );
    const zero = await runStack({
      ...BASE,
      allowDefaultAccessRole: true,
      assignments: [{ user: "a@contoso.com", role: "Default Access" }],
    });
    // "Default Access" is the portal's name for the app's msiam_access role (F11), whatever its id.
    expect(zero.byName("gotomeeting-assignments-user-a@contoso.com").inputs.appRoleId).toBe(
      MSIAM_ROLE_ID,
    );
  });

  it("matches roles by display name, case-insensitively", async () => {
    const run = await runStack({ ...BASE, assignments: [{ group: "G", role: "user" }] });
    expect(run.byName("gotomeeting-assignments-group-g").inputs.appRoleId).toBe(USER_ROLE_ID);
  });
});

describe("attribute mappings and GoToMeeting users", () => {
  it("declares one AttributeMappings per object type, before the job is switched on", async () => {
    const run = await runStack({
      ...BASE,
      attributeMappings: [{ target: "userName", source: "userPrincipalName", matchingPriority: 1 }],
    });
    const m = run.byName("gotomeeting-provisioning-user-mappings");
    expect(m.type).toBe(T.mappings);
    expect(m.parent).toBe("gotomeeting-provisioning");
    expect(m.inputs).toMatchObject({
      servicePrincipalId: SP_OBJECT_ID,
      jobId: JOB_ID,
      objectType: "User",
      mappings: [{ target: "userName", source: "userPrincipalName", matchingPriority: 1 }],
    });
    expect(run.byName("gotomeeting-provisioning-status").dependsOn).toEqual(
      expect.arrayContaining([
        "gotomeeting-provisioning-secrets",
        "gotomeeting-provisioning-user-mappings",
      ]),
    );
  });

  it("declares one GoToMeetingUser per gotoUsers entry, named after the userName", async () => {
    const run = await runStack({
      ...BASE,
      gotoUsers: [
        {
          userName: "Room.1@contoso.com",
          givenName: "Room",
          familyName: "One",
          timezone: "Europe/Berlin",
        },
        {
          userName: "breakglass@contoso.com",
          givenName: "Break",
          familyName: "Glass",
          adoptExisting: true,
        },
      ],
    });
    expect(run.ofType(T.gotoUser).map((r) => [r.name, r.parent])).toEqual([
      ["goto-users-room.1@contoso.com", "goto-users"],
      ["goto-users-breakglass@contoso.com", "goto-users"],
    ]);
    expect(run.byName("goto-users-breakglass@contoso.com").inputs).toMatchObject({
      userName: "breakglass@contoso.com",
      givenName: "Break",
      familyName: "Glass",
      adoptExisting: true,
    });
    expect(run.outputs.gotoUserKeys).toEqual({
      known: true,
      secret: false,
      value: { "Room.1@contoso.com": "1001", "breakglass@contoso.com": "1002" },
    });
  });
});

describe("what the vendors document, before anything is created", () => {
  it("refuses a gallery app that offers no automatic provisioning, naming connector goto", async () => {
    await expect(
      runStack(BASE, { overrides: { applicationTemplate: { supportedProvisioningTypes: [] } } }),
    ).rejects.toThrow(
      'The gallery app "GoToMeeting" (template template-of-GoToMeeting) offers no automatic provisioning: its supportedProvisioningTypes is [], without "sync". Nothing was created. Microsoft retired the GoToMeeting app\'s provisioning; use its successor: connector: goto (the "GoTo" gallery app).',
    );
  });

  it("takes the one role the app offers when an entry names none", async () => {
    const run = await runStack({ ...BASE, assignments: [{ group: "G" }] });
    expect(run.byName("gotomeeting-assignments-group-g").inputs.appRoleId).toBe(USER_ROLE_ID);
  });

  it("refuses to default to Default Access when that is all the app offers", async () => {
    const onlyMsiam = [
      {
        id: MSIAM_ROLE_ID,
        value: "",
        displayName: "msiam_access",
        enabled: true,
        allowedMemberTypes: ["User"],
        description: "msiam_access",
      },
    ];
    await expect(
      runStack(
        { ...BASE, assignments: [{ group: "G" }] },
        { overrides: { appRoles: { roles: onlyMsiam } } },
      ),
    ).rejects.toThrow(
      `assignments[0]: the app offers only the Default Access role ("msiam_access" (${MSIAM_ROLE_ID}));`,
    );
    const allowed = await runStack(
      { ...BASE, allowDefaultAccessRole: true, assignments: [{ group: "G" }] },
      { overrides: { appRoles: { roles: onlyMsiam } } },
    );
    expect(allowed.byName("gotomeeting-assignments-group-g").inputs.appRoleId).toBe(MSIAM_ROLE_ID);
  });

  it("refuses Default Access named by its per-app GUID, as by its name", async () => {
    await expect(
      runStack({ ...BASE, assignments: [{ user: "a@contoso.com", role: MSIAM_ROLE_ID }] }),
    ).rejects.toThrow(`assignments[0].role: "${MSIAM_ROLE_ID}" is the Default Access role`);
  });

  it("orders every write to the job's synchronization: Test Connection, secrets, mappings, status, pilot", async () => {
    const run = await runStack({
      ...BASE,
      pilotUser: "alice@contoso.com",
      attributeMappings: [{ target: "userName", source: "userPrincipalName", matchingPriority: 1 }],
    });
    expect(run.byName("gotomeeting-provisioning-secrets").dependsOn).toContain(
      "gotomeeting-provisioning-test-connection",
    );
    expect(run.byName("gotomeeting-provisioning-user-mappings").dependsOn).toContain(
      "gotomeeting-provisioning-secrets",
    );
    expect(run.byName("gotomeeting-provisioning-status").dependsOn).toContain(
      "gotomeeting-provisioning-user-mappings",
    );
    expect(run.byName("gotomeeting-provisioning-pilot").dependsOn).toContain(
      "gotomeeting-provisioning-status",
    );
  });

  it("checks the credential keys against the template's metadata and passes allowMassDeletion", async () => {
    const run = await runStack({ ...BASE, allowMassDeletion: true });
    expect(run.byName("gotomeeting-provisioning-template").inputs.credentialKeys).toEqual([
      "UserName",
      "Password",
    ]);
    expect(run.byName("gotomeeting-provisioning-status").inputs.allowMassDeletion).toBe(true);
  });

  it("waits for credentials while provisioning is off and none are set: no Test Connection, no secrets", async () => {
    const { adminUserName: _u, adminPassword: _p, ...rest } = BASE;
    const run = await runStack({ ...rest, provisioningEnabled: false }, { secretKeys: [] });
    expect(run.ofType(T.testConnection)).toEqual([]);
    expect(run.ofType(T.secret)).toEqual([]);
    expect(run.byName("gotomeeting-provisioning-status").inputs.enabled).toBe(false);
    expect(run.outputs.pendingManualStep).toEqual({
      known: true,
      secret: false,
      value:
        "Admin credentials pending: set adminUserName and the secret adminPassword, then run pulumi up; Test Connection and the settings wait until then.",
    });
  });
});
