// Access to GoTo's identity (SCIM 1.x-style) API and its Admin API for the GoToMeetingUser dynamic
// provider. Like lib/graph.ts it holds no secret and no module-level state: settings come from the
// provider's configure() at run time, and the only process-wide state (the request pacer, the
// redaction registry) lives on globalThis.
//
// What it guarantees, because the provider's write decisions are made on what it returns:
// - an answer is used only when it is complete JSON of the expected shape: a cut-off, non-JSON,
//   wrongly typed or field-less 2xx is retried like a lost answer where the call may be repeated,
//   and is otherwise a GoToResponseError that says the outcome is unknown, never an empty answer;
// - a redirect is never followed (lib/http) and comes out naming the setting to fix;
// - one deadline can span every call of an operation, so an operation keeps to
//   apiRetryBudgetSeconds however many calls it makes;
// - every secret (configured or minted) is registered with lib/redact.ts before it is sent, and
//   every error built here is scrubbed before it is cut short.
import {
  HttpRequest,
  HttpResponse,
  RedirectError,
  TransportError,
  makeRealError,
  redactUrl,
} from "./http";
import { packageConfig } from "./graph";
import { redact, redactAndTruncate, registerBasicCredentials, registerSecrets } from "./redact";
import { RetryPolicy, sendWithRetry, sleep } from "./retry";

export const DEFAULT_GOTO_API_URL = "https://api.getgo.com/identity/v1";
export const DEFAULT_GOTO_AUTH_URL = "https://authentication.logmeininc.com/oauth/token";
/** GoTo's Admin REST API (entra-goto-facts §3c), for product licences. */
export const DEFAULT_GOTO_ADMIN_API_URL = "https://api.getgo.com/admin/rest/v1";

/** The credential fix, repeated wherever a credential is missing or rejected. */
export const GOTO_CREDENTIAL_FIX =
  "set gotoAccessToken (secret), or gotoClientId + gotoClientSecret + gotoPersonalAccessToken, or env GOTO_ACCESS_TOKEN";

/**
 * Time kept back from an operation's deadline when deciding whether to retry: lib/retry gives every
 * attempt at least one second, so an attempt started later than this before the deadline could end
 * after it.
 */
export const ATTEMPT_RESERVE_MS = 1000;

/** Personal-access-token exchange credentials (clientSecret and pat are secrets). */
export interface GoToPatCredentials {
  clientId: string;
  clientSecret: string;
  pat: string;
}

export interface GoToSettings {
  /** `gotoApiUrl`, without a trailing slash. */
  baseUrl: string;
  /** `gotoAuthUrl`: the OAuth token endpoint for the PAT exchange. */
  authUrl: string;
  /** `gotoAdminApiUrl`: the Admin REST API, used only for users that declare licenseKeys. */
  adminUrl: string;
  /** `gotoAccessToken` (secret) or env GOTO_ACCESS_TOKEN; absent when the PAT exchange is used. */
  accessToken?: string;
  /** `gotoClientId` + `gotoClientSecret` + `gotoPersonalAccessToken`. */
  pat?: GoToPatCredentials;
  /** `gotoAccountKey`: the Admin-API account whose licences are assigned; else read from GET /me. */
  accountKey?: string;
  /** `gotoRequestsPerSecond`: client-side pace per API for the whole provider process. */
  requestsPerSecond: number;
  /** Per-attempt timeout (`apiTimeoutSeconds`). */
  timeoutMs: number;
  /** Total time of one provider operation, every call and wait included (`apiRetryBudgetSeconds`). */
  retryBudgetMs: number;
  /** First backoff step (`apiRetryBaseSeconds`); tests shorten it. */
  baseDelayMs: number;
}

/**
 * Reads the provider settings from the config the engine hands to configure(): each key as given,
 * then in this package's namespace (`gotomeeting-provisioning:<key>`). Credentials are either a
 * ready token or the PAT exchange, never both, so a stack cannot silently use a different identity
 * than the one its owner thinks it uses. Every credential is registered for redaction here.
 */
