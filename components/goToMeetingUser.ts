// A user of the GoToMeeting organisation as a Pulumi dynamic resource, over GoTo's identity API
// (SCIM 1.x-style: numeric keys, partial-object PATCH, DELETE 200, 403 for a bad token). The
// provider below is serialized into the state and run by the engine in its own process: it reads
// its settings in configure(), builds the client inside each method and captures nothing secret.
import * as pulumi from "@pulumi/pulumi";
import {
  GoToClient,
  GoToError,
  GoToSettings,
  GoToTokenCache,
  createGoToClient,
  gotoSettingsFromConfig,
} from "../lib/goto";
import { TransportError } from "../lib/http";
import { backoffMs, sleep } from "../lib/retry";
import { providerShim } from "../lib/providerShim";

/** The value an input has during preview when it depends on a resource not created yet. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface GoToMeetingUserArgs {
  /**
   * The user's e-mail address, GoTo's userName (at most 128 characters). A new user's domain must
   * be one of the organisation's verified domains. Changing it (other than its case) replaces the
   * user, since it is a different person.
   */
  userName: pulumi.Input<string>;
  /** Given name, at most 60 characters. */
  givenName: pulumi.Input<string>;
  /** Family name, at most 60 characters. */
  familyName: pulumi.Input<string>;
  /** Display name. Default: not managed; GoTo derives it from the names. */
  displayName?: pulumi.Input<string>;
  /** ISO-639 language with an optional ISO-3166 region, e.g. `en_US`. Default: not managed (GoTo's default). */
  locale?: pulumi.Input<string>;
  /** IANA time zone name, e.g. `Europe/Berlin`. Default: not managed (GoTo's default). */
  timezone?: pulumi.Input<string>;
  /**
   * Take over a user that already exists with this userName (create answers 409) and bring it to
   * the declared values. Dynamic resources cannot be imported, so this is the only way to manage a
   * user created elsewhere. Default false: an existing user is an error.
   */
  adoptExisting?: pulumi.Input<boolean>;
}

/** The inputs as the provider receives them (resolved). */
export interface GoToMeetingUserInputs {
  userName: string;
  givenName: string;
  familyName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  adoptExisting?: boolean;
}

/** What the state holds: the user as GoTo holds it. No password, token or other secret. */
export interface GoToMeetingUserOutputs {
  /** GoTo's numeric user key (a string), also the resource id. */
  userKey: string;
  userName: string;
  givenName: string;
  familyName: string;
  displayName: string;
  locale: string;
  timezone: string;
  adoptExisting: boolean;
  /** When GoTo created the user (meta.created, ISO 8601). */
  created: string;
}

const INPUT_KEYS = [
  "userName",
  "givenName",
  "familyName",
  "displayName",
  "locale",
  "timezone",
  "adoptExisting",
] as const;

