// Stack config → validated settings. Pure: no Pulumi runtime, so every rule is table-tested and
// every bad value fails before a single resource is registered (nothing reaches Entra or GoTo).
import { z } from "zod";
import { validateMappingSpecs, type AttributeMappingSpec } from "../components/attributeMappings";
import { validateGoToUser } from "../components/goToMeetingUser";

export const PROJECT = "gotomeeting-provisioning";

export type Connector = "gotomeeting" | "goto";

/** Gallery display names per connector: the legacy app of the tutorial and its successor. */
export const GALLERY_APP: Record<Connector, string> = { gotomeeting: "GoToMeeting", goto: "GoTo" };

/** Gallery apps carry `msiam_access` ("Default Access") as their only default role (§1i). */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";
const DEFAULT_ACCESS_NAMES = ["msiam_access", "default access"];

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How a principal is named in config: an object id is used as given, anything else is looked up. */
export type PrincipalRef = { kind: "objectId"; objectId: string } | { kind: "name"; name: string };

export interface Assignment {
  principalType: "User" | "Group";
  principal: PrincipalRef;
  /** As written in config: the key a reviewer recognises, and the stable part of resource names. */
  principalText: string;
  /** App role value or display name, resolved against the app's roles at deploy time. */
  role: string;
  /** Config path, so deploy-time errors (role not found) still point at the key. */
  path: string;
}

export interface NotificationSettings {
  enabled: boolean;
  recipients: string[];
}

export interface MonitoringSettings {
  /** Existing Log Analytics workspace resource id, or undefined when one is created. */
  workspaceId?: string;
  /** Resource group (name) in which to create the workspace and the alert. */
  resourceGroupName?: string;
  /** Azure region for created resources. */
  location: string;
  retentionInDays: number;
  /** Resource group that holds the alert rule and action group (defaults to the workspace's). */
  alertResourceGroupName: string;
}

export interface ProvisioningConfig {
  connector: Connector;
  galleryApp: string;
  appDisplayName: string;
  /** The assignments that are declared: only the pilot while `pilotUser` is set. */
  assignments: Assignment[];
  pilotUser?: Assignment;
  allowDefaultAccessRole: boolean;
  adminUserName?: string;
  /** Whether a secret admin password is configured; its value never enters this object. */
  hasAdminPassword: boolean;
  notification: NotificationSettings;
  deleteThreshold: number;
  scope: "assigned" | "all";
  provisioningEnabled: boolean;
  synchronizationTemplateId?: string;
  attributeMappings: { objectType: "User" | "Group"; mappings: AttributeMappingSpec[] }[];
  gotoUsers: GoToUserConfig[];
  monitoring?: MonitoringSettings;
}

export interface GoToUserConfig {
  userName: string;
  givenName: string;
  familyName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  adoptExisting?: boolean;
}

/** What the loader hands over: raw config values plus how each secret key is stored. */
export interface RawConfig {
  values: Record<string, unknown>;
  /** Keys whose value is set as a Pulumi secret (`secure:` in the stack file). */
  secretKeys: ReadonlySet<string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Keys that hold credentials: they must be Pulumi secrets, never plaintext in a stack file. */
export const SECRET_KEYS = [
  "adminPassword",
  "graphAccessToken",
  "gotoAccessToken",
  "gotoClientSecret",
  "gotoPersonalAccessToken",
] as const;

/** Every key this program reads; anything else in the namespace is most likely a typo. */
export const KNOWN_KEYS = [
  "connector",
  "galleryApp",
  "appDisplayName",
  "assignments",
  "pilotUser",
  "allowDefaultAccessRole",
  "adminUserName",
  "notificationEmail",
  "deleteThreshold",
  "scope",
  "provisioningEnabled",
  "synchronizationTemplateId",
  "attributeMappings",
  "gotoUsers",
  "monitoring",
  "graphApiUrl",
  "gotoApiUrl",
  "gotoAuthUrl",
  "gotoClientId",
  "gotoRequestsPerSecond",
  "apiTimeoutSeconds",
  "apiRetryBudgetSeconds",
  "apiRetryBaseSeconds",
  ...SECRET_KEYS,
] as const;

const OPT_OUT = "none";

// Stack files hold strings for scalars ("true", "500"); structured values arrive parsed from JSON.
const bool = (key: string) =>
  z.preprocess(
    (v) => (v === "true" ? true : v === "false" ? false : v),
    z.boolean({ error: `${key}: must be true or false` }),
  );
const optionalText = (what: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z
      .string({ error: `must be ${what}` })
      .trim()
      .optional(),
  );

const url = (example: string) =>
  z
    .string({ error: `must be an absolute https URL, e.g. ${example}` })
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, `must be an absolute https URL, e.g. ${example}`)
    .optional();