export function gotoSettingsFromConfig(
  raw: (key: string) => string | undefined,
  env: Record<string, string | undefined> = process.env,
): GoToSettings {
  const get = packageConfig(raw);
  const value = (key: string) => {
    const v = get(key);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const positive = (key: string, dflt: number, example: string) => {
    const v = value(key);
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(
        `${key} must be a positive number; got "${v}". Fix: pulumi config set ${key} ${example}`,
      );
    }
    return n;
  };
  const url = (key: string, dflt: string) => {
    const u = (value(key) ?? dflt).replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]+/.test(u)) {
      throw new Error(
        `${key} must be an absolute http(s) URL; got "${u}". Fix: pulumi config set ${key} ${dflt}`,
      );
    }
    return u;
  };

  const accessToken = value("gotoAccessToken");
  const patKeys = {
    gotoClientId: value("gotoClientId"),
    gotoClientSecret: value("gotoClientSecret"),
    gotoPersonalAccessToken: value("gotoPersonalAccessToken"),
  };
  const envToken = env.GOTO_ACCESS_TOKEN?.trim() || undefined;
  // Registered before anything can fail, so no message below can carry them.
  registerSecrets(accessToken, patKeys.gotoClientSecret, patKeys.gotoPersonalAccessToken, envToken);
  if (patKeys.gotoClientId && patKeys.gotoClientSecret) {
    registerBasicCredentials(patKeys.gotoClientId, patKeys.gotoClientSecret);
  }
  const setPatKeys = Object.entries(patKeys).filter(([, v]) => v !== undefined);
  if (accessToken && setPatKeys.length > 0) {
    throw new Error(
      `GoTo credentials are ambiguous: gotoAccessToken and ${setPatKeys.map(([k]) => k).join(", ")} are all set. ` +
        "Fix: keep either gotoAccessToken or the three personal-access-token keys (pulumi config rm <key>).",
    );
  }
  if (setPatKeys.length > 0 && setPatKeys.length < 3) {
    const missing = Object.keys(patKeys).filter(
      (k) => patKeys[k as keyof typeof patKeys] === undefined,
    );
    throw new Error(
      `The GoTo personal-access-token exchange needs gotoClientId, gotoClientSecret and gotoPersonalAccessToken; ` +
        `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set. ` +
        `Fix: pulumi config set ${missing[0]}${missing[0] === "gotoClientId" ? "" : " --secret"} <value>, or ${GOTO_CREDENTIAL_FIX}.`,
    );
  }
  const pat =
    setPatKeys.length === 3
      ? {
          clientId: patKeys.gotoClientId!,
          clientSecret: patKeys.gotoClientSecret!,
          pat: patKeys.gotoPersonalAccessToken!,
        }
      : undefined;
  if (!accessToken && !pat && !envToken) {
    throw new Error(`No GoTo credential is configured. Fix: ${GOTO_CREDENTIAL_FIX}.`);
  }
  const accountKey = value("gotoAccountKey");
  if (accountKey !== undefined && !/^\d+$/.test(accountKey)) {
    throw new Error(
      `gotoAccountKey must be the account's key, digits only; got "${accountKey}". Fix: pulumi config set gotoAccountKey <key> ` +
        "(GoTo's admin center shows it, or GET https://api.getgo.com/admin/rest/v1/me lists accounts[].key), or remove it to read it from GoTo.",
    );
  }

  return {
    baseUrl: url("gotoApiUrl", DEFAULT_GOTO_API_URL),
    authUrl: url("gotoAuthUrl", DEFAULT_GOTO_AUTH_URL),
    adminUrl: url("gotoAdminApiUrl", DEFAULT_GOTO_ADMIN_API_URL),
    accessToken: accessToken ?? (pat ? undefined : envToken),
    pat,
    accountKey,
    requestsPerSecond: positive("gotoRequestsPerSecond", 10, "10"),
    timeoutMs: positive("apiTimeoutSeconds", 60, "60") * 1000,
    retryBudgetMs: positive("apiRetryBudgetSeconds", 300, "300") * 1000,
    baseDelayMs: positive("apiRetryBaseSeconds", 1, "1") * 1000,
  };
}

