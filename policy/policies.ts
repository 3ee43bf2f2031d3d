// The GoToMeeting provisioning policies, one factory each. What a policy sees (checked against
// @pulumi/policy 1.21 and the engine's analyzer client):
//   - resource inputs (validateResource) or the stack's resources with their state (validateStack),
//     components included, with the args their constructor passed to super();
//   - secrets already unwrapped to plain values: whether a value is a Pulumi secret is invisible;
//   - no `__provider` (the engine drops `__`-prefixed keys before analysis); the stack config only as
//     the inputs of the dynamic resources' default provider (`pulumi:providers:pulumi-nodejs`), secrets
//     unwrapped;
//   - no stack name (the SDK keeps only stack tags from the engine's ConfigureStack call), so the
//     stack comes from the URN, `urn:pulumi:<stack>::<project>::…`;
//   - unknown values during preview: reading one through the SDK's proxy throws UnknownValueError,
//     the unknown sentinels otherwise. Every policy skips what it cannot know, so a preview never
//     reports a violation it could not prove.
// Self-contained on purpose (no imports from the program): the pack runs in its own process.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export const TYPES = {
  appRoleAssignments: "gotomeeting-provisioning:index:AppRoleAssignments",
  appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  synchronizationSecret: "azuread:index/synchronizationSecret:SynchronizationSecret",
  synchronizationJob: "azuread:index/synchronizationJob:SynchronizationJob",
  provisionOnDemand: "pulumi-nodejs:dynamic/gotomeeting:ProvisionOnDemand",
  guardedSecret: "pulumi-nodejs:dynamic/gotomeeting:GuardedSynchronizationSecret",
  testConnection: "pulumi-nodejs:dynamic/gotomeeting:TestConnection",
  attributeMappings: "pulumi-nodejs:dynamic/gotomeeting:AttributeMappings",
  dynamicProvider: "pulumi:providers:pulumi-nodejs",
} as const;

/** The stack config keys that hold credentials (the same list as config/schema.ts SECRET_KEYS). */
const SECRET_CONFIG_KEYS = [
  "adminPassword",
  "graphAccessToken",
  "gotoAccessToken",
  "gotoClientSecret",
  "gotoPersonalAccessToken",
];

/** A provider input that is one of this project's own secret config keys, e.g.
 *  `.gotomeeting-provisioning:adminPassword`. */
function isOwnSecretConfigKey(path: string): boolean {
  const m = /^\.([^:.[\]]+):([^.[\]]+)$/.exec(path);
  return m !== null && m[1] === "gotomeeting-provisioning" && SECRET_CONFIG_KEYS.includes(m[2]);
}

/** Gallery apps' implicit Default Access role (same rule as config/schema.ts). */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";
const DEFAULT_ACCESS_NAMES = ["msiam_access", "default access"];

/** Policy config of the prod-only policies: which stacks count as production. */
export interface ProductionConfig {
  productionStacks?: string[];
}
const PRODUCTION_SCHEMA = {
  properties: {
    productionStacks: {
      type: "array" as const,
      items: { type: "string" as const },
      default: ["prod"],
      description: "Stack names treated as production.",
    },
  },
};

/** Stands for a value that is unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

// The sentinels Pulumi uses for unknown values (string, boolean, number, array, asset, archive, object).
const UNKNOWN_SENTINELS = new Set([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

// The SDK exports UnknownValueError at runtime (index.js) but strips it from its typings (@internal).
const sdk = require("@pulumi/policy") as { UnknownValueError?: abstract new () => Error };

function isUnknownValueError(e: unknown): boolean {
  return (
    e instanceof Error &&
    ((sdk.UnknownValueError !== undefined && e instanceof sdk.UnknownValueError) ||
      e.constructor.name === "UnknownValueError")
  );
}

/**
 * A plain deep copy of what `read` returns, with every unknown (thrown by the SDK's proxy, or a
 * sentinel) replaced by UNKNOWN, so the checks below work on ordinary data.
 */
