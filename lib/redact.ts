// The one redaction path. Every secret in play in a provider process (stack secrets read in
// configure(), credentials of the operation at hand, tokens minted at run time) is registered
// here, and every error that leaves the HTTP layer or a provider passes through `redact`: a
// service that echoes the request (its body, its headers) into an error must not carry a secret
// into the engine's error details, a log line or the state.
//
// Written here rather than taken from a package: the npm redaction libraries (pino's redact,
// fast-redact, @hapi/...) remove values by object path, not a known value in free text and its
// encoded forms, which is what an echoed request body needs.

const MARK = "[redacted]";

/** Secrets shorter than this are not scrubbed: they would shred ordinary words (and are refused as
 *  credentials anyway). */
const MIN_LENGTH = 3;

function registry(): Set<string> {
  // Process-wide on purpose: the provider host deserializes each provider separately, and a token
  // minted by one operation can show up in another operation's error.
  const g = globalThis as { __gotomeetingSecrets?: Set<string> };
  return (g.__gotomeetingSecrets ??= new Set());
}

/** The forms a value takes on the wire: raw, JSON-escaped, URL- and form-encoded, base64. */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  // A JSON text inside a JSON string (Graph's SyncNotificationSettings style) escapes twice.
  forms.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(Buffer.from(value, "utf8").toString("base64"));
  forms.add(Buffer.from(value, "utf8").toString("base64url"));
  return [...forms].filter((f) => f.length >= MIN_LENGTH);
}

/** Registers secrets (and their encoded forms) for every later `redact` in this process. */
export function registerSecrets(...values: (string | undefined | null)[]): void {
  const set = registry();
  for (const v of values) {
    if (typeof v !== "string" || v.length < MIN_LENGTH) continue;
    for (const f of encodedForms(v)) set.add(f);
  }
}

/** Registers the base64 `user:password` of an HTTP Basic header, which no single value reveals. */
export function registerBasicCredentials(user: string, password: string): void {
  registerSecrets(`${user}:${password}`);
}

/** Removes every registered secret, in every form, and every Authorization header value. */
export function redact(text: string, extra: readonly (string | undefined)[] = []): string {
  const forms = new Set(registry());
  for (const v of extra)
    if (typeof v === "string" && v.length >= MIN_LENGTH)
      encodedForms(v).forEach((f) => forms.add(f));
  // Longest first, so a secret that contains another is removed whole; case-insensitive, since an
  // echo may change case (an e-mail address user name, a hex token).
  const pattern = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|");
  const out = pattern ? text.replace(new RegExp(pattern, "gi"), MARK) : text;
  // Whatever scheme and token an echoed header carries, even one this process never saw.
  return out
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${MARK}`)
    .replace(/("?authorization"?\s*[:=]\s*"?)[^"\r\n,}]+/gi, `$1${MARK}`);
}

/** Cuts a text that will be shown after it has been scrubbed, never before (a secret cut in half
 *  would no longer match). */
export function redactAndTruncate(text: string, max = 300): string {
  const clean = redact(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** An error with message and stack scrubbed; anything else becomes such an error. */
export function redactError(err: unknown, extra: readonly (string | undefined)[] = []): Error {
  if (err instanceof Error || (err && typeof err === "object" && "message" in err)) {
    const e = err as Error;
    e.message = redact(String(e.message ?? ""), extra);
    if (typeof e.stack === "string") e.stack = redact(e.stack, extra);
    return e;
  }
  return new Error(redact(String(err), extra));
}

/**
 * Wraps every method of a provider so that whatever it throws is scrubbed first. The provider
 * objects exported by this package are wrapped once, where they are defined.
 */
export function redactingProvider<T extends object>(provider: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(provider)) {
    out[name] =
      typeof fn === "function"
        ? async (...args: unknown[]) => {
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>).apply(provider, args);
            } catch (err) {
              throw redactError(err);
            }
          }
        : fn;
  }
  return out as T;
}
