// Microsoft Graph access for every Graph-backed dynamic resource. It is captured by value into the
// serialized providers, so it holds no secret and no module-level state: settings arrive through
// each provider's configure() (stack config) and live only in the provider process.
import type { DefaultAzureCredential } from "@azure/identity";
import { HttpResponse, TransportError, makeRealError } from "./http";
import { RetryPolicy, sendWithRetry } from "./retry";

/** Non-secret settings plus the optional token, as read from stack config inside configure(). */
export interface GraphSettings {
  /** `graphApiUrl`; default https://graph.microsoft.com/v1.0. */
  baseUrl: string;
  /** `graphAccessToken` (secret). When absent, DefaultAzureCredential supplies tokens. */
  accessToken?: string;
  /** Per-attempt timeout (`apiTimeoutSeconds`). */
  timeoutMs: number;
  /** Total retry time per call (`apiRetryBudgetSeconds`). */
  retryBudgetMs: number;
  /** First backoff step; tests shorten it. */
  baseDelayMs: number;
}

export const DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0";

/** Reads the provider settings from the config that the engine hands to configure(). */
export function graphSettingsFromConfig(get: (key: string) => string | undefined): GraphSettings {
  const seconds = (key: string, dflt: number) => {
    const raw = get(key);
    const n = raw === undefined ? dflt : Number(raw);
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(
        `${key} must be a positive number of seconds; got "${raw}". Fix: pulumi config set ${key} 60`,
      );
    }
    return n * 1000;
  };
  const baseUrl = (get("graphApiUrl") ?? DEFAULT_GRAPH_URL).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new Error(`graphApiUrl must be an absolute http(s) URL; got "${baseUrl}".`);
  }
  return {
    baseUrl,
    accessToken: get("graphAccessToken") || undefined,
    timeoutMs: seconds("apiTimeoutSeconds", 60),
    retryBudgetMs: seconds("apiRetryBudgetSeconds", 300),
    baseDelayMs: seconds("apiRetryBaseSeconds", 1),
  };
}

/** A Graph failure with Graph's own error code and message; never a request body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
    readonly method: string,
    readonly path: string,
    hint?: string,
  ) {
    const message =
      `Microsoft Graph ${method} ${path} failed: HTTP ${status} ${code}: ${graphMessage}` +
      (hint ? `\n${hint}` : "");
    super(message);
    // Serialized into a dynamic provider, super() cannot initialise `this` (see TransportError).
    this.message = message;
    this.name = "GraphError";
    makeRealError(this);
  }
}

export interface GraphCallOptions {
  /** Retry 404 for this long: Entra replicates new service principals and jobs lazily. */
  notFoundGraceMs?: number;
  /** Statuses that are answers, not failures (e.g. 404 on a read that tolerates absence). */
  accept?: readonly number[];
  /** False for writes that must not be repeated after a lost response (a reset, a timeout, or a
   *  502/504 from Graph's gateway, which may come after the write happened). Default true. */
  idempotent?: boolean;
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
}

interface TokenCache {
  credential?: DefaultAzureCredential;
  token?: string;
  expiresAt?: number;
}

export function createGraphClient(settings: GraphSettings): GraphClient {
  const cache: TokenCache = {};
  // Sovereign clouds serve Graph from their own host; the token audience follows the base URL.
  const scope = new URL(settings.baseUrl).origin + "/.default";

  async function bearer(): Promise<string> {
    if (settings.accessToken) return settings.accessToken;
    if (cache.token && cache.expiresAt && cache.expiresAt - Date.now() > 120_000)
      return cache.token;
    // Required here, not imported at the top, so the serialized provider refers to the package
    // instead of capturing it (pulumi/pulumi#13960).
    const { DefaultAzureCredential } =
      require("@azure/identity") as typeof import("@azure/identity");
    cache.credential ??= new DefaultAzureCredential();
    let got;
    try {
      got = await cache.credential.getToken(scope);
    } catch (err) {
      throw new Error(
        `Could not get a Microsoft Graph token from DefaultAzureCredential: ${(err as Error).message}\n` +
          "Fix: sign in (az login), set AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, certificate or " +
          "federated token, or set the stack secret graphAccessToken.",
      );
    }
    cache.token = got.token;
    cache.expiresAt = got.expiresOnTimestamp;
    return got.token;
  }

  return {
    async call(method, path, body, options = {}) {
      const idempotent = options.idempotent ?? true;
      const policy: RetryPolicy = {
        // 429 and 503 come before Graph does anything; a gateway's 502 or 504 may come after.
        retryStatuses: idempotent ? [429, 502, 503, 504] : [429, 503],
        budgetMs: settings.retryBudgetMs,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: 60_000,
        retryTransport: idempotent,
        retryIf: (res: HttpResponse, elapsed: number) =>
          res.status === 404 && elapsed < (options.notFoundGraceMs ?? 0),
      };
      let response: HttpResponse;
      try {
        ({ response } = await sendWithRetry(
          {
            method,
            url: settings.baseUrl + path,
            headers: { authorization: `Bearer ${await bearer()}` },
            body,
            timeoutMs: settings.timeoutMs,
          },
          policy,
        ));
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        // The bare transport message names neither Graph nor what to do about it.
        throw new TransportError(
          `Microsoft Graph ${err.message}\n${idempotent ? NO_ANSWER_HINT : UNKNOWN_OUTCOME_HINT}`,
          err.timedOut,
        );
      }
      const ok = response.status >= 200 && response.status < 300;
      if (!ok && !(options.accept ?? []).includes(response.status)) {
        const err = (response.body as { error?: { code?: string; message?: string } })?.error;
        throw new GraphError(
          response.status,
          err?.code ?? "UnknownError",
          err?.message ?? (typeof response.body === "string" ? response.body.slice(0, 300) : ""),
          method,
          path,
          options.hint ?? hintFor(response.status, idempotent),
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

function hintFor(status: number, idempotent: boolean): string | undefined {
  if (!idempotent && (status === 502 || status === 504)) return UNKNOWN_OUTCOME_HINT;
  if (status === 401) {
    return "The token was rejected: check the tenant and that the credential has not expired.";
  }
  if (status === 403) {
    return (
      "The identity lacks permission: grant Synchronization.ReadWrite.All (or " +
      "Application.ReadWrite.OwnedBy for an owned app) and Application.Read.All."
    );
  }
  if (status === 404) {
    return (
      "Graph does not know this object: if it was created moments ago, Entra may still be replicating " +
      "it, so run pulumi up again in a few minutes; otherwise check that it still exists."
    );
  }
  if (status === 409) {
    return (
      "Another change to this app's provisioning was in progress (in the portal or another deployment); " +
      "run pulumi up again once it has finished."
    );
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return "Graph kept throttling or timing out within apiRetryBudgetSeconds; run again later or raise it.";
  }
  return undefined;
}