/** Which GoTo API a call goes to: its base URL, its setting, and its share of the rate limit. */
export type GoToApi = "identity" | "admin";

const API_LABEL: Record<GoToApi, string> = { identity: "GoTo", admin: "GoTo Admin API" };

/** A GoTo failure with the HTTP status and GoTo's own message (scrubbed); never a request body. */
export class GoToError extends Error {
  constructor(
    readonly status: number,
    readonly vendorMessage: string,
    readonly method: string,
    readonly path: string,
    hint?: string,
    readonly api: GoToApi = "identity",
  ) {
    const message = redact(
      `${API_LABEL[api]} ${method} ${path} failed: HTTP ${status}` +
        (vendorMessage
          ? `: ${vendorMessage}`
          : statusText(status)
            ? ` ${statusText(status)}`
            : "") +
        (hint ? `\n${hint}` : ""),
    );
    super(message);
    // Serialized into the dynamic provider, this class becomes a plain function whose super() call
    // cannot initialise `this`: set the message the engine reports explicitly.
    this.message = message;
    this.name = "GoToError";
    makeRealError(this);
  }
}

/** GoTo answered 2xx, but not with something a decision can be made on. */
export class GoToResponseError extends Error {
  /** True for a write that is not repeated (POST /Users): whether GoTo carried it out is unknown. */
  readonly outcomeUnknown: boolean;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly problem: string,
    idempotent: boolean,
    api: GoToApi = "identity",
  ) {
    const message = redact(
      `${API_LABEL[api]} ${method} ${path}: the answer could not be used (${problem}), so nothing was decided on it. ` +
        (idempotent
          ? "It was asked again within apiRetryBudgetSeconds; run pulumi up again later."
          : "Whether GoTo carried the request out is unknown; run pulumi up again, which looks before it writes."),
    );
    super(message);
    this.message = message;
    this.name = "GoToResponseError";
    this.outcomeUnknown = !idempotent;
    makeRealError(this);
  }
}

/** The operation's share of apiRetryBudgetSeconds is spent: the call was not sent. */
export class GoToBudgetError extends Error {
  constructor(what: string, budgetMs: number) {
    const message =
      `${what} was not sent: the operation used up apiRetryBudgetSeconds (${budgetMs / 1000} s). ` +
      "Run pulumi up again later, or raise apiRetryBudgetSeconds.";
    super(message);
    this.message = message;
    this.name = "GoToBudgetError";
    makeRealError(this);
  }
}

/** Where a PAT-derived token is kept between operations (the provider owns it, one per configure()). */
export interface GoToTokenCache {
  token?: string;
  expiresAt?: number;
  /** The exchange in flight, so concurrent operations wait for one exchange instead of racing. */
  pending?: Promise<string>;
}

export interface GoToCallOptions {
  /** Default "identity". */
  api?: GoToApi;
  /** Statuses that are answers, not failures (e.g. 404 on a read or delete, 409 on create). */
  accept?: readonly number[];
  /**
   * False for a write that must not be repeated blindly (POST /Users): then only 429, which GoTo
   * answers before doing anything, is retried; a reset, timeout, 502, 503, 504 or unusable answer
   * goes back to the caller, which decides whether the write happened.
   */
  idempotent?: boolean;
  /** Whether a 2xx must carry a JSON body. Default: every method but DELETE and PUT. */
  expectJson?: boolean;
  /** What a 2xx body lacks for the decision at hand; undefined when it will do. */
  validate?: (body: unknown) => string | undefined;
  /** End of the operation (Date.now() ms), shared by all its calls. Default: now + the budget. */
  deadline?: number;
  /** Appended to the error message on failure. */
  hint?: string;
}

