// A stateful stand-in for GoTo's identity API (SCIM 1.x-style), its Admin REST API (accounts,
// licences) and its OAuth token endpoint, on 127.0.0.1. Every answer is shaped like a documented
// example, its source named next to it:
//   [SPEC]  goto-scim-legacy-api-facts.json (the identity API's OpenAPI, APIs.guru, 2018) — verified
//   [F13]   entra-goto-facts.md "Formats a fake must reproduce", F13
//   [S47]   GoTo's PAT guide; [S93] token-retrieval migration guide (token endpoint) — verified
//   [S54]   GoTo "fetch account users" guide (GET /me → accounts[].key) — verified
//   [S55]   GoTo "manage account users" guide (POST /accounts/{a}/users) — verified
//   [S56]   a third-party PowerShell onboarding script; [S94] EPI-USE-Labs/gotomeeting-api-python — secondary
//   [S60]   GoTo rate limits (10 requests/s per API, 429) — verified
//   [S61]   third-party live-probe notes (error bodies, WWW-Authenticate) — secondary
// Where no document settles a behaviour, the comment says `guess:` and the behaviour is switchable
// (GoToFakeOptions), so tests can run the provider under each alternative.
//
// It is hostile on demand (GoToFault): resets, hangs, lost answers, cut-off bodies, HTML instead of
// JSON, field-less answers, error bodies that echo the request with its headers, redirects to another
// origin, Retry-After: 0 and throttling.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * guess: the identity API's error body. Its OpenAPI declares none [SPEC]; each shape below is one
 * that is reported somewhere, none is confirmed for this API [F13]:
 * - "identity-audit": `{"error":[{code,description,uri}]}` (2026-12-01 audit observation, unverified);
 * - "scim1": `{"Errors":[{code,description}]}` (SCIM 1.x style, unverified for GoTo);
 * - "product": `{"int_err_code","msg"}` (GoTo's product APIs, secondary [S61]);
 * - "empty": no body; 401 and 403 carry `WWW-Authenticate: Bearer error="invalid_token"` (secondary [S61]).
 */
export type IdentityErrorShape = "identity-audit" | "scim1" | "product" | "empty";
export const IDENTITY_ERROR_SHAPES: readonly IdentityErrorShape[] = [
  "identity-audit",
  "scim1",
  "product",
  "empty",
];

export interface FakeLicense {
  /** A large integer, as its digits (S56 shows 7902142105473202120). */
  key: string;
  /** e.g. ["G2M"] [S94]. */
  products: string[];
}

export interface FakeAccount {
  /** A large integer, as its digits. */
  key: string;
  name: string;
  licenses: FakeLicense[];
}

/** Admin-API behaviours no document settles: every one is a guess with alternatives. */
export interface AdminGuesses {
  /** guess: keys as JSON numbers (the natural reading of "large integers", S56) or as strings. Default "number". */
  integers?: "number" | "string";
  /** guess: whether GET /accounts/{a}/users results carry the user's licenseKeys. Default true. */
  listsUserLicenses?: boolean;
  /** guess: the container of POST /accounts/{a}/users' {key,email} list [S55]: a bare array or {users:[…]}. Default "array". */
  createUsersAnswer?: "array" | "object";
  /** guess: whether licenseKeys in that POST are applied to a user already in the account. Default "apply". */
  postLicensesForExisting?: "apply" | "ignore";
  /** guess: whether PUT /accounts/{a}/users/{key} licenseKeys replaces the user's licences or adds to them. Default "replace". */
  putLicenseKeys?: "replace" | "add";
  /** guess: whether a user created through the identity API is also an account user (without licences). Default false. */
  identityUsersJoinAccount?: boolean;
}

export interface GoToFakeOptions {
  /** Bearer token the APIs accept; any other (or none) → 403 "Invalid token passed" [SPEC]. Default "test-goto-token". */
  token?: string;
  /** E-mail domains a new user may have [SPEC note on POST /Users]. Default ["example.com"]. */
  verifiedDomains?: string[];
  /** 429 above this rate, per API [S60]: token bucket with capacity = rps. Default unlimited. */
  requestsPerSecond?: number;
  /** Latency added to every answer, ms. Default 0. */
  latencyMs?: number;
  /** guess: Retry-After (seconds, string) sent with 429; GoTo documents none [S60]. Default "0.05" so tests stay fast. */
  retryAfter?: string;
  /** Enables the personal-access-token exchange at tokenUrl [S47]; its accessToken is then accepted too. */
  pat?: { clientId: string; clientSecret: string; pat: string; accessToken: string };
  /** See IdentityErrorShape. Default "scim1". */
  errorShape?: IdentityErrorShape;
  /** Admin-API accounts of the token. Default one account with a G2M and a G2W licence. */
  accounts?: FakeAccount[];
  admin?: AdminGuesses;
}

/** What an injected fault does to a request. */
export type GoToFaultKind =
  | {
      status: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 429 | 500 | 502 | 503 | 504;
      /** Sent with 429 by default (the fake's retryAfter); null → no header. */
      retryAfter?: string | null;
      /** JSON answer body instead of the error body of the API's shape. */
      body?: unknown;
      /** A raw answer body (with contentType), instead of JSON. */
      raw?: string;
      contentType?: string;
      headers?: Record<string, string>;
    }
  /** Destroy the socket before doing anything (the request had no effect). */
  | "reset"
  /** Never answer (until stop()); the client has to time out. */
  | "hang"
  /** Apply the request, then destroy the socket: the effect happened, the answer is lost. */
  | "reset-after-commit"
  /** Apply the request, then send half of the answer's body under the full Content-Length and close. */
  | "truncate"
  /** Apply the request, then answer its status with an HTML page (content-type text/html). */
  | "html"
  /** Apply the request, then answer its status with `{}` (JSON without the fields). */
  | "fieldless"
  /** Answer this status with an error body that repeats the request: method, URL, headers
   *  (Authorization included), body, and the credential itself (hostile: services do echo). */
  | { echo: 400 | 401 | 403 | 500 }
  /** Answer a redirect to another origin, without applying the request. */
  | { redirect: 301 | 302 | 303 | 307 | 308; location: string };

/** A fault applied to the next `times` matching requests, then removed. */
export interface GoToFault {
  /** e.g. "POST"; default any. */
  method?: string;
  /**
   * Substring of, or regex against, the recorded path: after /identity/v1 for the identity API,
   * "/admin/rest/v1/…" for the Admin API, "/oauth/token" for the token endpoint.
   */
  path?: string | RegExp;
  kind: GoToFaultKind;
  /** Default 1. */
  times?: number;
}

export interface RecordedRequest {
  api: "identity" | "admin" | "token" | "other";
  method: string;
  /** After /identity/v1 for the identity API; "/admin/rest/v1/…" and "/oauth/token" otherwise. */
  path: string;
  /** Raw query string without "?" ("" when none), e.g. the encoded filter. */
  query: string;
  /** Parsed JSON (integers beyond 2^53 as digit strings) or the raw text. */
  body: unknown;
  /** The body as received. */
  raw: string;
  headers: Record<string, string>;
  /** Status answered; -1 when the socket was destroyed or the request left hanging. */
  status: number;
}

export interface FakeUser {
  id: string;
  userName: string;
  displayName: string;
  locale: string;
  timezone: string;
  name: { givenName: string; familyName: string };
  /** created is absent for users added with `created: null`. */
  meta: { created?: string; location: string };
}

export interface NewFakeUser {
  userName: string;
  givenName: string;
  familyName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  /** meta.created; default now; null → no meta.created at all. */
  created?: string | null;
}

export interface FakeUserPatch {
  userName?: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  name?: { givenName?: string; familyName?: string };
}

export interface FakeAccountUser {
  key: string;
  email: string;
  firstName: string;
  lastName: string;
  licenseKeys: string[];
}

const API_PREFIX = "/identity/v1";
const ADMIN_PREFIX = "/admin/rest/v1";
const TOKEN_PATH = "/oauth/token";
const DEFAULT_LOCALE = "en_US";
const DEFAULT_TIMEZONE = "America/Los_Angeles";
// UserDefinition's properties [SPEC].
const USER_ATTRIBUTES = new Set([
  "userName",
  "displayName",
  "locale",
  "timezone",
  "name",
  "password",
]);

/** JSON.parse keeping integers beyond 2^53 as digit strings (the fake's own, not the client's). */
function parseKeepingBigIntegers(text: string): unknown {
  // Quote long integer literals outside strings, then parse.
  const quoted = text.replace(/("(?:[^"\\]|\\.)*")|(-?\d{16,})(?![\d.eE])/g, (_m, str, digits) =>
    str !== undefined ? str : Number.isSafeInteger(Number(digits)) ? digits : `"${digits}"`,
  );
  return JSON.parse(quoted);
}

