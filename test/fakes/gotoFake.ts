// A stateful stand-in for GoTo's identity API (SCIM 1.x-style, as its published contract describes
// it) and its OAuth token endpoint, on 127.0.0.1. It enforces what the provider must cope with:
// 403 for a bad token, 409 for a userName in use, the verified-domain rule, the documented filter
// grammar, a token-bucket rate limit, and injected faults (throttling, gateway errors, lost responses).
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface GoToFakeOptions {
  /** Bearer token the API accepts; any other (or none) → 403 "Invalid token passed". Default "test-goto-token". */
  token?: string;
  /** E-mail domains a new user may have. Default ["example.com"]. */
  verifiedDomains?: string[];
  /** 429 above this rate: token bucket with capacity = rps, refilled at rps per second. Default unlimited. */
  requestsPerSecond?: number;
  /** Latency added to every answer, ms. Default 0. */
  latencyMs?: number;
  /** Retry-After (seconds, string) sent with 429. Default "0.05" so tests stay fast. */
  retryAfter?: string;
  /** Enables the personal-access-token exchange at tokenUrl; its accessToken is then accepted too. */
  pat?: { clientId: string; clientSecret: string; pat: string; accessToken: string };
}

/** A fault applied to the next `times` matching requests, then removed. */
export interface GoToFault {
  /** e.g. "POST"; default any. */
  method?: string;
  /** Substring of, or regex against, the path after /identity/v1 (the token endpoint is "/oauth/token"). */
  path?: string | RegExp;
  kind:
    | {
        status: 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500 | 502 | 503 | 504;
        /** Sent with 429 by default (the fake's retryAfter); null → no header. */
        retryAfter?: string | null;
        /** Answer body instead of the SCIM error (e.g. a stale, empty search result with 200). */
        body?: unknown;
      }
    /** Destroy the socket before doing anything (the request had no effect). */
    | "reset"
    /** Never answer (until stop()); the client has to time out. */
    | "hang"
    /** Apply the request, then destroy the socket: the effect happened, the answer is lost. */
    | "reset-after-commit";
  /** Default 1. */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path after /identity/v1, or "/oauth/token" for the token endpoint. */
  path: string;
  /** Raw query string without "?" ("" when none), e.g. the encoded filter. */
  query: string;
  body: unknown;
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
  meta: { created: string; location: string };
}

export interface NewFakeUser {
  userName: string;
  givenName: string;
  familyName: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  /** meta.created; default now. */
  created?: string;
}

export interface FakeUserPatch {
  userName?: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  name?: { givenName?: string; familyName?: string };
}

const API_PREFIX = "/identity/v1";
const TOKEN_PATH = "/oauth/token";
const DEFAULT_LOCALE = "en_US";
const DEFAULT_TIMEZONE = "America/Los_Angeles";
const USER_ATTRIBUTES = new Set([
  "userName",
  "displayName",
  "locale",
  "timezone",
  "name",
  "password",
]);

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpFailure extends Error {
  constructor(readonly answer: Answer) {
    super(String(answer.status));
  }
}

const scimError = (status: number, description: string): Answer => ({
  status,
  body: { Errors: [{ code: String(status), description }] },
});

const fail = (status: number, description: string) =>
  new HttpFailure(scimError(status, description));

export class GoToFake {
  readonly url: string;
  readonly tokenUrl: string;
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  /** 429 answers from the rate limit (injected 429 faults are not counted). */
  count429 = 0;