export interface GoToClient {
  call<T = unknown>(
    method: HttpRequest["method"],
    path: string,
    body?: unknown,
    options?: GoToCallOptions,
  ): Promise<{ status: number; body: T }>;
}

/**
 * Spaces the starts of requests to one API at >= 1000/rps ms. The pacer is process-global on
 * purpose: GoTo's limit (10 requests/s per API by default) counts every request of the deployment,
 * the engine runs resource operations concurrently in one provider process, and it deserializes each
 * provider closure separately, so anything captured or module-scoped would give each closure (and
 * each provider version during a replace) its own budget and together they would exceed it.
 */
export function pace(key: string, requestsPerSecond: number): Promise<void> {
  const g = globalThis as { __gotomeetingGoToPacers?: Map<string, number> };
  const nextStart = (g.__gotomeetingGoToPacers ??= new Map());
  const now = performance.now();
  const slot = Math.max(now, nextStart.get(key) ?? 0);
  nextStart.set(key, slot + 1000 / requestsPerSecond);
  return slot > now ? sleep(slot - now) : Promise.resolve();
}

/**
 * JSON.parse that keeps integers beyond 2^53 as their digits (strings). GoTo's licence, account and
 * Admin-API user keys are such integers (7902142105473202120, 78888886011013972886849029 in the
 * facts §3c); JSON.parse would round them to another key. Node 20 has no JSON.parse source access.
 */
export function parseJsonLossless(text: string): unknown {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i + 1;
      while (j < n && text[j] >= "0" && text[j] <= "9") j++;
      if (j < n && (text[j] === "." || text[j] === "e" || text[j] === "E")) {
        while (j < n && /[0-9eE+\-.]/.test(text[j])) j++;
        out += text.slice(i, j);
      } else {
        const digits = text.slice(i, j);
        out += Number.isSafeInteger(Number(digits)) ? digits : `"${digits}"`;
      }
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

/**
 * JSON text of a request body in which the digit strings of the listed fields (licence keys) are
 * written as JSON numbers, as GoTo's Admin API takes them (int64 and larger), without ever passing
 * through a JavaScript number.
 */
export function jsonWithIntegers(
  value: unknown,
  fields: readonly string[] = ["licenseKeys"],
): string {
  const mark = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? `\u0000${v}\u0000` : v);
  const json = JSON.stringify(value, (k, v) =>
    fields.includes(k) ? (Array.isArray(v) ? v.map(mark) : mark(v)) : v,
  );
  return json.replace(/"\\u0000(\d+)\\u0000"/g, "$1");
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The reason phrase of an HTTP status line, "" when unknown. */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "";
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;

/**
 * GoTo's message from any error shape its APIs are known or reported to use (entra-goto-facts F13,
 * §3d): the identity API's `{"error":[{code,description,uri}]}` (audit observation, unverified),
 * SCIM 1.x `{"Errors":[{code,description}]}` (unverified), the product APIs'
 * `{"int_err_code","msg"}` (secondary), OAuth's `{error, error_description}`, and an empty body
 * with a `WWW-Authenticate` challenge on 401 (secondary). "" when none carries a message; the
 * caller then shows the status line. Scrubbed before it is cut to 300 characters.
 */
export function vendorMessage(body: unknown, headers: Record<string, string> = {}): string {
  let found: string | undefined;
  if (typeof body === "string") {
    // Not JSON: plain text at most (an HTML page says nothing useful).
    const plain = body.replace(/\s+/g, " ").trim();
    found = /^<|<html|<body/i.test(plain) ? undefined : text(plain);
  } else if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const entryOf = (v: unknown): Record<string, unknown> | undefined => {
      const e = Array.isArray(v) ? v.find((x) => x && typeof x === "object") : v;
      return e && typeof e === "object" && !Array.isArray(e)
        ? (e as Record<string, unknown>)
        : undefined;
    };
    const entry = entryOf(b.error) ?? entryOf(b.Errors) ?? entryOf(b.errors);
    const fromEntry = entry
      ? (text(entry.description) ?? text(entry.message) ?? text(entry.detail) ?? text(entry.code))
      : undefined;
    const oauth = text(b.error)
      ? text(b.error_description)
        ? `${text(b.error)}: ${text(b.error_description)}`
        : text(b.error)
      : undefined;
    found =
      fromEntry ??
      text(b.msg) ??
      text(b.message) ??
      oauth ??
      text(b.detail) ??
      text(b.description) ??
      text(b.int_err_code);
  }
  if (!found) found = fromChallenge(headers["www-authenticate"]);
  return found ? redactAndTruncate(found, 300) : "";
}

