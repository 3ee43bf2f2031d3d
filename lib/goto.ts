// Access to GoTo's identity (SCIM 1.x-style) API for the GoToMeetingUser dynamic provider. Like
// lib/graph.ts it is captured by value into the serialized provider, so it holds no secret and no
// module-level state: settings come from the provider's configure() at run time, and the only
// process-wide state (the request pacer) lives on globalThis.
import { HttpRequest, HttpResponse, TransportError, makeRealError, redactUrl } from "./http";
import { RetryPolicy, sendWithRetry, sleep } from "./retry";

export const DEFAULT_GOTO_API_URL = "https://api.getgo.com/identity/v1";
export const DEFAULT_GOTO_AUTH_URL = "https://authentication.logmeininc.com/oauth/token";

/** The credential fix, repeated wherever a credential is missing or rejected. */
export const GOTO_CREDENTIAL_FIX =
  "set gotoAccessToken (secret), or gotoClientId + gotoClientSecret + gotoPersonalAccessToken, or env GOTO_ACCESS_TOKEN";

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
  /** `gotoAccessToken` (secret) or env GOTO_ACCESS_TOKEN; absent when the PAT exchange is used. */
  accessToken?: string;
  /** `gotoClientId` + `gotoClientSecret` + `gotoPersonalAccessToken`. */
  pat?: GoToPatCredentials;
  /** `gotoRequestsPerSecond`: client-side pace for the whole provider process. */
  requestsPerSecond: number;
  /** Per-attempt timeout (`apiTimeoutSeconds`). */
  timeoutMs: number;
  /** Total retry time per call (`apiRetryBudgetSeconds`). */
  retryBudgetMs: number;
  /** First backoff step (`apiRetryBaseSeconds`); tests shorten it. */
  baseDelayMs: number;
}

/**
 * Reads the provider settings from the config the engine hands to configure(). Credentials are
 * either a ready token or the PAT exchange, never both, so a stack cannot silently use a different
 * identity than the one its owner thinks it uses.
 */
