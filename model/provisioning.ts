// The tutorial's settings as one validated description: who is assigned (and the pilot), the
// notification e-mail, the deletion threshold, scope, provisioning on/off, the mappings. The stack
// config (config/schema.ts) and the GoToMeetingProvisioning component both normalise through
// here, so a program that uses the component without this project's stack config gets the same
// rules and the same messages, each naming the argument (= config key) and the fix.
import { namesDefaultAccess, defaultAccessMessage } from "./appRoles";
import {
  type AttributeMappingSpec,
  type MappingObjectType,
  lowestPriorityProblem,
  validateMappingSpecs,
} from "./attributeMapping";
import { type Connector, GALLERY_APP, GUID } from "./connector";
import { describe } from "./text";

/** How a principal is named: an object id is used as given, anything else is looked up. */
export type PrincipalRef = { kind: "objectId"; objectId: string } | { kind: "name"; name: string };

/** One entry of `assignments` as written: exactly one of user or group. */
export interface AssignmentArgs {
  /** A user: UPN (name@domain) or object id. */
  user?: string;
  /** A group: display name or object id. */
  group?: string;
  /** App role value, display name or id. Default: the one role the app offers besides Default Access. */
  role?: string;
}

export interface Assignment {
  principalType: "User" | "Group";
  principal: PrincipalRef;
  /** As written: the key a reviewer recognises, and the stable part of resource names. */
  principalText: string;
  /** App role value, display name or id; undefined = the role the app offers. */
  role?: string;
  /** Argument path, so deploy-time errors (role not found) still point at the entry. */
  path: string;
}

export interface NotificationSettings {
  enabled: boolean;
  recipients: string[];
}

/** An attribute mapping as declared, with the object type it belongs to. */
export type DeclaredMapping = AttributeMappingSpec & { objectType?: MappingObjectType };

/** The settings that shape the procedure; every field has its documented default. */
export interface ProvisioningSettingsArgs {
  /** Which gallery app. Default "gotomeeting". */
  connector?: Connector;
  /** Gallery template display name. Default "GoToMeeting" (connector gotomeeting) or "GoTo". */
  galleryApp?: string;
  /** Who gets the app. Default none. */
  assignments?: AssignmentArgs[];
  /** UPN or object id: while set, only this user is assigned and provisioned on demand. */
  pilotUser?: string;
  /** Allow the Default Access role (configurations created after 2020-04-16). Default false. */
  allowDefaultAccessRole?: boolean;
  /** Failure notifications: an address, a list, or "none" to opt out. Required while provisioning is enabled. */
  notificationEmail?: string | string[];
  /** Accidental-deletion prevention threshold; 0 turns it off. Default 500. */
  deleteThreshold?: number;
  /** Sync only "assigned" users and groups, or "all". Default "assigned". */
  scope?: "assigned" | "all";
  /** Provisioning Status On, once Test Connection passed. Default true. */
  provisioningEnabled?: boolean;
  /** Declared attribute mappings (objectType per entry, default User). Default: the template's. */
  attributeMappings?: DeclaredMapping[];
  /** Release a TooManyDeletes quarantine on this run (restart with ForceDeletes). Default false. */
  allowMassDeletion?: boolean;
  /** Whether admin credentials are given (connector gotomeeting); their values never come here. */
  hasAdminUserName?: boolean;
  hasAdminPassword?: boolean;
}

export interface ProvisioningSettings {
  connector: Connector;
  galleryApp: string;
  /** What is declared now: only the pilot while `pilotUser` is set. */
  assignments: Assignment[];
  /** Every entry of `assignments`, pilot stage or not (the plan shows the rollout's target). */
  allAssignments: Assignment[];
  pilotUser?: Assignment;
  /** Not errors, but what a reviewer must know (a pilot missing from assignments, credentials left out). */
  warnings: string[];
  allowDefaultAccessRole: boolean;
  notification: NotificationSettings;
  deleteThreshold: number;
  scope: "assigned" | "all";
  provisioningEnabled: boolean;
  attributeMappings: { objectType: MappingObjectType; mappings: AttributeMappingSpec[] }[];
  allowMassDeletion: boolean;
  /** Connector gotomeeting: admin user name and password are both given (Test Connection runs). */
  credentialsDeclared: boolean;
}