  private readonly store = new Map<string, FakeUser>();
  private readonly faults: (GoToFault & { left: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly domains: string[];
  private nextKey = 7_300_000_001;
  private bucket: number;
  private refilledAt = performance.now();

  private constructor(
    private readonly server: http.Server,
    private readonly options: GoToFakeOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${API_PREFIX}`;
    this.tokenUrl = `http://127.0.0.1:${port}${TOKEN_PATH}`;
    this.token = options.token ?? "test-goto-token";
    this.domains = (options.verifiedDomains ?? ["example.com"]).map((d) => d.toLowerCase());
    this.bucket = options.requestsPerSecond ?? Infinity;
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
    const user = this.newUser(u);
    return structuredClone(user);
  }

  /** Removes a user out of band; false when the key is unknown. */
  removeUser(key: string): boolean {
    return this.store.delete(key);
  }

  /** Changes a user out of band (drift). */
  patchUser(key: string, partial: FakeUserPatch): FakeUser {
    const user = this.store.get(key);
    if (!user) throw new Error(`GoToFake.patchUser: no user ${key}`);
    this.merge(user, partial);
    return structuredClone(user);
  }

  /** Revokes every access token minted so far: the exchange now hands out (and the API accepts) this one. */
  setPatAccessToken(accessToken: string): void {
    if (!this.options.pat) throw new Error("GoToFake.setPatAccessToken: started without pat");
    this.options.pat = { ...this.options.pat, accessToken };
  }

  inject(fault: GoToFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  resetRequests(): void {
    this.requests.length = 0;
    this.count429 = 0;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const target = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const isToken = target.pathname === TOKEN_PATH;
    const path = isToken
      ? TOKEN_PATH
      : target.pathname.startsWith(API_PREFIX)
        ? target.pathname.slice(API_PREFIX.length)
        : target.pathname;
    let body: unknown = raw;
    if (raw && (req.headers["content-type"] ?? "").includes("json")) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const record: RecordedRequest = {
      method,
      path,
      query: target.search.slice(1),
      body,
      status: -1,
    };
    this.requests.push(record);

    const fault = this.takeFault(method, path);
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "hang") return;

    // Throttling is decided on arrival, as a gateway does; the token endpoint is a different API.
    let answer: Answer | undefined;
    if (typeof fault === "object") {
      const retryAfter =
        fault.retryAfter === undefined
          ? fault.status === 429
            ? (this.options.retryAfter ?? "0.05")
            : undefined
          : (fault.retryAfter ?? undefined);
      answer = {
        ...(fault.body !== undefined
          ? { status: fault.status, body: fault.body }
          : scimError(
              fault.status,
              fault.status === 429 ? "Too many requests" : `HTTP ${fault.status}`,
            )),
        headers: retryAfter === undefined ? {} : { "retry-after": retryAfter },
      };
    } else if (!isToken && !this.takeFromBucket()) {
      this.count429++;
      answer = {
        ...scimError(429, "Too many requests"),
        headers: { "retry-after": this.options.retryAfter ?? "0.05" },
      };
    }

    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));

    if (!answer) {
      try {
        answer = isToken
          ? this.tokenEndpoint(method, req.headers.authorization, raw)
          : this.api(method, path, target.searchParams, req.headers.authorization, body);
      } catch (err) {
        if (!(err instanceof HttpFailure)) throw err;
        answer = err.answer;
      }
    }
    if (fault === "reset-after-commit") return void req.socket.destroy();

    record.status = answer.status;
    const payload = answer.body === undefined ? "" : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(payload ? { "content-type": "application/json" } : {}),
      ...answer.headers,
    });
    res.end(payload);
  }

  private takeFault(method: string, path: string): GoToFault["kind"] | undefined {
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

  private takeFromBucket(): boolean {
    const rps = this.options.requestsPerSecond;
    if (rps === undefined) return true;
    const now = performance.now();
    this.bucket = Math.min(rps, this.bucket + ((now - this.refilledAt) * rps) / 1000);
    this.refilledAt = now;
    if (this.bucket < 1) return false;
    this.bucket -= 1;
    return true;
  }

  private tokenEndpoint(method: string, authorization: string | undefined, raw: string): Answer {
    const pat = this.options.pat;
    if (method !== "POST") return { status: 405, body: { error: "method_not_allowed" } };
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
    return {
      status: 200,
      body: {
        access_token: pat.accessToken,
        token_type: "Bearer",
        expires_in: 3600,
        scope: "identity:scim.org",
      },
    };
  }

  private api(
    method: string,
    path: string,
    query: URLSearchParams,
    authorization: string | undefined,
    body: unknown,
  ): Answer {
    const accepted = [this.token, this.options.pat?.accessToken]
      .filter(Boolean)
      .map((t) => `Bearer ${t}`);
    if (!authorization || !accepted.includes(authorization)) {
      // GoTo answers a bad token with its product-API error shape.
      return { status: 403, body: { int_err_code: "InvalidToken", msg: "Invalid token passed" } };
    }
    if (path === "/Users") {
      if (method === "GET") return this.list(query.get("filter"));
      if (method === "POST") return this.create(body);
      throw fail(405, "Method not allowed");
    }
    const m = /^\/Users\/([^/]+)$/.exec(path);
    if (!m) throw fail(404, "Resource not found");
    const user = this.store.get(decodeURIComponent(m[1]));
    if (!user) throw fail(404, "User not found");
    switch (method) {
      case "GET":
        return { status: 200, body: user };
      case "DELETE":
        this.store.delete(user.id);
        return { status: 200 };
      case "PATCH":
      case "PUT": {
        const def = this.definition(body, method === "PUT");
        if (def.userName !== undefined) {
          const other = this.byUserName(def.userName);
          if (other && other.id !== user.id) throw fail(409, "Email address conflict");
        }
        this.merge(user, def);
        return { status: 200, body: user };
      }
      default:
        throw fail(405, "Method not allowed");
    }
  }

  private list(filter: string | null): Answer {
    let users = [...this.store.values()];
    if (filter !== null) {
      const m =
        /^(userName|displayName|name\.givenName|name\.familyName) (eq|sw) "((?:[^"\\]|\\.)*)"$/i.exec(
          filter.trim(),
        );
      if (!m) throw fail(400, "Invalid filter syntax");
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
    return { status: 200, body: { resources: users, totalResults: users.length } };
  }

  private create(body: unknown): Answer {
    const def = this.definition(body, true);
    const userName = def.userName!;
    const domain = userName.slice(userName.lastIndexOf("@") + 1).toLowerCase();
    if (!this.domains.includes(domain)) {
      throw fail(
        400,
        `The email domain "${domain}" does not match a verified domain of the organization`,
      );
    }
    if (this.byUserName(userName)) throw fail(409, "Username is already in use");
    const user = this.newUser({
      userName,
      givenName: def.name!.givenName!,
      familyName: def.name!.familyName!,
      displayName: def.displayName,
      locale: def.locale,
      timezone: def.timezone,
    });
    return { status: 201, body: user, headers: { location: user.meta.location } };
  }

  /** Validates a UserDefinition with the limits GoTo documents; `full` for POST and PUT. */
  private definition(body: unknown, full: boolean): FakeUserPatch {
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw fail(400, "Invalid request body");
    const b = body as Record<string, unknown>;
    for (const [k, v] of Object.entries(b)) {
      if (!USER_ATTRIBUTES.has(k)) throw fail(400, `Unknown attribute ${k}`);
      if (v === null) throw fail(400, `${k} must not be null`);
    }
    const str = (v: unknown, what: string, max?: number, required = false): string | undefined => {
      if (v === undefined) {
        if (required) throw fail(400, `${what} is required`);
        return undefined;
      }
      if (typeof v !== "string" || v.trim() === "")
        throw fail(400, `${what} must be a non-empty string`);
      if (max !== undefined && v.length > max)
        throw fail(400, `${what} must be at most ${max} characters`);
      return v;
    };
    const userName = str(b.userName, "userName", 128, full);
    if (userName !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(userName)) {
      throw fail(400, "userName must be an email address");
    }
    let name: FakeUserPatch["name"];
    if (b.name !== undefined || full) {
      const n = b.name as Record<string, unknown> | undefined;
      if (!n || typeof n !== "object") throw fail(400, "name is required");
      for (const k of Object.keys(n)) {
        if (k !== "givenName" && k !== "familyName") throw fail(400, `Unknown attribute name.${k}`);
      }
      name = {
        givenName: str(n.givenName, "name.givenName", 60, full),
        familyName: str(n.familyName, "name.familyName", 60, full),
      };
    }
    const locale = str(b.locale, "locale");
    if (locale !== undefined && !/^[a-z]{2}(_[A-Z]{2})?$/.test(locale))
      throw fail(400, "Invalid locale");
    const timezone = str(b.timezone, "timezone");
    if (timezone !== undefined) {
      try {
        new Intl.DateTimeFormat("en", { timeZone: timezone });
      } catch {
        throw fail(400, "Invalid timezone");
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
    const user: FakeUser = {
      id,
      userName: u.userName,
      displayName: u.displayName ?? `${u.givenName} ${u.familyName}`,
      locale: u.locale ?? DEFAULT_LOCALE,
      timezone: u.timezone ?? DEFAULT_TIMEZONE,
      name: { givenName: u.givenName, familyName: u.familyName },
      meta: { created: u.created ?? new Date().toISOString(), location: `${this.url}/Users/${id}` },
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
}