export function plain(read: () => unknown): unknown {
  let v: unknown;
  try {
    v = read();
  } catch (e) {
    if (isUnknownValueError(e)) return UNKNOWN;
    throw e;
  }
  if (typeof v === "string" && UNKNOWN_SENTINELS.has(v)) return UNKNOWN;
  if (Array.isArray(v)) {
    const list: unknown[] = v;
    return Array.from({ length: list.length }, (_, i) => plain(() => list[i]));
  }
  if (v !== null && typeof v === "object") {
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).map((k) => [k, plain(() => obj[k])]));
  }
  return v;
}

function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:(.+?)::/.exec(urn)?.[1];
}

/** A resource's own type, from its URN (the last `$`-separated part of the qualified type). */
export function typeOfUrn(urn: string): string | undefined {
  return urn.split("::")[2]?.split("$").pop();
}

function productionStacks(args: { getConfig<T extends object>(): T }): string[] {
  return args.getConfig<ProductionConfig>().productionStacks ?? ["prod"];
}

export function isDefaultAccessRole(role: string): boolean {
  const r = role.trim().toLowerCase();
  return DEFAULT_ACCESS_NAMES.includes(r) || r === DEFAULT_ACCESS_ROLE_ID;
}

/** The key/value list a synchronization-secret resource writes: `credentials` or `settings`. */
function secretPairs(args: {
  type: string;
  props: Record<string, unknown>;
}): { property: string; pairs: unknown } | undefined {
  if (args.type === TYPES.synchronizationSecret) {
    return { property: "credentials", pairs: plain(() => args.props.credentials) };
  }
  if (args.type === TYPES.guardedSecret) {
    return { property: "settings", pairs: plain(() => args.props.settings) };
  }
  return undefined;
}

/** The value stored under `key`: UNKNOWN when it cannot be known yet, undefined when absent. */
function pairValue(pairs: unknown, key: string): unknown {
  if (pairs === UNKNOWN) return UNKNOWN;
  if (!Array.isArray(pairs)) return undefined;
  const hit = pairs.find((p): p is Record<string, unknown> => isRecord(p) && p.key === key);
  if (hit) return hit.value;
  const undecided = pairs.some((p) => p === UNKNOWN || (isRecord(p) && p.key === UNKNOWN));
  return undecided ? UNKNOWN : undefined;
}

// ---------------------------------------------------------------------------------------------

/**
 * Mandatory: no assignment of the Default Access role unless the stack allows it. Judged on the
 * AppRoleAssignments component's inputs (role names and the stack's allowDefaultAccessRole, known
 * even in a first preview). An AppRoleAssignment with the all-zeros role id is judged by its
 * component when it has one, and is a violation when it is declared outside it.
 */
export function noDefaultAccessRole(): ResourceValidationPolicy {
  return {
    name: "no-default-access-role",
    description:
      "No assignment of the Default Access role (msiam_access) to the GoToMeeting app unless the stack sets allowDefaultAccessRole.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type === TYPES.appRoleAssignments) {
        const props = plain(() => args.props);
        if (!isRecord(props)) return;
        const allow = props.allowDefaultAccessRole;
        if (allow === UNKNOWN || allow === true) return;
        // Not an array when the SDK was told not to send component inputs
        // (PULUMI_NODEJS_SKIP_COMPONENT_INPUTS): nothing to judge then.
        if (!Array.isArray(props.assignments)) return;
        props.assignments.forEach((a, i) => {
          if (!isRecord(a) || typeof a.role !== "string" || !isDefaultAccessRole(a.role)) return;
          const who =
            typeof a.principal === "string" && typeof a.principalType === "string"
              ? ` (${a.principalType.toLowerCase()} "${a.principal}")`
              : "";
          report(
            `assignments[${i}]${who}: role "${a.role}" is the Default Access role, which does not work for GoToMeeting provisioning. ` +
              "Set the role to a real app role (e.g. User). Only if this provisioning configuration was created after 2020-04-16 " +
              "(Default Access is then evaluated like any role), set allowDefaultAccessRole: true in the stack config instead.",
          );
        });
        return;
      }
      if (args.type === TYPES.appRoleAssignment) {
        const appRoleId = plain(() => args.props.appRoleId);
        if (typeof appRoleId !== "string" || appRoleId !== DEFAULT_ACCESS_ROLE_ID) return;
        if (args.opts.parent && typeOfUrn(args.opts.parent) === TYPES.appRoleAssignments) return;
        report(
          `appRoleId ${DEFAULT_ACCESS_ROLE_ID} is the Default Access role, assigned outside the AppRoleAssignments component, ` +
            "so the stack's allowDefaultAccessRole cannot vouch for it. Declare the assignment in the stack config's assignments " +
            "with a real app role (e.g. User).",
        );
      }
    },
  };
}