export const OPT_OUT = "none";
export const DEFAULT_DELETE_THRESHOLD = 500;

const EMAIL =
  /^[^\s@"(),:;<>[\]\\]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function isEmail(text: string): boolean {
  return EMAIL.test(text);
}

function principalRef(text: string): PrincipalRef {
  return GUID.test(text)
    ? { kind: "objectId", objectId: text.toLowerCase() }
    : { kind: "name", name: text };
}

/**
 * Normalises the settings and lists every problem at once. Messages start with the argument path
 * (the stack config key of the same name) and end with the fix.
 */
export function normalizeProvisioning(args: ProvisioningSettingsArgs): {
  settings: ProvisioningSettings;
  problems: string[];
} {
  const problems: string[] = [];
  const warnings: string[] = [];
  const connector = args.connector ?? "gotomeeting";
  const provisioningEnabled = args.provisioningEnabled ?? true;
  const allowDefaultAccessRole = args.allowDefaultAccessRole ?? false;

  const assignments: Assignment[] = [];
  const seen = new Map<string, string>();
  // forEach skips holes: the stack config leaves an entry it already rejected as one, so the
  // entries after it keep their index and path.
  (args.assignments ?? []).forEach((a, i) => {
    const path = `assignments[${i}]`;
    if ((a.user === undefined) === (a.group === undefined)) {
      problems.push(
        a.user === undefined
          ? `${path}: set exactly one of user or group (found neither)`
          : `${path}: set exactly one of user or group (found both); use two entries to assign both`,
      );
      return;
    }
    const principalType = a.user !== undefined ? "User" : "Group";
    const text = (a.user ?? a.group)!.trim();
    const field = principalType === "User" ? "user" : "group";
    if (text === "") {
      problems.push(`${path}.${field}: must not be empty`);
      return;
    }
    if (principalType === "User" && !GUID.test(text) && !text.includes("@")) {
      problems.push(
        `${path}.user: ${describe(text)} is neither a UPN (name@domain) nor an object id`,
      );
    }
    const role = a.role?.trim();
    if (a.role !== undefined && role === "") problems.push(`${path}.role: must not be empty`);
    // Rejected on every entry, pilot stage or not: `pulumi config rm pilotUser` must not be the
    // moment a Default Access entry first fails.
    if (role && namesDefaultAccess(role) && !allowDefaultAccessRole) {
      problems.push(defaultAccessMessage(`${path}.role`, role));
    }
    const key = `${principalType}:${text.toLowerCase()}`;
    const first = seen.get(key);
    if (first) {
      problems.push(
        `${path}: ${field} ${describe(text)} is already assigned by ${first}; a principal holds one role in this app, keep one entry`,
      );
      return;
    }
    seen.set(key, path);
    assignments.push({
      principalType,
      principal: principalRef(text),
      principalText: text,
      ...(role ? { role } : {}),
      path,
    });
  });

  let pilotUser: Assignment | undefined;
  const pilotText = args.pilotUser?.trim();
  if (pilotText) {
    if (!GUID.test(pilotText) && !pilotText.includes("@")) {
      problems.push(
        `pilotUser: ${describe(pilotText)} is neither a UPN (name@domain) nor an object id`,
      );
    }
    // The pilot keeps the role its regular assignment gives it, so the rollout changes nothing for it.
    const listed = assignments.find(
      (a) =>
        a.principalType === "User" && a.principalText.toLowerCase() === pilotText.toLowerCase(),
    );
    if (!listed) {
      warnings.push(
        `pilotUser: ${describe(pilotText)} is not in assignments, so removing pilotUser at rollout removes this user's assignment ` +
          "(and GoToMeeting deprovisions the account); add it to assignments to keep it",
      );
    }
    pilotUser = {
      principalType: "User",
      principal: principalRef(pilotText),
      principalText: pilotText,
      ...(listed?.role ? { role: listed.role } : {}),
      path: listed ? listed.path : "pilotUser",
    };
  }

  let credentialsDeclared = false;
  if (connector === "gotomeeting") {
    const user = args.hasAdminUserName ?? false;
    const password = args.hasAdminPassword ?? false;
    credentialsDeclared = user && password;
    // Test Connection's check needs both; while provisioning is off they may be left out together
    // (Test Connection and the saved settings then wait), never one without the other.
    if (provisioningEnabled || user !== password) {
      const why = provisioningEnabled
        ? "required for connector gotomeeting while provisioning is enabled"
        : `required together with ${user ? "adminUserName" : "adminPassword"}, since Test Connection needs both`;
      if (!user) {
        problems.push(
          `adminUserName: ${why} (step 5a); set it: pulumi config set adminUserName admin@yourcompany.com`,
        );
      }
      if (!password) {
        problems.push(
          `adminPassword: ${why} (step 5b); set it as a secret: pulumi config set --secret adminPassword <password>`,
        );
      }
    } else if (!credentialsDeclared) {
      warnings.push(
        "adminUserName, adminPassword: not set while provisioningEnabled is false, so Test Connection and the saved " +
          "settings (notification e-mail, deletion threshold, scope) wait; set both before turning provisioning on",
      );
    }
  }

  const notification = parseNotification(args.notificationEmail, provisioningEnabled, problems);

  const deleteThreshold = args.deleteThreshold ?? DEFAULT_DELETE_THRESHOLD;
  if (
    !Number.isInteger(deleteThreshold) ||
    deleteThreshold < 0 ||
    deleteThreshold > 2_147_483_647
  ) {
    problems.push(
      `deleteThreshold: ${describe(deleteThreshold)} must be a whole number ≥ 0 (0 turns accidental-deletion prevention off)`,
    );
  }
  const scope = args.scope ?? "assigned";
  if (scope !== "assigned" && scope !== "all") {
    problems.push(`scope: must be "assigned" or "all"; got ${describe(scope)}`);
  }

  const allowMassDeletion = args.allowMassDeletion ?? false;
  if (allowMassDeletion) {
    warnings.push(
      "allowMassDeletion: true releases a TooManyDeletes quarantine on this run, so the deletions it held are carried out; " +
        "it is meant for one pulumi up after reviewing them: unset it right after (pulumi config rm allowMassDeletion)",
    );
  }

  const attributeMappings: ProvisioningSettings["attributeMappings"] = [];
  if (args.attributeMappings !== undefined) {
    const mappingProblems = validateMappingSpecs(args.attributeMappings, "attributeMappings");
    problems.push(...mappingProblems);
    if (mappingProblems.length === 0) {
      for (const objectType of ["User", "Group"] as const) {
        const mappings = args.attributeMappings
          .filter((m) => (m.objectType ?? "User") === objectType)
          .map(({ objectType: _drop, ...spec }) => spec);
        if (mappings.length === 0) continue;
        const tie = lowestPriorityProblem(mappings, objectType, false);
        if (tie)
          problems.push(`attributeMappings (${objectType}): ${tie.replace(/^mappings: /, "")}`);
        attributeMappings.push({ objectType, mappings });
      }
      if (connector === "gotomeeting" && attributeMappings.some((m) => m.objectType === "Group")) {
        problems.push(
          "attributeMappings: objectType Group is only provisioned by connector goto (the GoToMeeting connector syncs users only); remove the Group mappings or set connector: goto",
        );
      }
    }
  }

  return {
    settings: {
      connector,
      galleryApp: args.galleryApp?.trim() || GALLERY_APP[connector],
      assignments: pilotUser ? [pilotUser] : assignments,
      allAssignments: assignments,
      pilotUser,
      warnings,
      allowDefaultAccessRole,
      notification,
      deleteThreshold,
      scope,
      provisioningEnabled,
      attributeMappings,
      allowMassDeletion,
      credentialsDeclared,
    },
    problems,
  };
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
  list.forEach((r: unknown, i) => {
    const path = typeof value === "string" ? "notificationEmail" : `notificationEmail[${i}]`;
    if (typeof r !== "string" || !isEmail(r.trim())) {
      problems.push(`${path}: ${describe(r)} is not an e-mail address`);
    } else if (recipients.some((x) => x.toLowerCase() === r.trim().toLowerCase())) {
      problems.push(`${path}: "${r}" is listed twice; remove the duplicate`);
    } else {
      recipients.push(r.trim());
    }
  });
  // Graph stores recipients as one string; the Government cloud caps credentials and settings at 1 KB.
  if (recipients.join(";").length > 1024) {
    problems.push(
      "notificationEmail: the recipients exceed 1,024 characters together; use a distribution list",
    );
  }
  return { enabled: true, recipients };
}