const EMAIL =
  /^[^\s@"(),:;<>[\]\\]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

interface Problem {
  property: string;
  message: string;
}

/**
 * GoTo's documented limits, checked before any request: userName an e-mail address of at most 128
 * characters, names of at most 60, locale and timezone valid. Messages read
 * `<path>.<property>: <what is wrong>; <fix>` (the property alone when path is ""). Values still
 * unknown during a preview are skipped.
 */
export function validateGoToUser(input: unknown, path: string): string[] {
  return userProblems(input, path).map((p) => p.message);
}

function userProblems(input: unknown, path: string): Problem[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return [
      {
        property: "",
        message: `${path || "GoToMeetingUser"}: must be an object with userName, givenName and familyName; got ${describe(input)}`,
      },
    ];
  }
  const u = input as Record<string, unknown>;
  const problems: Problem[] = [];
  const add = (property: string, text: string) =>
    problems.push({ property, message: `${path ? `${path}.${property}` : property}: ${text}` });

  for (const key of Object.keys(u)) {
    if (!(INPUT_KEYS as readonly string[]).includes(key)) {
      add(key, `is not a GoToMeetingUser input; remove it (inputs: ${INPUT_KEYS.join(", ")})`);
    }
  }
  const text = (key: string, required: boolean, what: string): string | undefined => {
    const v = u[key];
    if (v === UNKNOWN) return undefined;
    if (v === undefined || v === null) {
      if (required) add(key, `is required; set ${what}`);
      return undefined;
    }
    if (typeof v !== "string") {
      add(key, `must be a string; got ${describe(v)}`);
      return undefined;
    }
    if (v.trim() === "") {
      add(key, `must not be empty; ${required ? `set ${what}` : "omit it to keep GoTo's value"}`);
      return undefined;
    }
    return v;
  };
  const limit = (key: string, v: string | undefined, max: number, fix: string) => {
    if (v !== undefined && v.length > max) {
      add(key, `is ${v.length} characters long, over GoTo's limit of ${max}; ${fix}`);
      return false;
    }
    return true;
  };

  const userName = text("userName", true, "the user's e-mail address");
  if (limit("userName", userName, 128, "use a shorter e-mail address")) {
    if (userName !== undefined && !EMAIL.test(userName)) {
      add(
        "userName",
        `${describe(userName)} is not an e-mail address; use the user's e-mail address, e.g. jane.doe@example.com`,
      );
    }
  }
  limit("givenName", text("givenName", true, "the user's given name"), 60, "shorten it");
  limit("familyName", text("familyName", true, "the user's family name"), 60, "shorten it");
  text("displayName", false, "");
  const locale = text("locale", false, "");
  if (locale !== undefined && !isLocale(locale)) {
    add(
      "locale",
      `${describe(locale)} is not ISO-639 with an optional ISO-3166 region (e.g. en_US); fix the value`,
    );
  }
  const timezone = text("timezone", false, "");
  if (timezone !== undefined && !isTimeZone(timezone)) {
    add(
      "timezone",
      `${describe(timezone)} is not an IANA time zone name (e.g. America/New_York); fix the value`,
    );
  }
  const adopt = u.adoptExisting;
  if (adopt !== undefined && adopt !== UNKNOWN && typeof adopt !== "boolean") {
    add("adoptExisting", `must be true or false; got ${describe(adopt)}`);
  }
  return problems;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 60) + "…" : v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v === "number" || typeof v === "boolean" ? String(v) : typeof v;
}

/** GoTo's form: a two-letter ISO-639-1 language, optionally `_` and an ISO-3166 alpha-2 region. */
function isLocale(v: string): boolean {
  const m = /^([a-z]{2})(?:_([A-Z]{2}))?$/.exec(v);
  if (!m) return false;
  // ICU knows every ISO code; "zz" or "QQ" come back undefined with fallback "none".
  const language = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" }).of(m[1]);
  const region = m[2]
    ? new Intl.DisplayNames(["en"], { type: "region", fallback: "none" }).of(m[2])
    : "";
  return language !== undefined && region !== undefined;
}

function isTimeZone(v: string): boolean {
  if (Intl.supportedValuesOf("timeZone").includes(v)) return true;
  // The canonical list omits names IANA still defines: UTC, Etc/*, backward links, and zones
  // renamed after this Node's ICU (Europe/Kyiv on Node 20). Accept what ICU resolves, written in
  // IANA's own case, so "utc" or "EST" style abbreviations still fail.
  if (!/^(?:UTC|[A-Z][A-Za-z_]+(?:\/[A-Z0-9][A-Za-z0-9_+-]*)+)$/.test(v)) return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: v });
    return true;
  } catch {
    return false;
  }
}

/** A user as GoTo's identity API returns it (only the attributes this resource manages). */
interface GoToUser {
  id: string | number;
  userName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  name?: { givenName?: string; familyName?: string };
  meta?: { created?: string; location?: string };
}

/** A partial user definition, as POST and PATCH take it. */
interface UserDefinition {
  userName?: string;
  name?: { givenName?: string; familyName?: string };
  displayName?: string;
  locale?: string;
  timezone?: string;
}