const positive = (what: string, integer: boolean) =>
  z
    .preprocess(
      (v) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v),
      z
        .number({ error: `must be ${what}` })
        .positive(`must be ${what}`)
        .refine((n) => !integer || Number.isInteger(n), `must be ${what}`),
    )
    .optional();

const email = z.email({ error: "is not an e-mail address" });

const assignmentSchema = z
  .strictObject(
    {
      user: z
        .string({ error: "must be a UPN or object id (text)" })
        .trim()
        .min(1, "must not be empty")
        .optional(),
      group: z
        .string({ error: "must be a group display name or object id (text)" })
        .trim()
        .min(1, "must not be empty")
        .optional(),
      role: z
        .string({ error: "must be an app role value or display name (text)" })
        .trim()
        .min(1, "must not be empty")
        .optional(),
    },
    {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? `unknown key(s) ${iss.keys.join(", ")}; allowed: user, group, role`
          : "must be an object like {user: alice@contoso.com, role: User}",
    },
  )
  .superRefine((a, ctx) => {
    if ((a.user === undefined) === (a.group === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          a.user === undefined
            ? "set exactly one of user or group (found neither)"
            : "set exactly one of user or group (found both); use two entries to assign both",
      });
    }
  });

const monitoringSchema = z
  .strictObject(
    {
      workspaceId: z
        .string()
        .regex(
          /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i,
          "must be a Log Analytics workspace resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.OperationalInsights/workspaces/…)",
        )
        .optional(),
      resourceGroupName: z.string().trim().min(1, "must not be empty").optional(),
      location: z.string().trim().min(1, "must not be empty").optional(),
      retentionInDays: z
        .number({ error: "must be a whole number of days from 30 to 730" })
        .int("must be a whole number of days from 30 to 730")
        .min(30, "must be at least 30 (Log Analytics minimum)")
        .max(730, "must be at most 730 (Log Analytics maximum for this tier)")
        .optional(),
    },
    {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? `unknown key(s) ${iss.keys.join(", ")}; allowed: workspaceId, resourceGroupName, location, retentionInDays`
          : "must be an object: {workspaceId: …} or {resourceGroupName: …, location: …, retentionInDays: …}",
    },
  )
  .superRefine((m, ctx) => {
    if ((m.workspaceId === undefined) === (m.resourceGroupName === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "set exactly one of workspaceId (use an existing workspace) or resourceGroupName (create one there)",
      });
    }
    if (m.workspaceId !== undefined && m.retentionInDays !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["retentionInDays"],
        message:
          "only applies to a workspace this program creates; remove it or use resourceGroupName",
      });
    }
    if (m.resourceGroupName !== undefined && m.location === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["location"],
        message: "is required with resourceGroupName (e.g. westeurope)",
      });
    }
  });

