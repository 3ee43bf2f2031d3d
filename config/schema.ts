// Stack config → validated settings. Pure: no Pulumi runtime, so every rule is table-tested and
// every bad value fails before a single resource is registered (nothing reaches Entra or GoTo).
// The rules shared with the components and providers live in model/; this file adds what only a
// stack file has: value types as text, unknown keys, secrets stored in plaintext, provider settings.
import { z } from "zod";
import { type Connector, PACKAGE } from "../model/connector";
import { INPUT_KEYS } from "../model/goToUser";
import { type GoToMeetingUserInputs, validateGoToUser } from "../model/goToUser";
import type { MonitoringSettings } from "../model/monitoring";
import {
  type AssignmentArgs,
  type DeclaredMapping,
  type ProvisioningSettings,
  isEmail,
  normalizeProvisioning,
} from "../model/provisioning";
import { describe } from "../model/text";
import { didYouMean, nearestKey } from "./suggest";

export const PROJECT = PACKAGE;

export type { Connector } from "../model/connector";
export type { MonitoringSettings } from "../model/monitoring";
export type { Assignment, NotificationSettings } from "../model/provisioning";

/** A `gotoUsers` entry: the user's inputs, and whether to keep the user in GoTo on delete. */
export interface GoToUserConfig extends GoToMeetingUserInputs {
  retainOnDelete?: boolean;
}

export interface ProvisioningConfig extends ProvisioningSettings {
  appDisplayName: string;
  adminUserName?: string;
  /** Whether a secret admin password is configured; its value never enters this object. */
  hasAdminPassword: boolean;
  synchronizationTemplateId?: string;
  gotoUsers: GoToUserConfig[];
  monitoring?: MonitoringSettings;
  /** The API base URLs the dynamic providers will call (the defaults where not set). */
  endpoints: Record<(typeof URL_KEYS)[number], string>;
  /** Credential keys (SECRET_KEYS) that are set; their values never enter this object. */
  secretsSet: (typeof SECRET_KEYS)[number][];
  /** The GoToMeetingProvisioning arguments these settings came from (without the password). */
  args: {
    connector: Connector;
    galleryApp?: string;
    appDisplayName?: string;
    assignments: AssignmentArgs[];
    pilotUser?: string;
    allowDefaultAccessRole: boolean;
    adminUserName?: string;
    notificationEmail?: string | string[];
    deleteThreshold: number;
    scope: "assigned" | "all";
    provisioningEnabled: boolean;
    allowMassDeletion: boolean;
    synchronizationTemplateId?: string;
    attributeMappings?: DeclaredMapping[];
  };
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

/** The API base URLs and their defaults (Pulumi.yaml declares the same). */
export const URL_KEYS = ["graphApiUrl", "gotoApiUrl", "gotoAuthUrl", "gotoAdminApiUrl"] as const;
export const DEFAULT_URLS: Record<(typeof URL_KEYS)[number], string> = {
  graphApiUrl: "https://graph.microsoft.com/v1.0",
  gotoApiUrl: "https://api.getgo.com/identity/v1",
  gotoAuthUrl: "https://authentication.logmeininc.com/oauth/token",
  gotoAdminApiUrl: "https://api.getgo.com/admin/rest/v1",
};

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
  "allowMassDeletion",
  "synchronizationTemplateId",
  "attributeMappings",
  "gotoUsers",
  "monitoring",
  "graphApiUrl",
  "gotoApiUrl",
  "gotoAuthUrl",
  "gotoAdminApiUrl",
  "gotoAccountKey",
  "gotoClientId",
  "gotoRequestsPerSecond",
  "apiTimeoutSeconds",
  "apiRetryBudgetSeconds",
  "apiRetryBaseSeconds",
  ...SECRET_KEYS,
] as const;

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

/** Hosts a test may reach over plain http: the machine itself, never the network. */
function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** An API base URL: https, or plain http to a loopback address (tests only, with a warning). */
const url = (key: string, example: string, requireVersion: boolean) =>
  z
    .string({ error: `must be an absolute https URL, e.g. ${example}` })
    .optional()
    .superRefine((text, ctx) => {
      if (text === undefined || text.trim() === "") return;
      const fix = `e.g. pulumi config set ${key} ${example}`;
      let u: URL;
      try {
        u = new URL(text.trim());
      } catch {
        ctx.addIssue({
          code: "custom",
          message: `${describe(text)} is not an absolute URL; it must be an https URL, ${fix}`,
        });
        return;
      }
      // Never echo a URL with credentials in it: they would land in CI logs.
      if (u.username || u.password) {
        ctx.addIssue({
          code: "custom",
          message: `must not hold credentials (user:password@); remove them, ${fix}`,
        });
        return;
      }
      if (u.protocol === "http:" && !isLoopback(u.hostname)) {
        ctx.addIssue({
          code: "custom",
          message: `${describe(text)} uses plain http; it must be https (http is accepted only for a loopback test address such as http://127.0.0.1:8080), ${fix}`,
        });
        return;
      }
      if (u.protocol !== "http:" && u.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: `${describe(text)} must be an https URL, ${fix}` });
        return;
      }
      if (requireVersion) {
        const last = u.pathname.replace(/\/+$/, "").split("/").pop() ?? "";
        if (!/^(v\d+(\.\d+)?|beta)$/i.test(last)) {
          ctx.addIssue({
            code: "custom",
            message: `${describe(text)} names no API version, so every request would miss it (for example /v1.0); end the URL with the version segment, ${fix}`,
          });
        }
      }
    });

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