/**
 * Mandatory: both connectors' synchronization-secret resources carry SyncNotificationSettings with
 * e-mail on, at least one recipient, and accidental-deletion prevention on with a threshold above 0.
 */
export function syncNotificationAndDeletionThreshold(): ResourceValidationPolicy {
  return {
    name: "sync-notification-and-deletion-threshold",
    description:
      "Provisioning e-mails at least one recipient about quarantine and keeps accidental-deletion prevention on.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      const found = secretPairs(args);
      if (!found) return;
      const { property, pairs } = found;
      const json = pairValue(pairs, "SyncNotificationSettings");
      if (json === UNKNOWN) return;
      if (json === undefined) {
        report(
          `${property} has no SyncNotificationSettings entry, so nobody is e-mailed when the job is quarantined. ` +
            "Add it with notificationEmail and deleteThreshold in the stack config (this program writes it from them).",
        );
        return;
      }
      let settings: unknown;
      try {
        settings = typeof json === "string" ? JSON.parse(json) : undefined;
      } catch {
        settings = undefined;
      }
      if (!isRecord(settings)) {
        report(
          `${property}: SyncNotificationSettings is not a JSON object. ` +
            'Write it as {"Enabled":true,"Recipients":"a@x.com;b@x.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}, ' +
            "which this program derives from notificationEmail and deleteThreshold.",
        );
        return;
      }
      if (hasUnknown(settings)) return;
      const recipients = (typeof settings.Recipients === "string" ? settings.Recipients : "")
        .split(";")
        .map((r) => r.trim())
        .filter((r) => r !== "");
      if (recipients.length === 0) {
        report(
          `${property}: SyncNotificationSettings has no recipient. Set notificationEmail in the stack config ` +
            "(pulumi config set notificationEmail ops@yourcompany.com; a list is allowed) so Entra e-mails quarantine and accidental-deletion events.",
        );
      }
      if (settings.Enabled !== true) {
        report(
          `${property}: SyncNotificationSettings has e-mail notification off (Enabled ${JSON.stringify(settings.Enabled)}). ` +
            'Set notificationEmail to the recipients instead of "none".',
        );
      }
      const value = settings.DeleteThresholdValue;
      if (settings.DeleteThresholdEnabled !== true || typeof value !== "number" || !(value > 0)) {
        report(
          `${property}: SyncNotificationSettings has accidental-deletion prevention off ` +
            `(DeleteThresholdEnabled ${JSON.stringify(settings.DeleteThresholdEnabled)}, DeleteThresholdValue ${JSON.stringify(value)}). ` +
            "Set deleteThreshold in the stack config to a number above 0 (default 500).",
        );
      }
    },
  };
}

/** Keys whose values are credentials. */
const CREDENTIAL_KEY = /password|secret|token|apikey|api_key/i;
/** Shorter values are not searched for: they would match ordinary text. */
export const MIN_SEARCHED_CREDENTIAL_LENGTH = 6;
/** Types this project defines: an input that looks like a credential there is a mistake. */
const OWN_TYPE = /^(pulumi-nodejs:dynamic\/gotomeeting:|gotomeeting-provisioning:index:)/;

function stringLeaves(v: unknown, at: string, out: { path: string; value: string }[]): void {
  if (typeof v === "string") out.push({ path: at, value: v });
  else if (Array.isArray(v)) v.forEach((x, i) => stringLeaves(x, `${at}[${i}]`, out));
  else if (isRecord(v)) for (const [k, x] of Object.entries(v)) stringLeaves(x, `${at}.${k}`, out);
}

function credentialKeyPaths(v: unknown, at: string, out: { path: string; key: string }[]): void {
  if (Array.isArray(v)) v.forEach((x, i) => credentialKeyPaths(x, `${at}[${i}]`, out));
  else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (CREDENTIAL_KEY.test(k) && typeof x === "string" && x !== "")
        out.push({ path: `${at}.${k}`, key: k });
      else credentialKeyPaths(x, `${at}.${k}`, out);
    }
  }
}

