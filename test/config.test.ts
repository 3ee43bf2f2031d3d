import { describe, expect, it } from "vitest";
import { ConfigError, ProvisioningConfig, validateConfig } from "../config/schema";

const SECRET = new Set(["adminPassword"]);
const base = {
  adminUserName: "admin@contoso.com",
  adminPassword: "pw",
  notificationEmail: "ops@contoso.com",
};

function ok(
  values: Record<string, unknown>,
  secretKeys: ReadonlySet<string> = SECRET,
): ProvisioningConfig {
  return validateConfig({ values, secretKeys });
}

function problems(
  values: Record<string, unknown>,
  secretKeys: ReadonlySet<string> = SECRET,
): string[] {
  try {
    validateConfig({ values, secretKeys });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("defaults", () => {
  it("fills every documented default", () => {
    const c = ok(base);
    expect(c).toEqual({
      connector: "gotomeeting",
      galleryApp: "GoToMeeting",
      appDisplayName: "GoToMeeting",
      assignments: [],
      pilotUser: undefined,
      allowDefaultAccessRole: false,
      adminUserName: "admin@contoso.com",
      hasAdminPassword: true,
      notification: { enabled: true, recipients: ["ops@contoso.com"] },
      deleteThreshold: 500,
      scope: "assigned",
      provisioningEnabled: true,
      synchronizationTemplateId: undefined,
      attributeMappings: [],
      gotoUsers: [],
      monitoring: undefined,
    });
  });

  it("uses GoTo as gallery app for connector goto and treats empty strings as unset", () => {
    const c = ok({
      connector: "goto",
      notificationEmail: "ops@contoso.com",
      galleryApp: "",
      pilotUser: "",
    });
    expect([c.galleryApp, c.appDisplayName, c.pilotUser, c.hasAdminPassword]).toEqual([
      "GoTo",
      "GoTo",
      undefined,
      false,
    ]);
  });

  it("parses the string forms the CLI stores for scalars", () => {
    const c = ok({
      ...base,
      deleteThreshold: "0",
      provisioningEnabled: "false",
      allowDefaultAccessRole: "true",
      scope: "all",
    });
    expect([c.deleteThreshold, c.provisioningEnabled, c.allowDefaultAccessRole, c.scope]).toEqual([
      0,
      false,
      true,
      "all",
    ]);
  });
});

describe("valid shapes", () => {
  it("resolves assignments: object ids as given, names looked up, role default User", () => {
    const c = ok({
      ...base,
      assignments: [
        { user: "alice@contoso.com" },
        { group: "GoToMeeting Users", role: "Admin" },
        { user: "6F1C9A52-3D4E-4B8A-9C21-0A7E5B3D2F10" },
      ],
    });
    expect(c.assignments).toEqual([
      {
        principalType: "User",
        principal: { kind: "name", name: "alice@contoso.com" },
        principalText: "alice@contoso.com",
        role: "User",
        path: "assignments[0]",
      },
      {
        principalType: "Group",
        principal: { kind: "name", name: "GoToMeeting Users" },
        principalText: "GoToMeeting Users",
        role: "Admin",
        path: "assignments[1]",
      },
      {
        principalType: "User",
        principal: { kind: "objectId", objectId: "6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10" },
        principalText: "6F1C9A52-3D4E-4B8A-9C21-0A7E5B3D2F10",
        role: "User",
        path: "assignments[2]",
      },
    ]);
  });

  it("with a pilot, declares only the pilot, keeping its listed role", () => {
    const c = ok({
      ...base,
      pilotUser: "Bob@contoso.com",
      assignments: [{ group: "Everyone" }, { user: "bob@contoso.com", role: "Presenter" }],
    });
    expect(c.assignments).toEqual([
      {
        principalType: "User",
        principal: { kind: "name", name: "Bob@contoso.com" },
        principalText: "Bob@contoso.com",
        role: "Presenter",
        path: "assignments[1]",
      },
    ]);
    expect(c.pilotUser).toBe(c.assignments[0]);
  });

  it("accepts a list of recipients and the explicit opt-out", () => {
    expect(ok({ ...base, notificationEmail: ["a@x.com", "b@x.com"] }).notification).toEqual({
      enabled: true,
      recipients: ["a@x.com", "b@x.com"],
    });
    expect(ok({ ...base, notificationEmail: "none" }).notification).toEqual({
      enabled: false,
      recipients: [],
    });
  });

  it("does not require admin credentials or e-mail while provisioning is off", () => {
    const c = ok({ provisioningEnabled: false });
    expect([c.adminUserName, c.hasAdminPassword, c.notification]).toEqual([
      undefined,
      false,
      { enabled: false, recipients: [] },
    ]);
  });

  it("groups attribute mappings by object type", () => {
    const c = ok({
      connector: "goto",
      notificationEmail: "ops@contoso.com",
      attributeMappings: [
        { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
        { target: "displayName", source: "displayName", objectType: "Group" },
      ],
    });
    expect(c.attributeMappings).toEqual([
      {
        objectType: "User",
        mappings: [{ target: "userName", source: "userPrincipalName", matchingPriority: 1 }],
      },
      { objectType: "Group", mappings: [{ target: "displayName", source: "displayName" }] },
    ]);
  });

  it("reads monitoring with a new workspace", () => {
    const c = ok({
      ...base,
      monitoring: { resourceGroupName: "rg-identity", location: "westeurope", retentionInDays: 90 },
    });
    expect(c.monitoring).toEqual({
      workspaceId: undefined,
      resourceGroupName: "rg-identity",
      location: "westeurope",
      retentionInDays: 90,
      alertResourceGroupName: "rg-identity",
    });
  });
});

// Each row: one bad input and the exact problem(s) it must produce.
const DEFAULT_ACCESS =
  " is the Default Access role, which the GoToMeeting provisioning tutorial says does not work for provisioning; pick a real app role (e.g. User). Microsoft changed this for provisioning configurations created after 2020-04-16 (Default Access is then evaluated like any role); if yours is such a configuration, set allowDefaultAccessRole: true";

const badCases: [string, Record<string, unknown>, string[], ReadonlySet<string>?][] = [
  [
    "unknown connector",
    { ...base, connector: "zoom" },
    ['connector: must be "gotomeeting" or "goto"'],
  ],
  ["bad scope", { ...base, scope: "everyone" }, ['scope: must be "assigned" or "all"']],
  [
    "negative threshold",
    { ...base, deleteThreshold: -1 },
    ["deleteThreshold: must be ≥ 0 (0 turns accidental-deletion prevention off)"],
  ],
  [
    "fractional threshold",
    { ...base, deleteThreshold: 2.5 },
    ["deleteThreshold: must be a whole number ≥ 0 (0 turns accidental-deletion prevention off)"],
  ],
  [
    "text threshold",
    { ...base, deleteThreshold: "many" },
    ["deleteThreshold: must be a whole number ≥ 0 (0 turns accidental-deletion prevention off)"],
  ],
  [
    "non-boolean flag",
    { ...base, provisioningEnabled: "yes" },
    ["provisioningEnabled: must be true or false"],
  ],
  [
    "non-boolean default-access flag",
    { ...base, allowDefaultAccessRole: 1 },
    ["allowDefaultAccessRole: must be true or false"],
  ],
  [
    "assignments not a list",
    { ...base, assignments: "alice@contoso.com" },
    ["assignments: must be a list of {user|group, role}"],
  ],
  [
    "assignment with neither",
    { ...base, assignments: [{ role: "User" }] },
    ["assignments[0]: set exactly one of user or group (found neither)"],
  ],
  [
    "assignment with both",
    { ...base, assignments: [{ user: "a@x.com" }, { user: "b@x.com", group: "G" }] },
    [
      "assignments[1]: set exactly one of user or group (found both); use two entries to assign both",
    ],
  ],
  [
    "assignment unknown key",
    { ...base, assignments: [{ user: "a@x.com", roles: "User" }] },
    ["assignments[0]: unknown key(s) roles; allowed: user, group, role"],
  ],
  [
    "assignment empty role",
    { ...base, assignments: [{ user: "a@x.com", role: " " }] },
    ["assignments[0].role: must not be empty"],
  ],
  [
    "assignment not an object",
    { ...base, assignments: ["a@x.com"] },
    ["assignments[0]: must be an object like {user: alice@contoso.com, role: User}"],
  ],
  [
    "user neither UPN nor id",
    { ...base, assignments: [{ user: "alice" }] },
    ['assignments[0].user: "alice" is neither a UPN (name@domain) nor an object id'],
  ],
  [
    "duplicate principal",
    {
      ...base,
      assignments: [{ user: "a@x.com" }, { group: "G" }, { user: "A@X.com", role: "Admin" }],
    },
    [
      'assignments[2]: user "A@X.com" is already assigned by assignments[0]; a principal holds one role in this app, keep one entry',
    ],
  ],
  [
    "default access by name",
    { ...base, assignments: [{ user: "a@x.com", role: "Default Access" }] },
    [`assignments[0].role: "Default Access"${DEFAULT_ACCESS}`],
  ],
  [
    "default access by value",
    { ...base, assignments: [{ group: "G", role: "msiam_access" }] },
    [`assignments[0].role: "msiam_access"${DEFAULT_ACCESS}`],
  ],
  [
    "default access by id",
    { ...base, assignments: [{ group: "G", role: "00000000-0000-0000-0000-000000000000" }] },
    [`assignments[0].role: "00000000-0000-0000-0000-000000000000"${DEFAULT_ACCESS}`],
  ],
  [
    "pilot neither UPN nor id",
    { ...base, pilotUser: "bob" },
    ['pilotUser: "bob" is neither a UPN (name@domain) nor an object id'],
  ],
  [
    "pilot with default access",
    {
      ...base,
      pilotUser: "bob@x.com",
      assignments: [{ user: "bob@x.com", role: "Default Access" }],
    },
    [`assignments[0].role: "Default Access"${DEFAULT_ACCESS}`],
  ],
  [
    "missing admin credentials",
    { notificationEmail: "ops@contoso.com" },
    [
      "adminUserName: required for connector gotomeeting while provisioning is enabled (step 5a): pulumi config set adminUserName admin@yourcompany.com",
      "adminPassword: required for connector gotomeeting while provisioning is enabled (step 5b): pulumi config set --secret adminPassword <password>",
    ],
    new Set<string>(),
  ],
  [
    "plaintext password",
    { ...base },
    [
      "adminPassword: is stored in plaintext; remove it from the stack file and set it as a secret: pulumi config set --secret adminPassword <value>",
    ],
    new Set<string>(),
  ],
  [
    "plaintext GoTo token",
    { ...base, gotoAccessToken: "abc" },
    [
      "gotoAccessToken: is stored in plaintext; remove it from the stack file and set it as a secret: pulumi config set --secret gotoAccessToken <value>",
    ],
  ],
  [
    "admin user not an e-mail",
    { ...base, adminUserName: "admin" },
    [
      'adminUserName: "admin" is not an e-mail address; GoToMeeting admins sign in with their e-mail',
    ],
  ],
  [
    "credentials with connector goto",
    { ...base, connector: "goto" },
    [
      "adminUserName: not used by connector goto, which is authorised once per environment with the portal's Authorize button (the program never writes credentials for it); remove it: pulumi config rm adminUserName",
      "adminPassword: not used by connector goto, which is authorised once per environment with the portal's Authorize button (the program never writes credentials for it); remove it: pulumi config rm adminPassword",
    ],
  ],
  [
    "missing notification e-mail",
    { adminUserName: "admin@contoso.com", adminPassword: "pw" },
    [
      'notificationEmail: required while provisioning is enabled (step 7): pulumi config set notificationEmail ops@yourcompany.com (a list is allowed), or opt out explicitly with "none"',
    ],
  ],
  [
    "bad notification e-mail",
    { ...base, notificationEmail: "ops at contoso" },
    ['notificationEmail: "ops at contoso" is not an e-mail address'],
  ],
  [
    "bad recipient in list",
    { ...base, notificationEmail: ["a@x.com", 42] },
    ["notificationEmail[1]: 42 is not an e-mail address"],
  ],
  [
    "duplicate recipient",
    { ...base, notificationEmail: ["a@x.com", "A@x.com"] },
    ['notificationEmail[1]: "A@x.com" is listed twice; remove the duplicate'],
  ],
  [
    "empty recipient list",
    { ...base, notificationEmail: [] },
    [
      'notificationEmail: must be an e-mail address, a non-empty list of them, or "none" to opt out',
    ],
  ],
  [
    "unknown key",
    { ...base, deleteTreshold: 5 },
    [
      "deleteTreshold: unknown key in the gotomeeting-provisioning namespace; remove it (pulumi config rm deleteTreshold)",
    ],
  ],
  [
    "key with wrong case",
    { ...base, Scope: "all" },
    ["Scope: unknown key in the gotomeeting-provisioning namespace; did you mean scope?"],
  ],
  [
    "group mappings with connector gotomeeting",
    {
      ...base,
      attributeMappings: [{ target: "displayName", source: "displayName", objectType: "Group" }],
    },
    [
      "attributeMappings: objectType Group is only provisioned by connector goto (the GoToMeeting connector syncs users only); remove the Group mappings or set connector: goto",
    ],
  ],
  [
    "gotoUsers not a list",
    { ...base, gotoUsers: { userName: "a@x.com" } },
    ["gotoUsers: must be a list of users ({userName, givenName, familyName, …})"],
  ],
  [
    "duplicate GoTo user",
    {
      ...base,
      gotoUsers: [
        { userName: "room@contoso.com", givenName: "Room", familyName: "One" },
        { userName: "ROOM@contoso.com", givenName: "Room", familyName: "Two" },
      ],
    },
    [
      'gotoUsers[1].userName: "ROOM@contoso.com" is already declared by gotoUsers[0]; userNames are unique (case-insensitive)',
    ],
  ],
  [
    "monitoring with both workspace forms",
    {
      ...base,
      monitoring: {
        workspaceId:
          "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws",
        resourceGroupName: "rg",
        location: "westeurope",
      },
    },
    [
      "monitoring: set exactly one of workspaceId (use an existing workspace) or resourceGroupName (create one there)",
    ],
  ],
  [
    "monitoring without location",
    { ...base, monitoring: { resourceGroupName: "rg" } },
    ["monitoring.location: is required with resourceGroupName (e.g. westeurope)"],
  ],
  [
    "monitoring with a bad workspace id",
    { ...base, monitoring: { workspaceId: "ws-1", location: "westeurope" } },
    [
      "monitoring.workspaceId: must be a Log Analytics workspace resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.OperationalInsights/workspaces/…)",
    ],
  ],
  [
    "monitoring retention out of range",
    {
      ...base,
      monitoring: { resourceGroupName: "rg", location: "westeurope", retentionInDays: 7 },
    },
    ["monitoring.retentionInDays: must be at least 30 (Log Analytics minimum)"],
  ],
  [
    "monitoring without recipients",
    {
      ...base,
      notificationEmail: "none",
      monitoring: { resourceGroupName: "rg", location: "westeurope" },
    },
    [
      "monitoring: the failure alert e-mails the notification recipients, but notificationEmail opts out; set notificationEmail or remove monitoring",
    ],
  ],
];

describe("bad input is rejected with the key path and the fix", () => {
  it.each(badCases)("%s", (_name, values, expected, secretKeys) => {
    expect(problems(values, secretKeys ?? SECRET)).toEqual(expected);
  });

  it("reports every problem of one config at once", () => {
    expect(problems({ ...base, scope: "x", connector: "y" })).toEqual([
      'connector: must be "gotomeeting" or "goto"',
      'scope: must be "assigned" or "all"',
    ]);
  });

  it("formats the error for the console with one problem per line", () => {
    expect(() => validateConfig({ values: { ...base, scope: "x" }, secretKeys: SECRET })).toThrow(
      'Invalid stack configuration (1 problem):\n  - scope: must be "assigned" or "all"',
    );
  });

  it("passes mapping and GoTo user problems through with their key paths", () => {
    const p = problems({
      ...base,
      attributeMappings: [{ target: "userName", source: "userPrincipalName", constant: "x" }],
      gotoUsers: [{ userName: "not-an-email", givenName: "A", familyName: "B" }],
    });
    expect(p.length).toBe(2);
    expect(p[0]).toMatch(/^attributeMappings\[0\]: /);
    expect(p[1]).toMatch(/^gotoUsers\[0\]\.userName: /);
  });
});
