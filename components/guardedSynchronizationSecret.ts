// Notification e-mail, deletion threshold and scope for the GoTo connector, written so that they can
// never erase the portal's OAuth authorization. Graph's secrets PUT replaces the whole set and its
// GET masks every sensitive value as "*", so once the portal's Authorize stored its tokens there is
// no way to write the settings and send the tokens back: this resource then refuses and says what
// to click instead (unless the live settings already match).
import * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../lib/graph";
import {
  REPLICATION_GRACE_MS,
  UNKNOWN,
  changedKeys,
  checkServicePrincipalId,
  containsUnknown,
  graphClient,
  quoteValue,
  withReplicationHint,
} from "./syncResourceSupport";
import { providerShim } from "../lib/providerShim";

export type ManagedSecretKey = "SyncNotificationSettings" | "SyncAll";
export const MANAGED_SECRET_KEYS: readonly ManagedSecretKey[] = [
  "SyncNotificationSettings",
  "SyncAll",
];

export interface SettingPair {
  key: ManagedSecretKey;
  value: string;
}

export interface GuardedSynchronizationSecretArgs {
  /** Object id (GUID) of the GoTo gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** Exactly SyncNotificationSettings (Graph's JSON string, e.g.
   *  `{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":50}`;
   *  DeleteThresholdEnabled defaults to true and DeleteThresholdValue to 500) and SyncAll ("true" =
   *  all users and groups, "false" = only assigned ones). No credential key: GoTo is authorized in the portal. */
  settings: pulumi.Input<
    pulumi.Input<{ key: pulumi.Input<ManagedSecretKey>; value: pulumi.Input<string> }>[]
  >;
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

function list(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
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
    check.length ? `check ${list(check)}` : "",
    uncheck.length ? `uncheck ${list(uncheck)}` : "",
    `set ${list(set)}`,
  ].filter((s) => s !== "");
  return (
    `Refusing to write the GoTo connector's settings: the portal's authorization (${otherKeys.join(", ")}) ` +
    "is stored in the same secret set and Graph's PUT would erase it. Do it by hand: Entra admin center → " +
    `Enterprise apps → ${servicePrincipalId} → Provisioning → Settings: ${steps.join(", then ")}; Save; ` +
    "then run pulumi refresh."
  );
}

export function checkGuardedSecretInputs(news: Partial<GuardedSynchronizationSecretInputs>) {
  const failures: pulumi.dynamic.CheckFailure[] = [];
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
      fail(`settings[${i}] (SyncAll) must be "true" or "false"; got ${quoteValue(value)}.`);
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

const state: { settings?: GraphSettings } = {};

type SecretSet = { value?: MSGraph.SynchronizationSecretKeyStringValuePair[] };

function secretsPath(servicePrincipalId: string): string {
  return `/servicePrincipals/${servicePrincipalId}/synchronization/secrets`;
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

async function write(
  inputs: GuardedSynchronizationSecretInputs,
): Promise<GuardedSynchronizationSecretOutputs> {
  const graph = graphClient(state.settings, "GuardedSynchronizationSecret");
  const path = secretsPath(inputs.servicePrincipalId);
  return graph.exclusive(inputs.servicePrincipalId, async () => {
    const { body } = await withReplicationHint(
      graph.call<SecretSet>("GET", path, undefined, { notFoundGraceMs: REPLICATION_GRACE_MS }),
    );
    const { managed, otherKeys } = splitSecretSet(body.value ?? []);
    const outs = {
      servicePrincipalId: inputs.servicePrincipalId,
      settings: inputs.settings,
      otherKeys,
    };
    if (sameSettings(managed, inputs.settings)) return outs;
    if (otherKeys.length > 0)
      throw new Error(byHandMessage(inputs.servicePrincipalId, otherKeys, inputs.settings));
    // Nothing else is stored, so replacing the set loses nothing. (An Authorize clicked between the
    // GET and this PUT would be lost; the write lock cannot cover the portal, the window is small.)
    const value: MSGraph.SynchronizationSecretKeyStringValuePair[] = inputs.settings.map((s) => ({
      key: s.key,
      value: s.value,
    }));
    await graph.call("PUT", path, { value });
    return outs;
  });
}

export const guardedSynchronizationSecretProvider: pulumi.dynamic.ResourceProvider<
  GuardedSynchronizationSecretInputs,
  GuardedSynchronizationSecretOutputs
> = {
  async configure(req) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds, news) {
    return { inputs: news, failures: checkGuardedSecretInputs(news) };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ["servicePrincipalId"]);
    const changes =
      replaces.length > 0 ||
      containsUnknown(news.settings) ||
      !sameSettings(olds.settings ?? [], news.settings);
    return { changes, replaces };
  },

  async create(inputs) {
    return { id: `${inputs.servicePrincipalId}/settings`, outs: await write(inputs) };
  },

  async update(_id, _olds, news) {
    return { outs: await write(news) };
  },

  async read(id, props) {
    const old = props!;
    const graph = graphClient(state.settings, "GuardedSynchronizationSecret");
    const { status, body } = await graph.call<SecretSet>(
      "GET",
      secretsPath(old.servicePrincipalId),
      undefined,
      {
        accept: [404],
      },
    );
    if (status === 404) return { id: "" };
    const { managed, otherKeys } = splitSecretSet(body.value ?? []);
    const live = { servicePrincipalId: old.servicePrincipalId, settings: managed };
    // ReadResult types `inputs` as the outputs type; the engine stores it as the resource's inputs.
    return {
      id,
      props: { ...live, otherKeys },
      inputs: live as GuardedSynchronizationSecretOutputs,
    };
  },

  async delete() {
    // Never PUT on delete: even an "empty" PUT replaces the whole set and would erase the portal's
    // authorization. Leaving the settings behind is harmless; the app's deletion removes them.
  },
};

// Serialized into the state instead of guardedSynchronizationSecretProvider itself (see lib/providerShim.ts).
const guardedSynchronizationSecretShim = providerShim(
  guardedSynchronizationSecretProvider,
  __filename,
  "guardedSynchronizationSecretProvider",
);

/** GoTo connector settings (notification e-mail, deletion threshold, scope) that never erase the
 *  portal's authorization: when they cannot be written safely, the deployment fails with the clicks. */
export class GuardedSynchronizationSecret extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly settings: pulumi.Output<SettingPair[]>;
  declare readonly otherKeys: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: GuardedSynchronizationSecretArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      guardedSynchronizationSecretShim,
      name,
      { ...args, otherKeys: undefined },
      opts,
      "gotomeeting",
      "GuardedSynchronizationSecret",
    );
  }
}