/** Licence keys of S56 style and an account key of the size third-party code shows. */
export const DEFAULT_ACCOUNT: FakeAccount = {
  key: "200000000000215929",
  name: "Contoso",
  licenses: [
    { key: "7902142105473202120", products: ["G2M"] },
    { key: "7902142105473202987", products: ["G2M", "G2W"] },
  ],
};

const REASON: Record<number, string> = {
  200: "OK",
  201: "Created",
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

interface Answer {
  status: number;
  /** JSON value, serialized by the fake (big integers as the admin guesses say). */
  body?: unknown;
  /** Or a raw text body. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** An integer beyond 2^53 kept as digits; written as a JSON number or string per AdminGuesses.integers. */
class BigKey {
  constructor(readonly digits: string) {}
}

class HttpFailure extends Error {
  constructor(readonly answer: Answer) {
    super(String(answer.status));
  }
}

export class GoToFake {
  readonly url: string;
  readonly adminUrl: string;
  readonly tokenUrl: string;
  /** The bare origin, e.g. for a Location header pointing back here. */
  readonly origin: string;
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  /** 429 answers from the rate limit (injected 429 faults are not counted). */
  count429 = 0;
  /** Switchable at run time; see IdentityErrorShape. */
  errorShape: IdentityErrorShape;
  readonly admin: Required<AdminGuesses>;

  private readonly store = new Map<string, FakeUser>();
  private readonly accounts = new Map<
    string,
    { account: FakeAccount; users: Map<string, FakeAccountUser> }
  >();
  private readonly faults: (GoToFault & { left: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly domains: string[];
  private nextKey = 7_300_000_001;
  // Admin-API user keys are larger than int64 (S55 shows 78888886011013972886849029).
  private nextAdminKey = 78888886011013972886849029n;
  private readonly buckets = new Map<string, { level: number; at: number }>();

  private constructor(
    private readonly server: http.Server,
    private readonly options: GoToFakeOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}${API_PREFIX}`;
    this.adminUrl = `${this.origin}${ADMIN_PREFIX}`;
    this.tokenUrl = `${this.origin}${TOKEN_PATH}`;
    this.token = options.token ?? "test-goto-token";
    this.domains = (options.verifiedDomains ?? ["example.com"]).map((d) => d.toLowerCase());
    this.errorShape = options.errorShape ?? "scim1";
    this.admin = {
      integers: "number",
      listsUserLicenses: true,
      createUsersAnswer: "array",
      postLicensesForExisting: "apply",
      putLicenseKeys: "replace",
      identityUsersJoinAccount: false,
      ...options.admin,
    };
    for (const account of options.accounts ?? [DEFAULT_ACCOUNT]) {
      this.accounts.set(account.key, { account: structuredClone(account), users: new Map() });
    }
  }

  static async start(options: GoToFakeOptions = {}): Promise<GoToFake> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fake = new GoToFake(server, { ...options });
    server.on("connection", (s) => {
      fake.sockets.add(s);
      s.on("close", () => fake.sockets.delete(s));
    });
    server.on("request", (req, res) => void fake.handle(req, res));
    return fake;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The live users, as GET would return them (copies). */
  users(): FakeUser[] {
    return [...this.store.values()].map((u) => structuredClone(u));
  }

  /** Creates a user out of band (the admin center), without the API's checks. */
  addUser(u: NewFakeUser): FakeUser {
    return structuredClone(this.newUser(u));
  }

  /** Removes a user out of band; false when the key is unknown. */
  removeUser(key: string): boolean {
    return this.store.delete(key);
  }

  /** Changes a user out of band (drift), e.g. a rename in GoTo's admin center. */
  patchUser(key: string, partial: FakeUserPatch): FakeUser {
    const user = this.store.get(key);
    if (!user) throw new Error(`GoToFake.patchUser: no user ${key}`);
    this.merge(user, partial);
    return structuredClone(user);
  }

  /** Revokes every access token minted so far: the exchange now hands out (and the APIs accept) this one. */
  setPatAccessToken(accessToken: string): void {
    if (!this.options.pat) throw new Error("GoToFake.setPatAccessToken: started without pat");
    this.options.pat = { ...this.options.pat, accessToken };
  }

  /** The users of an Admin-API account, with their licences (copies). */
  accountUsers(accountKey = DEFAULT_ACCOUNT.key): FakeAccountUser[] {
    const a = this.accounts.get(accountKey);
    if (!a) throw new Error(`GoToFake.accountUsers: no account ${accountKey}`);
    return [...a.users.values()].map((u) => structuredClone(u));
  }

  /** Adds (or changes) an account user out of band, e.g. a licence given in GoTo's admin center. */
  setAccountUser(
    u: { email: string; firstName?: string; lastName?: string; licenseKeys: string[] },
    accountKey = DEFAULT_ACCOUNT.key,
  ): FakeAccountUser {
    const a = this.accounts.get(accountKey);
    if (!a) throw new Error(`GoToFake.setAccountUser: no account ${accountKey}`);
    const existing = this.accountUserByEmail(a.users, u.email);
    const user = existing ?? {
      key: String(this.nextAdminKey++),
      email: u.email,
      firstName: u.firstName ?? "",
      lastName: u.lastName ?? "",
      licenseKeys: [],
    };
    user.licenseKeys = [...u.licenseKeys];
    a.users.set(user.key, user);
    return structuredClone(user);
  }

  inject(fault: GoToFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Removes every injected fault not used up yet. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  resetRequests(): void {
    this.requests.length = 0;
    this.count429 = 0;
  }

  // ---- request handling ------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const target = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const p = target.pathname;
    const api: RecordedRequest["api"] =
      p === TOKEN_PATH
        ? "token"
        : p.startsWith(API_PREFIX)
          ? "identity"
          : p.startsWith(ADMIN_PREFIX)
            ? "admin"
            : "other";
    const path = api === "identity" ? p.slice(API_PREFIX.length) : p;
    let body: unknown = raw;
    if (raw && (req.headers["content-type"] ?? "").includes("json")) {
      try {
        body = parseKeepingBigIntegers(raw);
      } catch {
        body = raw;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const record: RecordedRequest = {
      api,
      method,
      path,
      query: target.search.slice(1),
      body,
      raw,
      headers,
      status: -1,
    };
    this.requests.push(record);

    const fault = this.takeFault(method, path);
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "hang") return;

    let answer: Answer | undefined;
    if (fault && typeof fault === "object" && "status" in fault) {
      const retryAfter =
        fault.retryAfter === undefined
          ? fault.status === 429
            ? (this.options.retryAfter ?? "0.05")
            : undefined
          : (fault.retryAfter ?? undefined);
      const base: Answer =
        fault.raw !== undefined
          ? { status: fault.status, raw: fault.raw, contentType: fault.contentType }
          : fault.body !== undefined
            ? { status: fault.status, body: fault.body, contentType: fault.contentType }
            : this.error(
                api,
                fault.status,
                fault.status === 429 ? "Too many requests" : (REASON[fault.status] ?? "Error"),
              );
      answer = {
        ...base,
        headers: {
          ...(base.headers ?? {}),
          ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }),
          ...(fault.headers ?? {}),
        },
      };
    } else if (fault && typeof fault === "object" && "echo" in fault) {
      answer = this.error(api, fault.echo, this.echo(method, req.url ?? "", headers, raw));
    } else if (fault && typeof fault === "object" && "redirect" in fault) {
      answer = { status: fault.redirect, headers: { location: fault.location } };
    } else if (api !== "token" && !this.takeFromBucket(api)) {
      // Throttling is decided on arrival, as a gateway does, per API [S60]; the token endpoint is another API.
      this.count429++;
      answer = {
        ...this.error(api, 429, "Too many requests"),
        // guess: GoTo documents no Retry-After [S60]; the option sets it.
        headers: { "retry-after": this.options.retryAfter ?? "0.05" },
      };
    }

    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));

    if (!answer) {
      try {
        answer =
          api === "token"
            ? this.tokenEndpoint(method, req.headers.authorization, raw)
            : api === "identity"
              ? this.identity(method, path, target.searchParams, req.headers.authorization, body)
              : api === "admin"
                ? this.adminApi(
                    method,
                    path.slice(ADMIN_PREFIX.length),
                    target.searchParams,
                    req.headers.authorization,
                    body,
                  )
                : { status: 404 };
      } catch (err) {
        if (!(err instanceof HttpFailure)) throw err;
        answer = err.answer;
      }
    }
    if (fault === "reset-after-commit") return void req.socket.destroy();
    if (fault === "html") {
      answer = {
        status: answer.status,
        raw: "<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>",
        contentType: "text/html; charset=utf-8",
      };
    }
    if (fault === "fieldless") answer = { status: answer.status, body: {} };

    record.status = answer.status;
    const payload =
      answer.raw ?? (answer.body === undefined ? "" : this.serialize(answer.body, api === "admin"));
    const contentType =
      answer.contentType ?? (answer.raw === undefined && payload ? "application/json" : undefined);
    if (fault === "truncate") {
      // The full length is declared, half of it sent, then the connection closes.
      res.writeHead(answer.status, {
        ...(contentType ? { "content-type": contentType } : {}),
        "content-length": String(Buffer.byteLength(payload)),
        ...answer.headers,
      });
      res.write(payload.slice(0, Math.floor(payload.length / 2)));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    res.writeHead(answer.status, {
      ...(contentType ? { "content-type": contentType } : {}),
      ...answer.headers,
    });
    res.end(payload);
  }

  private takeFault(method: string, path: string): GoToFaultKind | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined ||
          (typeof f.path === "string" ? path.includes(f.path) : f.path.test(path))),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (--f.left <= 0) this.faults.splice(i, 1);
    return f.kind;
  }

  private takeFromBucket(api: string): boolean {
    const rps = this.options.requestsPerSecond;
    if (rps === undefined) return true;
    const now = performance.now();
    const b = this.buckets.get(api) ?? { level: rps, at: now };
    b.level = Math.min(rps, b.level + ((now - b.at) * rps) / 1000);
    b.at = now;
    this.buckets.set(api, b);
    if (b.level < 1) return false;
    b.level -= 1;
    return true;
  }

  /** What a hostile service repeats of the request: everything, the credential included. */
  private echo(method: string, url: string, headers: Record<string, string>, raw: string): string {
    const auth = headers.authorization ?? "";
    const credential = auth.startsWith("Basic ")
      ? Buffer.from(auth.slice(6), "base64").toString("utf8")
      : auth.replace(/^Bearer\s+/i, "");
    return (
      `Rejected ${method} ${url}; request headers: ${JSON.stringify(headers)}; request body: ${raw}; ` +
      `credential: ${credential}`
    );
  }

  /** An error answer in the shape of the API it comes from. */
  private error(api: RecordedRequest["api"], status: number, description: string): Answer {
    if (api === "token") {
      // RFC 6749 §5.2, as GoTo's token endpoint answers [S93].
      return {
        status,
        body: {
          error: status === 401 ? "invalid_client" : "invalid_request",
          error_description: description,
        },
      };
    }
    if (api === "admin") {
      // GoTo's product-API error shape (secondary [S61]).
      return { status, body: { int_err_code: REASON[status] ?? String(status), msg: description } };
    }
    switch (this.errorShape) {
      case "identity-audit":
        return {
          status,
          body: {
            error: [
              {
                code: String(status),
                description,
                // guess: the audit reports a uri; its form is not on record.
                uri: "https://developer.goto.com/",
              },
            ],
          },
        };
      case "scim1":
        return { status, body: { Errors: [{ code: String(status), description }] } };
      case "product":
        return {
          status,
          body: { int_err_code: REASON[status] ?? String(status), msg: description },
        };
      case "empty":
        return {
          status,
          headers:
            status === 401 || status === 403
              ? { "www-authenticate": 'Bearer error="invalid_token"' }
              : {},
        };
    }
  }

  private fail(api: RecordedRequest["api"], status: number, description: string): HttpFailure {
    return new HttpFailure(this.error(api, status, description));
  }

  /** JSON text; for the Admin API, BigKeys as numbers or strings (AdminGuesses.integers). */
  private serialize(value: unknown, admin: boolean): string {
    const json = JSON.stringify(value, (_k, v) =>
      v instanceof BigKey
        ? admin && this.admin.integers === "number"
          ? `\u0000${v.digits}\u0000`
          : v.digits
        : v,
    );
    return json.replace(/"\\u0000(\d+)\\u0000"/g, "$1");
  }

  private authorized(authorization: string | undefined): boolean {
    const accepted = [this.token, this.options.pat?.accessToken]
      .filter(Boolean)
      .map((t) => `Bearer ${t}`);
    return !!authorization && accepted.includes(authorization);
  }

  // ---- the token endpoint [S47][S93] -----------------------------------------------------------

  private tokenEndpoint(method: string, authorization: string | undefined, raw: string): Answer {
    const pat = this.options.pat;
    if (method !== "POST")
      return { status: 405, body: { error: "invalid_request", error_description: "POST only" } };
    const expected =
      pat && "Basic " + Buffer.from(`${pat.clientId}:${pat.clientSecret}`).toString("base64");
    if (!pat || authorization !== expected) {
      return {
        status: 401,
        body: { error: "invalid_client", error_description: "Bad client credentials" },
      };
    }
    const form = new URLSearchParams(raw);
    if (form.get("grant_type") !== "personal_access_token") {
      return {
        status: 400,
        body: { error: "unsupported_grant_type", error_description: "Unsupported grant type" },
      };
    }
    if (form.get("pat") !== pat.pat) {
      return {
        status: 400,
        body: { error: "invalid_grant", error_description: "Invalid personal access token" },
      };
    }
    // access_token, expires_in 3600, scope, token_type [S93].
    return {
      status: 200,
      body: {
        access_token: pat.accessToken,
        token_type: "Bearer",
        expires_in: 3600,
        scope: "identity:scim.org identity:",
      },
    };
  }

  // ---- the identity API [SPEC] -----------------------------------------------------------------

  private identity(
    method: string,
    path: string,
    query: URLSearchParams,
    authorization: string | undefined,
    body: unknown,
  ): Answer {
    if (!this.authorized(authorization)) throw this.fail("identity", 403, "Invalid token passed");
    if (path === "/Users") {
      if (method === "GET") return this.list(query.get("filter"));
      if (method === "POST") return this.create(body);
      throw this.fail("identity", 405, "Method not allowed");
    }
    const m = /^\/Users\/([^/]+)$/.exec(path);
    if (!m) throw this.fail("identity", 404, "Resource not found");
    const user = this.store.get(decodeURIComponent(m[1]));
    if (!user) throw this.fail("identity", 404, "User not found");
    switch (method) {
      case "GET":
        return { status: 200, body: user };
      case "DELETE":
        // 200, not 204 [SPEC]; removes the user from the organisation, not from the account.
        this.store.delete(user.id);
        return { status: 200 };
      case "PATCH":
      case "PUT": {
        const def = this.definition(body, method === "PUT");
        if (def.userName !== undefined) {
          const other = this.byUserName(def.userName);
          if (other && other.id !== user.id)
            throw this.fail("identity", 409, "Email address conflict");
          // "400: as POST" [SPEC], the domain rule included.
          this.checkDomain(def.userName);
        }
        this.merge(user, def);
        return { status: 200, body: user };
      }
      default:
        throw this.fail("identity", 405, "Method not allowed");
    }
  }

  private list(filter: string | null): Answer {
    let users = [...this.store.values()];
    if (filter !== null) {
      // eq or sw on four attributes [SPEC].
      const m =
        /^(userName|displayName|name\.givenName|name\.familyName) (eq|sw) "((?:[^"\\]|\\.)*)"$/i.exec(
          filter.trim(),
        );
      if (!m) throw this.fail("identity", 400, "Invalid filter syntax");
      const attribute = m[1].toLowerCase();
      const op = m[2].toLowerCase();
      const value = m[3].replace(/\\(.)/g, "$1").toLowerCase();
      const pick = (u: FakeUser) =>
        attribute === "username"
          ? u.userName
          : attribute === "displayname"
            ? u.displayName
            : attribute === "name.givenname"
              ? u.name.givenName
              : u.name.familyName;
      users = users.filter((u) => {
        const v = pick(u).toLowerCase();
        return op === "eq" ? v === value : v.startsWith(value);
      });
    }
    // UserCollection: lower-case resources, totalResults [SPEC][F13].
    return { status: 200, body: { resources: users, totalResults: users.length } };
  }

  private checkDomain(userName: string): void {
    const domain = userName.slice(userName.lastIndexOf("@") + 1).toLowerCase();
    if (!this.domains.includes(domain)) {
      // The spec's rule, in its words [SPEC note on POST /Users]; GoTo's exact message is not on record.
      throw this.fail(
        "identity",
        400,
        `User email domain "${domain}" must match an existing organization email domain`,
      );
    }
  }

  private create(body: unknown): Answer {
    const def = this.definition(body, true);
    const userName = def.userName!;
    this.checkDomain(userName);
    if (this.byUserName(userName)) throw this.fail("identity", 409, "Username is already in use");
    const user = this.newUser({
      userName,
      givenName: def.name!.givenName!,
      familyName: def.name!.familyName!,
      displayName: def.displayName,
      locale: def.locale,
      timezone: def.timezone,
    });
    if (this.admin.identityUsersJoinAccount) {
      for (const a of this.accounts.values()) {
        this.setAccountUser(
          {
            email: user.userName,
            firstName: user.name.givenName,
            lastName: user.name.familyName,
            licenseKeys: [],
          },
          a.account.key,
        );
      }
    }
    return { status: 201, body: user, headers: { location: user.meta.location } };
  }

  /** Validates a UserDefinition with the limits GoTo documents [SPEC]; `full` for POST and PUT. */
  private definition(body: unknown, full: boolean): FakeUserPatch {
    const fail = (d: string) => this.fail("identity", 400, d);
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw fail("Invalid request body");
    const b = body as Record<string, unknown>;
    for (const [k, v] of Object.entries(b)) {
      if (!USER_ATTRIBUTES.has(k)) throw fail(`Unknown attribute ${k}`);
      if (v === null) throw fail(`${k} must not be null`);
    }
    const str = (v: unknown, what: string, max?: number, required = false): string | undefined => {
      if (v === undefined) {
        if (required) throw fail(`${what} is required`);
        return undefined;
      }
      if (typeof v !== "string" || v.trim() === "")
        throw fail(`${what} must be a non-empty string`);
      if (max !== undefined && v.length > max)
        throw fail(`${what} must be at most ${max} characters`);
      return v;
    };
    const userName = str(b.userName, "userName", 128, full);
    if (userName !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(userName)) {
      throw fail("userName must be an email address");
    }
    let name: FakeUserPatch["name"];
    if (b.name !== undefined || full) {
      const n = b.name as Record<string, unknown> | undefined;
      if (!n || typeof n !== "object") throw fail("name is required");
      for (const k of Object.keys(n)) {
        if (k !== "givenName" && k !== "familyName") throw fail(`Unknown attribute name.${k}`);
      }
      name = {
        givenName: str(n.givenName, "name.givenName", 60, full),
        familyName: str(n.familyName, "name.familyName", 60, full),
      };
    }
    const locale = str(b.locale, "locale");
    if (locale !== undefined && !/^[a-z]{2}(_[A-Z]{2})?$/.test(locale))
      throw fail("Invalid locale");
    const timezone = str(b.timezone, "timezone");
    if (timezone !== undefined) {
      try {
        new Intl.DateTimeFormat("en", { timeZone: timezone });
      } catch {
        throw fail("Invalid timezone");
      }
    }
    const out: FakeUserPatch = {};
    if (userName !== undefined) out.userName = userName;
    if (name !== undefined) out.name = name;
    const displayName = str(b.displayName, "displayName");
    if (displayName !== undefined) out.displayName = displayName;
    if (locale !== undefined) out.locale = locale;
    if (timezone !== undefined) out.timezone = timezone;
    return out;
  }

  private byUserName(userName: string): FakeUser | undefined {
    const wanted = userName.toLowerCase();
    return [...this.store.values()].find((u) => u.userName.toLowerCase() === wanted);
  }

  private newUser(u: NewFakeUser): FakeUser {
    const id = String(this.nextKey++);
    const meta: FakeUser["meta"] = { location: `${this.url}/Users/${id}` };
    if (u.created !== null) meta.created = u.created ?? new Date().toISOString();
    const user: FakeUser = {
      id,
      userName: u.userName,
      // guess: GoTo derives a missing displayName from the names; the form is not documented.
      displayName: u.displayName ?? `${u.givenName} ${u.familyName}`,
      locale: u.locale ?? DEFAULT_LOCALE,
      timezone: u.timezone ?? DEFAULT_TIMEZONE,
      name: { givenName: u.givenName, familyName: u.familyName },
      meta,
    };
    this.store.set(id, user);
    return user;
  }

  private merge(user: FakeUser, p: FakeUserPatch): void {
    if (p.userName !== undefined) user.userName = p.userName;
    if (p.displayName !== undefined) user.displayName = p.displayName;
    if (p.locale !== undefined) user.locale = p.locale;
    if (p.timezone !== undefined) user.timezone = p.timezone;
    if (p.name?.givenName !== undefined) user.name.givenName = p.name.givenName;
    if (p.name?.familyName !== undefined) user.name.familyName = p.name.familyName;
  }

  // ---- the Admin API (facts §3c) ---------------------------------------------------------------

  private accountUserByEmail(users: Map<string, FakeAccountUser>, email: string) {
    const wanted = email.toLowerCase();
    return [...users.values()].find((u) => u.email.toLowerCase() === wanted);
  }

  private adminUserView(u: FakeAccountUser): Record<string, unknown> {
    const view: Record<string, unknown> = {
      key: new BigKey(u.key),
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
    };
    if (this.admin.listsUserLicenses) view.licenseKeys = u.licenseKeys.map((k) => new BigKey(k));
    return view;
  }

  private adminApi(
    method: string,
    path: string,
    query: URLSearchParams,
    authorization: string | undefined,
    body: unknown,
  ): Answer {
    // A bad token: the product-API shape (secondary [S61]).
    if (!this.authorized(authorization)) throw this.fail("admin", 403, "Invalid token passed");
    if (path === "/me" && method === "GET") {
      // accounts[] with key and name [S54].
      return {
        status: 200,
        body: {
          accounts: [...this.accounts.values()].map((a) => ({
            key: new BigKey(a.account.key),
            name: a.account.name,
          })),
        },
      };
    }
    const m = /^\/accounts\/([^/]+)(\/licenses|\/users(?:\/([^/]+))?)$/.exec(path);
    const account = m ? this.accounts.get(m[1]) : undefined;
    if (!m || !account) throw this.fail("admin", 404, "Not found");
    if (m[2] === "/licenses" && method === "GET") {
      // results[] of {key, products[]} (secondary [S56][S94]).
      return {
        status: 200,
        body: {
          results: account.account.licenses.map((l) => ({
            key: new BigKey(l.key),
            products: l.products,
          })),
        },
      };
    }
    if (m[2] === "/users" && method === "GET") {
      // filter=email eq "x" → {results[], total} (secondary [S56]).
      const f = /^email eq "((?:[^"\\]|\\.)*)"$/.exec((query.get("filter") ?? "").trim());
      const all = [...account.users.values()];
      const users = f
        ? all.filter((u) => u.email.toLowerCase() === f[1].replace(/\\(.)/g, "$1").toLowerCase())
        : all;
      return {
        status: 200,
        body: { results: users.map((u) => this.adminUserView(u)), total: users.length },
      };
    }
    if (m[2] === "/users" && method === "POST") return this.adminCreateUsers(account, body);
    if (m[3] !== undefined && method === "PUT") {
      // licenseKeys in the body (secondary [S94]).
      const user = account.users.get(m[3]);
      if (!user) throw this.fail("admin", 404, "User not found");
      const keys = this.licenceKeysIn(account.account, body);
      user.licenseKeys =
        this.admin.putLicenseKeys === "replace"
          ? keys
          : [...new Set([...user.licenseKeys, ...keys])];
      // guess: the status and body of this PUT are not on record; the third-party client expects 200.
      return { status: 200 };
    }
    throw this.fail("admin", 405, "Method not allowed");
  }

  private licenceKeysIn(account: FakeAccount, body: unknown): string[] {
    const raw = (body as { licenseKeys?: unknown } | null)?.licenseKeys;
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw this.fail("admin", 400, "licenseKeys must be a list");
    const keys = raw.map((k) => (typeof k === "number" ? String(k) : k));
    for (const k of keys) {
      if (typeof k !== "string" || !account.licenses.some((l) => l.key === k)) {
        throw this.fail("admin", 400, `Unknown license ${String(k)}`);
      }
    }
    return keys as string[];
  }

  private adminCreateUsers(
    account: { account: FakeAccount; users: Map<string, FakeAccountUser> },
    body: unknown,
  ): Answer {
    // {users:[{email,firstName,lastName}], suppressEmail} [S55]; licenseKeys (secondary [S56]).
    const b = body as { users?: unknown } | null;
    if (!b || !Array.isArray(b.users) || b.users.length === 0)
      throw this.fail("admin", 400, "users is required");
    const keys = this.licenceKeysIn(account.account, body);
    const out: { key: BigKey; email: string }[] = [];
    for (const u of b.users as { email?: unknown; firstName?: unknown; lastName?: unknown }[]) {
      if (typeof u?.email !== "string") throw this.fail("admin", 400, "email is required");
      let user = this.accountUserByEmail(account.users, u.email);
      if (user) {
        if (this.admin.postLicensesForExisting === "apply") {
          user.licenseKeys = [...new Set([...user.licenseKeys, ...keys])];
        }
      } else {
        user = {
          key: String(this.nextAdminKey++),
          email: u.email,
          firstName: typeof u.firstName === "string" ? u.firstName : "",
          lastName: typeof u.lastName === "string" ? u.lastName : "",
          licenseKeys: [...keys],
        };
        account.users.set(user.key, user);
      }
      // {key, email} for new and existing users alike [S55].
      out.push({ key: new BigKey(user.key), email: user.email });
    }
    // guess: 200 (the third-party client expects 200) and the list's container.
    return { status: 200, body: this.admin.createUsersAnswer === "array" ? out : { users: out } };
  }
}

/** Another origin, the target of a redirect fault: it answers anything with a created user. */
export async function startForeignOrigin(): Promise<{
  url: string;
  requests: { method: string; url: string; authorization?: string }[];
  stop(): Promise<void>;
}> {
  const requests: { method: string; url: string; authorization?: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      authorization: req.headers.authorization,
    });
    res.writeHead(201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "666",
        userName: "ada@example.com",
        meta: { created: new Date().toISOString() },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
