// A GoTo organisation user as declared (stack config `gotoUsers`, GoToMeetingUser's inputs) and
// GoTo's documented limits on it. Both the config validation and the provider's check apply them,
// so they live below both.
import { describe } from "./text";
import { UNKNOWN } from "./unknown";

/** The inputs as the provider receives them (resolved). */
export interface GoToMeetingUserInputs {
  userName: string;
  givenName: string;
  familyName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  adoptExisting?: boolean;
  /**
   * GoTo product licences (Admin API licence keys) the user must hold, as strings of digits: the
   * keys are integers beyond 2^53, which a JSON number would round to another key. Default: not
   * managed. Licences are only ever added; GoTo documents no call that removes one from a user.
   */
  licenseKeys?: string[];
}

export const INPUT_KEYS = [
  "userName",
  "givenName",
  "familyName",
  "displayName",
  "locale",
  "timezone",
  "adoptExisting",
  "licenseKeys",
] as const;

const EMAIL =
  /^[^\s@"(),:;<>[\]\\]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export interface Problem {
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

export function userProblems(input: unknown, path: string): Problem[] {
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
  for (const message of licenseKeyProblems(u.licenseKeys)) {
    problems.push({
      property: "licenseKeys",
      message: `${path ? `${path}.` : ""}${message}`,
    });
  }
  return problems;
}

/** A licence key as GoTo's Admin API knows it: an integer, written as its digits. */
export function isLicenseKey(v: unknown): v is string {
  return typeof v === "string" && /^\d{1,40}$/.test(v);
}

/**
 * The offline rules for `licenseKeys` (whether each key is one of the account's licences is checked
 * against GoTo before anything is written). Messages start with `licenseKeys`.
 */
export function licenseKeyProblems(value: unknown): string[] {
  if (value === undefined || value === UNKNOWN) return [];
  if (!Array.isArray(value)) {
    return [
      `licenseKeys: must be a list of licence keys written as strings, e.g. ["7902142105473202120"]; got ${describe(value)}`,
    ];
  }
  const out: string[] = [];
  const seen = new Map<string, number>();
  value.forEach((k, i) => {
    const at = `licenseKeys[${i}]`;
    if (k === UNKNOWN) return;
    if (typeof k === "number") {
      out.push(
        `${at}: must be a string of digits; got the number ${describe(k)}, and a number loses digits beyond 2^53 (it may ` +
          'already name another licence): quote the key in the stack file or program, e.g. "7902142105473202120"',
      );
      return;
    }
    if (!isLicenseKey(k)) {
      out.push(
        `${at}: must be a licence key, digits only (GoTo's admin center or GET /accounts/{accountKey}/licenses lists them); got ${describe(k)}`,
      );
      return;
    }
    if (seen.has(k)) {
      out.push(`${at}: "${k}" is already listed at licenseKeys[${seen.get(k)}]; remove one`);
      return;
    }
    seen.set(k, i);
  });
  return out;
}

/** GoTo's form: a two-letter ISO-639-1 language, optionally `_` and an ISO-3166 alpha-2 region. */
export function isLocale(v: string): boolean {
  const m = /^([a-z]{2})(?:_([A-Z]{2}))?$/.exec(v);
  if (!m) return false;
  // ICU knows every ISO code; "zz" or "QQ" come back undefined with fallback "none".
  const language = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" }).of(m[1]);
  const region = m[2]
    ? new Intl.DisplayNames(["en"], { type: "region", fallback: "none" }).of(m[2])
    : "";
  return language !== undefined && region !== undefined;
}

export function isTimeZone(v: string): boolean {
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