/** `Bearer realm="…", error="invalid_token", error_description="…"` → "invalid_token: …". */
function fromChallenge(challenge: string | undefined): string | undefined {
  if (!challenge) return undefined;
  const param = (name: string) =>
    new RegExp(`\\b${name}="([^"]*)"`, "i").exec(challenge)?.[1] ??
    new RegExp(`\\b${name}=([^\\s,]+)`, "i").exec(challenge)?.[1];
  const error = text(param("error"));
  const description = text(param("error_description"));
  if (error && description) return `${error}: ${description}`;
  return error ?? description;
}

function hintFor(status: number, api: GoToApi): string {
  if (api === "admin") {
    if (status === 401 || status === 403) {
      return (
        "GoTo's Admin API refused the token: licences are assigned through the Admin API, so the OAuth client needs " +
        `its scope (identity:, "Admin Center") and an account admin. Fix: ${GOTO_CREDENTIAL_FIX}, with that scope.`
      );
    }
    if (status === 404) {
      return "GoTo's Admin API found nothing there: check gotoAccountKey and gotoAdminApiUrl.";
    }
  }
  if (status === 403) {
    return `GoTo rejected the access token (expired, revoked or for another environment). Fix: ${GOTO_CREDENTIAL_FIX}.`;
  }
  if (status === 401) {
    return "The token is valid but not sufficiently authorized: the OAuth client needs the identity:scim.org scope and an organisation admin with Read & Write rights.";
  }
  if (status === 404) {
    return "GoTo found nothing there: if the user was removed meanwhile, run pulumi refresh, then pulumi up; if every call fails like this, check gotoApiUrl.";
  }
  if (status === 409) {
    return "GoTo reports a conflict with another user of the organisation (e.g. the e-mail address is in use): resolve it in GoTo's admin center, then run pulumi up again.";
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return "GoTo kept throttling or failing within apiRetryBudgetSeconds; run again later, lower gotoRequestsPerSecond or raise apiRetryBudgetSeconds.";
  }
  return (
    "Check GoTo's message above: if it names a value of this stack (a userName, a name, a locale, a " +
    "licence key), fix that value; otherwise run pulumi up again later."
  );
}

const NO_ANSWER_HINT =
  "GoTo did not answer within apiRetryBudgetSeconds (each try waits apiTimeoutSeconds); check the network path to gotoApiUrl, then run pulumi up again.";
const UNKNOWN_OUTCOME_HINT =
  "The answer was lost, so whether GoTo carried the request out is unknown; it is not repeated blindly. Run pulumi up again, which looks before it writes.";

const SETTING: Record<GoToApi | "token", [string, string]> = {
  identity: ["gotoApiUrl", DEFAULT_GOTO_API_URL],
  admin: ["gotoAdminApiUrl", DEFAULT_GOTO_ADMIN_API_URL],
  token: ["gotoAuthUrl", DEFAULT_GOTO_AUTH_URL],
};

