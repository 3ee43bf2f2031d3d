// Microsoft Graph access for every Graph-backed dynamic resource. It holds no secret and no
// module-level state: settings arrive through each provider's configure() (stack config) and live
// only in the provider process.
import type { DefaultAzureCredential } from "@azure/identity";
import { HttpResponse, RedirectError, TransportError, makeRealError } from "./http";
import { redact, redactAndTruncate, registerSecrets } from "./redact";
import { RetryPolicy, sendWithRetry } from "./retry";

/** Non-secret settings plus the optional token, as read from stack config inside configure(). */
export interface GraphSettings {
  /** `graphApiUrl`; default https://graph.microsoft.com/v1.0. */
  baseUrl: string;
  /** `graphAccessToken` (secret). When absent, DefaultAzureCredential supplies tokens. */
  accessToken?: string;
  /** Per-attempt timeout (`apiTimeoutSeconds`). */
  timeoutMs: number;
  /** Total retry time per operation (`apiRetryBudgetSeconds`). */
  retryBudgetMs: number;
  /** First backoff step and throttling floor (`apiRetryBaseSeconds`); tests shorten it. */
  baseDelayMs: number;
}

export const DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0";

/**
 * A getter for the provider settings: the key as given (the engine's Config resolves it in the
 * running project's namespace), then in this package's own namespace, so a consumer project can
 * set `gotomeeting-provisioning:graphApiUrl` as it would `aws:region`.
 */
export function packageConfig(
  get: (key: string) => string | undefined,
): (key: string) => string | undefined {
  return (key) => get(key) ?? get(`gotomeeting-provisioning:${key}`);
}

/** Reads the provider settings from the config that the engine hands to configure(). */
export function graphSettingsFromConfig(raw: (key: string) => string | undefined): GraphSettings {
  const get = packageConfig(raw);
  const seconds = (key: string, dflt: number) => {
    const value = get(key);
    const n = value === undefined || value.trim() === "" ? dflt : Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(
        `${key} must be a positive number of seconds; got "${value}". Fix: pulumi config set ${key} 60`,
      );
    }
    return n * 1000;
  };
  const baseUrl = (get("graphApiUrl") || DEFAULT_GRAPH_URL).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new Error(
      `graphApiUrl must be an absolute https URL such as ${DEFAULT_GRAPH_URL}; got "${baseUrl}".`,
    );
  }
  const accessToken = get("graphAccessToken") || undefined;
  registerSecrets(accessToken);
  return {
    baseUrl,
    accessToken,
    timeoutMs: seconds("apiTimeoutSeconds", 60),
    retryBudgetMs: seconds("apiRetryBudgetSeconds", 300),
    baseDelayMs: seconds("apiRetryBaseSeconds", 1),
  };
}

/** A Graph failure with Graph's own error code and message (scrubbed); never a request body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
    readonly method: string,
    readonly path: string,
    hint?: string,
  ) {
    const message = redact(
      `Microsoft Graph ${method} ${path} failed: HTTP ${status} ${code}: ${graphMessage}` +
        (hint ? `\n${hint}` : ""),
    );
    super(message);
    // Serialized into a dynamic provider, super() cannot initialise `this` (see TransportError).
    this.message = message;
    this.name = "GraphError";
    makeRealError(this);
  }
}

/** Graph answered 2xx, but not with what the decision at hand needs. */
export class GraphResponseError extends Error {
  constructor(method: string, path: string, problem: string, idempotent: boolean) {
    const message =
      `Microsoft Graph ${method} ${path}: the answer could not be used (${problem}), so nothing was ` +
      "decided on it. " +
      (idempotent
        ? "It was asked again within apiRetryBudgetSeconds; run pulumi up again later."
        : "Whether Graph carried the request out is unknown; run pulumi up again, which reads first.");
    super(message);
    this.message = message;
    this.name = "GraphResponseError";
    makeRealError(this);
  }
}

