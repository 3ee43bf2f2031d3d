// A stateful stand-in for Microsoft Graph's synchronization API (servicePrincipals/{id}/synchronization)
// and for the directory objects the program's azuread resources touch (application templates,
// instantiate, service principals, applications, users, groups, app role assignments), so the
// Graph-backed providers, and stand-in azuread providers, can be proven end to end without a tenant.
//
// Rule for every answer: it is shaped like a documented example, and the comment next to it names the
// source ([Sxx] and Fn refer to /work/shared/docs/entra-goto-facts.md; the literal samples are in
// ./graphDocs.ts). Where no document settles a behaviour the comment says `guess:` and why, and an
// option switches the guess, so no test's verdict needs to rest on a guess alone.
//
// The fake is hostile but deterministic: ids come from a seeded generator, times from an injectable
// clock, and throttling, replication lag, lost connections and mangled responses happen only when a
// test asks for them (options, `inject`).
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import {
  type AppRoleSeed,
  type ApplicationTemplateSeed,
  type SeedTemplate,
} from "./graphConnectors";
import { PROVISION_ON_DEMAND_CONTEXTS, type QUARANTINE_REASONS } from "./graphDocs";
import {
  type Ast,
  ExpressionError,
  UnsupportedEvaluation,
  type Value,
  evaluate,
  parseExpressionText,
  referencedAttributes,
  toSource,
} from "./graphExpressions";
import {
  NOT_FOUND_MESSAGE,
  Rejection,
  type RestartScope,
  badRequest,
  checkAppRoleAssignmentBody,
  checkCreateJobBody,
  checkInstantiateBody,
  checkParseExpressionBody,
  checkProvisionOnDemandBody,
  checkRestartBody,
  checkSchemaBody,
  checkSecretsBody,
  checkValidateCredentialsBody,
  isObj,
  listOrNone,
  notFound,
} from "./graphValidation";

export {
  connectorTemplate,
  connectorTemplateSchema,
  galleryApplicationTemplate,
  connectorMetadata,
  switchIsSoftDeletedSource,
  CONNECTOR_RULE_ID,
  GALLERY_APPLICATION_TEMPLATE_IDS,
} from "./graphConnectors";
export type {
  AppRoleSeed,
  ApplicationTemplateSeed,
  Connector,
  ConnectorTemplateOptions,
  GalleryTemplateOptions,
  SeedTemplate,
} from "./graphConnectors";

// ---- options and public types -----------------------------------------------------------------------

/** How the fake mints job ids (F1). */
export type JobIdForm =
  /** `{templateId}.{tenant id as 32 lower-case hex}.{appId}` — the live form [S74][S68]. */
  | "three-part"
  /** `{templateId}.{32 hex}` — older samples [S35][S12]. */
  | "two-part"
  /** a bare GUID — the provisionOnDemand placeholders [S42]. */
  | "bare-guid"
  /** `{templateId}.{hyphenated GUID}.{GUID with a non-hex letter}` — the log-analytics sample [S78]. */
  | "odd";

/** One answer of a replication (consistency) error sequence (F5). */
export type ConsistencyStep =
  401 | 403 | 404 | 409 | { status: number; code: string; message: string };

export interface ConsistencySequences {
  /** Calls under /servicePrincipals/{id}/synchronization of a new service principal. */
  synchronization?: ConsistencyStep[];
  /** Calls under …/jobs/{jobId} of a new job. */
  job?: ConsistencyStep[];
  /** Calls on the new directory objects themselves: GET /servicePrincipals/{id},
   *  /applications/{id}, …/appRoleAssignedTo (TF azuread polls these until they stop 404ing [S85]). */
  directoryObject?: ConsistencyStep[];
}

/** A failed Test Connection answer (F6: failure status and body are UNDOCUMENTED). Either Graph's
 *  envelope with the given code and message, or a raw body. */
export type CredentialFailure =
  | { status: number; code: string; message: string }
  | { status: number; rawBody: string; contentType?: string };

/** What provisionOnDemand answers for a subject (F9). "Failure" is spelt as the
 *  provisionOnDemandFailureResult option says (UNVERIFIED spelling). */
export type ProvisionOnDemandOutcome =
  | "Success"
  | "Skipped"
  | "Failure"
  | { result: string; details: Record<string, unknown>; emptyRecord?: boolean };

export interface GraphFakeOptions {
  /** Bearer token the fake accepts; any other (or none) → 401 InvalidAuthenticationToken. Default
   *  "test-graph-token". */
  token?: string;
  /** Latency added to every response, ms. Default 0. */
  latencyMs?: number;
  /** Reads (GET) of a service principal's synchronization that answer 404 Request_ResourceNotFound
   *  right after the service principal was added (replication lag). Default 0. Counted per service
   *  principal. */
  notFoundReadsAfterCreate?: number;
  /** Retry-After value (seconds, string) sent with injected 429/503. Default "0.05". */
  retryAfter?: string;
  /** Seed of every id the fake mints. Default: 1 + the number of fakes started before in this
   *  process, so ids are deterministic per test file and distinct between fakes. */
  seed?: number;
  /** The tenant id (appOwnerOrganizationId); its 32-hex form is the middle part of job ids (F1).
   *  Default: minted from the seed. */
  tenantId?: string;
  /** The fake's clock (quarantine times, createdDateTime, provisionOnDemand rate window). */
  clock?: () => Date;
  /** Default "three-part". addJob can override it per job. */
  jobIdForm?: JobIdForm;
  /** status.code of a new job: "NotConfigured" [S8][S14] or "Paused" [S12][S74]; both documented.
   *  Default "NotConfigured". */
  newJobStatusCode?: "NotConfigured" | "Paused";
  /** schedule.interval of a new job: "PT40M" [S12][S74] or the maximum duration [S8][S14]. Default
   *  "PT40M". */
  newJobInterval?: "PT40M" | "P10675199DT2H48M5.4775807S";
  /** guess: what a second job from the same template on the same service principal gets (no source
   *  shows one). "new-id": another id (middle part varied); "conflict": 409. Default "new-id". */
  secondJobFromSameTemplate?: "new-id" | "conflict";
  /** guess (F3 UNVERIFIED): schema PUT rejects a Function source whose parameter tree is missing or
   *  empty though its expression has arguments. Default true. */
  strictFunctionSources?: boolean;
  /** guess (F4 UNVERIFIED): how parseExpression answers an unparsable expression: 200 with
   *  parsingSucceeded false and an error object, or 400 with Graph's envelope. Default 200. */
  unparsableExpressionStatus?: 200 | 400;
  /** guess: parseExpression fails (parsingSucceeded false) when the expression names an attribute
   *  the source object lacks. Default true. */
  parseExpressionChecksAttributes?: boolean;
  /** F5: replication errors for the first calls after a service principal, job or directory object
   *  is created (seeded or over HTTP). Default: none. */
  consistencyErrors?: ConsistencySequences;
  /** F6 guess: the answer of a failed validateCredentials. Default 400 with code
   *  "CredentialValidationUnavailable" and CREDENTIAL_VALIDATION_MESSAGE. */
  credentialFailure?: CredentialFailure;
  /** F9 guess: spelling of a failed provisionOnDemand result (and of the failed step's status).
   *  Default "Failure". */
  provisionOnDemandFailureResult?: string;
  /** F9: which @odata.context provisionOnDemand answers carry; both are printed. Default "graph". */
  provisionOnDemandContext?: keyof typeof PROVISION_ON_DEMAND_CONTEXTS;
  /** F9: "5 requests per 10 seconds" [S42]; beyond → 429. false turns it off. guess: counted per
   *  fake (tenant), accepted requests only. */
  provisionOnDemandRateLimit?: { requests: number; windowMs: number } | false;
  /** guess: a provisionOnDemand body with several parameters or subjects (no sample) is rejected
   *  with 400 ("reject") or answered for its first subject ("first"). Default "reject". */
  provisionOnDemandMultipleSubjects?: "reject" | "first";
  /** guess: whether restart with resetScope "Full" lifts a TooManyDeletes quarantine. The restart
   *  page says ForceDeletes releases a deletion-threshold hold; the enum's values (Full 15,
   *  ForceDeletes 32) say Full does not include it. Default true (as the brief asked); test both. */
  fullLiftsTooManyDeletes?: boolean;
  /** guess: which secret keys GET …/secrets shows unmasked ([S33] shows SyncNotificationSettings;
   *  SyncAll is a guess). Default ["SyncNotificationSettings", "SyncAll"]. */
  unmaskedSecretKeys?: string[];
}

export type GraphFaultStatus = 429 | 502 | 503 | 504 | 403 | 404 | 409 | 500;

export type GraphFaultKind =
  | { status: GraphFaultStatus; retryAfter?: string | null } // null → no Retry-After header
  /** destroy the socket before answering (client sees a connection reset) */
  | "reset"
  /** never answer (until stop()); client should time out */
  | "hang"
  /** apply the request's effect, then destroy the socket (a lost response) */
  | "reset-after-commit"
  /** apply the effect; send the headers with the full Content-Length and JSON type, half the body,
   *  then destroy the socket */
  | "cut-off"
  /** apply the effect; a complete response whose JSON text is cut short (Content-Length matches) */
  | "truncated-json"
  /** apply the effect; the normal body labelled text/plain (or the given type) */
  | "wrong-content-type"
  | { wrongContentType: "text/plain" | "text/html" }
  /** apply the effect; 200, JSON content type, empty body */
  | "empty-200"
  /** apply the effect; send the headers, then nothing until stop() */
  | "stall-body"
  /** an error whose message repeats the request: method, URL, every header (Authorization too)
   *  and the raw body, as some services do */
  | { echo: true; status: number }
  /** a redirect to another origin (default: the fake's redirect trap, see `redirectTrap`) */
  | { redirect: 307 | 308; location?: string }
  /** F5 replication errors: one step per matching request (an array injects one fault per step) */
  | { consistency: ConsistencyStep | ConsistencyStep[] };

