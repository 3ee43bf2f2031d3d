// The pure half of GoToMeetingUser: GoTo's user shape as its identity API returns it, the state the
// resource keeps, the request bodies that bring a user to its declared values, the create marker
// that proves a user is this provider's own, and the decisions diff makes. No I/O.
import type { GoToMeetingUserInputs } from "../../model/goToUser";
import { UNKNOWN, containsUnknown } from "../../model/unknown";

/** What the state holds: the user as GoTo holds it. No password, token or other secret. */
export interface GoToMeetingUserOutputs {
  /** GoTo's numeric user key (a string), also the resource id. */
  userKey: string;
  /** The userName GoTo holds now (after a refresh: what the admin center shows). */
  userName: string;
  /**
   * The userName the program declared at the last create or update. It tells a rename made in
   * GoTo's admin center (drift: brought back by PATCH) from a rename the program declares (a
   * different person: replaced). Older states lack it; userName stands in.
   */
  declaredUserName?: string;
  givenName: string;
  familyName: string;
  displayName: string;
  locale: string;
  timezone: string;
  adoptExisting: boolean;
  /** When GoTo created the user (meta.created, ISO 8601; "" when GoTo did not say). */
  created: string;
  /** Licence keys this resource has assigned (only when licenseKeys is declared). */
  licenseKeys?: string[];
  /** The user's key in GoTo's Admin API (a large integer, as a string), once licences were assigned. */
  adminUserKey?: string;
}

/** A user as GoTo's identity API returns it (only the attributes this resource manages). */
export interface GoToUser {
  id: string | number;
  userName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  name?: { givenName?: string; familyName?: string };
  meta?: { created?: string; location?: string };
}

/** A partial user definition, as POST and PATCH take it. */
export interface UserDefinition {
  userName?: string;
  name?: { givenName?: string; familyName?: string };
  displayName?: string;
  locale?: string;
  timezone?: string;
}

/** What a user answer lacks for a decision (its key and userName); undefined when it will do. */
export function userProblem(v: unknown): string | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return "no user object";
  const u = v as Record<string, unknown>;
  const idOk =
    (typeof u.id === "string" && u.id.trim() !== "") ||
    (typeof u.id === "number" && Number.isSafeInteger(u.id));
  if (!idOk) return "the user has no id";
  if (typeof u.userName !== "string" || u.userName.trim() === "") return "the user has no userName";
  return undefined;
}

export function isUser(v: unknown): v is GoToUser {
  return userProblem(v) === undefined;
}

/** What a `GET /Users?filter=` answer (`{resources[], totalResults}`, spec UserCollection) lacks. */
export function userListProblem(v: unknown): string | undefined {
  const b = v as { resources?: unknown; totalResults?: unknown } | null;
  if (!b || typeof b !== "object" || !Array.isArray(b.resources)) return "no resources list";
  for (const [i, u] of b.resources.entries()) {
    const p = userProblem(u);
    if (p) return `resources[${i}]: ${p}`;
  }
  return undefined;
}

export interface OutputContext {
  adoptExisting: boolean;
  declaredUserName: string;
  licenseKeys?: string[];
  adminUserKey?: string;
}

export function toOutputs(v: unknown, ctx: OutputContext): GoToMeetingUserOutputs {
  const problem = userProblem(v);
  if (problem) {
    throw new Error(`GoTo answered without a usable user (${problem}); the API may have changed.`);
  }
  const u = v as GoToUser;
  const outs: GoToMeetingUserOutputs = {
    userKey: String(u.id),
    userName: u.userName,
    declaredUserName: ctx.declaredUserName,
    givenName: u.name?.givenName ?? "",
    familyName: u.name?.familyName ?? "",
    displayName: u.displayName ?? "",
    locale: u.locale ?? "",
    timezone: u.timezone ?? "",
    adoptExisting: ctx.adoptExisting,
    created: typeof u.meta?.created === "string" ? u.meta.created : "",
  };
  if (ctx.licenseKeys !== undefined) outs.licenseKeys = [...ctx.licenseKeys];
  if (ctx.adminUserKey !== undefined) outs.adminUserKey = ctx.adminUserKey;
  return outs;
}

