// Retries for the vendor APIs. Written here rather than taken from async-retry, exponential-backoff
// or the Graph SDK's RetryHandler because none of them combines what both vendors need: honouring
// Retry-After per response with a floor (a `Retry-After: 0` from a service that is already
// throttling must not become a hot loop), a hard deadline on total elapsed time shared by several
// calls of one operation, and refusing to repeat a non-idempotent write after a lost response (the
// caller decides that, see `retryTransport`).
import { HttpRequest, HttpResponse, TransportError, send } from "./http";

export interface RetryPolicy {
  /** Statuses that mean "try again later" for this API. */
  retryStatuses: readonly number[];
  /** Total time, across attempts and waits, after which the last answer is returned. */
  budgetMs: number;
  /** Absolute end (Date.now() ms) shared with other calls of the same operation; the earlier of it
   *  and start + budgetMs wins. */
  deadline?: number;
  /** First backoff step; doubles each attempt, full jitter. Also the floor under a Retry-After of
   *  0 or in the past, which grows linearly with the attempt. */
  baseDelayMs: number;
  /** Ceiling for one wait (a longer Retry-After is still honoured if it fits the budget). */
  maxDelayMs: number;
  /** Whether a reset, timeout or unreadable answer may be repeated (reads and idempotent writes). */
  retryTransport: boolean;
  /** Extra predicate, e.g. Graph's consistency errors right after creation. */
  retryIf?: (res: HttpResponse, elapsedMs: number) => boolean;
  /** A problem with a 2xx answer that makes it unusable (not JSON, a field missing): retried like
   *  a transport failure when retryTransport, else returned as it is. */
  unusable?: (res: HttpResponse) => string | undefined;
}

export interface RetryResult {
  response: HttpResponse;
  attempts: number;
  elapsedMs: number;
  /** Set when the last answer was still unusable (see RetryPolicy.unusable). */
  unusable?: string;
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

/** How long to wait before attempt `attempt + 1`: Retry-After when it is positive, never less
 *  than the floor, and exponential backoff when there is no usable header. */
export function waitMs(
  attempt: number,
  response: HttpResponse | undefined,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
  now = Date.now(),
): number {
  const header = response ? retryAfterMs(response.headers, now) : undefined;
  if (header === undefined) return backoffMs(attempt, policy);
  const floor = Math.min(policy.maxDelayMs, policy.baseDelayMs * attempt);
  return Math.max(header, floor);
}

export async function sendWithRetry(
  req: HttpRequest,
  policy: RetryPolicy,
  before?: () => Promise<void>,
): Promise<RetryResult> {
  const start = Date.now();
  const end = Math.min(start + policy.budgetMs, policy.deadline ?? Infinity);
  for (let attempt = 1; ; attempt++) {
    if (before) await before();
    let response: HttpResponse | undefined;
    let transportError: TransportError | undefined;
    try {
      // A timeout that would end past the deadline is shortened to it (at least one second), so
      // the operation as a whole keeps to apiRetryBudgetSeconds.
      const left = end - Date.now();
      const timeoutMs = Math.max(1000, Math.min(req.timeoutMs ?? 30_000, left));
      response = await send({ ...req, timeoutMs });
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      transportError = err;
    }
    const elapsedMs = Date.now() - start;
    const ok = response !== undefined && response.status >= 200 && response.status < 300;
    const unusable = ok && policy.unusable ? policy.unusable(response!) : undefined;
    const retryable = response
      ? unusable !== undefined
        ? policy.retryTransport
        : policy.retryStatuses.includes(response.status) ||
          (policy.retryIf?.(response, elapsedMs) ?? false)
      : policy.retryTransport;
    if (!retryable) {
      if (transportError) throw transportError;
      return { response: response!, attempts: attempt, elapsedMs, unusable };
    }
    const wait = waitMs(attempt, response, policy);
    if (Date.now() + wait > end) {
      if (transportError) {
        throw new TransportError(
          `${transportError.message} (gave up after ${attempt} attempts in ${elapsedMs} ms)`,
          transportError.timedOut,
        );
      }
      return { response: response!, attempts: attempt, elapsedMs, unusable };
    }
    await sleep(wait);
  }
}
