// The pure half of GuardedSynchronizationSecret: reading and comparing Graph's settings values, the
// by-hand steps it prints when it must not write, and the input checks.
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { describe, joinAnd } from "../../model/text";
import { UNKNOWN, containsUnknown } from "../../model/unknown";
import { checkServicePrincipalId, synchronizationPath } from "../graphResource";

export type ManagedSecretKey = "SyncNotificationSettings" | "SyncAll";
export const MANAGED_SECRET_KEYS: readonly ManagedSecretKey[] = [
  "SyncNotificationSettings",
  "SyncAll",
];

export interface SettingPair {
  key: ManagedSecretKey;
  value: string;
}

export interface GuardedSynchronizationSecretInputs {
  servicePrincipalId: string;
  settings: SettingPair[];
}

export interface GuardedSynchronizationSecretOutputs extends GuardedSynchronizationSecretInputs {
  /** Names (never values) of the other keys in the secret set, e.g. the portal's Oauth2AccessToken. */
  otherKeys: string[];
}

interface NotificationSettings {
  Enabled: boolean;
  Recipients: string;
  DeleteThresholdEnabled: boolean;
  DeleteThresholdValue: number;
}

/** Graph's notification JSON with its documented defaults filled in; undefined when unreadable. */
export function parseNotificationSettings(text: string): NotificationSettings | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const v = raw as Partial<Record<keyof NotificationSettings, unknown>>;
  const bool = (x: unknown, dflt: boolean) =>
    x === undefined ? dflt : typeof x === "boolean" ? x : undefined;
  const parsed = {
    Enabled: bool(v.Enabled, false),
    Recipients:
      v.Recipients === undefined ? "" : typeof v.Recipients === "string" ? v.Recipients : undefined,
    DeleteThresholdEnabled: bool(v.DeleteThresholdEnabled, true),
    DeleteThresholdValue:
      v.DeleteThresholdValue === undefined
        ? 500
        : Number.isInteger(v.DeleteThresholdValue) && (v.DeleteThresholdValue as number) >= 0
          ? (v.DeleteThresholdValue as number)
          : undefined,
  };
  return Object.values(parsed).includes(undefined) ? undefined : (parsed as NotificationSettings);
}

/** Whether a live value means the same as the desired one (Graph may reformat the JSON). */
export function sameSetting(
  key: string,
  live: string | null | undefined,
  desired: string,
): boolean {
  if (live === null || live === undefined) return false;
  if (key === "SyncAll") return live.toLowerCase() === desired.toLowerCase();
  if (key === "SyncNotificationSettings") {
    const a = parseNotificationSettings(live);
    const b = parseNotificationSettings(desired);
    if (a && b) {
      return (
        a.Enabled === b.Enabled &&
        a.Recipients === b.Recipients &&
        a.DeleteThresholdEnabled === b.DeleteThresholdEnabled &&
        // The threshold value means nothing while deletion prevention is off.
        (!a.DeleteThresholdEnabled || a.DeleteThresholdValue === b.DeleteThresholdValue)
      );
    }
  }
  return live === desired;
}

export function sameSettings(
  live: readonly SettingPair[],
  desired: readonly SettingPair[],
): boolean {
  return (
    live.length === desired.length &&
    desired.every((d) => sameSetting(d.key, live.find((l) => l.key === d.key)?.value, d.value))
  );
}

