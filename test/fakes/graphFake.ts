// A stateful stand-in for Microsoft Graph's synchronization API (servicePrincipals/{id}/synchronization),
// so the Graph-backed providers can be proven end to end without a tenant. It follows the v1.0 REST
// reference: job lifecycle, masked secrets replaced as a whole by PUT, schema PUT/DELETE semantics,
// Test Connection, Graph's error envelope and headers. Request bodies are checked against the CSDL
// shapes, encoded here (not loaded from the spec files) so the fake has no dependency outside the repo.
// Throttling, replication lag and lost connections happen only when a test asks for them.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import type * as MSGraph from "@microsoft/microsoft-graph-types";

export interface GraphFakeOptions {
  /** Bearer token the fake accepts; any other (or none) → 401 {error:{code:"InvalidAuthenticationToken",...}}. Default "test-graph-token". */
  token?: string;
  /** Latency added to every response, ms. Default 0. */
  latencyMs?: number;
  /** Reads (GET) of a service principal's synchronization that answer 404 Request_ResourceNotFound right after the
   *  service principal was added (replication lag). Default 0. Counted per service principal. */
  notFoundReadsAfterCreate?: number;
  /** Retry-After value (seconds, string) sent with injected 429/503. Default "0.05" so tests stay fast. */
  retryAfter?: string;
}

export type GraphFaultStatus = 429 | 502 | 503 | 504 | 403 | 404 | 409 | 500;

/** A fault applied to the next `times` matching requests, then removed. */
export interface GraphFault {
  /** e.g. "PUT"; default any. */
  method?: string;
  /** Substring or regex against the path after /v1.0 (no query string); default any. */
  path?: string | RegExp;
  kind:
    | { status: GraphFaultStatus; retryAfter?: string | null } // null → no Retry-After header
    | "reset" // destroy the socket before answering (client sees a connection reset)
    | "hang" // never answer (until stop()); client should time out
    | "reset-after-commit"; // apply the request's effect, then destroy the socket (a lost response)
  /** Default 1. */
  times?: number;
}

/** status is what was answered; -1 when no answer was sent (reset, hang, reset-after-commit). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  body: unknown;
  status: number;
}

export interface SeedTemplate {
  id: string;
  factoryTag: string;
  schema: MSGraph.SynchronizationSchema;
}

/** Graph's error code and message for each injectable status (what a client sees in error.code). */
export const INJECTED_FAULT_ERRORS: Readonly<
  Record<GraphFaultStatus, { code: string; message: string }>
> = {
  429: {
    code: "TooManyRequests",
    message: "Too many requests. Retry after the delay given in the Retry-After header.",
  },
  502: { code: "BadGateway", message: "The gateway received an invalid response." },
  503: { code: "ServiceUnavailable", message: "The service is temporarily unavailable." },
  504: { code: "GatewayTimeout", message: "The gateway timed out." },
  403: {
    code: "Authorization_RequestDenied",
    message: "Insufficient privileges to complete the operation.",
  },
  404: {
    code: "Request_ResourceNotFound",
    message:
      "Resource does not exist or one of its queried reference-property objects are not present.",
  },
  409: {
    code: "ConcurrencyViolation",
    message: "Another operation on this synchronization is in progress.",
  },
  500: { code: "InternalServerError", message: "An internal server error occurred." },
};

/** The message of a failed Test Connection; it never contains the credentials that were tested. */
export const CREDENTIAL_VALIDATION_MESSAGE =
  "Test connection failed: the application did not accept the credentials. Check them (or authorize " +
  "again in the portal) and retry.";