/** zod's unknown-key issue as this project words it: each key with its nearest allowed one. */
function unknownKeys(keys: readonly string[], allowed: readonly string[]): string {
  const named = keys.map((k) => {
    const near = nearestKey(k, allowed);
    return near ? `${k} (did you mean ${near}?)` : k;
  });
  return `unknown key${keys.length === 1 ? "" : "s"} ${named.join(", ")}; allowed: ${allowed.join(", ")}`;
}

// Exactly one of user or group is a rule of normalizeProvisioning (model/provisioning.ts), so it is
// reported once, with the same words for the component's callers.
const ASSIGNMENT_KEYS = ["user", "group", "role"] as const;
const assignmentSchema = z.strictObject(
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
        ? unknownKeys(iss.keys, ASSIGNMENT_KEYS)
        : "must be an object like {user: alice@contoso.com, role: User}",
  },
);

const MONITORING_KEYS = ["workspaceId", "resourceGroupName", "location", "retentionInDays"];
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
          ? unknownKeys(iss.keys, MONITORING_KEYS)
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
  // Parsed entry by entry (parseAssignments), so one bad entry does not hide the rules of the rest.
  assignments: z.unknown().optional(),
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
  allowMassDeletion: bool("allowMassDeletion").default(false),
  synchronizationTemplateId: optionalText("a synchronization template id (text)"),
  attributeMappings: z.unknown().optional(),
  gotoUsers: z.unknown().optional(),
  monitoring: monitoringSchema.optional(),
  // Settings the dynamic providers read in configure(); checked here too so a typo fails the
  // preview before any call.
  graphApiUrl: url("graphApiUrl", DEFAULT_URLS.graphApiUrl, true),
  gotoApiUrl: url("gotoApiUrl", DEFAULT_URLS.gotoApiUrl, false),
  gotoAuthUrl: url("gotoAuthUrl", DEFAULT_URLS.gotoAuthUrl, false),
  gotoAdminApiUrl: url("gotoAdminApiUrl", DEFAULT_URLS.gotoAdminApiUrl, false),
  // Admin-API account keys are integers beyond JavaScript's exact range: kept as text.
  gotoAccountKey: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z
      .string({ error: "must be the GoTo account key (digits, as text)" })
      .trim()
      .regex(/^\d{1,40}$/, "must be the GoTo account key (digits only), e.g. 4269999999999999999")
      .optional(),
  ),
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
 * and the fix, so one run shows them all: a key whose value is wrong is reported and then taken at
 * its default, so the rules between keys still run on everything else.
 */
