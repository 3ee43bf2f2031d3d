// The one HTTP seam of the dynamic providers: Graph and GoTo clients build on it, tests point it at
// local fakes through the base URLs. It runs inside serialized provider closures, so it keeps no
// module-level state and uses only Node's global fetch.

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** JSON-encoded when it is not a string. */
  body?: unknown;
  /** Per-attempt timeout; a response that never comes becomes a TransportError. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, else the raw text ("" for no body). */
  body: unknown;
}

/** A request that got no HTTP answer: reset, refused, or timed out. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    // Pulumi serializes this class into dynamic providers as a plain function whose super() call
    // cannot initialise `this`; without this line the engine would report an empty message.
    this.message = message;
    this.name = "TransportError";
    makeRealError(this);
  }
}

/**
 * For error classes serialized into a dynamic provider: there the class is a plain function whose
 * prototype does not inherit Error's, so its instances fail `instanceof Error`, carry no stack and
 * print as "[object Object]" in the provider host's log. Links the prototype (once) and records a
 * stack (each time); does nothing for a normally loaded class, whose super() did both.
 */
export function makeRealError(err: object): void {
  if (!(err instanceof Error)) Object.setPrototypeOf(Object.getPrototypeOf(err), Error.prototype);
  if (!Object.prototype.hasOwnProperty.call(err, "stack")) Error.captureStackTrace(err);
}

export async function send(req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
    headers["content-type"] ??= "application/json";
  }
  const timeoutMs = req.timeoutMs ?? 30_000;
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const timedOut = e.name === "TimeoutError" || e.name === "AbortError";
    const why = timedOut
      ? `no response within ${timeoutMs} ms`
      : (e.cause?.code ?? e.name ?? "network error");
    // Only method and URL: the body may carry credentials.
    throw new TransportError(`${req.method} ${redactUrl(req.url)}: ${why}`, timedOut);
  }
  const text = await res.text().catch(() => "");
  let body: unknown = text;
  if (text && (res.headers.get("content-type") ?? "").includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  return { status: res.status, headers: out, body };
}

/** Query strings can carry tokens in some APIs; error messages show the path only. */
export function redactUrl(url: string): string {
  const i = url.indexOf("?");
  return i < 0 ? url : url.slice(0, i) + "?…";
}