/** The portal clicks that give the same result as the PUT this resource refuses to make. */
export function byHandMessage(
  servicePrincipalId: string,
  otherKeys: readonly string[],
  desired: readonly SettingPair[],
): string {
  const notify = parseNotificationSettings(
    desired.find((s) => s.key === "SyncNotificationSettings")?.value ?? "",
  );
  const syncAll = desired.find((s) => s.key === "SyncAll")?.value.toLowerCase() === "true";
  const check: string[] = [];
  const uncheck: string[] = [];
  const set: string[] = [];
  if (notify) {
    const mailBox = '"Send an email notification when a failure occurs"';
    if (notify.Enabled) {
      check.push(mailBox);
      set.push(`Notification Email to "${notify.Recipients}"`);
    } else {
      uncheck.push(mailBox);
    }
    if (notify.DeleteThresholdEnabled) {
      check.push('"Prevent accidental deletion"');
      set.push(`the accidental-deletion threshold to ${notify.DeleteThresholdValue}`);
    } else {
      uncheck.push('"Prevent accidental deletion"');
    }
  }
  set.push(
    `Scope to "${syncAll ? "Sync all users and groups" : "Sync only assigned users and groups"}"`,
  );
  const steps = [
    check.length ? `check ${joinAnd(check)}` : "",
    uncheck.length ? `uncheck ${joinAnd(uncheck)}` : "",
    `set ${joinAnd(set)}`,
  ].filter((s) => s !== "");
  return (
    `Refusing to write the GoTo connector's settings: the portal's authorization (${otherKeys.join(", ")}) ` +
    "is stored in the same secret set and Graph's PUT would erase it. Do it by hand: Entra admin center → " +
    `Enterprise apps → ${servicePrincipalId} → Provisioning → Settings: ${steps.join(", then ")}; Save; ` +
    "then run pulumi refresh."
  );
}

export function checkGuardedSecretInputs(news: Partial<GuardedSynchronizationSecretInputs>) {
  const failures: CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  const settings: unknown = news.settings;
  if (settings === UNKNOWN) return failures;
  const fail = (reason: string) => failures.push({ property: "settings", reason });
  if (!Array.isArray(settings)) {
    fail("settings must be a list of {key, value} holding SyncNotificationSettings and SyncAll.");
    return failures;
  }
  const seen = new Set<string>();
  settings.forEach((item: unknown, i) => {
    if (item === UNKNOWN) return;
    const key: unknown = (item as Partial<SettingPair> | null)?.key;
    const value: unknown = (item as Partial<SettingPair> | null)?.value;
    if (key === UNKNOWN) return;
    if (key !== "SyncNotificationSettings" && key !== "SyncAll") {
      // The key is not printed: a credential put here by mistake must not reach the output.
      fail(
        `settings[${i}].key must be SyncNotificationSettings or SyncAll. Credential keys are never written ` +
          "for the GoTo connector: it is authorized with the portal's Authorize button.",
      );
      return;
    }
    if (seen.has(key)) fail(`settings[${i}]: ${key} is given twice; give it once.`);
    seen.add(key);
    if (value === UNKNOWN) return;
    if (key === "SyncAll" && value !== "true" && value !== "false") {
      fail(`settings[${i}] (SyncAll) must be "true" or "false"; got ${describe(value)}.`);
    }
    if (
      key === "SyncNotificationSettings" &&
      (typeof value !== "string" || !parseNotificationSettings(value))
    ) {
      fail(
        `settings[${i}] (SyncNotificationSettings) must be Graph's JSON text, e.g. ` +
          '{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":50} ' +
          "(Enabled and DeleteThresholdEnabled booleans, Recipients text, DeleteThresholdValue a whole number).",
      );
    }
  });
  for (const key of MANAGED_SECRET_KEYS) {
    if (!seen.has(key) && !containsUnknown(settings))
      fail(`settings lack ${key}; give both managed keys.`);
  }
  return failures;
}

export type SecretSet = { value: MSGraph.SynchronizationSecretKeyStringValuePair[] };

export function secretsPath(servicePrincipalId: string): string {
  return `${synchronizationPath(servicePrincipalId)}/secrets`;
}

/** The managed pairs (in the managed order) and the names of every other key. */
export function splitSecretSet(set: readonly MSGraph.SynchronizationSecretKeyStringValuePair[]): {
  managed: SettingPair[];
  otherKeys: string[];
} {
  const managed: SettingPair[] = [];
  for (const key of MANAGED_SECRET_KEYS) {
    const pair = set.find((p) => p.key === key);
    if (pair) managed.push({ key, value: pair.value ?? "" });
  }
  const otherKeys = set
    .map((p) => p.key ?? "")
    .filter((k) => k !== "" && !(MANAGED_SECRET_KEYS as readonly string[]).includes(k))
    .sort();
  return { managed, otherKeys };
}