export function gotoSettingsFromConfig(
  get: (key: string) => string | undefined,
  env: Record<string, string | undefined> = process.env,
): GoToSettings {
  const value = (key: string) => {
    const v = get(key);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const positive = (key: string, dflt: number, example: string) => {
    const raw = value(key);
    const n = raw === undefined ? dflt : Number(raw);
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(
        `${key} must be a positive number; got "${raw}". Fix: pulumi config set ${key} ${example}`,
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
  const envToken = env.GOTO_ACCESS_TOKEN?.trim() || undefined;
  if (!accessToken && !pat && !envToken) {
    throw new Error(`No GoTo credential is configured. Fix: ${GOTO_CREDENTIAL_FIX}.`);
  }

  return {
    baseUrl: url("gotoApiUrl", DEFAULT_GOTO_API_URL),
    authUrl: url("gotoAuthUrl", DEFAULT_GOTO_AUTH_URL),
    accessToken: accessToken ?? (pat ? undefined : envToken),
    pat,
    requestsPerSecond: positive("gotoRequestsPerSecond", 10, "10"),
    timeoutMs: positive("apiTimeoutSeconds", 60, "60") * 1000,
    retryBudgetMs: positive("apiRetryBudgetSeconds", 300, "300") * 1000,
    baseDelayMs: positive("apiRetryBaseSeconds", 1, "1") * 1000,
  };
}

/** A GoTo failure with the HTTP status and GoTo's own message; never a secret or a request body. */
export class GoToError extends Error {
  constructor(
    readonly status: number,
    readonly vendorMessage: string,
    readonly method: string,
    readonly path: string,
    hint?: string,
  ) {
    const message =
      `GoTo ${method} ${path} failed: HTTP ${status}${vendorMessage ? `: ${vendorMessage}` : ""}` +
      (hint ? `\n${hint}` : "");
    super(message);
    // Serialized into the dynamic provider, this class becomes a plain function whose super() call
    // cannot initialise `this`: set the message the engine reports explicitly.
    this.message = message;
    this.name = "GoToError";
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
  /** Statuses that are answers, not failures (e.g. 404 on a read or delete, 409 on create). */
  accept?: readonly number[];
  /**
   * False for a write that must not be repeated blindly (POST /Users): then only 429, which GoTo
   * answers before doing anything, is retried; a reset, timeout, 502, 503 or 504 goes back to the
   * caller, which decides whether the write happened.
   */
  idempotent?: boolean;
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

/** Pulls GoTo's message out of the error shapes its APIs use (SCIM 1.x, product APIs, OAuth). */
export function vendorMessage(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 300);
  if (!body || typeof body !== "object") return "";
  const b = body as Record<string, unknown>;
  const first = Array.isArray(b.Errors)
    ? (b.Errors[0] as Record<string, unknown> | undefined)
    : undefined;
  const oauth =
    typeof b.error === "string"
      ? typeof b.error_description === "string"
        ? `${b.error}: ${b.error_description}`
        : b.error
      : undefined;
  const parts = [first?.description, b.msg, b.message, oauth, b.detail].filter(
    (p): p is string => typeof p === "string" && p !== "",
  );
  return (parts[0] ?? "").slice(0, 300);
}

/** Defence in depth: a vendor message that echoes a credential must not carry it into logs. */
function scrub(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}

function hintFor(status: number): string | undefined {
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
  return undefined;
}

const NO_ANSWER_HINT =
  "GoTo did not answer within apiRetryBudgetSeconds (each try waits apiTimeoutSeconds); check the network path to gotoApiUrl, then run pulumi up again.";

export function createGoToClient(settings: GoToSettings, tokens: GoToTokenCache = {}): GoToClient {
  const secrets = [settings.accessToken, settings.pat?.clientSecret, settings.pat?.pat];

  async function exchange(pat: GoToPatCredentials): Promise<string> {
    const basic = Buffer.from(`${pat.clientId}:${pat.clientSecret}`).toString("base64");
    const { response } = await sendWithRetry(
      {
        method: "POST",
        url: settings.authUrl,
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "personal_access_token", pat: pat.pat }).toString(),
        timeoutMs: settings.timeoutMs,
      },
      {
        retryStatuses: [429, 502, 503, 504],
        budgetMs: settings.retryBudgetMs,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: 60_000,
        // A repeated exchange only mints another token: harmless.
        retryTransport: true,
      },
    );
    const body = response.body as { access_token?: unknown; expires_in?: unknown };
    if (response.status !== 200 || typeof body?.access_token !== "string") {
      const why = scrub(vendorMessage(response.body), secrets);
      throw new Error(
        `GoTo personal-access-token exchange at ${redactUrl(settings.authUrl)} failed: HTTP ${response.status}` +
          `${why ? `: ${why}` : ""}. Fix: check gotoClientId and gotoClientSecret, that the OAuth client has the ` +
          "Personal Access Token grant enabled, and that gotoPersonalAccessToken is current and has the client's scopes.",
      );
    }
    // GoTo access tokens live an hour; renew a minute early so no request carries a token that expires in flight.
    const lifetimeS = typeof body.expires_in === "number" ? body.expires_in : 3600;
    tokens.token = body.access_token;
    tokens.expiresAt = Date.now() + Math.max(0, lifetimeS - 60) * 1000;
    return body.access_token;
  }

  async function bearer(): Promise<{ token: string; cached: boolean }> {
    if (settings.accessToken) return { token: settings.accessToken, cached: false };
    const pat = settings.pat;
    if (!pat) throw new Error(`No GoTo credential is configured. Fix: ${GOTO_CREDENTIAL_FIX}.`);
    if (tokens.token && (tokens.expiresAt ?? 0) > Date.now())
      return { token: tokens.token, cached: true };
    tokens.pending ??= exchange(pat).finally(() => (tokens.pending = undefined));
    return { token: await tokens.pending, cached: false };
  }

  return {
    async call(method, path, body, options = {}) {
      const idempotent = options.idempotent ?? true;
      const policy: RetryPolicy = {
        retryStatuses: idempotent ? [429, 502, 503, 504] : [429],
        budgetMs: settings.retryBudgetMs,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: 60_000,
        retryTransport: idempotent,
      };
      const paceKey = settings.baseUrl;
      let response: HttpResponse;
      // At most two rounds: a cached PAT token that GoTo rejects (revoked early) is exchanged once more.
      for (let round = 1; ; round++) {
        // The first slot is awaited outside sendWithRetry so that queueing behind other operations
        // does not eat the retry budget; retries then wait for a slot of their own.
        await pace(paceKey, settings.requestsPerSecond);
        const { token, cached } = await bearer();
        let first = true;
        try {
          ({ response } = await sendWithRetry(
            {
              method,
              url: settings.baseUrl + path,
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
          ));
        } catch (err) {
          if (err instanceof TransportError) {
            // The bare transport message names neither GoTo nor what to do about it.
            throw new TransportError(
              scrub(`GoTo ${err.message}\n${NO_ANSWER_HINT}`, secrets),
              err.timedOut,
            );
          }
          throw err;
        }
        if (response.status === 403 && cached && round === 1) {
          tokens.token = undefined;
          continue;
        }
        break;
      }
      const ok = response.status >= 200 && response.status < 300;
      if (!ok && !(options.accept ?? []).includes(response.status)) {
        throw new GoToError(
          response.status,
          scrub(vendorMessage(response.body), secrets),
          method,
          redactUrl(path),
          options.hint ?? hintFor(response.status),
        );
      }
      return { status: response.status, body: response.body as never };
    },
  };
}