/** The RedirectError of lib/http, its message naming the setting that points at the wrong place. */
function redirected(err: RedirectError, what: string, api: GoToApi | "token"): RedirectError {
  const [setting, dflt] = SETTING[api];
  err.message = redact(
    `${what} answered HTTP ${err.status} with a redirect to ${err.locationOrigin || "(no Location)"}; the request was not ` +
      "repeated there, because that would resend the credentials to another address, and nothing was decided on the answer. " +
      `Fix: set ${setting} to GoTo's own address (default ${dflt}), not one that redirects.`,
  );
  Error.captureStackTrace(err);
  return err;
}

/** Body as the decision sees it: integers beyond 2^53 kept as strings. */
function bodyOf(res: HttpResponse): unknown {
  if (!res.json) return res.body;
  try {
    return parseJsonLossless(res.text);
  } catch {
    return res.body;
  }
}

export function createGoToClient(settings: GoToSettings, tokens: GoToTokenCache = {}): GoToClient {
  async function exchange(pat: GoToPatCredentials, deadline: number): Promise<string> {
    const basic = Buffer.from(`${pat.clientId}:${pat.clientSecret}`).toString("base64");
    const where = `GoTo personal-access-token exchange at ${redactUrl(settings.authUrl)}`;
    const fix =
      "Fix: check gotoClientId and gotoClientSecret, that the OAuth client has the Personal Access Token grant enabled, " +
      "and that gotoPersonalAccessToken is current and has the client's scopes.";
    let result;
    try {
      result = await sendWithRetry(
        {
          method: "POST",
          url: settings.authUrl,
          headers: {
            authorization: `Basic ${basic}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({
            grant_type: "personal_access_token",
            pat: pat.pat,
          }).toString(),
          timeoutMs: settings.timeoutMs,
        },
        {
          retryStatuses: [429, 502, 503, 504],
          budgetMs: settings.retryBudgetMs,
          deadline: deadline - ATTEMPT_RESERVE_MS,
          baseDelayMs: settings.baseDelayMs,
          maxDelayMs: 60_000,
          // A repeated exchange only mints another token: harmless.
          retryTransport: true,
          unusable: (res) => {
            if (res.bodyProblem) return res.bodyProblem;
            if (!res.json) return "the body is empty";
            const token = (bodyOf(res) as { access_token?: unknown } | null)?.access_token;
            // Registered the moment it is minted, before anything can repeat it.
            if (typeof token === "string") registerSecrets(token);
            return typeof token === "string" && token !== "" ? undefined : "no access_token";
          },
        },
      );
    } catch (err) {
      if (err instanceof RedirectError) throw redirected(err, where, "token");
      if (err instanceof TransportError) {
        throw new TransportError(
          redact(
            `${where}: ${err.message}\n${NO_ANSWER_HINT.replace("gotoApiUrl", "gotoAuthUrl")}`,
          ),
          err.timedOut,
        );
      }
      throw err;
    }
    const { response } = result;
    const body = bodyOf(response) as { access_token?: unknown; expires_in?: unknown } | null;
    if (typeof body?.access_token === "string") registerSecrets(body.access_token);
    if (response.status !== 200 || result.unusable || typeof body?.access_token !== "string") {
      const why =
        response.status === 200
          ? `the answer could not be used (${result.unusable ?? "no access_token"})`
          : vendorMessage(body, response.headers) || statusText(response.status);
      throw new Error(
        redact(`${where} failed: HTTP ${response.status}${why ? `: ${why}` : ""}. ${fix}`),
      );
    }
    // GoTo access tokens live an hour; renew a minute early so no request carries a token that expires in flight.
    const lifetimeS = typeof body.expires_in === "number" ? body.expires_in : 3600;
    tokens.token = body.access_token;
    tokens.expiresAt = Date.now() + Math.max(0, lifetimeS - 60) * 1000;
    return body.access_token;
  }

  async function bearer(deadline: number): Promise<{ token: string; cached: boolean }> {
    if (settings.accessToken) return { token: settings.accessToken, cached: false };
    const pat = settings.pat;
    if (!pat) throw new Error(`No GoTo credential is configured. Fix: ${GOTO_CREDENTIAL_FIX}.`);
    if (tokens.token && (tokens.expiresAt ?? 0) > Date.now())
      return { token: tokens.token, cached: true };
    tokens.pending ??= exchange(pat, deadline).finally(() => (tokens.pending = undefined));
    return { token: await tokens.pending, cached: false };
  }

  return {
    async call(method, path, body, options = {}) {
      const api = options.api ?? "identity";
      const base = api === "admin" ? settings.adminUrl : settings.baseUrl;
      const label = `${API_LABEL[api]} ${method} ${redactUrl(path)}`;
      const idempotent = options.idempotent ?? true;
      const deadline = options.deadline ?? Date.now() + settings.retryBudgetMs;
      if (Date.now() >= deadline) throw new GoToBudgetError(label, settings.retryBudgetMs);
      const expectJson = options.expectJson ?? (method !== "DELETE" && method !== "PUT");
      const unusable = (res: HttpResponse): string | undefined => {
        if (!expectJson) return undefined;
        if (res.bodyProblem) return res.bodyProblem;
        if (!res.json) return "the body is empty";
        return options.validate?.(bodyOf(res));
      };
      const policy: RetryPolicy = {
        // 429 comes before GoTo does anything; a gateway's 502/503/504 may come after the write.
        retryStatuses: idempotent ? [429, 502, 503, 504] : [429],
        budgetMs: settings.retryBudgetMs,
        // No retry is started that could end after the operation's deadline.
        deadline: deadline - ATTEMPT_RESERVE_MS,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: 60_000,
        retryTransport: idempotent,
        unusable,
      };
      // Each API has its own limit (10 requests/s per API).
      const paceKey = base;
      let result: Awaited<ReturnType<typeof sendWithRetry>>;
      // At most two rounds: a cached PAT token that GoTo rejects (revoked early) is exchanged once more.
      for (let round = 1; ; round++) {
        await pace(paceKey, settings.requestsPerSecond);
        const { token, cached } = await bearer(deadline);
        let first = true;
        try {
          result = await sendWithRetry(
            {
              method,
              url: base + path,
              headers: { authorization: `Bearer ${token}` },
              body,
              timeoutMs: settings.timeoutMs,
            },
            policy,
            () => {
              if (first) {
                first = false;
                return Promise.resolve();
              }
              return pace(paceKey, settings.requestsPerSecond);
            },
          );
        } catch (err) {
          if (err instanceof RedirectError) throw redirected(err, label, api);
          if (err instanceof TransportError) {
            // The bare transport message names neither GoTo nor what to do about it.
            const hint = idempotent
              ? api === "admin"
                ? NO_ANSWER_HINT.replace("gotoApiUrl", "gotoAdminApiUrl")
                : NO_ANSWER_HINT
              : UNKNOWN_OUTCOME_HINT;
            throw new TransportError(
              redact(`${API_LABEL[api]} ${err.message}\n${hint}`),
              err.timedOut,
            );
          }
          throw err;
        }
        if (result.response.status === 403 && cached && round === 1) {
          tokens.token = undefined;
          continue;
        }
        break;
      }
      const response = result.response;
      const ok = response.status >= 200 && response.status < 300;
      if (ok && result.unusable) {
        throw new GoToResponseError(method, redactUrl(path), result.unusable, idempotent, api);
      }
      const parsed = bodyOf(response);
      if (!ok && !(options.accept ?? []).includes(response.status)) {
        const gateway =
          response.status === 502 || response.status === 503 || response.status === 504;
        throw new GoToError(
          response.status,
          vendorMessage(parsed, response.headers),
          method,
          redactUrl(path),
          options.hint ??
            (!idempotent && gateway ? UNKNOWN_OUTCOME_HINT : hintFor(response.status, api)),
          api,
        );
      }
      return { status: response.status, body: parsed as never };
    },
  };
}