/** A fault applied to the next `times` matching requests, then removed. */
export interface GraphFault {
  /** e.g. "PUT"; default any. */
  method?: string;
  /** Substring or regex against the path after /v1.0 (no query string); default any. */
  path?: string | RegExp;
  kind: GraphFaultKind;
  /** Default 1. */
  times?: number;
}

/** status is what was answered; -1 when no status line was sent (reset, hang, reset-after-commit). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  body: unknown;
  status: number;
}

/** Everything about one request and its answer; nothing is redacted (tests check what was sent). */
export interface Exchange extends RecordedRequest {
  /** The request target as received (path and query, still encoded). */
  url: string;
  /** Node's lower-cased header object. */
  headers: http.IncomingHttpHeaders;
  /** Header names and values as sent, in order. */
  rawHeaders: string[];
  rawBody: string;
  /** The injected fault that shaped the answer, if any (its kind, e.g. "cut-off", "429"). */
  fault?: string;
}

/** A request that reached the redirect trap: the client followed a cross-origin redirect. */
export interface TrapRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

export interface JobActionRecord {
  action: "start" | "pause" | "restart";
  /** restart only: the members as sent (trimmed), and the raw resetScope string. */
  resetScope?: RestartScope[];
  rawResetScope?: string;
  liftedQuarantine: boolean;
  at: string;
}

export interface ProvisionOnDemandRecord {
  servicePrincipalId: string;
  jobId: string;
  ruleId: string;
  objectId: string;
  objectTypeName: string;
  result: string;
}

export type QuarantineReason = (typeof QUARANTINE_REASONS)[number] | "QuarantineOnDemand";