const NOT_FOUND_MESSAGE = (id: string) =>
  `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;

const ENTRA_DIRECTORY = "Azure Active Directory";
const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ZERO_TIME = "0001-01-01T00:00:00Z";
const THROTTLE_SCOPE =
  "Tenant_Application/ReadWrite/00000000-0000-0000-0000-00000000fa4e/00000000-0000-0000-0000-00000000a991";

interface JobState {
  job: MSGraph.SynchronizationJob;
  schema: MSGraph.SynchronizationSchema;
  template: SeedTemplate;
}

interface ServicePrincipalState {
  id: string;
  displayName: string;
  templates: SeedTemplate[];
  jobs: Map<string, JobState>;
  secrets: MSGraph.SynchronizationSecretKeyStringValuePair[];
  validCredentials?: Record<string, string>;
  laggedReads: number;
}

interface PendingFault {
  fault: GraphFault;
  left: number;
}

interface Answer {
  status: number;
  body?: unknown;
  error?: { code: string; message: string };
  headers?: Record<string, string>;
}

class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new Rejection(400, "BadRequest", message);
const notFound = (id: string) =>
  new Rejection(404, "Request_ResourceNotFound", NOT_FOUND_MESSAGE(id));

export class GraphFake {
  /** Base URL to use as graphApiUrl, e.g. "http://127.0.0.1:43121/v1.0". */
  readonly url: string;
  readonly token: string;
  /** Every request received, in order (including faulted ones, with the status answered; -1 for reset/hang). */
  readonly requests: RecordedRequest[] = [];

  private readonly options: Required<GraphFakeOptions>;
  private readonly servicePrincipals = new Map<string, ServicePrincipalState>();
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hanging = new Set<http.ServerResponse>();
  private stopped = false;

  private constructor(
    private readonly server: http.Server,
    port: number,
    options: GraphFakeOptions,
  ) {
    this.options = {
      token: options.token ?? "test-graph-token",
      latencyMs: options.latencyMs ?? 0,
      notFoundReadsAfterCreate: options.notFoundReadsAfterCreate ?? 0,
      retryAfter: options.retryAfter ?? "0.05",
    };
    this.token = this.options.token;
    this.url = `http://127.0.0.1:${port}/v1.0`;
  }

  static async start(options: GraphFakeOptions = {}): Promise<GraphFake> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const fake = new GraphFake(server, (server.address() as AddressInfo).port, options);
    server.on("connection", (socket) => {
      fake.sockets.add(socket);
      socket.on("close", () => fake.sockets.delete(socket));
    });
    server.on("request", (req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        // A bug in the fake must fail the test loudly, not hang it.
        if (!res.headersSent && !res.destroyed) {
          fake.reply(req, res, {
            status: 500,
            error: { code: "FakeInternalError", message: (err as Error).message },
          });
        }
      });
    });
    return fake;
  }

  /** Closes the server, ends hanging and delayed requests and destroys every open socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- seeding and inspection -------------------------------------------------------------

  /** Seeds an instantiated gallery app's service principal; returns its object id (a GUID).
   *  templates: the synchronization templates it offers ([] = a gallery app without provisioning, like the retired
   *  GoToMeeting connector). */
  addServicePrincipal(seed: {
    id?: string;
    displayName?: string;
    templates: SeedTemplate[];
  }): string {
    const id = seed.id ?? randomUUID();
    if (this.servicePrincipals.has(id.toLowerCase())) {
      throw new Error(`GraphFake: service principal ${id} already exists`);
    }
    this.servicePrincipals.set(id.toLowerCase(), {
      id,
      displayName: seed.displayName ?? "GoToMeeting",
      templates: structuredClone(seed.templates),
      jobs: new Map(),
      secrets: [],
      laggedReads: this.options.notFoundReadsAfterCreate,
    });
    return id;
  }

  /** Seeds a job as POST .../jobs would; returns its id ("<templateId>.<32 hex>"). */
  addJob(servicePrincipalId: string, templateId: string): string {
    const sp = this.sp(servicePrincipalId);
    const template = sp.templates.find((t) => t.id === templateId);
    if (!template) {
      throw new Error(`GraphFake: service principal ${sp.id} has no template "${templateId}"`);
    }
    return this.createJob(sp, template).job.id!;
  }

  /** Credentials validateCredentials accepts for this SP (key → value). Default: none accepted. */
  setValidCredentials(servicePrincipalId: string, credentials: Record<string, string>): void {
    this.sp(servicePrincipalId).validCredentials = { ...credentials };
  }

  /** Raw (unmasked) secrets as last PUT, or set by the portal. */
  secrets(servicePrincipalId: string): MSGraph.SynchronizationSecretKeyStringValuePair[] {
    return structuredClone(this.sp(servicePrincipalId).secrets);
  }

  /** Simulates the portal "Authorize" step: adds OAuth keys (Oauth2AccessToken, Oauth2RefreshToken,
   *  Oauth2AccessTokenCreationTime) to the secrets, keeping the others. */
  authorizeInPortal(servicePrincipalId: string): void {
    const sp = this.sp(servicePrincipalId);
    const granted: Record<string, string> = {
      Oauth2AccessToken: `portal-access-${randomBytes(12).toString("hex")}`,
      Oauth2RefreshToken: `portal-refresh-${randomBytes(12).toString("hex")}`,
      Oauth2AccessTokenCreationTime: new Date().toISOString(),
    };
    for (const [key, value] of Object.entries(granted)) {
      const existing = sp.secrets.find((s) => s.key === key);
      if (existing) existing.value = value;
      else sp.secrets.push({ key: key as MSGraph.SynchronizationSecret, value });
    }
  }

  /** The live schema of a job (deep copy). */
  schema(servicePrincipalId: string, jobId: string): MSGraph.SynchronizationSchema {
    return structuredClone(this.jobState(servicePrincipalId, jobId).schema);
  }

  /** Replaces the live schema as a portal edit would (for drift tests). Stored exactly as given,
   *  version included, so a test controls what the next GET returns. */
  setSchema(
    servicePrincipalId: string,
    jobId: string,
    schema: MSGraph.SynchronizationSchema,
  ): void {
    this.jobState(servicePrincipalId, jobId).schema = structuredClone(schema);
  }

  /** The job (deep copy, without its schema). */
  job(servicePrincipalId: string, jobId: string): MSGraph.SynchronizationJob {
    return structuredClone(this.jobState(servicePrincipalId, jobId).job);
  }

  /** Merges into the job's status, as the provisioning service or a portal action would. A code of
   *  "Paused" or "Active" also sets schedule.state to match, since pausing or starting changes both. */
  setJobStatus(
    servicePrincipalId: string,
    jobId: string,
    status: Partial<MSGraph.SynchronizationStatus>,
  ): void {
    const { job } = this.jobState(servicePrincipalId, jobId);
    job.status = { ...job.status, ...structuredClone(status) };
    if (status.code === "Paused" || status.code === "Active") {
      job.schedule = { ...job.schedule, state: status.code };
    }
  }

  /** Merges into the job's schedule without touching its status. */
  setJobSchedule(
    servicePrincipalId: string,
    jobId: string,
    schedule: Partial<MSGraph.SynchronizationSchedule>,
  ): void {
    const { job } = this.jobState(servicePrincipalId, jobId);
    job.schedule = { ...job.schedule, ...structuredClone(schedule) };
  }

  inject(fault: GraphFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`GraphFake.inject: times must be a positive integer; got ${times}`);
    }
    this.faults.push({ fault, left: times });
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const parsed = new URL(req.url ?? "/", "http://fake.invalid");
    const fullPath = parsed.pathname;
    const path =
      fullPath === "/v1.0" || fullPath.startsWith("/v1.0/") ? fullPath.slice(5) : fullPath;
    const method = (req.method ?? "GET").toUpperCase();
    let body: unknown = undefined;
    let malformed = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        malformed = true;
      }
    }
    const record: RecordedRequest = {
      method,
      path,
      query: parsed.search.slice(1),
      body,
      status: -1,
    };
    this.requests.push(record);

    const fault = this.takeFault(method, path);
    if (fault === "hang") {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return;
    }
    if (this.options.latencyMs > 0) {
      const waited = await this.delay(this.options.latencyMs);
      if (!waited) return;
    }
    if (this.stopped) return;
    if (fault === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    let answer: Answer;
    if (fault !== undefined && typeof fault === "object") {
      answer = this.faultAnswer(fault);
    } else {
      answer = this.answer(method, fullPath, path, body, malformed, req.headers.authorization);
    }
    if (fault === "reset-after-commit") {
      req.socket.resetAndDestroy();
      return;
    }
    record.status = answer.status;
    this.reply(req, res, answer);
  }

  private takeFault(method: string, path: string): GraphFault["kind"] | undefined {
    const i = this.faults.findIndex(({ fault }) => {
      if (fault.method && fault.method.toUpperCase() !== method) return false;
      if (fault.path === undefined) return true;
      if (typeof fault.path === "string") return path.includes(fault.path);
      fault.path.lastIndex = 0; // a /g or /y regex would otherwise remember the last match
      return fault.path.test(path);
    });
    if (i < 0) return undefined;
    const pending = this.faults[i];
    if (--pending.left === 0) this.faults.splice(i, 1);
    return pending.fault.kind;
  }

  private faultAnswer(kind: { status: GraphFaultStatus; retryAfter?: string | null }): Answer {
    const headers: Record<string, string> = {};
    const retryAfter =
      kind.retryAfter !== undefined
        ? kind.retryAfter
        : kind.status === 429 || kind.status === 503
          ? this.options.retryAfter
          : null;
    if (retryAfter !== null) headers["retry-after"] = retryAfter;
    if (kind.status === 429) {
      headers["x-ms-throttle-scope"] = THROTTLE_SCOPE;
      headers["x-ms-throttle-information"] = "ResourceUnitLimitExceeded";
    }
    return { status: kind.status, error: { ...INJECTED_FAULT_ERRORS[kind.status] }, headers };
  }

  private delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(!this.stopped);
      }, ms);
      this.timers.add(t);
    });
  }

  private reply(req: http.IncomingMessage, res: http.ServerResponse, answer: Answer): void {
    const requestId = randomUUID();
    const clientHeader = req.headers["client-request-id"];
    const clientRequestId =
      typeof clientHeader === "string" && clientHeader ? clientHeader : requestId;
    const headers: Record<string, string> = {
      "request-id": requestId,
      "client-request-id": clientRequestId,
      ...answer.headers,
    };
    let payload: unknown = answer.body;
    if (answer.error) {
      payload = {
        error: {
          code: answer.error.code,
          message: answer.error.message,
          innerError: {
            date: new Date().toISOString().slice(0, 19),
            "request-id": requestId,
            "client-request-id": clientRequestId,
          },
        },
      };
    }
    if (payload === undefined) {
      res.writeHead(answer.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(payload);
    headers["content-type"] =
      "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(answer.status, headers);
    res.end(text);
  }

  // ---- routes -------------------------------------------------------------------------------

  private answer(
    method: string,
    fullPath: string,
    path: string,
    body: unknown,
    malformed: boolean,
    authorization: string | undefined,
  ): Answer {
    const auth = /^Bearer\s+(.*)$/i.exec(authorization ?? "");
    const presented = auth ? auth[1].trim() : "";
    if (presented === "" || presented !== this.options.token) {
      return {
        status: 401,
        error: {
          code: "InvalidAuthenticationToken",
          message: presented === "" ? "Access token is empty." : "Access token validation failure.",
        },
        headers: { "www-authenticate": 'Bearer realm="", error="invalid_token"' },
      };
    }
    try {
      return this.route(method, fullPath, path, body, malformed);
    } catch (err) {
      if (err instanceof Rejection) {
        return { status: err.status, error: { code: err.code, message: err.message } };
      }
      throw err;
    }
  }

  private route(
    method: string,
    fullPath: string,
    path: string,
    body: unknown,
    malformed: boolean,
  ): Answer {
    let segments: string[];
    try {
      segments = path
        .replace(/\/+$/, "")
        .split("/")
        .slice(1)
        .map((segment) => decodeURIComponent(segment));
    } catch {
      segments = [];
    }
    const unsupported = badRequest(`Unsupported request: ${method} ${fullPath}`);
    if (
      !fullPath.startsWith("/v1.0/") ||
      segments.length < 4 ||
      segments[0] !== "servicePrincipals" ||
      segments[2] !== "synchronization"
    ) {
      throw unsupported;
    }
    const rest = segments.slice(3);
    const handler = this.pickHandler(method, rest);
    if (!handler) throw unsupported;

    const spId = segments[1];
    const sp = this.servicePrincipals.get(spId.toLowerCase());
    if (!sp) throw notFound(spId);
    if (method === "GET" && sp.laggedReads > 0) {
      sp.laggedReads--;
      throw notFound(spId);
    }
    if (malformed) throw badRequest("Invalid request body: not a valid JSON document.");
    let state: JobState | undefined;
    if (rest[0] === "jobs" && rest.length >= 2 && rest[1] !== "validateCredentials") {
      state = sp.jobs.get(rest[1]);
      if (!state) throw notFound(rest[1]);
    }
    return handler(sp, state, body);
  }

  private pickHandler(
    method: string,
    rest: string[],
  ): ((sp: ServicePrincipalState, job: JobState | undefined, body: unknown) => Answer) | undefined {
    // The job id is the only variable segment; "jobs/validateCredentials" is the collection-bound action.
    const shape = rest
      .map((s, i) => (i === 1 && rest[0] === "jobs" && s !== "validateCredentials" ? "{job}" : s))
      .join("/");
    const key = `${method} ${shape}`;
    switch (key) {
      case "GET templates":
        return (sp) => ({
          status: 200,
          body: {
            "@odata.context": this.context(sp, "synchronization/templates"),
            value: sp.templates.map((t) => ({
              id: t.id,
              factoryTag: t.factoryTag,
              schema: structuredClone(t.schema),
            })),
          },
        });
      case "GET secrets":
        return (sp) => ({
          status: 200,
          body: {
            "@odata.context": this.context(sp, "synchronization/secrets"),
            value: sp.secrets.map((s) => ({
              key: s.key,
              value: s.key === "SyncNotificationSettings" || s.key === "SyncAll" ? s.value : "*",
            })),
          },
        });
      case "PUT secrets":
        return (sp, _job, body) => {
          sp.secrets = checkSecretsBody(body);
          return { status: 204 };
        };
      case "GET jobs":
        return (sp) => ({
          status: 200,
          body: {
            "@odata.context": this.context(sp, "synchronization/jobs"),
            value: [...sp.jobs.values()].map((j) => structuredClone(j.job)),
          },
        });
      case "POST jobs":
        return (sp, _job, body) => {
          const templateId = checkCreateJobBody(body, sp.templates);
          const template = sp.templates.find((t) => t.id === templateId)!;
          const created = this.createJob(sp, template);
          return {
            status: 201,
            body: {
              "@odata.context": this.context(sp, "synchronization/jobs/$entity"),
              ...structuredClone(created.job),
            },
          };
        };
      case "POST jobs/validateCredentials":
        return (sp, _job, body) => {
          const templateId = checkValidateCredentialsBody(body).templateId;
          if (typeof templateId !== "string" || !sp.templates.some((t) => t.id === templateId)) {
            throw badRequest(
              `Invalid request body: templateId: required; must name one of this service principal's ` +
                `templates (${listOrNone(sp.templates.map((t) => t.id))})`,
            );
          }
          return this.validateCredentials(sp, body);
        };
      case "GET jobs/{job}":
        return (sp, job) => ({
          status: 200,
          body: {
            "@odata.context": this.context(sp, "synchronization/jobs/$entity"),
            ...structuredClone(job!.job),
          },
        });
      case "DELETE jobs/{job}":
        return (sp, job) => {
          sp.jobs.delete(job!.job.id!);
          return { status: 204 };
        };
      case "POST jobs/{job}/start":
        return (_sp, job) => {
          const j = job!.job;
          // Graph's start resumes a paused job and clears a quarantine.
          j.schedule = { ...j.schedule, state: "Active" };
          j.status = { ...j.status, code: "Active", quarantine: null };
          return { status: 204 };
        };
      case "POST jobs/{job}/pause":
        return (_sp, job) => {
          const j = job!.job;
          j.schedule = { ...j.schedule, state: "Paused" };
          j.status = { ...j.status, code: "Paused" };
          return { status: 204 };
        };
      case "POST jobs/{job}/restart":
        return (_sp, job, body) => {
          const scope = checkRestartBody(body);
          const j = job!.job;
          // An empty scope is the portal's "Restart provisioning", which includes QuarantineState.
          const clearsQuarantine =
            scope.length === 0 || scope.includes("QuarantineState") || scope.includes("Full");
          if (clearsQuarantine) {
            const code: MSGraph.SynchronizationStatusCode =
              j.status?.code !== "Quarantine"
                ? (j.status?.code ?? "NotConfigured")
                : j.schedule?.state === "Active"
                  ? "Active"
                  : j.schedule?.state === "Paused"
                    ? "Paused"
                    : "NotRun";
            j.status = { ...j.status, code, quarantine: null };
          }
          if (scope.includes("Escrows") || scope.includes("Full")) {
            j.status = { ...j.status, escrowsPruned: true };
          }
          return { status: 204 };
        };
      case "POST jobs/{job}/validateCredentials":
        return (sp, _job, body) => {
          checkValidateCredentialsBody(body);
          return this.validateCredentials(sp, body);
        };
      case "GET jobs/{job}/schema":
        return (sp, job) => ({
          status: 200,
          body: {
            "@odata.context": this.context(
              sp,
              `synchronization/jobs('${job!.job.id}')/schema/$entity`,
            ),
            ...structuredClone(job!.schema),
          },
        });
      case "PUT jobs/{job}/schema":
        return (_sp, job, body) => {
          const checked = checkSchemaBody(body, job!.template);
          job!.schema = {
            ...checked,
            id: job!.schema.id,
            version: bumpVersion(job!.schema.version),
          };
          return { status: 204 };
        };
      case "DELETE jobs/{job}/schema":
        return (_sp, job) => {
          job!.schema = structuredClone(job!.template.schema);
          return { status: 204 };
        };
      default:
        return undefined;
    }
  }

  private validateCredentials(sp: ServicePrincipalState, body: unknown): Answer {
    const request = body as {
      useSavedCredentials?: boolean | null;
      credentials?: MSGraph.SynchronizationSecretKeyStringValuePair[];
    };
    let accepted: boolean;
    if (request.useSavedCredentials === true) {
      const saved = new Map(sp.secrets.map((s) => [s.key as string, s.value ?? ""]));
      // An OAuth connector's saved authorization is the access token the portal's Authorize stored.
      accepted = Boolean(saved.get("Oauth2AccessToken")) || matches(sp.validCredentials, saved);
    } else {
      if (!request.credentials) {
        throw badRequest(
          "Invalid request body: credentials: required unless useSavedCredentials is true",
        );
      }
      accepted = matches(
        sp.validCredentials,
        new Map(request.credentials.map((c) => [c.key as string, c.value ?? ""])),
      );
    }
    if (!accepted) {
      throw new Rejection(400, "CredentialValidationUnavailable", CREDENTIAL_VALIDATION_MESSAGE);
    }
    return { status: 204 };
  }

  private createJob(sp: ServicePrincipalState, template: SeedTemplate): JobState {
    const id = `${template.id}.${randomBytes(16).toString("hex")}`;
    const state: JobState = {
      template,
      schema: structuredClone(template.schema),
      job: {
        id,
        templateId: template.id,
        schedule: { expiration: null, interval: "PT40M", state: "Disabled" },
        status: {
          code: "NotConfigured",
          countSuccessiveCompleteFailures: 0,
          escrowsPruned: false,
          lastExecution: null,
          lastSuccessfulExecution: null,
          lastSuccessfulExecutionWithExports: null,
          progress: [],
          quarantine: null,
          steadyStateFirstAchievedTime: ZERO_TIME,
          steadyStateLastAchievedTime: ZERO_TIME,
          synchronizedEntryCountByType: [],
          troubleshootingUrl: null,
        },
        synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
      },
    };
    sp.jobs.set(id, state);
    return state;
  }

  private context(sp: ServicePrincipalState, tail: string): string {
    return `${this.url}/$metadata#servicePrincipals('${sp.id}')/${tail}`;
  }

  private sp(id: string): ServicePrincipalState {
    const sp = this.servicePrincipals.get(id.toLowerCase());
    if (!sp) throw new Error(`GraphFake: no service principal ${id}`);
    return sp;
  }

  private jobState(servicePrincipalId: string, jobId: string): JobState {
    const state = this.sp(servicePrincipalId).jobs.get(jobId);
    if (!state)
      throw new Error(`GraphFake: no job ${jobId} on service principal ${servicePrincipalId}`);
    return state;
  }
}

function matches(valid: Record<string, string> | undefined, given: Map<string, string>): boolean {
  const expected = Object.entries(valid ?? {});
  return expected.length > 0 && expected.every(([key, value]) => given.get(key) === value);
}

function listOrNone(names: string[]): string {
  return names.length ? names.join(", ") : "none";
}

/** Graph updates the version on every write; only its change matters to clients. */
function bumpVersion(version: string | null | undefined): string {
  if (!version) return "1";
  const m = /(\d+)$/.exec(version);
  return m ? version.slice(0, m.index) + String(Number(m[1]) + 1) : `${version}~1`;
}

// ---- request-body validation (shapes from Graph's v1.0 CSDL) -------------------------------------

const SECRET_KEYS: readonly string[] = [
  "None",
  "UserName",
  "Password",
  "SecretToken",
  "AppKey",
  "BaseAddress",
  "ClientIdentifier",
  "ClientSecret",
  "SingleSignOnType",
  "Sandbox",
  "Url",
  "Domain",
  "ConsumerKey",
  "ConsumerSecret",
  "TokenKey",
  "TokenExpiration",
  "Oauth2AccessToken",
  "Oauth2AccessTokenCreationTime",
  "Oauth2RefreshToken",
  "SyncAll",
  "InstanceName",
  "Oauth2ClientId",
  "Oauth2ClientSecret",
  "CompanyId",
  "UpdateKeyOnSoftDelete",
  "SynchronizationSchedule",
  "SystemOfRecord",
  "SandboxName",
  "EnforceDomain",
  "SyncNotificationSettings",
  "SkipOutOfScopeDeletions",
  "Oauth2AuthorizationCode",
  "Oauth2RedirectUri",
  "ApplicationTemplateIdentifier",
  "Oauth2TokenExchangeUri",
  "Oauth2AuthorizationUri",
  "AuthenticationType",
  "Server",
  "PerformInboundEntitlementGrants",
  "HardDeletesEnabled",
  "SyncAgentCompatibilityKey",
  "SyncAgentADContainer",
  "ValidateDomain",
  "TestReferences",
  "ConnectionString",
];
const SOURCE_TYPES = ["Attribute", "Constant", "Function"] as const;
const FLOW_TYPES = [
  "Always",
  "ObjectAddOnly",
  "MultiValueAddOnly",
  "ValueAddOnly",
  "AttributeAddOnly",
] as const;
const FLOW_BEHAVIORS = ["FlowWhenChanged", "FlowAlways"] as const;
const OBJECT_FLOW_TYPES = ["None", "Add", "Update", "Delete"] as const;
const OBJECT_MAPPING_METADATA = [
  "EscrowBehavior",
  "DisableMonitoringForChanges",
  "OriginalJoiningProperty",
  "Disposition",
  "IsCustomerDefined",
  "ExcludeFromReporting",
  "Unsynchronized",
] as const;
const OBJECT_DEFINITION_METADATA = [
  "PropertyNameAccountEnabled",
  "PropertyNameSoftDeleted",
  "IsSoftDeletionSupported",
  "IsSynchronizeAllSupported",
  "ConnectorDataStorageRequired",
  "Extensions",
  "BaseObjectName",
] as const;
const ATTRIBUTE_DEFINITION_METADATA = [
  "BaseAttributeName",
  "ComplexObjectDefinition",
  "IsContainer",
  "IsCustomerDefined",
  "IsDomainQualified",
  "LinkPropertyNames",
  "LinkTypeName",
  "MaximumLength",
  "ReferencedProperty",
] as const;
const ATTRIBUTE_TYPES = [
  "String",
  "Integer",
  "Reference",
  "Binary",
  "Boolean",
  "DateTime",
] as const;
const MUTABILITIES = ["ReadWrite", "ReadOnly", "Immutable", "WriteOnly"] as const;
const DISCOVERABILITIES = [
  "None",
  "AttributeNames",
  "AttributeDataTypes",
  "AttributeReadOnly",
  "ReferenceAttributes",
  "UnknownFutureValue",
] as const;
const RESTART_SCOPES = [
  "None",
  "ConnectorDataStore",
  "Escrows",
  "Watermark",
  "QuarantineState",
  "Full",
  "ForceDeletes",
] as const;
const MAX_EXPRESSION_LENGTH = 10_000;
const INT32_MAX = 2_147_483_647;

const SCHEMA_PROPS = ["id", "version", "synchronizationRules", "directories"];
const DIRECTORY_PROPS = [
  "id",
  "discoverabilities",
  "discoveryDateTime",
  "name",
  "objects",
  "readOnly",
  "version",
];
const OBJECT_PROPS = ["attributes", "metadata", "name", "supportedApis"];
const ATTRIBUTE_PROPS = [
  "anchor",
  "apiExpressions",
  "caseExact",
  "defaultValue",
  "flowNullValues",
  "metadata",
  "multivalued",
  "mutability",
  "name",
  "referencedObjects",
  "required",
  "type",
];
const RULE_PROPS = [
  "containerFilter",
  "editable",
  "groupFilter",
  "id",
  "metadata",
  "name",
  "objectMappings",
  "priority",
  "sourceDirectoryName",
  "targetDirectoryName",
];
const OBJECT_MAPPING_PROPS = [
  "attributeMappings",
  "enabled",
  "flowTypes",
  "metadata",
  "name",
  "scope",
  "sourceObjectName",
  "targetObjectName",
];
const ATTRIBUTE_MAPPING_PROPS = [
  "defaultValue",
  "exportMissingReferences",
  "flowBehavior",
  "flowType",
  "matchingPriority",
  "source",
  "targetAttributeName",
];
const SOURCE_PROPS = ["expression", "name", "parameters", "type"];

type Obj = Record<string, unknown>;

const invalid = (where: string, reason: string) =>
  badRequest(`Invalid request body: ${where}: ${reason}`);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const at = (base: string, key: string | number) =>
  typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key;

/** OData instance annotations ("@odata.context", "x@odata.type") are metadata, not properties. */
const isAnnotation = (key: string) => key.includes("@");

function object(v: unknown, where: string, type: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) throw invalid(where || "(body)", `must be a JSON object (${type})`);
  for (const key of Object.keys(v)) {
    if (!isAnnotation(key) && !allowed.includes(key)) {
      throw invalid(at(where, key), `unknown property; ${type} has ${allowed.join(", ")}`);
    }
  }
  return v;
}