export function validateConfig(raw: RawConfig): ProvisioningConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const values = raw.values;

  for (const key of Object.keys(values)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      const near = didYouMean(key, KNOWN_KEYS);
      problems.push(
        `${key}: unknown key in the ${PROJECT} namespace` +
          (near || `; remove it (pulumi config rm ${key})`),
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

  // Key by key: a bad value is reported and replaced by the key's default.
  const failed = new Set<string>();
  const parsedValues: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(baseSchema.shape)) {
    const r = (schema as z.ZodType).safeParse(values[key]);
    if (r.success) {
      parsedValues[key] = r.data;
      continue;
    }
    failed.add(key);
    for (const issue of r.error.issues) problems.push(formatIssue(issue, [key]));
    const fallback = (schema as z.ZodType).safeParse(undefined);
    parsedValues[key] = fallback.success ? fallback.data : undefined;
  }
  const c = parsedValues as z.output<typeof baseSchema>;
  const assignments = parseAssignments(values.assignments, problems);

  const hasAdminPassword = values.adminPassword !== undefined && values.adminPassword !== "";
  if (c.connector === "goto") {
    for (const key of ["adminUserName", "adminPassword"] as const) {
      if (values[key] !== undefined && values[key] !== "") {
        problems.push(
          `${key}: not used by connector goto, which is authorised once per environment with the portal's Authorize button (the program never writes credentials for it); remove it: pulumi config rm ${key}`,
        );
      }
    }
  } else if (c.adminUserName !== undefined && !isEmail(c.adminUserName)) {
    problems.push(
      `adminUserName: "${c.adminUserName}" is not an e-mail address; GoToMeeting admins sign in with their e-mail`,
    );
  }
  for (const key of URL_KEYS) {
    const text = c[key]?.trim();
    if (text && !failed.has(key) && new URL(text).protocol === "http:") {
      warnings.push(
        `${key}: plain http to the loopback address ${new URL(text).host} is accepted for tests against local fakes only; a real stack uses https`,
      );
    }
  }

  const args: ProvisioningConfig["args"] = {
    connector: c.connector,
    galleryApp: c.galleryApp,
    appDisplayName: c.appDisplayName,
    assignments,
    pilotUser: c.pilotUser,
    allowDefaultAccessRole: c.allowDefaultAccessRole,
    adminUserName: c.connector === "gotomeeting" ? c.adminUserName : undefined,
    notificationEmail: values.notificationEmail as string | string[] | undefined,
    deleteThreshold: c.deleteThreshold,
    scope: c.scope,
    provisioningEnabled: c.provisioningEnabled,
    allowMassDeletion: c.allowMassDeletion,
    synchronizationTemplateId: c.synchronizationTemplateId,
    attributeMappings: c.attributeMappings as DeclaredMapping[] | undefined,
  };
  const { settings, problems: rules } = normalizeProvisioning({
    ...args,
    hasAdminUserName: c.connector === "gotomeeting" && c.adminUserName !== undefined,
    hasAdminPassword: c.connector === "gotomeeting" && hasAdminPassword,
  });
  // Rules that read a key whose value was already reported would only repeat it in other words.
  problems.push(
    ...rules.filter(
      (p) =>
        !(failed.has("connector") && /^admin(UserName|Password):/.test(p)) &&
        !(failed.has("provisioningEnabled") && /while provisioning is enabled/.test(p)),
    ),
  );

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
    if (settings.notification.recipients.length === 0) {
      problems.push(
        "monitoring: the failure alert e-mails the notification recipients, but notificationEmail opts out; set notificationEmail or remove monitoring",
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(dedupe(problems));

  return {
    ...settings,
    warnings: [...settings.warnings, ...warnings],
    appDisplayName: c.appDisplayName ?? settings.galleryApp,
    adminUserName: args.adminUserName,
    hasAdminPassword,
    synchronizationTemplateId: c.synchronizationTemplateId,
    gotoUsers,
    monitoring,
    endpoints: Object.fromEntries(
      URL_KEYS.map((k) => [k, c[k]?.trim() || DEFAULT_URLS[k]]),
    ) as ProvisioningConfig["endpoints"],
    secretsSet: SECRET_KEYS.filter((k) => values[k] !== undefined && values[k] !== ""),
    args,
  };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * `assignments`, entry by entry. An entry that fails its own checks is reported and left out as a
 * hole, so the others keep their index (and their messages their path) in normalizeProvisioning.
 */
function parseAssignments(value: unknown, problems: string[]): AssignmentArgs[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push("assignments: must be a list of {user|group, role}");
    return [];
  }
  const entries: AssignmentArgs[] = [];
  entries.length = value.length;
  value.forEach((entry: unknown, i) => {
    const r = assignmentSchema.safeParse(entry);
    if (r.success) entries[i] = r.data;
    else for (const issue of r.error.issues) problems.push(formatIssue(issue, ["assignments", i]));
  });
  return entries;
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
    // retainOnDelete is a resource option of this program, not an input GoTo knows.
    const isObject = !!u && typeof u === "object" && !Array.isArray(u);
    const { retainOnDelete, ...inputs } = isObject ? (u as Record<string, unknown>) : {};
    const errs = validateGoToUser(isObject ? inputs : u, path).map((e) => {
      // "<path>.<key>: is not a GoToMeetingUser input; …" gets the nearest input's name.
      const m = /^gotoUsers\[\d+\]\.([^:]+): is not a GoToMeetingUser input/.exec(e);
      const near = m ? nearestKey(m[1], [...INPUT_KEYS, "retainOnDelete"]) : undefined;
      return near
        ? e.replace("input; remove it", `input; did you mean ${near}? Otherwise remove it`)
        : e;
    });
    if (retainOnDelete !== undefined && typeof retainOnDelete !== "boolean") {
      errs.push(
        `${path}.retainOnDelete: must be true or false; got ${JSON.stringify(retainOnDelete)}`,
      );
    }
    problems.push(...errs);
    if (errs.length > 0) return;
    const user = {
      ...(inputs as unknown as GoToMeetingUserInputs),
      ...(retainOnDelete !== undefined ? { retainOnDelete: retainOnDelete as boolean } : {}),
    };
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

function formatIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path]
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
  const msg = issue.message.startsWith(`${path}:`)
    ? issue.message.slice(path.length + 1).trim()
    : issue.message;
  return `${path || "(config)"}: ${msg}`;
}
