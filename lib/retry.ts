// Retries for the vendor APIs. Written here rather than taken from async-retry, exponential-backoff
// or the Graph SDK's RetryHandler because none of them combines the three things both vendors need:
// honouring Retry-After per response, a hard budget on total elapsed time, and refusing to repeat a
// non-idempotent write after a transport failure (the caller decides that, see `retryTransport`).
import { HttpRequest, HttpResponse, TransportError, send } from "./http";

export interface RetryPolicy {
  /** Statuses that mean "try again later" for this API. */
  retryStatuses: readonly number[];
  /** Total time, across attempts and waits, after which the last answer is returned. */
  budgetMs: number;
  /** First backoff step; doubles each attempt, full jitter. */
  baseDelayMs: number;
  /** Ceiling for one wait (a longer Retry-After is still honoured if it fits the budget). */
  maxDelayMs: number;
  /** Whether a reset or timeout may be repeated (true for reads and idempotent writes). */
  retryTransport: boolean;
  /** Extra predicate, e.g. Graph's 404 during replication lag right after creation. */
  retryIf?: (res: HttpResponse, elapsedMs: number) => boolean;
}

export interface RetryResult {
  response: HttpResponse;
  attempts: number;
  elapsedMs: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(
  headers: Record<string, string>,
  now = Date.now(),
): number | undefined {
  const raw = headers["retry-after"];
  if (raw === undefined || raw.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffMs(
  attempt: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
) {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 20));
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

export async function sendWithRetry(
  req: HttpRequest,
  policy: RetryPolicy,
  before?: () => Promise<void>,
): Promise<RetryResult> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (before) await before();
    let response: HttpResponse | undefined;
    let transportError: TransportError | undefined;
    try {
      response = await send(req);
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      transportError = err;
    }
    const elapsedMs = Date.now() - start;
    const retryable = response
      ? policy.retryStatuses.includes(response.status) ||
        (policy.retryIf?.(response, elapsedMs) ?? false)
      : policy.retryTransport;
    if (!retryable) {
      if (transportError) throw transportError;
      return { response: response!, attempts: attempt, elapsedMs };
    }
    const wait = (response && retryAfterMs(response.headers)) ?? backoffMs(attempt, policy);
    if (elapsedMs + wait > policy.budgetMs) {
      if (transportError) {
        throw new TransportError(
          `${transportError.message} (gave up after ${attempt} attempts in ${elapsedMs} ms)`,
          transportError.timedOut,
        );
      }
      return { response: response!, attempts: attempt, elapsedMs };
    }
    await sleep(wait);
  }
}