function array(o: Obj, key: string, where: string, required: boolean): unknown[] {
  const v = o[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) {
    throw invalid(at(where, key), required ? "required; must be an array" : "must be an array");
  }
  return v;
}

function string(o: Obj, key: string, where: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(at(where, key), "required; must be a string");
    return undefined;
  }
  if (typeof v !== "string") throw invalid(at(where, key), "must be a string");
  return v;
}

function boolean(o: Obj, key: string, where: string, nullable = false): void {
  const v = o[key];
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== "boolean") throw invalid(at(where, key), "must be a boolean");
}

function int32(o: Obj, key: string, where: string): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < -INT32_MAX - 1 || v > INT32_MAX) {
    throw invalid(at(where, key), "must be a 32-bit integer");
  }
}

function enumValue(
  o: Obj,
  key: string,
  where: string,
  members: readonly string[],
  nullable: boolean,
): void {
  const v = o[key];
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== "string" || !members.includes(v)) {
    throw invalid(at(where, key), `${JSON.stringify(v)} is not one of ${members.join(", ")}`);
  }
}

/** Flags enums travel as comma-separated member names, e.g. "Add, Update, Delete". */
function flagsValue(o: Obj, key: string, where: string, members: readonly string[]): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  const parts = typeof v === "string" ? v.split(",").map((p) => p.trim()) : [];
  if (typeof v !== "string" || parts.some((p) => !members.includes(p))) {
    throw invalid(
      at(where, key),
      `${JSON.stringify(v)} is not a comma-separated list of ${members.join(", ")}`,
    );
  }
  return parts.filter((p) => p !== "");
}