// ---- the create marker ---------------------------------------------------------------------------
//
// GoTo's identity API offers no attribute a client may mark its users with: the spec has no
// externalId, no schemas/extension attribute in UserDefinition, and filters on four attributes only
// (goto-scim-legacy-api-facts.json, User and UserDefinition). So the proof that a user found after a
// lost `POST /Users` is the one this create sent is a random per-create nonce in the one free-text
// attribute UserDefinition documents as writable, displayName, used only while the program declares
// no displayName of its own. Right after the create the provider sets displayName to
// "<givenName> <familyName>". A user found without the nonce is never taken without adoptExisting.

const MARKER = /^pulumi-create-[0-9a-f]{16}$/;

/** The displayName a create carries while its answer may still be lost. */
export function createMarker(nonce: string): string {
  return `pulumi-create-${nonce}`;
}

export function isCreateMarker(displayName: unknown): boolean {
  return typeof displayName === "string" && MARKER.test(displayName);
}

/** 64 random bits, hex. */
export function newNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The displayName the provider leaves when the program declares none. */
export function defaultDisplayName(
  inputs: Pick<GoToMeetingUserInputs, "givenName" | "familyName">,
): string {
  return `${inputs.givenName} ${inputs.familyName}`;
}

export function definitionOf(inputs: GoToMeetingUserInputs, marker?: string): UserDefinition {
  const body: UserDefinition = {
    userName: inputs.userName,
    name: { givenName: inputs.givenName, familyName: inputs.familyName },
  };
  const displayName = inputs.displayName ?? marker;
  if (displayName !== undefined) body.displayName = displayName;
  if (inputs.locale !== undefined) body.locale = inputs.locale;
  if (inputs.timezone !== undefined) body.timezone = inputs.timezone;
  return body;
}

/** userNames are e-mail addresses: a case-only difference is the same user. */
export function sameUserName(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}

/**
 * The partial user that brings `current` to the declared inputs, or undefined when nothing differs.
 * Omitted optional inputs are not managed, so they never produce a change, except that a create
 * marker still on the user is replaced by the default displayName. userName is sent when it
 * differs other than in case: diff decides beforehand whether that is drift (PATCHed back) or a
 * different person (replaced, never PATCHed).
 */
export function patchFor(
  current: Partial<GoToMeetingUserOutputs>,
  wanted: GoToMeetingUserInputs,
): UserDefinition | undefined {
  const body: UserDefinition = {};
  if (typeof wanted.userName === "string" && !sameUserName(current.userName, wanted.userName)) {
    body.userName = wanted.userName;
  }
  const name: NonNullable<UserDefinition["name"]> = {};
  if (wanted.givenName !== current.givenName) name.givenName = wanted.givenName;
  if (wanted.familyName !== current.familyName) name.familyName = wanted.familyName;
  // SCIM 1.x PATCH merges sub-attributes, so only the changed half of the name is sent.
  if (Object.keys(name).length > 0) body.name = name;
  for (const key of ["displayName", "locale", "timezone"] as const) {
    if (wanted[key] !== undefined && wanted[key] !== current[key]) body[key] = wanted[key];
  }
  if (wanted.displayName === undefined && isCreateMarker(current.displayName)) {
    body.displayName = defaultDisplayName(wanted);
  }
  return Object.keys(body).length > 0 ? body : undefined;
}

export function userPath(userKey: string): string {
  return `/Users/${encodeURIComponent(userKey)}`;
}

// ---- userName: drift or a different person -----------------------------------------------------

/**
 * How the declared userName relates to the state:
 * - "same": GoTo holds it (case aside) and it is what was declared;
 * - "record": GoTo holds it, but the state recorded another declaration (only the record changes);
 * - "drift": GoTo's user was renamed outside Pulumi and the program still declares the recorded
 *   name: the user is PATCHed back, not replaced;
 * - "replace": the program declares another userName (or one still unknown): another person.
 */