export interface GraphCallOptions {
  /**
   * Right after an app or job is created, Graph answers 404, 401 UnknownError, 403 or 409 until
   * Entra has replicated it (entra-goto-facts F5): retry those for this long. Default 0.
   */
  replicationGraceMs?: number;
  /** @deprecated alias of replicationGraceMs, limited to 404. */
  notFoundGraceMs?: number;
  /** Statuses that are answers, not failures (e.g. 404 on a read that tolerates absence). */
  accept?: readonly number[];
  /** False for writes that must not be repeated after a lost response (a reset, a timeout, or a
   *  502/504 from Graph's gateway, which may come after the write happened). Default true. */
  idempotent?: boolean;
  /** Whether a 2xx answer must carry a JSON body (GET and actions that answer). Default: true for
   *  GET. */
  expectJson?: boolean;
  /** Fields the decision needs: returns what is missing, undefined when the body will do. */
  validate?: (body: unknown) => string | undefined;
  /** Shared end of the operation's retry budget (Date.now() ms). */
  deadline?: number;
  /** Retry 409 ("another operation in progress") at any time, as hamilton and TF azuread do on
   *  synchronization calls ([S83][S84]): the request did nothing, so repeating it is safe. */
  retryConflicts?: boolean;
  /** Appended to the error message on failure. */
  hint?: string;
}

export interface GraphClient {
  call<T = unknown>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
    options?: GraphCallOptions,
  ): Promise<{ status: number; body: T }>;
  /** Runs `fn` while holding the write lock of one service principal's synchronization. */
  exclusive<T>(servicePrincipalId: string, fn: () => Promise<T>): Promise<T>;
  /** The settings' retry budget, for callers that share one deadline across calls. */
  readonly retryBudgetMs: number;
}

interface TokenCache {
  credential?: DefaultAzureCredential;
  token?: string;
  expiresAt?: number;
}