function isUser(v: unknown): v is GoToUser {
  const u = v as GoToUser | null;
  return (
    !!u &&
    typeof u === "object" &&
    (typeof u.id === "string" || typeof u.id === "number") &&
    typeof u.userName === "string"
  );
}

function toOutputs(v: unknown, adoptExisting: boolean): GoToMeetingUserOutputs {
  if (!isUser(v)) {
    throw new Error("GoTo answered without a user (no id or userName); the API may have changed.");
  }
  return {
    userKey: String(v.id),
    userName: v.userName,
    givenName: v.name?.givenName ?? "",
    familyName: v.name?.familyName ?? "",
    displayName: v.displayName ?? "",
    locale: v.locale ?? "",
    timezone: v.timezone ?? "",
    adoptExisting,
    created: v.meta?.created ?? "",
  };
}

function definitionOf(inputs: GoToMeetingUserInputs): UserDefinition {
  const body: UserDefinition = {
    userName: inputs.userName,
    name: { givenName: inputs.givenName, familyName: inputs.familyName },
  };
  if (inputs.displayName !== undefined) body.displayName = inputs.displayName;
  if (inputs.locale !== undefined) body.locale = inputs.locale;
  if (inputs.timezone !== undefined) body.timezone = inputs.timezone;
  return body;
}

/**
 * The partial user that brings `current` to the declared inputs, or undefined when nothing differs.
 * Omitted optional inputs are not managed, so they never produce a change. userName is left out: a
 * case-only difference is the same user, any other difference is a replacement.
 */
function patchFor(
  current: Partial<GoToMeetingUserOutputs>,
  wanted: GoToMeetingUserInputs,
): UserDefinition | undefined {
  const body: UserDefinition = {};
  const name: NonNullable<UserDefinition["name"]> = {};
  if (wanted.givenName !== current.givenName) name.givenName = wanted.givenName;
  if (wanted.familyName !== current.familyName) name.familyName = wanted.familyName;
  // SCIM 1.x PATCH merges sub-attributes, so only the changed half of the name is sent.
  if (Object.keys(name).length > 0) body.name = name;
  for (const key of ["displayName", "locale", "timezone"] as const) {
    if (wanted[key] !== undefined && wanted[key] !== current[key]) body[key] = wanted[key];
  }
  return Object.keys(body).length > 0 ? body : undefined;
}

function userPath(userKey: string): string {
  return `/Users/${encodeURIComponent(userKey)}`;
}

async function findByUserName(client: GoToClient, userName: string): Promise<GoToUser | undefined> {
  const quoted = userName.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const { body } = await client.call<{ resources?: unknown[] }>(
    "GET",
    `/Users?filter=${encodeURIComponent(`userName eq "${quoted}"`)}`,
  );
  const wanted = userName.toLowerCase();
  return (body?.resources ?? []).find(
    (u): u is GoToUser => isUser(u) && u.userName.toLowerCase() === wanted,
  );
}

/** How far GoTo's clock may run behind ours when telling our own new user from an older one. */
const CLOCK_SKEW_MS = 300_000;

/** A POST whose outcome is unknown: GoTo may or may not have created the user. */
function isLostResponse(err: unknown): boolean {
  return (
    err instanceof TransportError ||
    (err instanceof GoToError && (err.status === 502 || err.status === 503 || err.status === 504))
  );
}

/** Settings live only in the provider process; empty when the provider is serialized. */
const state: { settings?: GoToSettings; configError?: string; tokens?: GoToTokenCache } = {};

function connect(): { client: GoToClient; settings: GoToSettings } {
  if (!state.settings) {
    // A missing credential fails the operations that need GoTo, not configure(): check and diff
    // (a preview) work without GoTo credentials.
    if (state.configError) throw new Error(state.configError);
    // configure() not called (an engine without it): the environment fallback still applies.
    state.settings = gotoSettingsFromConfig(() => undefined);
    state.tokens = {};
  }
  const settings = state.settings;
  return { client: createGoToClient(settings, (state.tokens ??= {})), settings };
}