export function userNameChange(
  olds: Partial<GoToMeetingUserOutputs>,
  news: Pick<GoToMeetingUserInputs, "userName">,
): "same" | "record" | "drift" | "replace" {
  if (news.userName === UNKNOWN || typeof news.userName !== "string") return "replace";
  const declared = olds.declaredUserName ?? olds.userName;
  if (sameUserName(news.userName, olds.userName)) {
    return declared === undefined || sameUserName(news.userName, declared) ? "same" : "record";
  }
  return declared !== undefined && sameUserName(news.userName, declared) ? "drift" : "replace";
}

// ---- licences --------------------------------------------------------------------------------------

export interface LicenseChange {
  added: string[];
  removed: string[];
}

/** Declared licences against those recorded; undefined when licences are not managed. */
export function licenseChange(
  recorded: readonly string[] | undefined,
  declared: readonly string[] | undefined,
): LicenseChange | undefined {
  if (declared === undefined || containsUnknown(declared)) return undefined;
  const had = new Set(recorded ?? []);
  const want = new Set(declared);
  return {
    added: declared.filter((k) => !had.has(k)),
    removed: [...had].filter((k) => !want.has(k)),
  };
}

/**
 * Why a licence is not taken away: GoTo documents no Admin-API call that removes one licence from a
 * user (entra-goto-facts §3c: a per-licence path was not found), so the provider does not guess one.
 */
export function licenseRemovalRefusal(userName: string, removed: readonly string[]): string {
  const keys = removed.join(", ");
  return (
    `licenseKeys: ${removed.length === 1 ? "licence" : "licences"} ${keys} would be removed from GoTo user "${userName}", ` +
    "but GoTo documents no API call that takes a licence away from a user, so this provider never removes one. " +
    `Fix: remove it in GoTo's admin center (Users → ${userName} → Products / licences), then run pulumi refresh ` +
    "(it forgets a licence GoTo's Admin API no longer lists for the user) and drop it from licenseKeys; if the refresh " +
    "still records it, omit licenseKeys to stop managing licences (nothing is ever removed). Or keep it in licenseKeys."
  );
}

/** Sorted union, for a PUT that must not drop what the user already holds. */
export function unionKeys(...lists: readonly (readonly string[] | undefined)[]): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))].sort();
}

// ---- Admin API answers and the messages the provider raises -------------------------------------
//
// The Admin API is known from one documented call and secondary sources (entra-goto-facts §3c), so
// each reader accepts the shapes on record and returns undefined for anything else, which the
// provider reports as an unusable answer instead of guessing.

/** An Admin-API key (a large integer) as a string: GoTo sends it as a JSON number or a string. */
export function keyString(v: unknown): string | undefined {
  if (typeof v === "string" && /^\d+$/.test(v)) return v;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

/** GET /me → accounts[].key (documented, S54); a top-level accountKey (secondary) is accepted. */
export function accountsOf(body: unknown): { key: string; name: string }[] {
  const b = body as { accounts?: unknown; accountKey?: unknown } | null;
  if (Array.isArray(b?.accounts)) {
    return b.accounts.flatMap((a) => {
      const key = keyString((a as { key?: unknown })?.key);
      const name = (a as { name?: unknown })?.name;
      return key ? [{ key, name: typeof name === "string" ? name : "" }] : [];
    });
  }
  const single = keyString(b?.accountKey);
  return single ? [{ key: single, name: "" }] : [];
}

/** GET /accounts/{a}/licenses → results[] of {key, products[]} (secondary): licence key → products. */
export function licencesOf(body: unknown): Map<string, string[]> | undefined {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return undefined;
  const out = new Map<string, string[]>();
  for (const r of results) {
    const key = keyString((r as { key?: unknown })?.key);
    if (!key) return undefined;
    const products = (r as { products?: unknown }).products;
    out.set(
      key,
      Array.isArray(products) ? products.filter((p): p is string => typeof p === "string") : [],
    );
  }
  return out;
}

/** Why a licence listing is unusable, for the client's validate hook; undefined when it is usable. */
export function licenceListProblem(body: unknown): string | undefined {
  return licencesOf(body) ? undefined : "no results[] of {key, products}";
}

export interface AdminUser {
  key: string;
  /** undefined when GoTo's answer does not list the user's licences. */
  licenseKeys?: string[];
}

/** The user list of an Admin-API answer: a bare array, {results}, or {users} (all on record). */
export function adminUsersOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  const b = body as { results?: unknown; users?: unknown } | null;
  if (Array.isArray(b?.results)) return b.results;
  if (Array.isArray(b?.users)) return b.users;
  return undefined;
}