function metadataEntries(o: Obj, where: string, keys: readonly string[] | undefined): void {
  array(o, "metadata", where, false).forEach((entry, i) => {
    const w = at(at(where, "metadata"), i);
    const e = object(entry, w, "metadata entry", ["key", "value"]);
    if (keys) enumValue(e, "key", w, keys, true);
    else string(e, "key", w, false);
    string(e, "value", w, false);
  });
}

function stripAnnotations<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripAnnotations) as T;
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (!isAnnotation(k)) out[k] = stripAnnotations(v);
  return out as T;
}

function checkSecretPairs(
  list: unknown[],
  where: string,
): MSGraph.SynchronizationSecretKeyStringValuePair[] {
  const seen = new Set<string>();
  return list.map((item, i) => {
    const w = at(where, i);
    const pair = object(item, w, "synchronizationSecretKeyStringValuePair", ["key", "value"]);
    // Neither the key nor the value is echoed: a client that swaps them would leak a secret here.
    if (typeof pair.key !== "string" || !SECRET_KEYS.includes(pair.key)) {
      throw invalid(
        at(w, "key"),
        "required; must be a synchronizationSecret name such as BaseAddress, SecretToken, " +
          "SyncNotificationSettings or SyncAll",
      );
    }
    if (typeof pair.value !== "string") throw invalid(at(w, "value"), "required; must be a string");
    if (seen.has(pair.key)) throw invalid(at(w, "key"), `${pair.key} appears more than once`);
    seen.add(pair.key);
    return { key: pair.key as MSGraph.SynchronizationSecret, value: pair.value };
  });
}