function label(r: Pick<PolicyResource, "type" | "name">): string {
  return `${r.type.split(":").pop()} "${r.name}"`;
}

/**
 * Mandatory: credentials appear only where this program puts them (the SynchronizationSecret's and
 * TestConnection's credentials), and nowhere else a policy can see. Policies cannot see whether
 * those two inputs are secrets; that is proven by the program tests and the config validation.
 */
export function credentialsOnlyAsSecrets(): StackValidationPolicy {
  return {
    name: "credentials-only-as-secrets",
    description:
      "Credentials reach only the synchronization secret and Test Connection (as Pulumi secrets), never another input, output or resource name.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const resources = args.resources.map((r) => ({ r, props: plain(() => r.props) }));

      // Where credentials belong, and their values to look for elsewhere.
      // The SynchronizationSecret first: a leak is named after the place the value is stored.
      const slots = new Set<string>();
      const known = new Map<string, string>();
      for (const type of [TYPES.synchronizationSecret, TYPES.testConnection]) {
        for (const { r, props } of resources) {
          if (r.type !== type || !isRecord(props) || !Array.isArray(props.credentials)) continue;
          props.credentials.forEach((p, i) => {
            if (!isRecord(p) || typeof p.key !== "string" || !CREDENTIAL_KEY.test(p.key)) return;
            slots.add(`${r.urn}#credentials[${i}].value`);
            const v = p.value;
            if (
              typeof v === "string" &&
              v.length >= MIN_SEARCHED_CREDENTIAL_LENGTH &&
              !known.has(v)
            )
              known.set(v, `the ${p.key} of ${label(r)}`);
          });
        }
      }

      for (const { r, props } of resources) {
        if (!isRecord(props)) continue;
        if (r.type === TYPES.guardedSecret && Array.isArray(props.settings)) {
          for (const p of props.settings) {
            if (isRecord(p) && typeof p.key === "string" && CREDENTIAL_KEY.test(p.key)) {
              report(
                `${label(r)}: settings hold the credential key "${p.key}", which this resource stores in plaintext. ` +
                  "Remove it: the GoTo connector is authorized once with the portal's Authorize button, and credentials for " +
                  "connector gotomeeting go through the adminPassword secret to the SynchronizationSecret only.",
                r.urn,
              );
            }
          }
        }
        if (
          r.type === TYPES.testConnection &&
          props.connector === "goto" &&
          Array.isArray(props.credentials) &&
          props.credentials.length > 0
        ) {
          report(
            `${label(r)}: credentials are set for connector goto, which Entra authorizes with the portal's Authorize button. ` +
              "Remove them (adminUserName and adminPassword apply to connector gotomeeting only).",
            r.urn,
          );
        }
        if (OWN_TYPE.test(r.type) && r.type !== TYPES.testConnection) {
          const found: { path: string; key: string }[] = [];
          credentialKeyPaths(props, "", found);
          for (const f of found) {
            report(
              `${label(r)}: input ${f.path.slice(1)} looks like a credential ("${f.key}"). Pass credentials only through ` +
                "the secret config keys (pulumi config set --secret …), which reach only the SynchronizationSecret and TestConnection.",
              r.urn,
            );
          }
        }
      }

      if (known.size === 0) return;
      for (const { r, props } of resources) {
        const leaves: { path: string; value: string }[] = [];
        stringLeaves(props, "", leaves);
        leaves.push({ path: ".<resource name>", value: r.name });
        for (const leaf of leaves) {
          if (slots.has(`${r.urn}#${leaf.path.slice(1)}`)) continue;
          // The engine gives the dynamic resources' default provider the whole stack config as its
          // inputs; a secret key's own value is where it belongs (stored encrypted, unwrapped only
          // for the pack). Seen with the real engine: test/realEngine.test.ts.
          if (r.type === TYPES.dynamicProvider && isOwnSecretConfigKey(leaf.path)) continue;
          for (const [value, source] of known) {
            if (!leaf.value.includes(value)) continue;
            const where = leaf.path === ".<resource name>" ? "its name" : leaf.path.slice(1);
            report(
              `${label(r)}: ${where} contains ${source} in plaintext. Remove it from there; ` +
                "keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).",
              r.urn,
            );
          }
        }
      }
    },
  };
}