/** Brings an existing user to the declared values: no call when it already matches, else one PATCH. */
async function converge(
  client: GoToClient,
  user: GoToUser,
  inputs: GoToMeetingUserInputs,
): Promise<pulumi.dynamic.CreateResult<GoToMeetingUserOutputs>> {
  const adoptExisting = inputs.adoptExisting ?? false;
  const current = toOutputs(user, adoptExisting);
  const patch = patchFor(current, inputs);
  if (!patch) return { id: current.userKey, outs: current };
  const { body } = await client.call("PATCH", userPath(current.userKey), patch);
  const outs = isUser(body) ? toOutputs(body, adoptExisting) : current;
  return { id: outs.userKey, outs };
}

export const goToMeetingUserProvider: pulumi.dynamic.ResourceProvider<
  GoToMeetingUserInputs,
  GoToMeetingUserOutputs
> = {
  async configure(req) {
    state.tokens = {};
    try {
      state.settings = gotoSettingsFromConfig((key) => req.config.get(key));
      state.configError = undefined;
    } catch (err) {
      state.settings = undefined;
      state.configError = (err as Error).message;
    }
  },

  async check(_olds, news) {
    const candidate: Record<string, unknown> = { ...news };
    // The engine adds __provider; userKey and created are outputs the resource class seeds.
    for (const key of ["__provider", "userKey", "created"]) delete candidate[key];
    const failures = userProblems(candidate, "").map((p) => ({
      property: p.property,
      reason: p.message,
    }));
    return { inputs: { ...news, adoptExisting: news.adoptExisting ?? false }, failures };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = [];
    if (
      news.userName === UNKNOWN ||
      String(news.userName).toLowerCase() !== String(olds.userName ?? "").toLowerCase()
    ) {
      replaces.push("userName");
    }
    const unknown = INPUT_KEYS.filter((k) => k !== "userName" && news[k] === UNKNOWN);
    const changed = unknown.length > 0 || patchFor(olds, news) !== undefined;
    return { changes: replaces.length > 0 || changed, replaces };
  },

  async create(inputs) {
    const { client, settings } = connect();
    const startedAt = Date.now();
    const deadline = startedAt + settings.retryBudgetMs;
    let lostBefore = false;
    const conflict = () =>
      new Error(
        `GoTo already has a user with userName "${inputs.userName}" (HTTP 409: userName in use). ` +
          "To manage that user with Pulumi, set adoptExisting: true on this GoToMeetingUser; " +
          "otherwise choose another userName.",
      );
    // A user found after a lost response is ours unless GoTo created it well before our first POST
    // (then the lost answer was a 409): taking it silently would let destroy delete someone else's user.
    const take = (found: GoToUser) => {
      const created = Date.parse(found.meta?.created ?? "");
      if (!inputs.adoptExisting && created < startedAt - CLOCK_SKEW_MS) throw conflict();
      return converge(client, found, inputs);
    };
    // A POST whose response is lost (reset, timeout, 502/503/504) may have created the user.
    // Repeating it blindly would either create a duplicate on a lenient API or turn our own user into
    // a 409 that looks like someone else's, so the user is looked up by userName first: present means
    // our earlier attempt worked, and it is taken (and patched if it differs); absent means POST again.
    for (let attempt = 1; ; attempt++) {
      let response: { status: number; body: unknown };
      try {
        response = await client.call("POST", "/Users", definitionOf(inputs), {
          idempotent: false,
          accept: [409],
        });
      } catch (err) {
        if (!isLostResponse(err) || Date.now() >= deadline) throw err;
        lostBefore = true;
        const found = await findByUserName(client, inputs.userName);
        if (found) return take(found);
        await sleep(backoffMs(attempt, { baseDelayMs: settings.baseDelayMs, maxDelayMs: 60_000 }));
        continue;
      }
      if (response.status !== 409) {
        const outs = toOutputs(response.body, inputs.adoptExisting ?? false);
        return { id: outs.userKey, outs };
      }
      // After a lost response, a 409 may be our own earlier POST landing late: look before failing.
      if (!inputs.adoptExisting && !lostBefore) throw conflict();
      const found = await findByUserName(client, inputs.userName);
      if (!found) {
        throw new Error(
          `GoTo says userName "${inputs.userName}" is in use (HTTP 409), but no user of this ` +
            "organisation has it, so it cannot be adopted: it belongs to another GoTo account. " +
            "Choose another userName, or remove the user from the other account first.",
        );
      }
      return take(found);
    }
  },

  async read(id, props) {
    const { client } = connect();
    const { status, body } = await client.call("GET", userPath(id), undefined, { accept: [404] });
    // Deleted outside Pulumi: no id, so refresh drops it from the state.
    if (status === 404) return {};
    const outs = toOutputs(body, props?.adoptExisting ?? false);
    const inputs: GoToMeetingUserInputs = {
      userName: outs.userName,
      givenName: outs.givenName,
      familyName: outs.familyName,
      displayName: outs.displayName,
      locale: outs.locale,
      timezone: outs.timezone,
      adoptExisting: outs.adoptExisting,
    };
    // The SDK types read's inputs as Outputs; the engine stores them as the resource's inputs.
    return { id: outs.userKey, props: outs, inputs: inputs as GoToMeetingUserOutputs };
  },

  async update(id, olds, news) {
    const adoptExisting = news.adoptExisting ?? false;
    const patch = patchFor(olds, news);
    if (!patch) return { outs: { ...olds, adoptExisting } };
    const { client } = connect();
    const { status, body } = await client.call("PATCH", userPath(id), patch, { accept: [404] });
    if (status === 404) {
      throw new Error(
        `GoTo user ${id} ("${olds.userName}") no longer exists. Fix: pulumi refresh drops it from ` +
          "the state; pulumi up then creates it again.",
      );
    }
    if (isUser(body)) return { outs: toOutputs(body, adoptExisting) };
    // GoTo's PATCH answers with the user; if it ever does not, the sent values are what it holds.
    return {
      outs: {
        ...olds,
        adoptExisting,
        givenName: patch.name?.givenName ?? olds.givenName,
        familyName: patch.name?.familyName ?? olds.familyName,
        displayName: patch.displayName ?? olds.displayName,
        locale: patch.locale ?? olds.locale,
        timezone: patch.timezone ?? olds.timezone,
      },
    };
  },

  async delete(id) {
    const { client } = connect();
    // 404: already gone (removed in the admin center, or a lost DELETE response retried).
    await client.call("DELETE", userPath(id), undefined, { accept: [404] });
  },
};

// Serialized into the state instead of goToMeetingUserProvider itself (see lib/providerShim.ts).
const goToMeetingUserShim = providerShim(
  goToMeetingUserProvider,
  __filename,
  "goToMeetingUserProvider",
);

/**
 * A GoToMeeting organisation user, provisioned directly through GoTo's identity API (for users that
 * Entra provisioning does not cover, such as service or pilot accounts).
 */
export class GoToMeetingUser extends pulumi.dynamic.Resource {
  declare readonly userKey: pulumi.Output<string>;
  declare readonly userName: pulumi.Output<string>;
  declare readonly givenName: pulumi.Output<string>;
  declare readonly familyName: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly locale: pulumi.Output<string>;
  declare readonly timezone: pulumi.Output<string>;
  declare readonly adoptExisting: pulumi.Output<boolean>;
  declare readonly created: pulumi.Output<string>;

  constructor(name: string, args: GoToMeetingUserArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      goToMeetingUserShim,
      name,
      {
        displayName: undefined,
        locale: undefined,
        timezone: undefined,
        adoptExisting: undefined,
        ...args,
        userKey: undefined,
        created: undefined,
      },
      opts,
      "gotomeeting",
      "GoToMeetingUser",
    );
  }
}