function checkSecretsBody(body: unknown): MSGraph.SynchronizationSecretKeyStringValuePair[] {
  const o = object(body, "", "secrets collection ({value:[{key,value}]})", ["value"]);
  return checkSecretPairs(array(o, "value", "", true), "value");
}

function checkCreateJobBody(body: unknown, templates: SeedTemplate[]): string {
  const o = object(body, "", "synchronizationJob", ["templateId"]);
  const templateId = string(o, "templateId", "", false);
  if (templateId === undefined || !templates.some((t) => t.id === templateId)) {
    throw invalid(
      "templateId",
      `required; must name one of this service principal's synchronization templates ` +
        `(${listOrNone(templates.map((t) => t.id))})`,
    );
  }
  return templateId;
}

function checkValidateCredentialsBody(body: unknown): Obj {
  const o = object(body ?? {}, "", "validateCredentials parameters", [
    "useSavedCredentials",
    "credentials",
    "applicationIdentifier",
    "templateId",
  ]);
  boolean(o, "useSavedCredentials", "", true);
  string(o, "applicationIdentifier", "", false);
  string(o, "templateId", "", false);
  if (o.credentials !== undefined && o.credentials !== null) {
    checkSecretPairs(array(o, "credentials", "", true), "credentials");
  }
  return o;
}