/**
 * Mandatory: each User AttributeMappings declares exactly one matching attribute (matchingPriority ≥ 1),
 * so existing GoToMeeting accounts are matched by one unambiguous attribute.
 */
export function singleMatchingAttribute(): ResourceValidationPolicy {
  return {
    name: "single-matching-attribute",
    description:
      "The declared user attribute mappings have exactly one matching attribute (matchingPriority ≥ 1).",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type !== TYPES.attributeMappings) return;
      const props = plain(() => args.props);
      if (!isRecord(props) || props.objectType !== "User") return;
      const mappings = props.mappings;
      if (!Array.isArray(mappings) || hasUnknown(mappings)) return;
      const matching = mappings.filter(
        (m): m is Record<string, unknown> =>
          isRecord(m) && typeof m.matchingPriority === "number" && m.matchingPriority >= 1,
      );
      if (matching.length === 1) return;
      if (matching.length === 0) {
        report(
          "mappings declare no matching attribute. Set matchingPriority: 1 on the one attribute that identifies a user in " +
            "GoToMeeting, in attributeMappings (e.g. {target: userName, source: userPrincipalName, matchingPriority: 1}).",
        );
        return;
      }
      const targets = matching.map((m) => `"${String(m.target)}"`).join(", ");
      report(
        `mappings declare ${matching.length} matching attributes (${targets}). Keep matchingPriority on exactly one ` +
          "of them (e.g. userName) and remove it from the others in attributeMappings.",
      );
    },
  };
}

/**
 * Advisory: a production stack that provisions without a pilot stage (no provision-on-demand of a
 * single user). A stack policy sees only the current resources, so a pilot that ran and was then
 * removed looks the same as none.
 */
export function prodPilotStage(): StackValidationPolicy {
  return {
    name: "prod-pilot-stage",
    description:
      "A production stack rolls out after a pilot stage: one user provisioned on demand first.",
    enforcementLevel: "advisory",
    configSchema: PRODUCTION_SCHEMA,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const first = args.resources[0];
      const stack = first ? stackOfUrn(first.urn) : undefined;
      if (stack === undefined || !productionStacks(args).includes(stack)) return;
      if (!args.resources.some((r) => r.type === TYPES.synchronizationJob)) return;
      if (args.resources.some((r) => r.type === TYPES.provisionOnDemand)) return;
      report(
        `stack "${stack}" provisions without a pilot stage (no ProvisionOnDemand of a pilot user). Run the pilot in this stack first: ` +
          `pulumi config set pilotUser <upn> --stack ${stack}, pulumi up, check that user in GoToMeeting, then ` +
          `pulumi config rm pilotUser --stack ${stack} to assign everyone. Once the pilot has passed here, set this policy to ` +
          '"disabled" for the stack in the policy pack config.',
      );
    },
  };
}

/** Advisory: scope "all" (SyncAll "true") in a production stack provisions the whole tenant. */
export function prodScopeAssigned(): ResourceValidationPolicy {
  return {
    name: "prod-scope-assigned",
    description:
      "A production stack provisions only assigned users and groups (scope assigned, SyncAll false).",
    enforcementLevel: "advisory",
    configSchema: PRODUCTION_SCHEMA,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      const stack = stackOfUrn(args.urn);
      if (stack === undefined || !productionStacks(args).includes(stack)) return;
      const found = secretPairs(args);
      if (!found) return;
      const syncAll = pairValue(found.pairs, "SyncAll");
      if (typeof syncAll !== "string" || syncAll.toLowerCase() !== "true") return;
      report(
        `${found.property}: SyncAll is "true", so stack "${stack}" provisions every user and group in the tenant to GoToMeeting, ` +
          `not only the assigned ones. Set scope to assigned (pulumi config set scope assigned --stack ${stack}) unless ` +
          "the whole tenant really needs GoToMeeting accounts.",
      );
    },
  };
}

/** Every policy of the pack, mandatory ones first. */
export function allPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [
    noDefaultAccessRole(),
    syncNotificationAndDeletionThreshold(),
    credentialsOnlyAsSecrets(),
    singleMatchingAttribute(),
    prodPilotStage(),
    prodScopeAssigned(),
  ];
}