/** Whether a Graph answer looks like the consistency errors seen right after instantiation. */
export function isReplicationLag(res: HttpResponse): boolean {
  if (res.status === 404 || res.status === 403 || res.status === 409) return true;
  // 401 only with an OData error body: a token that is really rejected comes with
  // InvalidAuthenticationToken, the replication case with UnknownError (hamilton, [S83]).
  if (res.status === 401) {
    const code = (res.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    return typeof code === "string" && !/InvalidAuthenticationToken|ExpiredToken/i.test(code);
  }
  return false;
}

export function createGraphClient(settings: GraphSettings): GraphClient {
  const cache: TokenCache = {};
  // Sovereign clouds serve Graph from their own host; the token audience follows the base URL.
  const scope = new URL(settings.baseUrl).origin + "/.default";

  async function bearer(): Promise<string> {
    if (settings.accessToken) return settings.accessToken;
    if (cache.token && cache.expiresAt && cache.expiresAt - Date.now() > 120_000)
      return cache.token;
    // Required here, not imported at the top, so the provider refers to the package instead of
    // capturing it should it ever be serialized (pulumi/pulumi#13960).
    const { DefaultAzureCredential } =
      require("@azure/identity") as typeof import("@azure/identity");
    cache.credential ??= new DefaultAzureCredential();
    let got;
    try {
      got = await cache.credential.getToken(scope);
    } catch (err) {
      throw new Error(
        `Could not get a Microsoft Graph token from DefaultAzureCredential: ${redactAndTruncate((err as Error).message, 500)}\n` +
          "Fix: sign in (az login), set AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, certificate or " +
          "federated token, or set the stack secret graphAccessToken.",
      );
    }
    // A token minted now must be scrubbed from every later error, like a configured one.
    registerSecrets(got.token);
    cache.token = got.token;
    cache.expiresAt = got.expiresOnTimestamp;
    return got.token;
  }

  return {
    retryBudgetMs: settings.retryBudgetMs,

    async call(method, path, body, options = {}) {
      const idempotent = options.idempotent ?? true;
      const grace = options.replicationGraceMs ?? 0;
      const notFoundGrace = options.notFoundGraceMs ?? 0;
      const expectJson = options.expectJson ?? method === "GET";
      // Only answers a decision is made on are held to a shape; a write whose body is not needed
      // is judged by its status alone.
      const unusable = (res: HttpResponse): string | undefined => {
        if (!expectJson) return undefined;
        if (res.bodyProblem) return res.bodyProblem;
        if (!res.json) return "the body is empty";
        return options.validate?.(res.body);
      };
      const policy: RetryPolicy = {
        // 429 and 503 come before Graph does anything; a gateway's 502 or 504 may come after.
        retryStatuses: idempotent ? [429, 502, 503, 504] : [429, 503],
        budgetMs: settings.retryBudgetMs,
        deadline: options.deadline,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: 60_000,
        retryTransport: idempotent,
        retryIf: (res: HttpResponse, elapsed: number) =>
          (elapsed < grace && isReplicationLag(res)) ||
          (elapsed < notFoundGrace && res.status === 404) ||
          (options.retryConflicts === true && res.status === 409),
        unusable,
      };
      let result;
      try {
        result = await sendWithRetry(
          {
            method,
            url: settings.baseUrl + path,
            headers: { authorization: `Bearer ${await bearer()}` },
            body,
            timeoutMs: settings.timeoutMs,
          },
          policy,
        );
      } catch (err) {
        if (err instanceof RedirectError) {
          // Named as Graph's, like every other failure of this client.
          err.message = `Microsoft Graph ${err.message}`;
          throw err;
        }
        if (!(err instanceof TransportError)) throw err;
        // The bare transport message names neither Graph nor what to do about it.
        throw new TransportError(
          `Microsoft Graph ${err.message}\n${idempotent ? NO_ANSWER_HINT : UNKNOWN_OUTCOME_HINT}`,
          err.timedOut,
        );
      }
      const response = result.response;
      const ok = response.status >= 200 && response.status < 300;
      if (ok && result.unusable) {
        throw new GraphResponseError(method, path, result.unusable, idempotent);
      }
      if (!ok && !(options.accept ?? []).includes(response.status)) {
        const err = (response.body as { error?: { code?: unknown; message?: unknown } })?.error;
        const code = typeof err?.code === "string" ? err.code : "UnknownError";
        const message =
          typeof err?.message === "string" ? err.message : response.json ? "" : response.text;
        throw new GraphError(
          response.status,
          code,
          // Scrubbed before it is cut: a secret cut in half would no longer match.
          redactAndTruncate(message, 500),
          method,
          path,
          options.hint ?? hintFor(response, idempotent, grace > 0 || notFoundGrace > 0),
        );
      }
      return { status: response.status, body: response.body as never };
    },

    async exclusive(servicePrincipalId, fn) {
      // One lock table per provider process, shared by every Graph-backed provider in it: the
      // engine deserializes each provider separately, so a captured map would not be shared.
      const g = globalThis as { __gotomeetingSyncLocks?: Map<string, Promise<unknown>> };
      const locks = (g.__gotomeetingSyncLocks ??= new Map());
      const prev = locks.get(servicePrincipalId) ?? Promise.resolve();
      const run = prev.catch(() => undefined).then(fn);
      locks.set(servicePrincipalId, run);
      try {
        return await run;
      } finally {
        if (locks.get(servicePrincipalId) === run) locks.delete(servicePrincipalId);
      }
    },
  };
}

const NO_ANSWER_HINT =
  "Graph did not answer within apiRetryBudgetSeconds (each try waits apiTimeoutSeconds); check the " +
  "network path to graphApiUrl, then run pulumi up again.";
const UNKNOWN_OUTCOME_HINT =
  "The answer was lost, so whether Graph carried the request out is unknown, and it is not repeated " +
  "blindly; run pulumi up again, which reads the current state before writing.";

const REPLICATION =
  "Entra may still be replicating the app or job created moments ago (Graph answers 404, 401, 403 " +
  "or 409 for a few minutes after an app is instantiated); run pulumi up again in a few minutes. " +
  "If it persists: ";

function hintFor(res: HttpResponse, idempotent: boolean, afterCreate: boolean): string | undefined {
  const status = res.status;
  const lag = afterCreate && isReplicationLag(res);
  const say = (text: string) => (lag ? REPLICATION + text : text[0].toUpperCase() + text.slice(1));
  if (!idempotent && (status === 502 || status === 504)) return UNKNOWN_OUTCOME_HINT;
  if (status === 401) {
    return say("the token was rejected: check the tenant and that the credential has not expired.");
  }
  if (status === 403) {
    return say(
      "the identity lacks permission: grant Synchronization.ReadWrite.All (or " +
        "Application.ReadWrite.OwnedBy for an owned app) and Application.Read.All.",
    );
  }
  if (status === 404) {
    return say("Graph does not know this object; check that it still exists (pulumi refresh).");
  }
  if (status === 409) {
    return say(
      "another change to this app's provisioning was in progress (in the portal or another " +
        "deployment); run pulumi up again once it has finished.",
    );
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return "Graph kept throttling or timing out within apiRetryBudgetSeconds; run again later or raise it.";
  }
  return (
    "Check Graph's message above: if it names a value of this stack (an id, a mapping, a setting), fix " +
    "that value; otherwise run pulumi up again later."
  );
}