const baseSchema = z.object({
  connector: z
    .enum(["gotomeeting", "goto"], { error: 'must be "gotomeeting" or "goto"' })
    .default("gotomeeting"),
  galleryApp: optionalText("the gallery app's display name (text), e.g. GoTo"),
  appDisplayName: optionalText("the enterprise app's name (text)"),
  assignments: z
    .array(assignmentSchema, { error: "must be a list of {user|group, role}" })
    .default([]),
  pilotUser: optionalText("a UPN or object id (text)"),
  allowDefaultAccessRole: bool("allowDefaultAccessRole").default(false),
  adminUserName: optionalText("the GoToMeeting admin's e-mail address (text)"),
  notificationEmail: z.unknown().optional(),
  deleteThreshold: z
    .preprocess(
      (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
      z
        .number({
          error: "must be a whole number ≥ 0 (0 turns accidental-deletion prevention off)",
        })
        .int("must be a whole number ≥ 0 (0 turns accidental-deletion prevention off)")
        .min(0, "must be ≥ 0 (0 turns accidental-deletion prevention off)")
        .max(2_147_483_647, "must fit a 32-bit integer"),
    )
    .default(500),
  scope: z.enum(["assigned", "all"], { error: 'must be "assigned" or "all"' }).default("assigned"),
  provisioningEnabled: bool("provisioningEnabled").default(true),
  synchronizationTemplateId: optionalText("a synchronization template id (text)"),
  attributeMappings: z.unknown().optional(),
  gotoUsers: z.unknown().optional(),
  monitoring: monitoringSchema.optional(),
  // Settings the dynamic providers read in configure(); checked here too so a typo fails the
  // preview before any call.
  graphApiUrl: url("https://graph.microsoft.com/v1.0"),
  gotoApiUrl: url("https://api.getgo.com/identity/v1"),
  gotoAuthUrl: url("https://authentication.logmeininc.com/oauth/token"),
  gotoRequestsPerSecond: positive(
    "a whole number of requests per second ≥ 1 (GoTo allows 10)",
    true,
  ),
  apiTimeoutSeconds: positive("a positive number of seconds, e.g. 60", false),
  apiRetryBudgetSeconds: positive("a positive number of seconds, e.g. 300", false),
  apiRetryBaseSeconds: positive("a positive number of seconds, e.g. 1", false),
});

/**
 * Validates raw stack config. Throws a ConfigError listing every problem, each naming its key path
 * and the fix, so one run shows them all.
 */
export function validateConfig(raw: RawConfig): ProvisioningConfig {
  const problems: string[] = [];
  const values = raw.values;

  for (const key of Object.keys(values)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      const near = KNOWN_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
      problems.push(
        `${key}: unknown key in the ${PROJECT} namespace` +
          (near ? `; did you mean ${near}?` : `; remove it (pulumi config rm ${key})`),
      );
    }
  }
  for (const key of SECRET_KEYS) {
    if (values[key] !== undefined && !raw.secretKeys.has(key)) {
      problems.push(
        `${key}: is stored in plaintext; remove it from the stack file and set it as a secret: pulumi config set --secret ${key} <value>`,
      );
    }
  }

  const parsed = baseSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(formatIssue(issue));
    throw new ConfigError(problems);
  }
  const c = parsed.data;

  const assignments = c.assignments.map((a, i): Assignment => {
    const path = `assignments[${i}]`;
    const principalType = a.user !== undefined ? "User" : "Group";
    const text = (a.user ?? a.group)!;
    return {
      principalType,
      principal: GUID.test(text)
        ? { kind: "objectId", objectId: text.toLowerCase() }
        : { kind: "name", name: text },
      principalText: text,
      role: a.role ?? "User",
      path,
    };
  });
  assignments.forEach((a) => {
    if (
      a.principalType === "User" &&
      a.principal.kind === "name" &&
      !a.principal.name.includes("@")
    ) {
      problems.push(
        `${a.path}.user: "${a.principalText}" is neither a UPN (name@domain) nor an object id`,
      );
    }
  });
  const seen = new Map<string, string>();
  for (const a of assignments) {
    const key = `${a.principalType}:${a.principalText.toLowerCase()}`;
    const first = seen.get(key);
    if (first) {
      problems.push(
        `${a.path}: ${a.principalType.toLowerCase()} "${a.principalText}" is already assigned by ${first}; a principal holds one role in this app, keep one entry`,
      );
    } else {
      seen.set(key, a.path);
    }
  }

  let pilotUser: Assignment | undefined;
  if (c.pilotUser !== undefined) {
    const text = c.pilotUser;
    if (!GUID.test(text) && !text.includes("@")) {
      problems.push(`pilotUser: "${text}" is neither a UPN (name@domain) nor an object id`);
    }
    // The pilot keeps the role its regular assignment would give it, so the rollout changes nothing for it.
    const listed = assignments.find(
      (a) => a.principalType === "User" && a.principalText.toLowerCase() === text.toLowerCase(),
    );
    pilotUser = {
      principalType: "User",
      principal: GUID.test(text)
        ? { kind: "objectId", objectId: text.toLowerCase() }
        : { kind: "name", name: text },
      principalText: text,
      role: listed?.role ?? "User",
      path: listed ? listed.path : "pilotUser",
    };
  }

  const declared = pilotUser ? [pilotUser] : assignments;
  if (!c.allowDefaultAccessRole) {
    for (const a of declared) {
      if (isDefaultAccessRole(a.role))
        problems.push(defaultAccessMessage(`${a.path}.role`, a.role));
    }
  }

  const hasAdminPassword = values.adminPassword !== undefined && values.adminPassword !== "";
  if (c.connector === "gotomeeting") {
    if (c.provisioningEnabled && c.adminUserName === undefined) {
      problems.push(
        "adminUserName: required for connector gotomeeting while provisioning is enabled (step 5a): pulumi config set adminUserName admin@yourcompany.com",
      );
    }
    if (c.provisioningEnabled && !hasAdminPassword) {
      problems.push(
        "adminPassword: required for connector gotomeeting while provisioning is enabled (step 5b): pulumi config set --secret adminPassword <password>",
      );
    }
    if (c.adminUserName !== undefined && !email.safeParse(c.adminUserName).success) {
      problems.push(
        `adminUserName: "${c.adminUserName}" is not an e-mail address; GoToMeeting admins sign in with their e-mail`,
      );
    }
  } else {
    for (const key of ["adminUserName", "adminPassword"] as const) {
      if (values[key] !== undefined && values[key] !== "") {
        problems.push(
          `${key}: not used by connector goto, which is authorised once per environment with the portal's Authorize button (the program never writes credentials for it); remove it: pulumi config rm ${key}`,
        );
      }
    }
  }

  const notification = parseNotification(values.notificationEmail, c.provisioningEnabled, problems);

  const mappingProblems =
    c.attributeMappings === undefined
      ? []
      : validateMappingSpecs(c.attributeMappings, "attributeMappings");
  problems.push(...mappingProblems);
  const attributeMappings: ProvisioningConfig["attributeMappings"] = [];
  if (mappingProblems.length === 0 && Array.isArray(c.attributeMappings)) {
    for (const objectType of ["User", "Group"] as const) {
      const mappings = (c.attributeMappings as (AttributeMappingSpec & { objectType?: string })[])
        .filter((m) => (m.objectType ?? "User") === objectType)
        .map(({ objectType: _drop, ...spec }) => spec);
      if (mappings.length > 0) attributeMappings.push({ objectType, mappings });
    }
    if (c.connector === "gotomeeting" && attributeMappings.some((m) => m.objectType === "Group")) {
      problems.push(
        "attributeMappings: objectType Group is only provisioned by connector goto (the GoToMeeting connector syncs users only); remove the Group mappings or set connector: goto",
      );
    }
  }

  const gotoUsers = parseGoToUsers(c.gotoUsers, problems);

  let monitoring: MonitoringSettings | undefined;
  if (c.monitoring) {
    const m = c.monitoring;
    const fromId = m.workspaceId?.split("/");
    monitoring = {
      workspaceId: m.workspaceId,
      resourceGroupName: m.resourceGroupName,
      location: m.location ?? "",
      retentionInDays: m.retentionInDays ?? 30,
      alertResourceGroupName: m.resourceGroupName ?? fromId![4]!,
    };
    if (m.workspaceId && !m.location) {
      problems.push(
        "monitoring.location: is required for the alert rule's region (the workspace's region, e.g. westeurope)",
      );
    }
    if (notification.recipients.length === 0) {
      problems.push(
        "monitoring: the failure alert e-mails the notification recipients, but notificationEmail opts out; set notificationEmail or remove monitoring",
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const galleryApp = c.galleryApp ?? GALLERY_APP[c.connector];
  return {
    connector: c.connector,
    galleryApp,
    appDisplayName: c.appDisplayName ?? galleryApp,
    assignments: declared,
    pilotUser,
    allowDefaultAccessRole: c.allowDefaultAccessRole,
    adminUserName: c.connector === "gotomeeting" ? c.adminUserName : undefined,
    hasAdminPassword,
    notification,
    deleteThreshold: c.deleteThreshold,
    scope: c.scope,
    provisioningEnabled: c.provisioningEnabled,
    synchronizationTemplateId: c.synchronizationTemplateId,
    attributeMappings,
    gotoUsers,
    monitoring,
  };
}

export function isDefaultAccessRole(role: string): boolean {
  return (
    DEFAULT_ACCESS_NAMES.includes(role.trim().toLowerCase()) ||
    role.trim() === DEFAULT_ACCESS_ROLE_ID
  );
}

export function defaultAccessMessage(path: string, role: string): string {
  return (
    `${path}: "${role}" is the Default Access role, which the GoToMeeting provisioning tutorial says does not work for provisioning; ` +
    "pick a real app role (e.g. User). Microsoft changed this for provisioning configurations created after 2020-04-16 " +
    "(Default Access is then evaluated like any role); if yours is such a configuration, set allowDefaultAccessRole: true"
  );
}

function parseNotification(
  value: unknown,
  provisioningEnabled: boolean,
  problems: string[],
): NotificationSettings {
  if (value === undefined || value === "") {
    if (provisioningEnabled) {
      problems.push(
        'notificationEmail: required while provisioning is enabled (step 7): pulumi config set notificationEmail ops@yourcompany.com (a list is allowed), or opt out explicitly with "none"',
      );
    }
    return { enabled: false, recipients: [] };
  }
  if (value === OPT_OUT) return { enabled: false, recipients: [] };
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(
      'notificationEmail: must be an e-mail address, a non-empty list of them, or "none" to opt out',
    );
    return { enabled: false, recipients: [] };
  }
  const recipients: string[] = [];
  list.forEach((r, i) => {
    const path = typeof value === "string" ? "notificationEmail" : `notificationEmail[${i}]`;
    if (typeof r !== "string" || !email.safeParse(r.trim()).success) {
      problems.push(`${path}: ${brief(r)} is not an e-mail address`);
    } else if (recipients.some((x) => x.toLowerCase() === r.trim().toLowerCase())) {
      problems.push(`${path}: "${r}" is listed twice; remove the duplicate`);
    } else {
      recipients.push(r.trim());
    }
  });
  // Graph stores recipients as one ';'-joined string.
  if (recipients.join(";").length > 1024) {
    problems.push(
      "notificationEmail: the recipients exceed 1,024 characters together; use a distribution list",
    );
  }
  return { enabled: true, recipients };
}

/** A bad value as shown in a message: quoted, and cut short so a huge value cannot flood the output. */
function brief(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function parseGoToUsers(value: unknown, problems: string[]): GoToUserConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push("gotoUsers: must be a list of users ({userName, givenName, familyName, …})");
    return [];
  }
  const users: GoToUserConfig[] = [];
  const seen = new Map<string, number>();
  value.forEach((u, i) => {
    const path = `gotoUsers[${i}]`;
    const errs = validateGoToUser(u, path);
    problems.push(...errs);
    if (errs.length > 0) return;
    const user = u as GoToUserConfig;
    const key = user.userName.toLowerCase();
    if (seen.has(key)) {
      problems.push(
        `${path}.userName: "${user.userName}" is already declared by gotoUsers[${seen.get(key)}]; userNames are unique (case-insensitive)`,
      );
      return;
    }
    seen.set(key, i);
    users.push(user);
  });
  return users;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
  const msg = issue.message.startsWith(`${path}:`)
    ? issue.message.slice(path.length + 1).trim()
    : issue.message;
  return `${path || "(config)"}: ${msg}`;
}