function checkRestartBody(body: unknown): string[] {
  if (body === undefined) return [];
  const o = object(body, "", "restart parameters", ["criteria"]);
  if (o.criteria === undefined || o.criteria === null) return [];
  const criteria = object(o.criteria, "criteria", "synchronizationJobRestartCriteria", [
    "resetScope",
  ]);
  return flagsValue(criteria, "resetScope", "criteria", RESTART_SCOPES);
}

interface DirectoryIndex {
  /** directory name → object name → attribute names */
  [directory: string]: Map<string, Set<string>>;
}

function checkSchemaBody(body: unknown, template: SeedTemplate): MSGraph.SynchronizationSchema {
  const schema = object(body, "", "synchronizationSchema", SCHEMA_PROPS);
  string(schema, "id", "", false);
  string(schema, "version", "", false);

  const directories: DirectoryIndex = {};
  array(schema, "directories", "", true).forEach((d, i) => {
    const w = at("directories", i);
    const dir = object(d, w, "directoryDefinition", DIRECTORY_PROPS);
    const name = string(dir, "name", w, true)!;
    if (directories[name])
      throw invalid(at(w, "name"), `directory "${name}" appears more than once`);
    string(dir, "id", w, false);
    string(dir, "discoveryDateTime", w, false);
    string(dir, "version", w, false);
    boolean(dir, "readOnly", w);
    flagsValue(dir, "discoverabilities", w, DISCOVERABILITIES);
    const objects = new Map<string, Set<string>>();
    array(dir, "objects", w, false).forEach((ob, j) => {
      const wo = at(at(w, "objects"), j);
      const def = object(ob, wo, "objectDefinition", OBJECT_PROPS);
      const objectName = string(def, "name", wo, true)!;
      metadataEntries(def, wo, OBJECT_DEFINITION_METADATA);
      array(def, "supportedApis", wo, false);
      const names = new Set<string>();
      array(def, "attributes", wo, false).forEach((a, k) => {
        const wa = at(at(wo, "attributes"), k);
        const attr = object(a, wa, "attributeDefinition", ATTRIBUTE_PROPS);
        names.add(string(attr, "name", wa, true)!);
        for (const flag of ["anchor", "caseExact", "flowNullValues", "multivalued", "required"]) {
          boolean(attr, flag, wa);
        }
        string(attr, "defaultValue", wa, false);
        enumValue(attr, "type", wa, ATTRIBUTE_TYPES, false);
        enumValue(attr, "mutability", wa, MUTABILITIES, false);
        metadataEntries(attr, wa, ATTRIBUTE_DEFINITION_METADATA);
        array(attr, "apiExpressions", wa, false);
        array(attr, "referencedObjects", wa, false);
      });
      objects.set(objectName, names);
    });
    directories[name] = objects;
  });
  const directoryNames = Object.keys(directories);

  const templateRuleIds = (template.schema.synchronizationRules ?? [])
    .map((r) => r.id)
    .filter((id): id is string => typeof id === "string");

  array(schema, "synchronizationRules", "", true).forEach((r, i) => {
    const w = at("synchronizationRules", i);
    const rule = object(r, w, "synchronizationRule", RULE_PROPS);
    const id = string(rule, "id", w, false);
    if (id !== undefined && !templateRuleIds.includes(id)) {
      throw invalid(
        at(w, "id"),
        `"${id}" is not a rule of template "${template.id}" (${listOrNone(templateRuleIds)})`,
      );
    }
    string(rule, "name", w, true);
    boolean(rule, "editable", w);
    int32(rule, "priority", w);
    metadataEntries(rule, w, undefined);
    const directory = (key: "sourceDirectoryName" | "targetDirectoryName") => {
      const name = string(rule, key, w, true)!;
      if (!directories[name]) {
        throw invalid(
          at(w, key),
          `"${name}" is not one of the schema's directories (${listOrNone(directoryNames)})`,
        );
      }
      return { name, objects: directories[name] };
    };
    const source = directory("sourceDirectoryName");
    const target = directory("targetDirectoryName");

    array(rule, "objectMappings", w, true).forEach((m, j) => {
      const wm = at(at(w, "objectMappings"), j);
      const mapping = object(m, wm, "objectMapping", OBJECT_MAPPING_PROPS);
      string(mapping, "name", wm, false);
      boolean(mapping, "enabled", wm);
      flagsValue(mapping, "flowTypes", wm, OBJECT_FLOW_TYPES);
      metadataEntries(mapping, wm, OBJECT_MAPPING_METADATA);
      if (mapping.scope !== undefined && mapping.scope !== null) {
        const scope = object(mapping.scope, at(wm, "scope"), "filter", [
          "categoryFilterGroups",
          "groups",
          "inputFilterGroups",
        ]);
        for (const key of ["categoryFilterGroups", "groups", "inputFilterGroups"]) {
          array(scope, key, at(wm, "scope"), false);
        }
      }
      const objectOf = (key: "sourceObjectName" | "targetObjectName", dir: typeof source) => {
        const name = string(mapping, key, wm, true)!;
        const attributes = dir.objects.get(name);
        if (!attributes) {
          throw invalid(
            at(wm, key),
            `"${name}" is not an object of directory "${dir.name}" (${listOrNone([...dir.objects.keys()])})`,
          );
        }
        return { name, attributes };
      };
      const sourceObject = objectOf("sourceObjectName", source);
      const targetObject = objectOf("targetObjectName", target);

      const targets = new Set<string>();
      array(mapping, "attributeMappings", wm, true).forEach((a, k) => {
        const wa = at(at(wm, "attributeMappings"), k);
        const am = object(a, wa, "attributeMapping", ATTRIBUTE_MAPPING_PROPS);
        const targetName = string(am, "targetAttributeName", wa, true)!;
        if (!targetObject.attributes.has(targetName)) {
          throw invalid(
            at(wa, "targetAttributeName"),
            `"${targetName}" is not an attribute of object "${targetObject.name}" in directory "${target.name}"`,
          );
        }
        if (targets.has(targetName)) {
          throw invalid(
            at(wa, "targetAttributeName"),
            `"${targetName}" is mapped more than once in this object mapping`,
          );
        }
        targets.add(targetName);
        string(am, "defaultValue", wa, false);
        boolean(am, "exportMissingReferences", wa);
        enumValue(am, "flowBehavior", wa, FLOW_BEHAVIORS, false);
        enumValue(am, "flowType", wa, FLOW_TYPES, false);
        int32(am, "matchingPriority", wa);
        if (am.source !== undefined && am.source !== null) {
          checkSource(
            am.source,
            at(wa, "source"),
            sourceObject.name,
            source.name,
            sourceObject.attributes,
          );
        }
      });
    });
  });
  return stripAnnotations(schema) as MSGraph.SynchronizationSchema;
}

