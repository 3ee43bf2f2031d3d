// The one HTTP seam of the dynamic providers: Graph and GoTo clients build on it, tests point it at
// local fakes through the base URLs. It keeps no module-level state and uses only Node's fetch.
//
// What it guarantees, because write decisions are made on what it returns:
// - a body that is cut off, reset or stalls is a TransportError, never an empty or partial body;
// - a redirect is never followed (it would resend credentials to the Location's origin): a 3xx is
//   a RedirectError naming the status and the origin;
// - the caller learns whether the body was JSON as declared, so "unreadable" can never pass for
//   "empty".
import { redact } from "./redact";

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** JSON-encoded when it is not a string. */
  body?: unknown;
  /** Per-attempt timeout, covering the body as well as the headers. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, else the raw text ("" for no body). */
  body: unknown;
  /** The body as received. */
  text: string;
  /** True when the content type says JSON and the text parsed as JSON. */
  json: boolean;
  /** Why a body declared (or needed) as JSON could not be used; undefined when it could. */
  bodyProblem?: string;
}

/** A request that got no (complete) HTTP answer: refused, reset, timed out, or cut off mid-body. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    // Pulumi may serialize this class into dynamic providers as a plain function whose super()
    // call cannot initialise `this`; without this line the engine would report an empty message.
    this.message = message;
    this.name = "TransportError";
    makeRealError(this);
  }
}

/** A 3xx: the request is not repeated at the Location. */
export class RedirectError extends Error {
  constructor(
    readonly status: number,
    readonly locationOrigin: string,
    method: string,
    url: string,
  ) {
    const message =
      `${method} ${redactUrl(url)} answered HTTP ${status} with a redirect to ${locationOrigin || "(no Location)"}; ` +
      "requests are never redirected, because that would resend credentials to another address. " +
      "Fix: point the API URL setting (graphApiUrl, gotoApiUrl or gotoAuthUrl) at the service itself.";
    super(message);
    this.message = message;
    this.name = "RedirectError";
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

function transportReason(err: unknown, timeoutMs: number): { why: string; timedOut: boolean } {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  const timedOut =
    e.name === "TimeoutError" || e.name === "AbortError" || e.cause?.name === "TimeoutError";
  const why = timedOut
    ? `no complete response within ${timeoutMs} ms`
    : (e.cause?.code ?? e.code ?? e.name ?? "network error");
  return { why, timedOut };
}

export async function send(req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
    headers["content-type"] ??= "application/json";
  }
  const timeoutMs = req.timeoutMs ?? 30_000;
  // One signal for headers and body: a server that sends headers and then stalls is a timeout too.
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers,
      body: payload,
      signal,
      redirect: "manual",
    });
  } catch (err) {
    const { why, timedOut } = transportReason(err, timeoutMs);
    // Only method and URL: the body and headers carry credentials.
    throw new TransportError(`${req.method} ${redactUrl(req.url)}: ${why}`, timedOut);
  }
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => undefined);
    let origin = "";
    try {
      origin = new URL(out.location ?? "", req.url).origin;
    } catch {
      origin = "(an unreadable Location)";
    }
    throw new RedirectError(res.status, out.location ? origin : "", req.method, req.url);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    const { why, timedOut } = transportReason(err, timeoutMs);
    throw new TransportError(
      `${req.method} ${redactUrl(req.url)}: HTTP ${res.status} but the body was cut off (${why})`,
      timedOut,
    );
  }
  const declaredLength = out["content-length"];
  // A compressed body's length is the compressed one; undici checks those itself.
  if (
    out["content-encoding"] === undefined &&
    declaredLength !== undefined &&
    /^\d+$/.test(declaredLength) &&
    Buffer.byteLength(text, "utf8") < Number(declaredLength)
  ) {
    throw new TransportError(
      `${req.method} ${redactUrl(req.url)}: HTTP ${res.status} but the body was cut off ` +
        `(${Buffer.byteLength(text, "utf8")} of ${declaredLength} bytes)`,
      false,
    );
  }
  const contentType = (out["content-type"] ?? "").toLowerCase();
  const declaredJson = /\bjson\b/.test(contentType);
  let body: unknown = text;
  let json = false;
  let bodyProblem: string | undefined;
  if (text !== "") {
    if (declaredJson) {
      try {
        body = JSON.parse(text);
        json = true;
      } catch {
        // Not the parser's message: V8 quotes the text it choked on, which may be an echo.
        bodyProblem = `the body is declared as ${contentType} but is not valid JSON (${text.length} characters, possibly cut off)`;
      }
    } else {
      bodyProblem = `the body is ${contentType || "of no declared type"}, not JSON`;
    }
  }
  return { status: res.status, headers: out, body, text, json, bodyProblem };
}

/** Query strings can carry tokens in some APIs; error messages show the path only. */
export function redactUrl(url: string): string {
  const i = url.indexOf("?");
  return redact(i < 0 ? url : url.slice(0, i) + "?…");
}