export interface QuarantineOptions {
  /** Default per reason: EncounteredQuarantineException → the [S74] SCIM invalid-credentials error;
   *  others → a guess. */
  error?: { code: string; message?: string; tenantActionable?: boolean };
  /** When quarantine began, as Graph prints times (7 fractional digits). Default: the clock. */
  at?: string;
  seriesCount?: number;
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

/** F5: the bodies of the replication errors (404 and 403 use Graph's directory codes; the 401 body
 *  is UNVERIFIED — hamilton only says Graph answers UnknownError [S83]; the 409 code is a guess). */
export const CONSISTENCY_ERRORS: Readonly<
  Record<401 | 403 | 404 | 409, { code: string; message: (id: string) => string }>
> = {
  404: { code: "Request_ResourceNotFound", message: NOT_FOUND_MESSAGE },
  // guess: the exact 401 body is UNVERIFIED (F5); only the code UnknownError is reported.
  401: { code: "UnknownError", message: () => "" },
  403: {
    code: "Authorization_RequestDenied",
    message: () => "Insufficient privileges to complete the operation.",
  },
  // guess: TF azuread retries any 409 here [S84]; its code is not recorded anywhere.
  409: { code: "ConcurrencyViolation", message: () => INJECTED_FAULT_ERRORS[409].message },
};

/** guess (F6): the message of the default failed Test Connection; it never contains the credentials
 *  that were tested. */
export const CREDENTIAL_VALIDATION_MESSAGE =
  "Test connection failed: the application did not accept the credentials. Check them (or authorize " +
  "again in the portal) and retry.";

/** An HTTP date in the past for Retry-After (the example date of RFC 9110). */
export const PAST_HTTP_DATE = "Sun, 06 Nov 1994 08:49:37 GMT";

const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ZERO_TIME = "0001-01-01T00:00:00Z";
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
const JSON_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const THROTTLE_SCOPE =
  "Tenant_Application/ReadWrite/00000000-0000-0000-0000-00000000fa4e/00000000-0000-0000-0000-00000000a991";
const DEFAULT_CREDENTIAL_FAILURE: CredentialFailure = {
  status: 400,
  code: "CredentialValidationUnavailable",
  message: CREDENTIAL_VALIDATION_MESSAGE,
};

// ---- deterministic ids and times ----------------------------------------------------------------------

let fakesStarted = 0;

/** mulberry32: small, seeded, good enough for ids. */
class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  byte(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.byte();
    return b;
  }
  hex(n: number): string {
    return this.bytes(n).toString("hex");
  }
  guid(): string {
    const b = this.bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** Graph prints times with seven fractional digits ("2021-05-24T21:45:54.4981365Z" [S74]). */
function graphTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/** Adds minutes to a Graph time, keeping its fractional digits. */
function addMinutes(time: string, minutes: number): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(time);
  if (!m)
    throw new Error(`GraphFake: "${time}" is not a UTC time like 2021-05-24T21:45:54.4981365Z`);
  const base = new Date(`${m[1]}Z`);
  base.setUTCMinutes(base.getUTCMinutes() + minutes);
  return `${base.toISOString().slice(0, 19)}${m[2] ?? ""}Z`;
}

/** .NET's byte order of a GUID (first three groups little-endian). */
function dotnetGuidBytes(guid: string): Buffer {
  const h = guid.replace(/-/g, "");
  const b = Buffer.from(h, "hex");
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

// ---- state --------------------------------------------------------------------------------------------

interface JobState {
  job: MSGraph.SynchronizationJob;
  schema: MSGraph.SynchronizationSchema;
  template: SeedTemplate;
  consistency: ConsistencyStep[];
  actions: JobActionRecord[];
}

interface ApplicationState {
  id: string;
  appId: string;
  displayName: string;
  applicationTemplateId: string | null;
  createdDateTime: string;
  servicePrincipalId: string;
}

interface AssignmentState {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  principalDisplayName: string | null;
  principalId: string;
  principalType: "User" | "Group";
}

interface ServicePrincipalState {
  id: string;
  appId: string;
  applicationObjectId: string;
  applicationTemplateId: string | null;
  displayName: string;
  appRoles: MSGraph.AppRole[];
  templates: SeedTemplate[];
  jobs: Map<string, JobState>;
  secrets: MSGraph.SynchronizationSecretKeyStringValuePair[];
  validCredentials?: Record<string, string>;
  credentialFailure?: CredentialFailure;
  authorizationRevoked?: boolean;
  laggedReads: number;
  syncConsistency: ConsistencyStep[];
  objectConsistency: ConsistencyStep[];
  assignments: AssignmentState[];
}

interface ApplicationTemplateState extends Required<Omit<ApplicationTemplateSeed, "appRoles">> {
  appRoles?: AppRoleSeed;
}

export interface UserSeed {
  userPrincipalName: string;
  displayName?: string;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  id?: string;
}

export interface GroupSeed {
  displayName: string;
  description?: string | null;
  mailNickname?: string;
  id?: string;
}

interface UserState extends Required<Omit<UserSeed, "id">> {
  id: string;
}

interface GroupState {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  createdDateTime: string;
}

interface PendingFault {
  fault: GraphFault;
  left: number;
}

interface Answer {
  status: number;
  body?: unknown;
  error?: { code: string; message: string };
  raw?: { body: string; contentType?: string };
  headers?: Record<string, string>;
}

interface Wire {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

type Handler = (
  sp: ServicePrincipalState,
  job: JobState | undefined,
  body: unknown,
  rest: string[],
) => Answer;

// ---- the fake -----------------------------------------------------------------------------------------

export class GraphFake {
  /** Base URL to use as graphApiUrl, e.g. "http://127.0.0.1:43121/v1.0". */
  readonly url: string;
  readonly token: string;
  /** The tenant id (appOwnerOrganizationId of every service principal). */
  readonly tenantId: string;
  /** Every request received, in order (including faulted ones, with the status answered; -1 for
   *  reset/hang). Shape kept stable for older tests; `exchanges` has the details. */
  readonly requests: RecordedRequest[] = [];
  /** Every request with its headers, raw body and fault, in order. */
  readonly exchanges: Exchange[] = [];
  /** The origin injected redirects point at by default; `requests` shows whether a client followed. */
  readonly redirectTrap: { url: string; requests: TrapRequest[] };
  /** Every accepted provisionOnDemand call. */
  readonly provisionOnDemandCalls: ProvisionOnDemandRecord[] = [];

  private readonly options: Required<Omit<GraphFakeOptions, "tenantId" | "consistencyErrors">> & {
    consistencyErrors: ConsistencySequences;
  };
  private readonly ids: Prng;
  private readonly requestIds: Prng;
  private readonly servicePrincipals = new Map<string, ServicePrincipalState>();
  private readonly applications = new Map<string, ApplicationState>();
  private readonly applicationTemplates = new Map<string, ApplicationTemplateState>();
  private readonly users = new Map<string, UserState>();
  private readonly groups = new Map<string, GroupState>();
  private readonly scriptedOnDemand = new Map<string, ProvisionOnDemandOutcome[]>();
  private onDemandTimes: number[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hanging = new Set<http.ServerResponse>();
  private stopped = false;

  private constructor(
    private readonly server: http.Server,
    private readonly trap: http.Server,
    port: number,
    trapPort: number,
    options: GraphFakeOptions,
  ) {
    const seed = options.seed ?? ++fakesStarted;
    this.ids = new Prng(seed);
    this.requestIds = new Prng(seed ^ 0x5bd1e995);
    this.options = {
      token: options.token ?? "test-graph-token",
      latencyMs: options.latencyMs ?? 0,
      notFoundReadsAfterCreate: options.notFoundReadsAfterCreate ?? 0,
      retryAfter: options.retryAfter ?? "0.05",
      seed,
      clock: options.clock ?? (() => new Date()),
      jobIdForm: options.jobIdForm ?? "three-part",
      newJobStatusCode: options.newJobStatusCode ?? "NotConfigured",
      newJobInterval: options.newJobInterval ?? "PT40M",
      secondJobFromSameTemplate: options.secondJobFromSameTemplate ?? "new-id",
      strictFunctionSources: options.strictFunctionSources ?? true,
      unparsableExpressionStatus: options.unparsableExpressionStatus ?? 200,
      parseExpressionChecksAttributes: options.parseExpressionChecksAttributes ?? true,
      consistencyErrors: options.consistencyErrors ?? {},
      credentialFailure: options.credentialFailure ?? DEFAULT_CREDENTIAL_FAILURE,
      provisionOnDemandFailureResult: options.provisionOnDemandFailureResult ?? "Failure",
      provisionOnDemandContext: options.provisionOnDemandContext ?? "graph",
      provisionOnDemandRateLimit: options.provisionOnDemandRateLimit ?? {
        requests: 5,
        windowMs: 10_000,
      },
      provisionOnDemandMultipleSubjects: options.provisionOnDemandMultipleSubjects ?? "reject",
      fullLiftsTooManyDeletes: options.fullLiftsTooManyDeletes ?? true,
      unmaskedSecretKeys: options.unmaskedSecretKeys ?? ["SyncNotificationSettings", "SyncAll"],
    };
    this.token = this.options.token;
    this.tenantId = (options.tenantId ?? this.ids.guid()).toLowerCase();
    this.url = `http://127.0.0.1:${port}/v1.0`;
    this.redirectTrap = { url: `http://127.0.0.1:${trapPort}`, requests: [] };
  }

  static async start(options: GraphFakeOptions = {}): Promise<GraphFake> {
    const listen = async (server: http.Server) => {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      return (server.address() as AddressInfo).port;
    };
    const server = http.createServer();
    const trap = http.createServer();
    const port = await listen(server);
    const trapPort = await listen(trap);
    const fake = new GraphFake(server, trap, port, trapPort, options);
    for (const s of [server, trap]) {
      s.on("connection", (socket) => {
        fake.sockets.add(socket);
        socket.on("close", () => fake.sockets.delete(socket));
      });
    }
    server.on("request", (req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        // A bug in the fake must fail the test loudly, not hang it.
        if (!res.headersSent && !res.destroyed) {
          fake.send(
            res,
            fake.wire(req, {
              status: 500,
              error: { code: "FakeInternalError", message: (err as Error).message },
            }),
          );
        }
      });
    });
    trap.on("request", (req, res) => {
      void fake.handleTrap(req, res);
    });
    return fake;
  }

  /** Closes both servers, ends hanging and delayed requests and destroys every open socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = Promise.all(
      [this.server, this.trap].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    this.trap.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- seeding --------------------------------------------------------------------------------------

  /** Seeds an application template (GET /applicationTemplates, POST …/instantiate); returns its id. */
  addApplicationTemplate(seed: ApplicationTemplateSeed): string {
    const id = (seed.id ?? this.ids.guid()).toLowerCase();
    if (this.applicationTemplates.has(id)) {
      throw new Error(`GraphFake: application template ${id} already exists`);
    }
    this.applicationTemplates.set(id, {
      id,
      displayName: seed.displayName,
      supportedProvisioningTypes: [...(seed.supportedProvisioningTypes ?? ["sync"])],
      supportedSingleSignOnModes: [...(seed.supportedSingleSignOnModes ?? [])],
      publisher: seed.publisher ?? null,
      categories: [...(seed.categories ?? [])],
      homePageUrl: seed.homePageUrl ?? null,
      logoUrl: seed.logoUrl ?? null,
      description: seed.description ?? null,
      synchronizationTemplates: structuredClone(seed.synchronizationTemplates ?? []),
      appRoles: seed.appRoles ? structuredClone(seed.appRoles) : undefined,
    });
    return id;
  }

  /** Seeds an instantiated gallery app (application + service principal); returns the service
   *  principal's object id. templates: the synchronization templates it offers ([] = a gallery app
   *  without provisioning, like the retired GoToMeeting connector). */
  addServicePrincipal(seed: {
    id?: string;
    displayName?: string;
    templates: SeedTemplate[];
    appId?: string;
    applicationObjectId?: string;
    applicationTemplateId?: string | null;
    appRoles?: AppRoleSeed;
    consistencyErrors?: ConsistencySequences;
  }): string {
    const id = seed.id ?? this.ids.guid();
    if (this.servicePrincipals.has(id.toLowerCase())) {
      throw new Error(`GraphFake: service principal ${id} already exists`);
    }
    return this.createApplication({
      servicePrincipalId: id,
      applicationObjectId: seed.applicationObjectId,
      appId: seed.appId,
      displayName: seed.displayName ?? "GoToMeeting",
      applicationTemplateId: seed.applicationTemplateId ?? null,
      templates: seed.templates,
      appRoles: seed.appRoles,
      consistency: seed.consistencyErrors,
    }).id;
  }

  /** Seeds a job as POST …/jobs would; returns its id (F1 form, see jobIdForm). */
  addJob(
    servicePrincipalId: string,
    templateId: string,
    options: { idForm?: JobIdForm } = {},
  ): string {
    const sp = this.sp(servicePrincipalId);
    const template = sp.templates.find((t) => t.id === templateId);
    if (!template) {
      throw new Error(`GraphFake: service principal ${sp.id} has no template "${templateId}"`);
    }
    const id = this.mintJobId(sp, template.id, options.idForm);
    if (id === undefined) {
      throw new Error(
        `GraphFake: service principal ${sp.id} already has a job from "${templateId}"`,
      );
    }
    return this.createJob(sp, template, id).job.id!;
  }

  /** Seeds a user (GET /users, appRoleAssignedTo principals, provisionOnDemand subjects). */
  addUser(seed: UserSeed): string {
    const id = (seed.id ?? this.ids.guid()).toLowerCase();
    const local = seed.userPrincipalName.split("@")[0];
    this.users.set(id, {
      id,
      userPrincipalName: seed.userPrincipalName,
      displayName: seed.displayName ?? local,
      givenName: seed.givenName ?? null,
      surname: seed.surname ?? null,
      mail: seed.mail === undefined ? seed.userPrincipalName : seed.mail,
    });
    return id;
  }

  addGroup(seed: GroupSeed): string {
    const id = (seed.id ?? this.ids.guid()).toLowerCase();
    this.groups.set(id, {
      id,
      displayName: seed.displayName,
      description: seed.description ?? null,
      mailNickname: seed.mailNickname ?? seed.displayName.replace(/[^A-Za-z0-9]/g, ""),
      createdDateTime: graphTime(this.now()),
    });
    return id;
  }

  // ---- inspection and test-side changes ---------------------------------------------------------------

  /** The service principal as GET /servicePrincipals/{id} answers it (deep copy). */
  servicePrincipal(servicePrincipalId: string): MSGraph.ServicePrincipal {
    return this.servicePrincipalResource(this.sp(servicePrincipalId));
  }

  /** Credentials validateCredentials accepts for this SP (key → value). Default: none accepted. */
  setValidCredentials(servicePrincipalId: string, credentials: Record<string, string>): void {
    this.sp(servicePrincipalId).validCredentials = { ...credentials };
  }

  /** The answer this SP's failed Test Connections get (F6 guess; overrides the option). */
  setCredentialFailure(servicePrincipalId: string, failure: CredentialFailure | undefined): void {
    this.sp(servicePrincipalId).credentialFailure =
      failure === undefined ? undefined : structuredClone(failure);
  }

  /** Raw (unmasked) secrets as last PUT, or set by the portal. */
  secrets(servicePrincipalId: string): MSGraph.SynchronizationSecretKeyStringValuePair[] {
    return structuredClone(this.sp(servicePrincipalId).secrets);
  }

  /** Simulates the portal "Authorize" step: adds OAuth keys (Oauth2AccessToken, Oauth2RefreshToken,
   *  Oauth2AccessTokenCreationTime) to the secrets, keeping the others. guess: which keys the portal
   *  stores is UNVERIFIED (§1j); these are enum members [S11]. */
  authorizeInPortal(servicePrincipalId: string): void {
    const sp = this.sp(servicePrincipalId);
    const granted: Record<string, string> = {
      Oauth2AccessToken: `portal-access-${this.ids.hex(12)}`,
      Oauth2RefreshToken: `portal-refresh-${this.ids.hex(12)}`,
      Oauth2AccessTokenCreationTime: this.now().toISOString(),
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

  /** start, pause and restart calls the job received, in order. */
  jobActions(servicePrincipalId: string, jobId: string): JobActionRecord[] {
    return structuredClone(this.jobState(servicePrincipalId, jobId).actions);
  }

  /** The restarts the job received, in order. */
  restarts(servicePrincipalId: string, jobId: string): JobActionRecord[] {
    return this.jobActions(servicePrincipalId, jobId).filter((a) => a.action === "restart");
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

  /** Quarantines the job exactly as F7 [S74] shows it: schedule.state stays "Active", status.code
   *  "Quarantine", status.quarantine {currentBegan, nextAttempt 5 minutes later, reason, seriesBegan,
   *  seriesCount, error}, lastExecution.state "Failed" with the same error,
   *  countSuccessiveCompleteFailures 1. Returns the job. */
  quarantine(
    servicePrincipalId: string,
    jobId: string,
    reason: QuarantineReason,
    options: QuarantineOptions = {},
  ): MSGraph.SynchronizationJob {
    const { job } = this.jobState(servicePrincipalId, jobId);
    const began = options.at ?? graphTime(this.now());
    const error = { ...defaultQuarantineError(reason), ...options.error };
    const ended = began;
    const timeBegan = graphTime(new Date(Date.parse(began) - 1000));
    // [S74] schedule.state stays Active: a quarantine happens to a running job.
    job.schedule = { ...job.schedule, state: "Active" };
    job.status = {
      ...job.status,
      code: "Quarantine",
      countSuccessiveCompleteFailures: 1,
      troubleshootingUrl: "",
      lastExecution: {
        activityIdentifier: this.ids.guid(),
        countEntitled: 0,
        countEntitledForProvisioning: 0,
        countEscrowed: 0,
        countEscrowedRaw: 0,
        countExported: 0,
        countExports: 0,
        countImported: 0,
        countImportedDeltas: 0,
        countImportedReferenceDeltas: 0,
        state: "Failed",
        timeBegan,
        timeEnded: ended,
        error: { ...error },
      },
      quarantine: {
        currentBegan: began,
        nextAttempt: addMinutes(began, 5),
        // The typings only know the enum; [S89] spells the manual one QuarantineOnDemand.
        reason: reason as MSGraph.QuarantineReason,
        seriesBegan: began,
        seriesCount: options.seriesCount ?? 1,
        error: { ...error },
      },
    };
    return structuredClone(job);
  }

  /** Puts the job in the state of the get-job reference sample [S88]: schedule Disabled with the
   *  maximum interval, status.code "Paused", and a quarantine object whose dates and reason are ""
   *  (seriesCount 2, error SalesforceInvalidCredentials). Code reading schedule.state alone, or
   *  trusting the quarantine object without status.code, is caught by it. */
  applyGetJobReferenceSample(
    servicePrincipalId: string,
    jobId: string,
  ): MSGraph.SynchronizationJob {
    const { job } = this.jobState(servicePrincipalId, jobId);
    job.schedule = { expiration: null, interval: "P10675199DT2H48M5.4775807S", state: "Disabled" };
    job.status = {
      ...job.status,
      code: "Paused",
      quarantine: {
        currentBegan: "",
        nextAttempt: "",
        // The typings want the enum; the sample has "".
        reason: "" as MSGraph.QuarantineReason,
        seriesBegan: "",
        seriesCount: 2,
        error: { code: "SalesforceInvalidCredentials", tenantActionable: true },
      },
    };
    return structuredClone(job);
  }

  /** Replaces the replication-error sequence of a service principal (its synchronization calls,
   *  or its directory object with `directoryObject`) or of one job (F5). */
  setConsistencyErrors(
    target: { servicePrincipalId: string; jobId?: string; directoryObject?: boolean },
    steps: ConsistencyStep[],
  ): void {
    if (target.jobId !== undefined) {
      this.jobState(target.servicePrincipalId, target.jobId).consistency = [...steps];
      return;
    }
    const sp = this.sp(target.servicePrincipalId);
    if (target.directoryObject) sp.objectConsistency = [...steps];
    else sp.syncConsistency = [...steps];
  }

  /** Queues what the next provisionOnDemand calls for this subject (objectId) answer, one outcome
   *  per call; afterwards "Success". */
  scriptProvisionOnDemand(objectId: string, ...outcomes: ProvisionOnDemandOutcome[]): void {
    const key = objectId.toLowerCase();
    this.scriptedOnDemand.set(key, [...(this.scriptedOnDemand.get(key) ?? []), ...outcomes]);
  }

  inject(fault: GraphFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`GraphFake.inject: times must be a positive integer; got ${times}`);
    }
    const kind = fault.kind;
    if (typeof kind === "object" && "consistency" in kind && Array.isArray(kind.consistency)) {
      // A sequence: one fault per step, in order, each applied `times` times.
      for (const step of kind.consistency) {
        this.faults.push({ fault: { ...fault, kind: { consistency: step } }, left: times });
      }
      return;
    }
    this.faults.push({ fault, left: times });
  }

  /** The vendor stops honouring the portal's authorization (revoked, or its admin left): the keys
   *  stay in the secret set, but a saved-credentials Test Connection fails. */
  revokePortalAuthorization(servicePrincipalId: string, revoked = true): void {
    this.sp(servicePrincipalId).authorizationRevoked = revoked;
  }

  /** Drops every fault still armed (a persistent one a test no longer wants). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  resetRequests(): void {
    this.requests.length = 0;
    this.exchanges.length = 0;
  }

  // ---- HTTP -------------------------------------------------------------------------------------------

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
    const exchange: Exchange = {
      ...record,
      url: req.url ?? "/",
      headers: { ...req.headers },
      rawHeaders: [...req.rawHeaders],
      rawBody: raw,
    };
    this.requests.push(record);
    this.exchanges.push(exchange);
    const answered = (status: number) => {
      record.status = status;
      exchange.status = status;
    };

    const fault = this.takeFault(method, path);
    if (fault !== undefined) exchange.fault = describeFault(fault);
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

    // Faults that replace the answer: the request has no effect.
    if (typeof fault === "object") {
      let answer: Answer;
      if ("status" in fault && !("echo" in fault)) answer = this.faultAnswer(fault);
      else if ("echo" in fault) answer = echoAnswer(req, raw, fault.status);
      else if ("redirect" in fault) {
        const location = fault.location ?? `${this.redirectTrap.url}${req.url ?? "/"}`;
        answer = { status: fault.redirect, headers: { location } };
      } else if ("consistency" in fault) {
        answer = consistencyAnswer(fault.consistency as ConsistencyStep, idInPath(path));
      } else {
        // { wrongContentType }: a mangling fault, handled below with the real answer.
        answer = this.answer(method, fullPath, path, parsed.searchParams, body, malformed, req);
        const wire = this.wire(req, answer);
        wire.headers["content-type"] = fault.wrongContentType;
        answered(wire.status);
        this.send(res, wire);
        return;
      }
      const wire = this.wire(req, answer);
      answered(wire.status);
      this.send(res, wire);
      return;
    }

    const answer = this.answer(method, fullPath, path, parsed.searchParams, body, malformed, req);
    if (fault === "reset-after-commit") {
      req.socket.resetAndDestroy();
      return;
    }
    const wire = this.wire(req, answer);
    switch (fault) {
      case "cut-off": {
        const full = withBody(wire);
        answered(full.status);
        res.writeHead(full.status, full.headers);
        res.write(full.body!.subarray(0, Math.floor(full.body!.length / 2)), () =>
          req.socket.destroy(),
        );
        return;
      }
      case "truncated-json": {
        const full = withBody(wire);
        const cut = full.body!.subarray(0, Math.max(1, Math.floor(full.body!.length / 2)));
        full.headers["content-length"] = String(cut.length);
        answered(full.status);
        this.send(res, { ...full, body: cut });
        return;
      }
      case "wrong-content-type":
        wire.headers["content-type"] = "text/plain; charset=utf-8";
        break;
      case "empty-200":
        wire.status = 200;
        wire.headers["content-type"] = JSON_TYPE;
        wire.headers["content-length"] = "0";
        wire.body = undefined;
        break;
      case "stall-body": {
        const full = withBody(wire);
        answered(full.status);
        res.writeHead(full.status, full.headers);
        res.flushHeaders();
        this.hanging.add(res);
        res.on("close", () => this.hanging.delete(res));
        return;
      }
    }
    answered(wire.status);
    this.send(res, wire);
  }

  private async handleTrap(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.redirectTrap.requests.push({
      method: (req.method ?? "GET").toUpperCase(),
      url: req.url ?? "/",
      headers: { ...req.headers },
      rawBody: Buffer.concat(chunks).toString("utf8"),
    });
    // Not 421: undici retries a Misdirected Request on its own, which would double the record.
    this.send(
      res,
      this.wire(req, {
        status: 400,
        error: {
          code: "RedirectTrap",
          message: "This origin is the Graph fake's redirect trap: the client followed a redirect.",
        },
      }),
    );
  }

  private takeFault(method: string, path: string): GraphFaultKind | undefined {
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
      // [S44] throttle headers.
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

  /** The bytes of an answer: Graph's request-id / client-request-id headers, its error envelope
   *  [S79] {error:{code,message,innerError:{date,request-id,client-request-id}}}, JSON type. */
  private wire(req: http.IncomingMessage, answer: Answer): Wire {
    const requestId = this.requestIds.guid();
    const clientHeader = req.headers["client-request-id"];
    const clientRequestId =
      typeof clientHeader === "string" && clientHeader ? clientHeader : requestId;
    const headers: Record<string, string> = {
      "request-id": requestId,
      "client-request-id": clientRequestId,
      ...answer.headers,
    };
    if (answer.raw) {
      const body = Buffer.from(answer.raw.body, "utf8");
      if (answer.raw.contentType) headers["content-type"] = answer.raw.contentType;
      headers["content-length"] = String(body.length);
      return { status: answer.status, headers, body };
    }
    let payload: unknown = answer.body;
    if (answer.error) {
      payload = {
        error: {
          code: answer.error.code,
          message: answer.error.message,
          innerError: {
            date: this.now().toISOString().slice(0, 19),
            "request-id": requestId,
            "client-request-id": clientRequestId,
          },
        },
      };
    }
    if (payload === undefined) return { status: answer.status, headers };
    const body = Buffer.from(JSON.stringify(payload), "utf8");
    headers["content-type"] = JSON_TYPE;
    headers["content-length"] = String(body.length);
    return { status: answer.status, headers, body };
  }

  private send(res: http.ServerResponse, wire: Wire): void {
    res.writeHead(wire.status, wire.headers);
    res.end(wire.body);
  }

  // ---- routing ----------------------------------------------------------------------------------------

  private answer(
    method: string,
    fullPath: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    malformed: boolean,
    req: http.IncomingMessage,
  ): Answer {
    const auth = /^Bearer\s+(.*)$/i.exec(req.headers.authorization ?? "");
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
      if (!fullPath.startsWith("/v1.0/") || segments.length === 0) throw unsupported;
      // Alternate key: servicePrincipals(appId='…').
      const byAppId = /^servicePrincipals\(appId='(.*)'\)$/.exec(segments[0]);
      if (byAppId) {
        const sp = [...this.servicePrincipals.values()].find(
          (s) => s.appId === byAppId[1].toLowerCase(),
        );
        if (!sp) throw notFound(byAppId[1]);
        segments = ["servicePrincipals", sp.id, ...segments.slice(1)];
      }
      if (segments[0] === "servicePrincipals" && segments[2] === "synchronization") {
        return this.synchronizationRoute(method, segments, body, malformed, unsupported);
      }
      if (malformed && (method === "POST" || method === "PUT" || method === "PATCH")) {
        throw badRequest("Invalid request body: not a valid JSON document.");
      }
      return this.directoryRoute(method, segments, query, body, unsupported);
    } catch (err) {
      if (err instanceof Rejection) {
        return {
          status: err.status,
          error: { code: err.code, message: err.message },
          headers: err.headers,
        };
      }
      throw err;
    }
  }

  private synchronizationRoute(
    method: string,
    segments: string[],
    body: unknown,
    malformed: boolean,
    unsupported: Rejection,
  ): Answer {
    if (segments.length < 4) throw unsupported;
    const rest = segments.slice(3);
    const handler = this.pickHandler(method, rest);
    if (!handler) throw unsupported;

    const spId = segments[1];
    const sp = this.servicePrincipals.get(spId.toLowerCase());
    if (!sp) throw notFound(spId);
    const step = sp.syncConsistency.shift();
    if (step !== undefined) return consistencyAnswer(step, sp.id);
    if (method === "GET" && sp.laggedReads > 0) {
      sp.laggedReads--;
      throw notFound(spId);
    }
    let state: JobState | undefined;
    if (rest[0] === "jobs" && rest.length >= 2 && rest[1] !== "validateCredentials") {
      state = sp.jobs.get(rest[1]);
      if (!state) throw notFound(rest[1]);
      const jobStep = state.consistency.shift();
      if (jobStep !== undefined) return consistencyAnswer(jobStep, rest[1]);
    }
    if (malformed) throw badRequest("Invalid request body: not a valid JSON document.");
    return handler(sp, state, body, rest);
  }

  private pickHandler(method: string, rest: string[]): Handler | undefined {
    // The job id (or template id) is the only variable segment; "jobs/validateCredentials" is the
    // collection-bound action.
    const shape = rest
      .map((s, i) =>
        i === 1 && rest[0] === "jobs" && s !== "validateCredentials"
          ? "{job}"
          : i === 1 && rest[0] === "templates"
            ? "{template}"
            : s,
      )
      .join("/");
    const key = `${method} ${shape}`;
    switch (key) {
      case "GET templates":
        return (sp) => ({
          status: 200,
          body: {
            "@odata.context": this.context(sp, "synchronization/templates"),
            value: sp.templates.map((t) => this.templateEntry(sp, t)),
          },
        });
      // F4 also binds parseExpression to a template's schema.
      case "POST templates/{template}/schema/parseExpression":
        return (sp, _job, body, rest) => {
          const template = sp.templates.find((t) => t.id === rest[1]);
          if (!template) throw notFound(rest[1]);
          return this.parseExpression(template.schema, body);
        };
      case "GET secrets":
        // F12 [S10][S33]: sensitive values masked as "*"; SyncNotificationSettings is JSON text.
        return (sp) => ({
          status: 200,
          body: {
            "@odata.context": this.context(sp, "synchronization/secrets"),
            value: sp.secrets.map((s) => ({
              key: s.key,
              value: this.options.unmaskedSecretKeys.includes(s.key as string) ? s.value : "*",
            })),
          },
        });
      case "PUT secrets":
        // F12: 204 and the whole set replaced ("include every value you want to keep" [S12]).
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
        // [S14] 201 with the job, created disabled.
        return (sp, _job, body) => {
          const templateId = checkCreateJobBody(body, sp.templates);
          const template = sp.templates.find((t) => t.id === templateId)!;
          const id = this.mintJobId(sp, templateId);
          if (id === undefined) {
            throw new Rejection(
              409,
              "Conflict",
              `A synchronization job from template '${templateId}' already exists.`,
            );
          }
          const created = this.createJob(sp, template, id);
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
        // F8 [S24]: 204; resumes a paused job and lifts a quarantine.
        return (_sp, job) => {
          const j = job!.job;
          const lifted = Boolean(j.status?.quarantine) || j.status?.code === "Quarantine";
          j.schedule = { ...j.schedule, state: "Active" };
          j.status = { ...j.status, code: "Active", quarantine: null };
          job!.actions.push({
            action: "start",
            liftedQuarantine: lifted,
            at: graphTime(this.now()),
          });
          return { status: 204 };
        };
      case "POST jobs/{job}/pause":
        return (_sp, job) => {
          const j = job!.job;
          j.schedule = { ...j.schedule, state: "Paused" };
          j.status = { ...j.status, code: "Paused" };
          job!.actions.push({
            action: "pause",
            liftedQuarantine: false,
            at: graphTime(this.now()),
          });
          return { status: 204 };
        };
      case "POST jobs/{job}/restart":
        return (_sp, job, body) => {
          this.restart(job!, checkRestartBody(body));
          return { status: 204 };
        };
      case "POST jobs/{job}/validateCredentials":
        return (sp, _job, body) => {
          checkValidateCredentialsBody(body);
          return this.validateCredentials(sp, body);
        };
      case "POST jobs/{job}/provisionOnDemand":
        return (sp, job, body) => this.provisionOnDemand(sp, job!, body);
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
        // [S34] 204; the schema is fully replaced; guess: the version counts up ("auto-updated").
        return (_sp, job, body) => {
          const checked = checkSchemaBody(body, job!.template, {
            strictFunctionSources: this.options.strictFunctionSources,
          });
          job!.schema = {
            ...checked,
            id: job!.schema.id,
            version: bumpVersion(job!.schema.version),
          };
          return { status: 204 };
        };
      case "DELETE jobs/{job}/schema":
        // [S34] DELETE resets the schema to the template's.
        return (_sp, job) => {
          job!.schema = structuredClone(job!.template.schema);
          return { status: 204 };
        };
      case "POST jobs/{job}/schema/parseExpression":
        return (_sp, job, body) => this.parseExpression(job!.schema, body);
      default:
        return undefined;
    }
  }

  /** F2 [S74]: a template entry with every documented property, in the order printed there. */
  private templateEntry(sp: ServicePrincipalState, t: SeedTemplate): Record<string, unknown> {
    return {
      id: t.id,
      applicationId: t.applicationId !== undefined ? t.applicationId : sp.applicationTemplateId,
      default: t.default ?? true,
      description: t.description ?? null,
      discoverable: t.discoverable ?? true,
      factoryTag: t.factoryTag,
      metadata: structuredClone(t.metadata ?? []),
      "schema@odata.context": this.context(
        sp,
        `synchronization/templates('${t.id}')/schema/$entity`,
      ),
      schema: structuredClone(t.schema),
    };
  }

  private restart(state: JobState, request: ReturnType<typeof checkRestartBody>): void {
    const j = state.job;
    // [S25][S26]: an empty scope is like the portal's "Restart provisioning" ≈ QuarantineState,
    // Watermark, Escrows.
    const scope: RestartScope[] =
      request.scope.length === 0 ? ["QuarantineState", "Watermark", "Escrows"] : request.scope;
    const quarantine = j.status?.quarantine;
    let lifted = false;
    if (quarantine) {
      if (quarantine.reason === "TooManyDeletes") {
        // [S12][S26] ForceDeletes releases a deletion-threshold hold. INFERENCE: that the threshold's
        // quarantine has reason TooManyDeletes (the value exists; no sample shows it). guess: Full.
        lifted =
          scope.includes("ForceDeletes") ||
          (this.options.fullLiftsTooManyDeletes && scope.includes("Full"));
      } else {
        lifted = scope.includes("QuarantineState") || scope.includes("Full");
      }
    }
    if (lifted) {
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
    state.actions.push({
      action: "restart",
      resetScope: request.scope,
      rawResetScope: request.raw,
      liftedQuarantine: lifted,
      at: graphTime(this.now()),
    });
  }

  private validateCredentials(sp: ServicePrincipalState, body: unknown): Answer {
    const request = body as {
      useSavedCredentials?: boolean | null;
      credentials?: MSGraph.SynchronizationSecretKeyStringValuePair[];
    };
    let accepted: boolean;
    if (request.useSavedCredentials === true) {
      // [S22] with useSavedCredentials the saved secrets are checked and credentials ignored.
      const saved = new Map(sp.secrets.map((s) => [s.key as string, s.value ?? ""]));
      // guess: an OAuth connector's saved authorization is the access token the portal stored.
      accepted =
        (Boolean(saved.get("Oauth2AccessToken")) && !sp.authorizationRevoked) ||
        matches(sp.validCredentials, saved);
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
    // F6 [S22]: success is 204 with no body.
    if (accepted) return { status: 204 };
    // F6: failure status and body are UNDOCUMENTED; guess, configurable per fake and per SP.
    const failure = sp.credentialFailure ?? this.options.credentialFailure;
    if ("rawBody" in failure) {
      return {
        status: failure.status,
        raw: { body: failure.rawBody, contentType: failure.contentType },
      };
    }
    return { status: failure.status, error: { code: failure.code, message: failure.message } };
  }

  /** F4 [S36]: parseExpression → 200 parseExpressionResponse. */
  private parseExpression(schema: MSGraph.SynchronizationSchema, body: unknown): Answer {
    const request = checkParseExpressionBody(body);
    let ast: Ast;
    try {
      ast = parseExpressionText(request.expression);
      if (this.options.parseExpressionChecksAttributes) {
        const known = this.sourceAttributes(schema, request.definition ?? null);
        const missing = referencedAttributes(ast).filter((name) => !known.has(name));
        if (missing.length > 0) {
          // guess: that an unknown attribute fails parsing is not documented.
          throw new ExpressionError(
            `${listOrNone([...new Set(missing)].map((m) => `[${m}]`))} not an attribute of the source object`,
            0,
          );
        }
      }
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      const message = `Expression could not be parsed: ${err.message} (at ${err.position}).`;
      // guess (F4 UNVERIFIED): status and body of an unparsable expression.
      if (this.options.unparsableExpressionStatus === 400) {
        throw new Rejection(400, "BadRequest", message);
      }
      return {
        status: 200,
        body: {
          error: {
            code: "InvalidExpression",
            message,
            details: [],
            innerError: null,
            target: null,
          },
          evaluationSucceeded: false,
          evaluationResult: [],
          parsedExpression: null,
          parsingSucceeded: false,
        },
      };
    }
    // guess (F4 UNVERIFIED): without testInputObject nothing is evaluated (false, []).
    let evaluationSucceeded = false;
    let evaluationResult: string[] = [];
    if (request.input !== undefined) {
      const input = new Map<string, Value>(request.input.map((p) => [p.key, inputValue(p.value)]));
      try {
        const value = evaluate(ast, {
          input,
          newGuid: () => this.ids.guid(),
          now: () => this.now(),
        });
        evaluationSucceeded = true;
        evaluationResult = value === null ? [] : Array.isArray(value) ? value : [value];
      } catch (err) {
        if (!(err instanceof UnsupportedEvaluation)) throw err;
      }
    }
    return {
      status: 200,
      body: {
        error: null,
        evaluationSucceeded,
        evaluationResult,
        parsedExpression: toSource(ast),
        parsingSucceeded: true,
      },
    };
  }

  /** The attributes an expression may name: testInputObject.definition's if given, else those of
   *  every object of the schema's source directories. */
  private sourceAttributes(
    schema: MSGraph.SynchronizationSchema,
    definition: Record<string, unknown> | null,
  ): Set<string> {
    if (definition && Array.isArray(definition.attributes)) {
      return new Set(
        definition.attributes
          .map((a) => (isObj(a) ? a.name : undefined))
          .filter((n): n is string => typeof n === "string"),
      );
    }
    const sources = new Set(
      (schema.synchronizationRules ?? []).map((r) => r.sourceDirectoryName ?? ""),
    );
    const names = new Set<string>();
    for (const d of schema.directories ?? []) {
      if (!sources.has(d.name ?? "")) continue;
      for (const o of d.objects ?? []) for (const a of o.attributes ?? []) names.add(a.name ?? "");
    }
    return names;
  }

  /** F9 [S42]: 200 with ONE stringKeyStringValuePair whose key and value are JSON texts. */
  private provisionOnDemand(sp: ServicePrincipalState, state: JobState, body: unknown): Answer {
    const parameters = checkProvisionOnDemandBody(body);
    const many = parameters.length > 1 || parameters[0].subjects.length > 1;
    if (many && this.options.provisionOnDemandMultipleSubjects === "reject") {
      // guess: no sample sends more than one subject.
      throw badRequest(
        "Invalid request body: parameters: the fake provisions one subject per request " +
          '(guess; provisionOnDemandMultipleSubjects: "first" answers for the first)',
      );
    }
    const { ruleId, subjects } = parameters[0];
    const subject = subjects[0];
    // [S42] rule ids may carry a suffix (…#V2); [S37] the id is the schema rule's.
    const bare = ruleId.split("#")[0];
    const ruleIds = (state.schema.synchronizationRules ?? []).map((r) => r.id ?? "");
    if (!ruleIds.includes(bare)) {
      // guess: status and body of an unknown rule id are not documented.
      throw badRequest(
        `Invalid request body: parameters[0].ruleId: "${ruleId}" is not a rule of the job's schema ` +
          `(${listOrNone(ruleIds)})`,
      );
    }
    const limit = this.options.provisionOnDemandRateLimit;
    const nowMs = this.now().getTime();
    if (limit) {
      this.onDemandTimes = this.onDemandTimes.filter((t) => t > nowMs - limit.windowMs);
      if (this.onDemandTimes.length >= limit.requests) {
        // [S42] 5 requests per 10 s; [S43] 429 with Retry-After (seconds until the window frees: guess).
        const wait = Math.max(
          1,
          Math.ceil((this.onDemandTimes[0] + limit.windowMs - nowMs) / 1000),
        );
        throw new Rejection(
          429,
          INJECTED_FAULT_ERRORS[429].code,
          INJECTED_FAULT_ERRORS[429].message,
          { "retry-after": String(wait) },
        );
      }
      this.onDemandTimes.push(nowMs);
    }
    const queued = this.scriptedOnDemand.get(subject.objectId.toLowerCase());
    const outcome = queued?.shift() ?? "Success";
    const { key, value, result } = this.onDemandResult(subject, outcome);
    this.provisionOnDemandCalls.push({
      servicePrincipalId: sp.id,
      jobId: state.job.id!,
      ruleId,
      objectId: subject.objectId,
      objectTypeName: subject.objectTypeName,
      result,
    });
    return {
      status: 200,
      body: {
        "@odata.context": PROVISION_ON_DEMAND_CONTEXTS[this.options.provisionOnDemandContext],
        key,
        value,
      },
    };
  }

  private onDemandResult(
    subject: { objectId: string; objectTypeName: string },
    outcome: ProvisionOnDemandOutcome,
  ): { key: string; value: string; result: string } {
    const failure = this.options.provisionOnDemandFailureResult;
    let result: string;
    let details: Record<string, unknown>;
    let emptyRecord = false;
    if (outcome === "Success") {
      result = "Success";
      details = {}; // [S42]
    } else if (outcome === "Skipped") {
      result = "Skipped";
      details = {
        errorCode: "RedundantExport",
        errorMessage: "The state of the user in both the source and target systems already match.",
      }; // [S42]
    } else if (outcome === "Failure") {
      result = failure;
      // guess: no sample shows a failure; a SCIM error code of the kind [S74] prints.
      details = {
        errorCode: "SystemForCrossDomainIdentityManagementBadResponse",
        errorMessage: "The target application returned an error response (fake).",
      };
    } else {
      result = outcome.result;
      details = structuredClone(outcome.details);
      emptyRecord = outcome.emptyRecord ?? false;
    }
    const key = JSON.stringify({ result, details });
    if (emptyRecord) return { key, value: "{}", result };

    const user = this.users.get(subject.objectId.toLowerCase());
    const reportable = user?.userPrincipalName ?? subject.objectId;
    const start = graphTime(this.now());
    const step = (
      name: string,
      type: string,
      status: string,
      description: string,
      stepDetails: Record<string, unknown>,
    ) => ({ name, type, status, description, timestamp: start, details: stepDetails });
    const imported = user
      ? {
          objectId: user.id,
          displayName: user.displayName,
          userPrincipalName: user.userPrincipalName,
        }
      : { objectId: subject.objectId };
    const steps = [
      step(
        "EntryImport",
        "Import",
        "Success",
        `Retrieved ${subject.objectTypeName} '${reportable}' from Azure Active Directory`,
        imported,
      ),
      step(
        "EntrySynchronizationScoping",
        "Scoping",
        "Success",
        `Determine if ${subject.objectTypeName} in scope by evaluating against each scoping filter`,
        { Assigned: "True", IsActive: "True" },
      ),
    ];
    const targetId = this.ids.guid();
    if (result === "Skipped") {
      steps.push(
        step(
          "EntrySynchronizationSkip",
          "Export",
          "Skipped",
          `The state of the user in both the source and target systems already match. No change to the ${subject.objectTypeName} '${reportable}' currently needs to be made.`,
          { SkipReason: "RedundantExport" },
        ),
      );
    } else if (result === "Success") {
      // guess: the step names of a successful export are not in a sample.
      steps.push(
        step(
          "EntryExportAdd",
          "Export",
          "Success",
          `${subject.objectTypeName} '${reportable}' was created in customappsso`,
          { id: targetId },
        ),
      );
    } else {
      steps.push(
        step(
          "EntryExportAdd",
          "Export",
          result,
          `Failed to create ${subject.objectTypeName} '${reportable}' in customappsso`,
          { ...details },
        ),
      );
    }
    // [S42] the provisioning record, members in the order the sample prints them.
    const record = {
      action: result === "Skipped" ? "Other" : "Create",
      changeId: this.ids.guid(),
      endTime: start,
      modifiedProperties: Object.entries(imported).map(([displayName, newValue]) => ({
        displayName,
        oldValue: null,
        newValue,
      })),
      provisioningSteps: steps,
      reportableIdentifier: reportable,
      startTime: start,
      statusInfo: {
        status: result,
        errorCode:
          result === "Success" || result === "Skipped" ? null : (details.errorCode ?? null),
        reason: null,
        additionalDetails: null,
        errorCategory: null,
        recommendedAction: null,
      },
      sourceIdentity: {
        id: subject.objectId,
        type: subject.objectTypeName,
        displayName: null,
        details: null,
      },
      sourceSystem: { id: null, name: "Azure Active Directory", details: null },
      targetIdentity: { id: targetId, type: ENTERPRISE_USER, displayName: null, details: null },
      targetSystem: { id: null, name: "customappsso", details: null },
    };
    return { key, value: JSON.stringify(record), result };
  }

  // ---- directory objects ------------------------------------------------------------------------------

  private directoryRoute(
    method: string,
    segments: string[],
    query: URLSearchParams,
    body: unknown,
    unsupported: Rejection,
  ): Answer {
    const [collection, id, nav, navId] = segments;
    const n = segments.length;
    const ctx = (tail: string) => `${this.url}/$metadata#${tail}`;
    if (collection === "applicationTemplates") {
      if (method === "GET" && n === 1) {
        // [S7][S74] GET /applicationTemplates?$filter=displayName eq '…' → {value:[…]}.
        const filter = parseFilter(query.get("$filter"), ["displayName"]);
        const value = [...this.applicationTemplates.values()]
          .filter((t) => !filter || filter(t as unknown as Record<string, unknown>))
          .map((t) => applicationTemplateResource(t));
        return { status: 200, body: { "@odata.context": ctx("applicationTemplates"), value } };
      }
      const template =
        id === undefined ? undefined : this.applicationTemplates.get(id.toLowerCase());
      if (method === "GET" && n === 2) {
        if (!template) throw notFound(id);
        return {
          status: 200,
          body: {
            "@odata.context": ctx("applicationTemplates/$entity"),
            ...applicationTemplateResource(template),
          },
        };
      }
      if (method === "POST" && n === 3 && nav === "instantiate") {
        if (!template) throw notFound(id);
        return this.instantiate(template, body);
      }
      throw unsupported;
    }
    if (collection === "servicePrincipals") {
      if (method === "GET" && n === 1) {
        const filter = parseFilter(query.get("$filter"), ["appId", "displayName"]);
        const value = [...this.servicePrincipals.values()]
          .map((sp) => this.servicePrincipalResource(sp))
          .filter((sp) => !filter || filter(sp as unknown as Record<string, unknown>));
        return { status: 200, body: { "@odata.context": ctx("servicePrincipals"), value } };
      }
      if (id === undefined) throw unsupported;
      const sp = this.servicePrincipals.get(id.toLowerCase());
      if (!sp) throw notFound(id);
      const step = sp.objectConsistency.shift();
      if (step !== undefined) return consistencyAnswer(step, sp.id);
      if (method === "GET" && n === 2) {
        return {
          status: 200,
          body: {
            "@odata.context": ctx("servicePrincipals/$entity"),
            ...this.servicePrincipalResource(sp),
          },
        };
      }
      if (nav === "appRoleAssignedTo") {
        const assignmentsCtx = `servicePrincipals('${sp.id}')/appRoleAssignedTo`;
        if (method === "GET" && n === 3) {
          return {
            status: 200,
            body: {
              "@odata.context": ctx(assignmentsCtx),
              value: sp.assignments.map((a) => assignmentResource(sp, a)),
            },
          };
        }
        if (method === "POST" && n === 3) {
          const a = this.assign(sp, body);
          return {
            status: 201,
            body: {
              "@odata.context": ctx(`${assignmentsCtx}/$entity`),
              ...assignmentResource(sp, a),
            },
          };
        }
        if (method === "DELETE" && n === 4) {
          const i = sp.assignments.findIndex((a) => a.id === navId);
          if (i < 0) throw notFound(navId);
          sp.assignments.splice(i, 1);
          return { status: 204 };
        }
      }
      throw unsupported;
    }
    if (collection === "applications" && n === 2) {
      const app = this.applications.get(id.toLowerCase());
      if (!app) throw notFound(id);
      const sp = this.servicePrincipals.get(app.servicePrincipalId.toLowerCase());
      const step = sp?.objectConsistency.shift();
      if (step !== undefined) return consistencyAnswer(step, app.id);
      if (method === "GET") {
        return {
          status: 200,
          body: { "@odata.context": ctx("applications/$entity"), ...this.applicationResource(app) },
        };
      }
      if (method === "DELETE") {
        // Deleting the application removes its service principal, the jobs and the assignments.
        this.applications.delete(app.id);
        this.servicePrincipals.delete(app.servicePrincipalId.toLowerCase());
        return { status: 204 };
      }
      throw unsupported;
    }
    if (collection === "users" && method === "GET") {
      if (n === 1) {
        const filter = parseFilter(query.get("$filter"), [
          "userPrincipalName",
          "displayName",
          "mail",
        ]);
        const value = [...this.users.values()]
          .map(userResource)
          .filter((u) => !filter || filter(u as unknown as Record<string, unknown>));
        return { status: 200, body: { "@odata.context": ctx("users"), value } };
      }
      if (n === 2) {
        const key = id.toLowerCase();
        const user =
          this.users.get(key) ??
          [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key);
        if (!user) throw notFound(id);
        return {
          status: 200,
          body: { "@odata.context": ctx("users/$entity"), ...userResource(user) },
        };
      }
    }
    if (collection === "groups" && method === "GET") {
      if (n === 1) {
        const filter = parseFilter(query.get("$filter"), ["displayName", "mailNickname"]);
        const value = [...this.groups.values()]
          .map(groupResource)
          .filter((g) => !filter || filter(g as unknown as Record<string, unknown>));
        return { status: 200, body: { "@odata.context": ctx("groups"), value } };
      }
      if (n === 2) {
        const group = this.groups.get(id.toLowerCase());
        if (!group) throw notFound(id);
        return {
          status: 200,
          body: { "@odata.context": ctx("groups/$entity"), ...groupResource(group) },
        };
      }
    }
    throw unsupported;
  }

  /** §1a [S9][S74]: 201 with {application, servicePrincipal}. */
  private instantiate(template: ApplicationTemplateState, body: unknown): Answer {
    const displayName = checkInstantiateBody(body);
    const sp = this.createApplication({
      servicePrincipalId: this.ids.guid(),
      displayName,
      applicationTemplateId: template.id,
      templates: template.synchronizationTemplates,
      appRoles: template.appRoles,
    });
    const app = this.applications.get(sp.applicationObjectId)!;
    return {
      status: 201,
      body: {
        "@odata.context": `${this.url}/$metadata#microsoft.graph.applicationServicePrincipal`,
        application: this.applicationResource(app),
        servicePrincipal: this.servicePrincipalResource(sp),
      },
    };
  }

  private assign(sp: ServicePrincipalState, body: unknown): AssignmentState {
    const request = checkAppRoleAssignmentBody(body);
    if (request.resourceId !== sp.id.toLowerCase()) {
      // guess: Graph's answer to a resourceId other than the URL's service principal.
      throw badRequest(
        "Invalid request body: resourceId: must be the id of the service principal in the URL",
      );
    }
    const user = this.users.get(request.principalId);
    const group = this.groups.get(request.principalId);
    // guess: an unknown principal is a 404 naming it.
    if (!user && !group) throw notFound(request.principalId);
    const roleIds = sp.appRoles.map((r) => r.id!.toLowerCase());
    // [S45] the all-zero id is the default role of apps without roles; accepted here as well.
    if (request.appRoleId !== ZERO_GUID && !roleIds.includes(request.appRoleId)) {
      // guess: the exact code and message of an unknown app role.
      throw badRequest(
        `Invalid request body: appRoleId: "${request.appRoleId}" is not an app role of this service ` +
          `principal (${listOrNone(roleIds)})`,
      );
    }
    if (
      sp.assignments.some(
        (a) => a.principalId === request.principalId && a.appRoleId === request.appRoleId,
      )
    ) {
      // guess: Graph's answer to a duplicate assignment.
      throw new Rejection(
        400,
        "Request_BadRequest",
        "Permission being assigned already exists on the object",
      );
    }
    // The documented id's first 16 bytes are the principalId in .NET byte order (INFERENCE from the
    // appRoleAssignedTo sample); the rest are minted. base64url, 43 characters, not a GUID.
    const id = Buffer.concat([dotnetGuidBytes(request.principalId), this.ids.bytes(16)]).toString(
      "base64url",
    );
    const assignment: AssignmentState = {
      id,
      appRoleId: request.appRoleId,
      createdDateTime: graphTime(this.now()),
      principalDisplayName: user?.displayName ?? group?.displayName ?? null,
      principalId: request.principalId,
      principalType: user ? "User" : "Group",
    };
    sp.assignments.push(assignment);
    return assignment;
  }

  // ---- construction helpers ---------------------------------------------------------------------------

  private createApplication(seed: {
    servicePrincipalId: string;
    applicationObjectId?: string;
    appId?: string;
    displayName: string;
    applicationTemplateId: string | null;
    templates: SeedTemplate[];
    appRoles?: AppRoleSeed;
    consistency?: ConsistencySequences;
  }): ServicePrincipalState {
    const appId = (seed.appId ?? this.ids.guid()).toLowerCase();
    const applicationObjectId = (seed.applicationObjectId ?? this.ids.guid()).toLowerCase();
    const consistency = { ...this.options.consistencyErrors, ...seed.consistency };
    const sp: ServicePrincipalState = {
      id: seed.servicePrincipalId,
      appId,
      applicationObjectId,
      applicationTemplateId: seed.applicationTemplateId,
      displayName: seed.displayName,
      appRoles: this.appRolesFor(seed.appRoles),
      templates: structuredClone(seed.templates),
      jobs: new Map(),
      secrets: [],
      laggedReads: this.options.notFoundReadsAfterCreate,
      syncConsistency: [...(consistency.synchronization ?? [])],
      objectConsistency: [...(consistency.directoryObject ?? [])],
      assignments: [],
    };
    this.servicePrincipals.set(sp.id.toLowerCase(), sp);
    this.applications.set(applicationObjectId, {
      id: applicationObjectId,
      appId,
      displayName: seed.displayName,
      applicationTemplateId: seed.applicationTemplateId,
      createdDateTime: graphTime(this.now()).replace(/\.\d+Z$/, "Z"),
      servicePrincipalId: sp.id,
    });
    return sp;
  }

  /** F11 [S74][S91]: msiam_access with a per-app GUID and value null; optionally a User role. */
  private appRolesFor(seed: AppRoleSeed = {}): MSGraph.AppRole[] {
    const roles: MSGraph.AppRole[] = [];
    if (seed.userRole) {
      roles.push({
        allowedMemberTypes: ["User"],
        displayName: "User",
        id: (seed.userRole.id ?? this.ids.guid()).toLowerCase(),
        isEnabled: true,
        description: "User",
        value: seed.userRole.value,
        origin: "Application",
      });
    }
    roles.push({
      allowedMemberTypes: ["User"],
      displayName: "msiam_access",
      id: (seed.msiamAccessId ?? this.ids.guid()).toLowerCase(),
      isEnabled: true,
      description: "msiam_access",
      value: null,
      origin: "Application",
    });
    return roles;
  }

  /** F1: mints a job id in the given form; undefined when the three-part id is taken and the
   *  secondJobFromSameTemplate option says "conflict". */
  private mintJobId(
    sp: ServicePrincipalState,
    templateId: string,
    form: JobIdForm = this.options.jobIdForm,
  ): string | undefined {
    switch (form) {
      case "three-part": {
        const id = `${templateId}.${this.tenantId.replace(/-/g, "")}.${sp.appId}`;
        if (!sp.jobs.has(id)) return id;
        if (this.options.secondJobFromSameTemplate === "conflict") return undefined;
        // guess: a second job from the same template gets another middle part.
        return `${templateId}.${this.ids.hex(16)}.${sp.appId}`;
      }
      case "two-part":
        return `${templateId}.${this.ids.hex(16)}`;
      case "bare-guid":
        return this.ids.guid();
      case "odd":
        return `${templateId}.${this.ids.guid()}.${this.ids.guid().slice(0, 17)}g${this.ids.guid().slice(18)}`;
    }
  }

  private createJob(sp: ServicePrincipalState, template: SeedTemplate, id: string): JobState {
    const state: JobState = {
      template,
      schema: structuredClone(template.schema),
      consistency: [...(this.options.consistencyErrors.job ?? [])],
      actions: [],
      // [S14][S74]: a new job is disabled, never run, steady states at 0001-01-01T00:00:00Z.
      job: {
        id,
        templateId: template.id,
        schedule: { expiration: null, interval: this.options.newJobInterval, state: "Disabled" },
        status: {
          code: this.options.newJobStatusCode,
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
        // [S8] synchronizationJobSettings entries are {name, value}.
        synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
      },
    };
    sp.jobs.set(id, state);
    return state;
  }

  /** [S74] the instantiated service principal's properties. */
  private servicePrincipalResource(sp: ServicePrincipalState): MSGraph.ServicePrincipal {
    return {
      id: sp.id,
      deletedDateTime: null,
      accountEnabled: true,
      appId: sp.appId,
      applicationTemplateId: sp.applicationTemplateId,
      appDisplayName: sp.displayName,
      alternativeNames: [],
      appOwnerOrganizationId: this.tenantId,
      displayName: sp.displayName,
      appRoleAssignmentRequired: true,
      loginUrl: null,
      logoutUrl: null,
      homepage: null,
      notificationEmailAddresses: [],
      preferredSingleSignOnMode: null,
      preferredTokenSigningKeyThumbprint: null,
      replyUrls: [],
      servicePrincipalNames: [sp.appId],
      servicePrincipalType: "Application",
      tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
      tokenEncryptionKeyId: null,
      samlSingleSignOnSettings: null,
      addIns: [],
      appRoles: structuredClone(sp.appRoles),
      info: {
        logoUrl: null,
        marketingUrl: null,
        privacyStatementUrl: null,
        supportUrl: null,
        termsOfServiceUrl: null,
      },
      keyCredentials: [],
      oauth2PermissionScopes: [],
      passwordCredentials: [],
    };
  }

  /** [S74] the instantiated application's properties (abridged). */
  private applicationResource(app: ApplicationState): MSGraph.Application {
    const sp = this.servicePrincipals.get(app.servicePrincipalId.toLowerCase());
    return {
      id: app.id,
      appId: app.appId,
      applicationTemplateId: app.applicationTemplateId,
      createdDateTime: app.createdDateTime,
      deletedDateTime: null,
      displayName: app.displayName,
      groupMembershipClaims: null,
      identifierUris: [],
      isFallbackPublicClient: false,
      signInAudience: "AzureADMyOrg",
      tags: [],
      tokenEncryptionKeyId: null,
      defaultRedirectUri: null,
      optionalClaims: null,
      addIns: [],
      appRoles: structuredClone(sp?.appRoles ?? []),
      info: {
        logoUrl: null,
        marketingUrl: null,
        privacyStatementUrl: null,
        supportUrl: null,
        termsOfServiceUrl: null,
      },
      keyCredentials: [],
      passwordCredentials: [],
      publicClient: { redirectUris: [] },
      requiredResourceAccess: [],
      web: { homePageUrl: null, redirectUris: [] },
    };
  }

  private now(): Date {
    return this.options.clock();
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

// ---- helpers -------------------------------------------------------------------------------------------

function matches(valid: Record<string, string> | undefined, given: Map<string, string>): boolean {
  const expected = Object.entries(valid ?? {});
  return expected.length > 0 && expected.every(([key, value]) => given.get(key) === value);
}

/** guess: Graph updates the version on every write ("auto-updated", §1f); only its change matters. */
function bumpVersion(version: string | null | undefined): string {
  if (!version) return "1";
  const m = /(\d+)$/.exec(version);
  return m ? version.slice(0, m.index) + String(Number(m[1]) + 1) : `${version}~1`;
}

function defaultQuarantineError(reason: QuarantineReason): {
  code: string;
  message: string;
  tenantActionable: boolean;
} {
  if (reason === "EncounteredQuarantineException") {
    // [S74]
    return {
      code: "SystemForCrossDomainIdentityManagementInvalidCredentials",
      message: "Please provide a valid tenant URL for your application.",
      tenantActionable: true,
    };
  }
  // guess: no sample shows the error of another quarantine reason.
  return { code: reason, message: `The job was quarantined (${reason}).`, tenantActionable: true };
}

function describeFault(kind: GraphFaultKind): string {
  if (typeof kind === "string") return kind;
  if ("echo" in kind) return `echo-${kind.status}`;
  if ("status" in kind) return String(kind.status);
  if ("redirect" in kind) return `redirect-${kind.redirect}`;
  if ("wrongContentType" in kind) return "wrong-content-type";
  return `consistency-${typeof kind.consistency === "object" ? JSON.stringify(kind.consistency) : kind.consistency}`;
}

function consistencyAnswer(step: ConsistencyStep, id: string): Answer {
  if (typeof step === "object") {
    return { status: step.status, error: { code: step.code, message: step.message } };
  }
  const e = CONSISTENCY_ERRORS[step];
  return { status: step, error: { code: e.code, message: e.message(id) } };
}

/** The last id-like segment of a path, for a 404's message. */
function idInPath(path: string): string {
  const parts = path.split("/").filter(Boolean);
  return decodeURIComponentSafe(parts.length > 1 ? parts[1] : (parts[0] ?? ""));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** An error whose message repeats the request, Authorization and body included (a hostile service). */
function echoAnswer(req: http.IncomingMessage, raw: string, status: number): Answer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  const message = `The request could not be processed: ${lines.join("\r\n")}\r\n\r\n${raw}`;
  return { status, error: { code: "UnknownError", message } };
}

/** Mangling faults need bytes to mangle: a bodyless answer becomes 200 with "{}". */
function withBody(wire: Wire): Wire {
  if (wire.body && wire.body.length > 0) return { ...wire, headers: { ...wire.headers } };
  const body = Buffer.from("{}", "utf8");
  return {
    status: wire.status === 204 ? 200 : wire.status,
    headers: { ...wire.headers, "content-type": JSON_TYPE, "content-length": String(body.length) },
    body,
  };
}

/** `$filter` with `field eq 'value'` or `contains(field, 'value')` (the forms [S7] documents), string
 *  comparison case-insensitive (guess). Anything else → 400 (guess: Graph's exact code differs by
 *  entity). */
function parseFilter(
  filter: string | null,
  fields: string[],
): ((o: Record<string, unknown>) => boolean) | undefined {
  if (filter === null) return undefined;
  const literal = "'((?:[^']|'')*)'";
  const eq = new RegExp(`^\\s*(\\w+)\\s+eq\\s+${literal}\\s*$`).exec(filter);
  const contains = new RegExp(`^\\s*contains\\(\\s*(\\w+)\\s*,\\s*${literal}\\s*\\)\\s*$`).exec(
    filter,
  );
  const m = eq ?? contains;
  if (!m || !fields.includes(m[1])) {
    throw new Rejection(
      400,
      "BadRequest",
      `Invalid filter clause: the fake supports ${fields.map((f) => `${f} eq '…'`).join(", ")} and contains(…).`,
    );
  }
  const field = m[1];
  const value = m[2].replace(/''/g, "'").toLowerCase();
  return (o) => {
    const v = o[field];
    if (typeof v !== "string") return false;
    return eq ? v.toLowerCase() === value : v.toLowerCase().includes(value);
  };
}

/** [S74] application template properties (prose omitted). */
function applicationTemplateResource(t: ApplicationTemplateState): Record<string, unknown> {
  return {
    id: t.id,
    displayName: t.displayName,
    homePageUrl: t.homePageUrl,
    supportedSingleSignOnModes: [...t.supportedSingleSignOnModes],
    supportedProvisioningTypes: [...t.supportedProvisioningTypes],
    logoUrl: t.logoUrl,
    categories: [...t.categories],
    publisher: t.publisher,
    description: t.description,
  };
}

/** The default property set of GET /users (v1.0). */
function userResource(u: UserState): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

function groupResource(g: GroupState): Record<string, unknown> {
  return {
    id: g.id,
    deletedDateTime: null,
    createdDateTime: g.createdDateTime,
    description: g.description,
    displayName: g.displayName,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    mailNickname: g.mailNickname,
    securityEnabled: true,
  };
}

/** The appRoleAssignedTo sample's properties, in its order. */
function assignmentResource(
  sp: ServicePrincipalState,
  a: AssignmentState,
): Record<string, unknown> {
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: a.principalDisplayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: sp.displayName,
    resourceId: sp.id,
  };
}

function inputValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
  return typeof v === "string" ? v : String(v);
}