function checkSource(
  value: unknown,
  where: string,
  objectName: string,
  directoryName: string,
  attributes: Set<string>,
): void {
  const source = object(value, where, "attributeMappingSource", SOURCE_PROPS);
  // The CSDL makes type non-nullable with Attribute as its default.
  if (source.type === null)
    throw invalid(at(where, "type"), `must be one of ${SOURCE_TYPES.join(", ")}`);
  enumValue(source, "type", where, SOURCE_TYPES, false);
  const type = (source.type as string | undefined) ?? "Attribute";
  const name = string(source, "name", where, type === "Attribute");
  const expression = string(source, "expression", where, type === "Function");
  if (type === "Function" && expression === "") {
    throw invalid(at(where, "expression"), "must not be empty for a Function source");
  }
  if (expression !== undefined && expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalid(at(where, "expression"), `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  if (type === "Attribute" && !attributes.has(name!)) {
    throw invalid(
      at(where, "name"),
      `"${name}" is not an attribute of object "${objectName}" in directory "${directoryName}"`,
    );
  }
  array(source, "parameters", where, false).forEach((p, i) => {
    const wp = at(at(where, "parameters"), i);
    const param = object(p, wp, "stringKeyAttributeMappingSourceValuePair", ["key", "value"]);
    string(param, "key", wp, false);
    if (param.value !== undefined && param.value !== null) {
      checkSource(param.value, at(wp, "value"), objectName, directoryName, attributes);
    }
  });
}

// ---- connector templates ------------------------------------------------------------------------

export type Connector = "gotomeeting" | "goto";

const TARGET_DIRECTORY: Record<Connector, string> = { gotomeeting: "GoToMeeting", goto: "GoTo" };
const RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";

/** The Microsoft typings model flags enums as single members; Graph sends "A, B, C". */
function flags<T extends string>(...members: T[]): T {
  return members.join(", ") as T;
}

function attribute(
  name: string,
  extra: Partial<MSGraph.AttributeDefinition> = {},
): MSGraph.AttributeDefinition {
  return {
    anchor: false,
    apiExpressions: [],
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    metadata: [],
    multivalued: false,
    mutability: "ReadWrite",
    name,
    referencedObjects: [],
    required: false,
    type: "String",
    ...extra,
  };
}

function fromAttribute(name: string): MSGraph.AttributeMappingSource {
  return { expression: `[${name}]`, name, parameters: [], type: "Attribute" };
}

function constant(value: string): MSGraph.AttributeMappingSource {
  return { expression: JSON.stringify(value), name: value, parameters: [], type: "Constant" };
}

function mapping(
  targetAttributeName: string,
  source: MSGraph.AttributeMappingSource,
  matchingPriority = 0,
): MSGraph.AttributeMapping {
  return {
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: "FlowWhenChanged",
    flowType: "Always",
    matchingPriority,
    source,
    targetAttributeName,
  };
}

function objectMapping(
  target: string,
  kind: "User" | "Group",
  attributeMappings: MSGraph.AttributeMapping[],
): MSGraph.ObjectMapping {
  return {
    attributeMappings,
    enabled: true,
    flowTypes: flags<MSGraph.ObjectFlowTypes>("Add", "Update", "Delete"),
    metadata: [
      { key: "Disposition", value: "Normal" },
      { key: "EscrowBehavior", value: "Default" },
      { key: "IsCustomerDefined", value: "False" },
    ],
    name: `Synchronize Azure Active Directory ${kind}s to ${target}`,
    scope: null,
    sourceObjectName: kind,
    targetObjectName: kind,
  };
}

function entraDirectory(): MSGraph.DirectoryDefinition {
  const user: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("accountEnabled", { type: "Boolean" }),
      attribute("city"),
      attribute("companyName"),
      attribute("country"),
      attribute("department"),
      attribute("displayName"),
      attribute("employeeId"),
      attribute("employeeOrgData.costCenter"),
      attribute("employeeOrgData.division"),
      attribute("employeeType"),
      attribute("extensionAttribute1"),
      attribute("givenName"),
      attribute("IsSoftDeleted", { type: "Boolean" }),
      attribute("jobTitle"),
      attribute("mail"),
      attribute("mailNickname"),
      attribute("manager", {
        type: "Reference",
        referencedObjects: [{ referencedObjectName: "User", referencedProperty: null }],
      }),
      attribute("mobile"),
      attribute("objectId", { anchor: true, mutability: "ReadOnly" }),
      attribute("physicalDeliveryOfficeName"),
      attribute("postalCode"),
      attribute("preferredLanguage"),
      attribute("state"),
      attribute("streetAddress"),
      attribute("surname"),
      attribute("telephoneNumber"),
      attribute("usageLocation"),
      attribute("userPrincipalName", { required: true }),
      attribute("userType"),
    ],
    metadata: [
      { key: "PropertyNameAccountEnabled", value: "accountEnabled" },
      { key: "PropertyNameSoftDeleted", value: "IsSoftDeleted" },
      { key: "IsSynchronizeAllSupported", value: "true" },
    ],
    name: "User",
    supportedApis: [],
  };
  const group: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("description"),
      attribute("displayName"),
      attribute("IsSoftDeleted", { type: "Boolean" }),
      attribute("mail"),
      attribute("mailEnabled", { type: "Boolean" }),
      attribute("mailNickname"),
      attribute("members", {
        type: "Reference",
        multivalued: true,
        referencedObjects: [
          { referencedObjectName: "User", referencedProperty: null },
          { referencedObjectName: "Group", referencedProperty: null },
        ],
      }),
      attribute("objectId", { anchor: true, mutability: "ReadOnly" }),
      attribute("securityEnabled", { type: "Boolean" }),
    ],
    metadata: [{ key: "PropertyNameSoftDeleted", value: "IsSoftDeleted" }],
    name: "Group",
    supportedApis: [],
  };
  return {
    id: "8c3b5e7a-1f0d-4f44-9d5e-2a6c0b9e4d11",
    discoverabilities: flags<MSGraph.DirectoryDefinitionDiscoverabilities>(
      "AttributeNames",
      "AttributeDataTypes",
    ),
    discoveryDateTime: null,
    name: ENTRA_DIRECTORY,
    objects: [user, group],
    readOnly: false,
    version: null,
  };
}

function targetDirectory(connector: Connector): MSGraph.DirectoryDefinition {
  const user: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("userName", { required: true }),
      attribute("externalId"),
      attribute("active", { type: "Boolean" }),
      attribute("displayName"),
      attribute("name.givenName"),
      attribute("name.familyName"),
      attribute("name.formatted"),
      attribute('emails[type eq "work"].value'),
      attribute('phoneNumbers[type eq "work"].value'),
      attribute("title"),
      attribute("preferredLanguage"),
      attribute("locale"),
      attribute("timezone"),
      attribute(`${ENTERPRISE_USER}:department`),
      attribute(`${ENTERPRISE_USER}:employeeNumber`),
      attribute(`${ENTERPRISE_USER}:costCenter`),
      attribute(`${ENTERPRISE_USER}:division`),
      attribute(`${ENTERPRISE_USER}:organization`),
    ],
    metadata: [{ key: "IsSoftDeletionSupported", value: "true" }],
    name: "User",
    supportedApis: [],
  };
  const group: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("displayName", { required: true }),
      attribute("externalId"),
      attribute("members", {
        type: "Reference",
        multivalued: true,
        referencedObjects: [{ referencedObjectName: "User", referencedProperty: null }],
      }),
    ],
    metadata: [],
    name: "Group",
    supportedApis: [],
  };
  return {
    id:
      connector === "goto"
        ? "5d0f2c8e-7b3a-4e61-a9c4-0f1e2d3c4b5a"
        : "b7e4a1c9-3d2f-4a8b-8c6e-9f0a1b2c3d4e",
    discoverabilities: flags<MSGraph.DirectoryDefinitionDiscoverabilities>("None"),
    discoveryDateTime: null,
    name: TARGET_DIRECTORY[connector],
    objects: connector === "goto" ? [user, group] : [user],
    readOnly: false,
    version: connector === "goto" ? "date:2025-03-25T00:00:00Z" : "date:2022-11-21T00:00:00Z",
  };
}

/** A realistic template schema for the two gallery connectors, built only from documented shapes:
 *  directories "Azure Active Directory" (User, Group objects with userPrincipalName, mail, givenName, surname,
 *  displayName, mailNickname, department, employeeId, objectId, IsSoftDeleted, jobTitle, ...) and the target directory
 *  ("GoToMeeting" or "GoTo") with User attributes userName, externalId, active, name.givenName, name.familyName,
 *  displayName, emails[type eq "work"].value, the enterprise-extension department/employeeNumber/costCenter/division
 *  (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department etc.), and for "goto" also Group
 *  (displayName, externalId, members). One synchronizationRule (id "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8",
 *  name "USER_TO_USER", editable true, sourceDirectoryName "Azure Active Directory", targetDirectoryName the target)
 *  with objectMappings "Synchronize Azure Active Directory Users to <Target>" (User→User, userPrincipalName→userName
 *  matchingPriority 1, mailNickname→externalId, givenName→name.givenName, surname→name.familyName,
 *  Switch([IsSoftDeleted], , "False", "True", "True", "False")→active as a Function source, ...) and for goto a
 *  second, "Synchronize Azure Active Directory Groups to GoTo" (Group→Group). Includes `metadata` entries,
 *  `scope: null`, `flowTypes: "Add, Update, Delete"`, so a client that rewrites the schema must keep unknown parts
 *  intact. Rule and object-mapping metadata values are ours; only their shapes are Graph's. */
export function connectorTemplateSchema(connector: Connector): MSGraph.SynchronizationSchema {
  const target = TARGET_DIRECTORY[connector];
  const active: MSGraph.AttributeMappingSource = {
    expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
    name: "Switch",
    parameters: [
      { key: "source", value: fromAttribute("IsSoftDeleted") },
      { key: "defaultValue", value: constant("") },
      { key: "key", value: constant("False") },
      { key: "value", value: constant("True") },
      { key: "key", value: constant("True") },
      { key: "value", value: constant("False") },
    ],
    type: "Function",
  };
  const users = objectMapping(target, "User", [
    mapping("userName", fromAttribute("userPrincipalName"), 1),
    mapping("active", active),
    mapping("displayName", fromAttribute("displayName")),
    mapping('emails[type eq "work"].value', fromAttribute("mail")),
    mapping("name.givenName", fromAttribute("givenName")),
    mapping("name.familyName", fromAttribute("surname")),
    mapping("externalId", fromAttribute("mailNickname")),
    mapping("title", fromAttribute("jobTitle")),
    mapping(`${ENTERPRISE_USER}:department`, fromAttribute("department")),
    mapping(`${ENTERPRISE_USER}:employeeNumber`, fromAttribute("employeeId")),
  ]);
  const objectMappings = [users];
  if (connector === "goto") {
    objectMappings.push(
      objectMapping(target, "Group", [
        mapping("displayName", fromAttribute("displayName"), 1),
        mapping("externalId", fromAttribute("objectId")),
        mapping("members", fromAttribute("members")),
      ]),
    );
  }
  return {
    id: templateIdOf(connector),
    version: connector === "goto" ? "date:2025-03-25T00:00:00Z~1" : "date:2022-11-21T00:00:00Z~1",
    synchronizationRules: [
      {
        containerFilter: null,
        editable: true,
        groupFilter: null,
        id: RULE_ID,
        metadata: [{ key: "TemplateRuleKind", value: "UserProvisioning" }],
        name: "USER_TO_USER",
        objectMappings,
        priority: 1,
        sourceDirectoryName: ENTRA_DIRECTORY,
        targetDirectoryName: target,
      },
    ],
    directories: [entraDirectory(), targetDirectory(connector)],
  };
}

function templateIdOf(connector: Connector): string {
  return TARGET_DIRECTORY[connector];
}

/** The synchronization template a connector's service principal offers: id "GoToMeeting" / "GoTo". */
export function connectorTemplate(connector: Connector): SeedTemplate {
  return {
    id: templateIdOf(connector),
    factoryTag: connector,
    schema: connectorTemplateSchema(connector),
  };
}