export function adminUserFrom(list: unknown[] | undefined, email: string): AdminUser | undefined {
  for (const u of list ?? []) {
    const r = u as { key?: unknown; email?: unknown; licenseKeys?: unknown };
    if (!sameUserName(r?.email, email)) continue;
    const key = keyString(r.key);
    if (!key) continue;
    const keys = Array.isArray(r.licenseKeys) ? r.licenseKeys.map(keyString) : undefined;
    return {
      key,
      licenseKeys: keys && keys.every((k) => k !== undefined) ? (keys as string[]) : undefined,
    };
  }
  return undefined;
}

export function ambiguousAccountsMessage(
  accounts: readonly { key: string; name: string }[],
): string {
  const listed = accounts.map((a) => `${a.key}${a.name ? ` "${a.name}"` : ""}`).join(", ");
  return (
    `GoTo's Admin API lists ${accounts.length} accounts for this token (${listed}), so it is not clear whose ` +
    "licences to assign. Fix: pulumi config set gotoAccountKey <key> (one of them)."
  );
}

export function unknownLicencesMessage(
  unknown: readonly string[],
  accountKey: string,
  userName: string,
  licences: ReadonlyMap<string, readonly string[]>,
): string {
  const list = [...licences].map(([k, p]) => `${k} (${p.join(", ") || "no products"})`).join("; ");
  return (
    `licenseKeys: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a licence" : "are not licences"} of GoTo ` +
    `account ${accountKey}, so nothing was written for "${userName}". The account's licences: ${list || "none"}. ` +
    "Fix: use one of those keys (as a string), or set gotoAccountKey to the account that holds the licence."
  );
}

export function conflictMessage(userName: string): string {
  return (
    `GoTo already has a user with userName "${userName}" (HTTP 409: userName in use). ` +
    "To manage that user with Pulumi, set adoptExisting: true on this GoToMeetingUser; " +
    "otherwise choose another userName."
  );
}

/** After a lost POST, a user of that name without this create's marker: not taken. */
export function unprovenConflictMessage(userName: string, marker: string | undefined): string {
  return (
    `GoTo has a user with userName "${userName}", but the answer to this deployment's POST /Users was lost, so ` +
    "there is no proof that the user is the one it created: " +
    (marker
      ? `the user does not carry this create's marker (displayName "${marker}"). `
      : "with a declared displayName the create carries no marker (GoTo's identity API offers no attribute a client " +
        "may mark its users with), and neither its age nor its values prove whose it is. ") +
    "It is not taken over, so that destroy can never delete someone else's user. If it is yours, or to manage it " +
    "with Pulumi anyway, set adoptExisting: true on this GoToMeetingUser; otherwise choose another userName."
  );
}

/** A create whose outcome could not be settled; `cause` is the (already scrubbed) first line. */
export function unknownOutcomeMessage(
  userName: string,
  marker: string | undefined,
  cause: string,
): string {
  return (
    `GoTo may or may not have created user "${userName}": the answer to POST /Users was lost, and within ` +
    `apiRetryBudgetSeconds it could not be settled (${cause}). Nothing is recorded in the state. ` +
    (marker
      ? `If GoTo's admin center now shows "${userName}" with displayName "${marker}", this run created it: set ` +
        "adoptExisting: true and run pulumi up again to take it over (a new create carries a new marker and cannot " +
        "recognise this one), or delete it there. "
      : `If GoTo's admin center now shows "${userName}", set adoptExisting: true and run pulumi up again to take it ` +
        "over if it is yours, or delete it there. ") +
    "Otherwise just run pulumi up again."
  );
}
