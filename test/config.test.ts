import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError, KNOWN_KEYS, ProvisioningConfig, validateConfig } from "../config/schema";
import { editDistance, nearestKey } from "../config/suggest";
import { INPUT_KEYS } from "../model/goToUser";

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
      allAssignments: [],
      pilotUser: undefined,
      warnings: [],
      allowDefaultAccessRole: false,
      adminUserName: "admin@contoso.com",
      hasAdminPassword: true,
      credentialsDeclared: true,
      notification: { enabled: true, recipients: ["ops@contoso.com"] },
      deleteThreshold: 500,
      scope: "assigned",
      provisioningEnabled: true,
      allowMassDeletion: false,
      synchronizationTemplateId: undefined,
      attributeMappings: [],
      gotoUsers: [],
      monitoring: undefined,
      endpoints: {
        graphApiUrl: "https://graph.microsoft.com/v1.0",
        gotoApiUrl: "https://api.getgo.com/identity/v1",
        gotoAuthUrl: "https://authentication.logmeininc.com/oauth/token",
        gotoAdminApiUrl: "https://api.getgo.com/admin/rest/v1",
      },
      secretsSet: ["adminPassword"],
      args: {
        connector: "gotomeeting",
        galleryApp: undefined,
        appDisplayName: undefined,
        assignments: [],
        pilotUser: undefined,
        allowDefaultAccessRole: false,
        adminUserName: "admin@contoso.com",
        notificationEmail: "ops@contoso.com",
        deleteThreshold: 500,
        scope: "assigned",
        provisioningEnabled: true,
        allowMassDeletion: false,
        synchronizationTemplateId: undefined,
        attributeMappings: undefined,
      },
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
  it("resolves assignments: object ids as given, names looked up, role default: the app's own", () => {
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
  " is the Default Access role (msiam_access), which the GoToMeeting provisioning tutorial says does not work for provisioning; pick another app role. Microsoft changed this for provisioning configurations created after 2020-04-16 (Default Access is then evaluated like any role); if yours is such a configuration, set allowDefaultAccessRole: true";

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
    ["assignments[0]: unknown key roles (did you mean role?); allowed: user, group, role"],
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
      "adminUserName: required for connector gotomeeting while provisioning is enabled (step 5a); set it: pulumi config set adminUserName admin@yourcompany.com",
      "adminPassword: required for connector gotomeeting while provisioning is enabled (step 5b); set it as a secret: pulumi config set --secret adminPassword <password>",
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
      "deleteTreshold: unknown key in the gotomeeting-provisioning namespace; did you mean deleteThreshold?",
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

describe("every problem at once, schema and cross-key rules together", () => {
  it("reports a bad value, an unknown key and the rules between keys in one run", () => {
    expect(
      problems({
        adminUserName: "admin@contoso.com",
        adminPassword: "pw",
        scope: "everyone",
        asignments: [],
        assignments: [
          { user: "a@x.com", role: 5 },
          { group: "G", role: "msiam_access" },
        ],
      }),
    ).toEqual([
      "asignments: unknown key in the gotomeeting-provisioning namespace; did you mean assignments?",
      'scope: must be "assigned" or "all"',
      "assignments[0].role: must be an app role value or display name (text)",
      `assignments[1].role: "msiam_access"${DEFAULT_ACCESS}`,
      'notificationEmail: required while provisioning is enabled (step 7): pulumi config set notificationEmail ops@yourcompany.com (a list is allowed), or opt out explicitly with "none"',
    ]);
  });

  it("keeps the index of the entries after a rejected one", () => {
    expect(
      problems({ ...base, assignments: [{ user: "a@x.com", roles: "User" }, { user: "alice" }] }),
    ).toEqual([
      "assignments[0]: unknown key roles (did you mean role?); allowed: user, group, role",
      'assignments[1].user: "alice" is neither a UPN (name@domain) nor an object id',
    ]);
  });

  it("does not repeat a bad connector as missing credentials", () => {
    expect(problems({ connector: "zoom", notificationEmail: "ops@contoso.com" })).toEqual([
      'connector: must be "gotomeeting" or "goto"',
    ]);
  });
});

describe("did you mean", () => {
  it.each([
    ["asignments", "assignments"],
    ["deleteTreshold", "deleteThreshold"],
    ["Scope", "scope"],
    ["notificationEmails", "notificationEmail"],
    ["pilotuser", "pilotUser"],
    ["graphApiURL", "graphApiUrl"],
  ])("%s → %s", (typo, key) => {
    expect(nearestKey(typo, KNOWN_KEYS)).toBe(key);
    expect(problems({ ...base, [typo]: "x" })).toEqual([
      `${typo}: unknown key in the gotomeeting-provisioning namespace; did you mean ${key}?`,
    ]);
  });

  it("suggests nothing for a key unlike any", () => {
    expect(nearestKey("region", KNOWN_KEYS)).toBeUndefined();
    expect(editDistance("abc", "acb")).toBe(1);
  });

  it("inside assignments, monitoring and gotoUsers too", () => {
    expect(
      problems({
        ...base,
        assignments: [{ gruop: "G" }],
        monitoring: { resourceGroupName: "rg", location: "westeurope", retention: 30 },
        gotoUsers: [{ userName: "a@x.com", givenName: "A", familyName: "B", timezon: "UTC" }],
      }),
    ).toEqual([
      "monitoring: unknown key retention (did you mean retentionInDays?); allowed: workspaceId, resourceGroupName, location, retentionInDays",
      "assignments[0]: unknown key gruop (did you mean group?); allowed: user, group, role",
      `gotoUsers[0].timezon: is not a GoToMeetingUser input; did you mean timezone? Otherwise remove it (inputs: ${INPUT_KEYS.join(", ")})`,
    ]);
  });
});

describe("API URLs", () => {
  const HTTP =
    "uses plain http; it must be https (http is accepted only for a loopback test address such as http://127.0.0.1:8080)";
  it.each([
    ["graphApiUrl", "http://graph.microsoft.com/v1.0", "https://graph.microsoft.com/v1.0"],
    ["gotoApiUrl", "http://api.getgo.com/identity/v1", "https://api.getgo.com/identity/v1"],
    [
      "gotoAuthUrl",
      "http://authentication.logmeininc.com/oauth/token",
      "https://authentication.logmeininc.com/oauth/token",
    ],
  ])("%s must be https", (key, value, example) => {
    expect(problems({ ...base, [key]: value })).toEqual([
      `${key}: "${value}" ${HTTP}, e.g. pulumi config set ${key} ${example}`,
    ]);
  });

  it("accepts plain http to loopback addresses, and says it is for tests only", () => {
    const c = ok({
      ...base,
      graphApiUrl: "http://127.0.0.1:4000/v1.0",
      gotoApiUrl: "http://localhost:4001/identity/v1",
      gotoAuthUrl: "http://[::1]:4002/oauth/token",
    });
    expect(c.warnings).toEqual([
      "graphApiUrl: plain http to the loopback address 127.0.0.1:4000 is accepted for tests against local fakes only; a real stack uses https",
      "gotoApiUrl: plain http to the loopback address localhost:4001 is accepted for tests against local fakes only; a real stack uses https",
      "gotoAuthUrl: plain http to the loopback address [::1]:4002 is accepted for tests against local fakes only; a real stack uses https",
    ]);
    expect(c.endpoints.graphApiUrl).toBe("http://127.0.0.1:4000/v1.0");
  });

  it("graphApiUrl must name its version segment", () => {
    expect(problems({ ...base, graphApiUrl: "https://graph.microsoft.com" })).toEqual([
      'graphApiUrl: "https://graph.microsoft.com" names no API version, so every request would miss it (for example /v1.0); end the URL with the version segment, e.g. pulumi config set graphApiUrl https://graph.microsoft.com/v1.0',
    ]);
    for (const u of ["https://graph.microsoft.us/v1.0", "https://graph.microsoft.com/beta/"]) {
      expect(ok({ ...base, graphApiUrl: u }).endpoints.graphApiUrl).toBe(u);
    }
  });

  it("never echoes a URL that holds credentials", () => {
    const p = problems({ ...base, graphApiUrl: "https://user:hunter2@graph.microsoft.com/v1.0" });
    expect(p).toEqual([
      "graphApiUrl: must not hold credentials (user:password@); remove them, e.g. pulumi config set graphApiUrl https://graph.microsoft.com/v1.0",
    ]);
  });

  it("rejects text that is no URL", () => {
    expect(problems({ ...base, gotoApiUrl: "api.getgo.com/identity/v1" })).toEqual([
      'gotoApiUrl: "api.getgo.com/identity/v1" is not an absolute URL; it must be an https URL, e.g. pulumi config set gotoApiUrl https://api.getgo.com/identity/v1',
    ]);
  });
});

describe("rules that need no tenant run offline", () => {
  it("one lowest matching priority", () => {
    expect(
      problems({
        ...base,
        attributeMappings: [
          { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
          { target: "externalId", source: "objectId", matchingPriority: 1 },
        ],
      }),
    ).toEqual([
      'attributeMappings (User): "userName" and "externalId" share the lowest matchingPriority 1; exactly one mapping may have the lowest matchingPriority, give the others higher numbers or none',
    ]);
  });

  it("Default Access on an entry that is not the pilot, while a pilot is set", () => {
    expect(
      problems({
        ...base,
        pilotUser: "bob@x.com",
        assignments: [{ user: "bob@x.com" }, { group: "G", role: "Default Access" }],
      }),
    ).toEqual([`assignments[1].role: "Default Access"${DEFAULT_ACCESS}`]);
  });

  it("a pilot who is not in assignments is a warning that says what happens at rollout", () => {
    const c = ok({ ...base, pilotUser: "bob@x.com", assignments: [{ group: "G" }] });
    expect(c.warnings).toEqual([
      'pilotUser: "bob@x.com" is not in assignments, so removing pilotUser at rollout removes this user\'s assignment (and GoToMeeting deprovisions the account); add it to assignments to keep it',
    ]);
    expect(c.assignments.map((a) => a.principalText)).toEqual(["bob@x.com"]);
  });

  it("credentials: both while enabled; both or neither while disabled, with a warning for neither", () => {
    const off = { notificationEmail: "none", provisioningEnabled: false };
    expect(ok(off).warnings).toEqual([
      "adminUserName, adminPassword: not set while provisioningEnabled is false, so Test Connection and the saved settings (notification e-mail, deletion threshold, scope) wait; set both before turning provisioning on",
    ]);
    expect(ok(off).credentialsDeclared).toBe(false);
    expect(problems({ ...off, adminPassword: "pw" })).toEqual([
      "adminUserName: required together with adminPassword, since Test Connection needs both (step 5a); set it: pulumi config set adminUserName admin@yourcompany.com",
    ]);
    expect(problems({ ...off, adminUserName: "admin@contoso.com" })).toEqual([
      "adminPassword: required together with adminUserName, since Test Connection needs both (step 5b); set it as a secret: pulumi config set --secret adminPassword <password>",
    ]);
    const both = ok({ ...off, adminUserName: "admin@contoso.com", adminPassword: "pw" });
    expect([both.credentialsDeclared, both.warnings]).toEqual([true, []]);
  });

  it("allowMassDeletion defaults to false; true warns that it is for one run", () => {
    expect(ok(base).allowMassDeletion).toBe(false);
    const c = ok({ ...base, allowMassDeletion: "true" });
    expect(c.allowMassDeletion).toBe(true);
    expect(c.args.allowMassDeletion).toBe(true);
    expect(c.warnings).toEqual([
      "allowMassDeletion: true releases a TooManyDeletes quarantine on this run, so the deletions it held are carried out; it is meant for one pulumi up after reviewing them: unset it right after (pulumi config rm allowMassDeletion)",
    ]);
    expect(problems({ ...base, allowMassDeletion: "yes" })).toEqual([
      "allowMassDeletion: must be true or false",
    ]);
  });
});

describe("esc/gotomeeting-shared.yaml", () => {
  it("passes the project's own validation as the config it exposes", () => {
    const env = parse(
      readFileSync(path.resolve(__dirname, "..", "esc", "gotomeeting-shared.yaml"), "utf8"),
    ) as { values: { pulumiConfig: Record<string, unknown> } };
    const values = Object.fromEntries(
      Object.entries(env.values.pulumiConfig).map(([k, v]) => [
        k.replace(/^gotomeeting-provisioning:/, ""),
        typeof v === "number" ? String(v) : v,
      ]),
    );
    // ESC hands adminPassword over as a secret (fn::secret).
    const c = ok(values, new Set(["adminPassword"]));
    expect(c.endpoints.graphApiUrl).toBe("https://graph.microsoft.com/v1.0");
    expect([c.deleteThreshold, c.scope, c.connector, c.warnings]).toEqual([
      500,
      "assigned",
      "gotomeeting",
      [],
    ]);
  });
});
