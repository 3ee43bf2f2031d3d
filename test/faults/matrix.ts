// The fault matrix: every I/O operation of every dynamic provider, called directly as the engine
// would, while one request of it meets one fault injected by the local fakes. Each cell gets its own
// fresh fake, so a cell's outcome can be judged against a fault-free run of the same operation: the
// tenant (fake state) and the operation's result must be exactly the same ("recovered"), or the
// operation must fail with a clear message and leave the tenant untouched or complete ("clear error"),
// or, for a 404 on a read or delete, report the resource gone without writing ("reported gone").
// Anything else (a hang, a duplicate, lost state, an unclear or secret-leaking message) is a failed cell.
// Used by test/faultMatrix.test.ts (assertions) and scripts/reliability.ts (docs/reliability.md).
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import {
  CONNECTOR_RULE_ID,
  GraphFake,
  INJECTED_FAULT_ERRORS,
  connectorTemplate,
} from "../fakes/graphFake";
import type { GraphFaultStatus } from "../fakes/graphFake";
import { GoToFake } from "../fakes/gotoFake";
import { synchronizationTemplateProvider } from "../../providers/synchronizationTemplate";
import { testConnectionProvider } from "../../providers/testConnection";
import { attributeMappingsProvider } from "../../providers/attributeMappings";
import { provisioningStatusProvider } from "../../providers/provisioningStatus";
import { guardedSynchronizationSecretProvider } from "../../providers/synchronizationSettings";
import { goToMeetingUserProvider } from "../../providers/goToMeetingUser";
import { provisionOnDemandProvider } from "../../providers/provisionOnDemand";

// ---- the fault columns -----------------------------------------------------------------------

export type FaultId =
  | "429+retry-after"
  | "429"
  | "502"
  | "503"
  | "504"
  | "reset"
  | "timeout"
  | "404-after-create"
  | "409"
  | "403"
  | "lost-response"
  | "cut-off"
  | "wrong-content-type"
  | "echo"
  | "redirect"
  | "retry-after-0";

export interface Fault {
  id: FaultId;
  /** Column header. */
  label: string;
  /** What the fake does to the faulted request. */
  description: string;
}

/** Times a persistent fault is armed: more than any retry budget can spend. */
const PERSISTENT = 1000;

export const FAULTS: readonly Fault[] = [
  {
    id: "429+retry-after",
    label: "429 + Retry-After",
    description: "one 429 with `Retry-After: 0.05` (Graph: `TooManyRequests`)",
  },
  { id: "429", label: "429, no Retry-After", description: "one 429 without `Retry-After`" },
  { id: "502", label: "502", description: "one 502 Bad Gateway (the request had no effect)" },
  {
    id: "503",
    label: "503",
    description: "one 503 Service Unavailable (Graph's fake adds `Retry-After: 0.05`)",
  },
  { id: "504", label: "504", description: "one 504 Gateway Timeout (the request had no effect)" },
  {
    id: "reset",
    label: "reset",
    description: "the connection is reset before the request has any effect",
  },
  {
    id: "timeout",
    label: "timeout",
    description: "no answer at all; the client's per-request timeout (1 s) fires",
  },
  {
    id: "404-after-create",
    label: "404 after create",
    description:
      "two 404 answers (Graph: `Request_ResourceNotFound`), as Entra's replication lag gives right after an object was created",
  },
  {
    id: "409",
    label: "409",
    description: "one 409 (Graph: `ConcurrencyViolation`; GoTo: conflict)",
  },
  {
    id: "403",
    label: "403 (persistent)",
    description:
      "every attempt answers 403 (Graph: `Authorization_RequestDenied`; GoTo: invalid token)",
  },
  {
    id: "lost-response",
    label: "lost response",
    description:
      "the fake applies the request, then resets the connection: it happened, but the client never hears",
  },
  {
    id: "cut-off",
    label: "cut-off body",
    description:
      "the fake applies the request, sends the headers with the full Content-Length and JSON content type, then part of the body, and closes",
  },
  {
    id: "wrong-content-type",
    label: "wrong content type",
    description:
      "the fake applies the request and answers its usual status with a body of another type (Graph: `text/plain`; GoTo: an HTML page)",
  },
  {
    id: "echo",
    label: "echo",
    description:
      "an error (400) whose body repeats the request: method, URL, every header (Authorization included) and the raw body",
  },
  {
    id: "redirect",
    label: "redirect",
    description:
      "a 307 to another origin, the request not applied; following it would resend the credentials there",
  },
  {
    id: "retry-after-0",
    label: "429 + Retry-After: 0",
    description: "one 429 with `Retry-After: 0`, which must not become a hot loop",
  },
];

type FaultKind =
  Parameters<GraphFake["inject"]>[0]["kind"] | Parameters<GoToFake["inject"]>[0]["kind"];

/** Where a redirect fault points a GoTo request: another origin that is never contacted. */
const ELSEWHERE = "http://127.0.0.1:9/elsewhere";

function injection(fault: FaultId, api: Api): { kind: FaultKind; times: number } {
  const graph = api === "Microsoft Graph";
  switch (fault) {
    case "429+retry-after":
      return { kind: { status: 429, retryAfter: "0.05" }, times: 1 };
    case "429":
      return { kind: { status: 429, retryAfter: null }, times: 1 };
    case "502":
      return { kind: { status: 502 }, times: 1 };
    case "503":
      return { kind: { status: 503 }, times: 1 };
    case "504":
      return { kind: { status: 504 }, times: 1 };
    case "reset":
      return { kind: "reset", times: 1 };
    case "timeout":
      return { kind: "hang", times: 1 };
    case "404-after-create":
      return { kind: { status: 404 }, times: 2 };
    case "409":
      return { kind: { status: 409 }, times: 1 };
    case "403":
      return { kind: { status: 403 }, times: PERSISTENT };
    case "lost-response":
      return { kind: "reset-after-commit", times: 1 };
    case "cut-off":
      return { kind: graph ? "cut-off" : "truncate", times: 1 };
    case "wrong-content-type":
      return { kind: graph ? "wrong-content-type" : "html", times: 1 };
    case "echo":
      return { kind: graph ? { echo: true, status: 400 } : { echo: 400 }, times: 1 };
    case "redirect":
      return {
        kind: graph ? { redirect: 307 } : { redirect: 307, location: ELSEWHERE },
        times: 1,
      };
    case "retry-after-0":
      return { kind: { status: 429, retryAfter: "0" }, times: 1 };
  }
}

// ---- settings and secrets ----------------------------------------------------------------------

/**
 * Provider settings of every cell: a hang costs 1 s and a call's retries 5 s at most. The timeout
 * is far above what a local fake needs even on a loaded two-core CI machine, so attempt counts
 * stay exact.
 */
export const MATRIX_SETTINGS = {
  apiTimeoutSeconds: "1",
  apiRetryBudgetSeconds: "5",
  apiRetryBaseSeconds: "0.01",
  gotoRequestsPerSecond: "1000",
} as const;

/** A cell that has not settled by then counts as hanging. */
export const CELL_DEADLINE_MS = 15_000;

// Distinctive values, so a leak into a message cannot go unnoticed.
const GRAPH_TOKEN = "graph-bearer-7Qw9xLr2Vn";
const GOTO_TOKEN = "goto-bearer-K3pZ8sYt1M";
const ADMIN_USER = "goto.admin@contoso.com";
const ADMIN_PASSWORD = "Adm1n-Pa55word-Xy7";
const NEW_ADMIN_PASSWORD = "Adm1n-Pa55word-Zq4";
const SECRETS = [GRAPH_TOKEN, GOTO_TOKEN, ADMIN_PASSWORD, NEW_ADMIN_PASSWORD];

/** One fixed service principal id: every cell has its own fake, so ids never collide. */
export const SP_ID = "5f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5";

// ---- fakes behind one interface ----------------------------------------------------------------

export type Api = "Microsoft Graph" | "GoTo";

interface Recorded {
  method: string;
  path: string;
  query: string;
  status: number;
}

interface Env {
  api: Api;
  url: string;
  graph?: GraphFake;
  goto?: GoToFake;
  /** Set by the fixture: ids that differ between runs and are normalised away. */
  jobId: string;
  inject(f: { method: string; path: RegExp; kind: FaultKind; times: number }): void;
  requests(): Recorded[];
  resetRequests(): void;
  stop(): Promise<void>;
}

async function startEnv(api: Api): Promise<Env> {
  if (api === "Microsoft Graph") {
    const graph = await GraphFake.start({ token: GRAPH_TOKEN });
    return {
      api,
      url: graph.url,
      graph,
      jobId: "",
      inject: (f) => graph.inject(f as Parameters<GraphFake["inject"]>[0]),
      requests: () => graph.requests,
      resetRequests: () => graph.resetRequests(),
      stop: () => graph.stop(),
    };
  }
  const goto = await GoToFake.start({ token: GOTO_TOKEN });
  return {
    api,
    url: goto.url,
    goto,
    jobId: "",
    inject: (f) => goto.inject(f as Parameters<GoToFake["inject"]>[0]),
    requests: () => goto.requests,
    resetRequests: () => goto.resetRequests(),
    stop: () => goto.stop(),
  };
}

function configRequest(values: Record<string, string>): pulumi.dynamic.ConfigureRequest {
  const config = {
    get: (key: string) => values[key],
    require(key: string) {
      const v = values[key];
      if (v === undefined) throw new Error(`missing configuration ${key}`);
      return v;
    },
  };
  // Providers only call get/require; the SDK's Config class has more that they never touch.
  return { config } as unknown as pulumi.dynamic.ConfigureRequest;
}

type AnyProvider = pulumi.dynamic.ResourceProvider;

async function configure(provider: AnyProvider, env: Env): Promise<void> {
  const values: Record<string, string> =
    env.api === "Microsoft Graph"
      ? { graphApiUrl: env.url, graphAccessToken: GRAPH_TOKEN, ...MATRIX_SETTINGS }
      : { gotoApiUrl: env.url, gotoAccessToken: GOTO_TOKEN, ...MATRIX_SETTINGS };
  await provider.configure!(configRequest(values));
}

/** The tenant as the operation can affect it, with run-specific values normalised. */
function snapshot(env: Env): unknown {
  if (env.graph) {
    const g = env.graph;
    const job = env.jobId ? g.job(SP_ID, env.jobId) : undefined;
    // A repeated idempotent PUT bumps Graph's schema version counter and nothing else.
    const schema = env.jobId ? { ...g.schema(SP_ID, env.jobId), version: "<version>" } : undefined;
    return normalise({ secrets: g.secrets(SP_ID), job, schema }, env);
  }
  return normalise(env.goto!.users(), env);
}

/** Replaces what legitimately differs between two runs: job ids, fake ports, timestamps. */
export function normaliseText(text: string, jobId = ""): string {
  let out = text;
  if (jobId) out = out.split(jobId).join("<jobId>");
  return (
    out
      .split(SP_ID)
      .join("<sp>")
      .replace(/http:\/\/127\.0\.0\.1:\d+/g, "http://<fake>")
      .replace(/127\.0\.0\.1:\d+/g, "<fake>")
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
      // Minted fresh by each fake: the portal's tokens and a cycle's activity id.
      .replace(/portal-(access|refresh)-[0-9a-f]+/g, "portal-$1-<token>")
      .replace(/"activityIdentifier":"[0-9a-f-]{36}"/g, '"activityIdentifier":"<guid>"')
      .replace(/gave up after \d+ attempts in \d+ ms/g, "gave up after <n> attempts in <n> ms")
  );
}

function normalise(value: unknown, env: Env): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(normaliseText(JSON.stringify(value), env.jobId));
}

// ---- the operations (rows) ---------------------------------------------------------------------

export type ResourceName =
  | "SynchronizationTemplate"
  | "TestConnection"
  | "AttributeMappings"
  | "ProvisioningStatus"
  | "GuardedSynchronizationSecret"
  | "ProvisionOnDemand"
  | "GoToMeetingUser";

export const RESOURCES: readonly ResourceName[] = [
  "SynchronizationTemplate",
  "TestConnection",
  "AttributeMappings",
  "ProvisioningStatus",
  "GuardedSynchronizationSecret",
  "ProvisionOnDemand",
  "GoToMeetingUser",
];

interface Step {
  /** Row label part, e.g. "GET templates". */
  label: string;
  /** The request as error messages show it, normalised, e.g. "GET /servicePrincipals/<sp>/synchronization/templates". */
  request: string;
  method: string;
  /** Matches the step's request path (after the API prefix) in this env. */
  path(env: Env): RegExp;
  /** GoTo's search and its user path share "/Users": the search is the one with a query. */
  withQuery?: boolean;
}

interface Operation {
  resource: ResourceName;
  operation: string;
  api: Api;
  provider: AnyProvider;
  steps: Step[];
  /** Seeds the fake (making earlier provider calls when the operation follows a create) and returns the call under test. */
  prepare(env: Env): Promise<() => Promise<unknown>>;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const spPath = (tail: string) => `/servicePrincipals/${SP_ID}/synchronization/${tail}`;
const graphStep = (label: string, method: string, tail: (jobId: string) => string): Step => ({
  label,
  method,
  request: `${method} ${normaliseText(spPath(tail("<jobId>")))}`,
  path: (env) => new RegExp(`^${escape(spPath(tail(env.jobId)))}$`),
});
const templatesStep = (method = "GET") =>
  graphStep(`${method} templates`, method, () => "templates");
const jobStep = (method: string, label: string, suffix = "") =>
  graphStep(label, method, (jobId) => `jobs/${jobId}${suffix}`);
const secretsStep = (method: string) => graphStep(`${method} secrets`, method, () => "secrets");

/** Adds the service principal (with the connector's template) and a disabled job, as the program's azuread resources would. */
function seedGraph(env: Env, connector: "goto" | "gotomeeting" = "goto"): void {
  const g = env.graph!;
  g.addServicePrincipal({
    id: SP_ID,
    displayName: connector === "goto" ? "GoTo" : "GoToMeeting",
    templates: [connectorTemplate(connector)],
  });
  env.jobId = g.addJob(SP_ID, connector === "goto" ? "GoTo" : "GoToMeeting");
}

const templateP = synchronizationTemplateProvider;
const testP = testConnectionProvider;
const mappingsP = attributeMappingsProvider;
const statusP = provisioningStatusProvider;
const secretP = guardedSynchronizationSecretProvider;
const userP = goToMeetingUserProvider;
const pilotP = provisionOnDemandProvider;
/** The pilot user the provisionOnDemand rows provision. */
const PILOT = "9bb0f679-a883-4a6f-8260-35b491b8b8c8";

const templateInputs = () => ({
  servicePrincipalId: SP_ID,
  connector: "goto" as const,
  galleryApp: "GoTo",
  credentialKeys: [] as string[],
});
const credentials = (password: string) => [
  { key: "UserName", value: ADMIN_USER },
  { key: "Password", value: password },
];
const testInputs = (env: Env, password = ADMIN_PASSWORD) => ({
  servicePrincipalId: SP_ID,
  jobId: env.jobId,
  connector: "gotomeeting" as const,
  credentials: credentials(password),
});
const mappingInputs = (env: Env, withTitle = false) => ({
  servicePrincipalId: SP_ID,
  jobId: env.jobId,
  objectType: "User" as const,
  mappings: [
    { target: "externalId", source: "objectId" },
    ...(withTitle ? [{ target: "title", source: "department" }] : []),
  ],
});
const statusInputs = (env: Env, enabled: boolean, allowMassDeletion = false) => ({
  servicePrincipalId: SP_ID,
  jobId: env.jobId,
  enabled,
  allowMassDeletion,
});
const notification = (threshold: number) =>
  JSON.stringify({
    Enabled: true,
    Recipients: "ops@contoso.com",
    DeleteThresholdEnabled: true,
    DeleteThresholdValue: threshold,
  });
const secretInputs = (threshold = 50) => ({
  servicePrincipalId: SP_ID,
  settings: [
    { key: "SyncNotificationSettings" as const, value: notification(threshold) },
    { key: "SyncAll" as const, value: "false" },
  ],
});
const ada = {
  userName: "ada@example.com",
  givenName: "Ada",
  familyName: "Lovelace",
  adoptExisting: false,
};
/** GoTo numbers users from 7300000001 in each fresh fake: the user under test always has this key. */
const USER_KEY = "7300000001";
const userStep = (method: string): Step => ({
  label: `${method} /Users/{key}`,
  request: `${method} /Users/${USER_KEY}`,
  method,
  path: () => /^\/Users\/\d+$/,
});

export const OPERATIONS: readonly Operation[] = [
  {
    resource: "SynchronizationTemplate",
    operation: "create",
    api: "Microsoft Graph",
    provider: templateP,
    steps: [templatesStep()],
    async prepare(env) {
      seedGraph(env);
      return () => templateP.create(templateInputs());
    },
  },
  {
    resource: "SynchronizationTemplate",
    operation: "read",
    api: "Microsoft Graph",
    provider: templateP,
    steps: [templatesStep()],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await templateP.create(templateInputs());
      return () => templateP.read!(id, outs!);
    },
  },
  {
    resource: "TestConnection",
    operation: "create",
    api: "Microsoft Graph",
    provider: testP,
    steps: [jobStep("POST", "POST validateCredentials", "/validateCredentials")],
    async prepare(env) {
      seedGraph(env, "gotomeeting");
      env.graph!.setValidCredentials(SP_ID, { UserName: ADMIN_USER, Password: ADMIN_PASSWORD });
      return () => testP.create(testInputs(env));
    },
  },
  {
    resource: "TestConnection",
    operation: "update",
    api: "Microsoft Graph",
    provider: testP,
    steps: [jobStep("POST", "POST validateCredentials", "/validateCredentials")],
    async prepare(env) {
      seedGraph(env, "gotomeeting");
      const g = env.graph!;
      g.setValidCredentials(SP_ID, { UserName: ADMIN_USER, Password: ADMIN_PASSWORD });
      const { id, outs } = await testP.create(testInputs(env));
      // The admin's password was changed in GoTo; the stack now declares the new one.
      g.setValidCredentials(SP_ID, { UserName: ADMIN_USER, Password: NEW_ADMIN_PASSWORD });
      return () => testP.update!(id, outs!, testInputs(env, NEW_ADMIN_PASSWORD));
    },
  },
  {
    resource: "TestConnection",
    operation: "create (goto, authorized)",
    api: "Microsoft Graph",
    provider: testP,
    steps: [
      secretsStep("GET"),
      jobStep("POST", "POST validateCredentials", "/validateCredentials"),
    ],
    async prepare(env) {
      seedGraph(env);
      env.graph!.authorizeInPortal(SP_ID);
      return () => testP.create({ servicePrincipalId: SP_ID, jobId: env.jobId, connector: "goto" });
    },
  },
  {
    resource: "AttributeMappings",
    operation: "create (expression)",
    api: "Microsoft Graph",
    provider: mappingsP,
    steps: [
      jobStep("GET", "GET schema", "/schema"),
      jobStep("POST", "POST parseExpression", "/schema/parseExpression"),
      jobStep("PUT", "PUT schema", "/schema"),
    ],
    async prepare(env) {
      seedGraph(env);
      return () =>
        mappingsP.create({
          ...mappingInputs(env),
          mappings: [{ target: "displayName", expression: 'Join(" ", [givenName], [surname])' }],
        });
    },
  },
  {
    resource: "AttributeMappings",
    operation: "create",
    api: "Microsoft Graph",
    provider: mappingsP,
    steps: [jobStep("GET", "GET schema", "/schema"), jobStep("PUT", "PUT schema", "/schema")],
    async prepare(env) {
      seedGraph(env);
      return () => mappingsP.create(mappingInputs(env));
    },
  },
  {
    resource: "AttributeMappings",
    operation: "read",
    api: "Microsoft Graph",
    provider: mappingsP,
    steps: [jobStep("GET", "GET schema", "/schema")],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await mappingsP.create(mappingInputs(env));
      return () => mappingsP.read!(id, outs!);
    },
  },
  {
    resource: "AttributeMappings",
    operation: "update",
    api: "Microsoft Graph",
    provider: mappingsP,
    steps: [
      jobStep("GET", "GET schema", "/schema"),
      templatesStep(),
      jobStep("PUT", "PUT schema", "/schema"),
    ],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await mappingsP.create(mappingInputs(env, true));
      // Dropping the title mapping puts the template's definition back (needs the template).
      return () => mappingsP.update!(id, outs!, mappingInputs(env));
    },
  },
  {
    resource: "AttributeMappings",
    operation: "delete",
    api: "Microsoft Graph",
    provider: mappingsP,
    steps: [
      jobStep("GET", "GET schema", "/schema"),
      templatesStep(),
      jobStep("PUT", "PUT schema", "/schema"),
    ],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await mappingsP.create(mappingInputs(env));
      return () => mappingsP.delete!(id, outs!);
    },
  },
  {
    resource: "ProvisioningStatus",
    operation: "create",
    api: "Microsoft Graph",
    provider: statusP,
    steps: [jobStep("GET", "GET job"), jobStep("POST", "POST start", "/start")],
    async prepare(env) {
      seedGraph(env);
      return () => statusP.create(statusInputs(env, true));
    },
  },
  {
    resource: "ProvisioningStatus",
    operation: "update",
    api: "Microsoft Graph",
    provider: statusP,
    steps: [jobStep("GET", "GET job"), jobStep("POST", "POST pause", "/pause")],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await statusP.create(statusInputs(env, true));
      return () => statusP.update!(id, outs!, statusInputs(env, false));
    },
  },
  {
    resource: "ProvisioningStatus",
    operation: "read",
    api: "Microsoft Graph",
    provider: statusP,
    steps: [jobStep("GET", "GET job")],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await statusP.create(statusInputs(env, true));
      return () => statusP.read!(id, outs!);
    },
  },
  {
    resource: "ProvisioningStatus",
    operation: "update (release TooManyDeletes)",
    api: "Microsoft Graph",
    provider: statusP,
    steps: [jobStep("GET", "GET job"), jobStep("POST", "POST restart", "/restart")],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await statusP.create(statusInputs(env, true));
      env.graph!.quarantine(SP_ID, env.jobId, "TooManyDeletes", { at: "2026-11-30T08:00:00Z" });
      return () => statusP.update!(id, outs!, statusInputs(env, true, true));
    },
  },
  {
    resource: "GuardedSynchronizationSecret",
    operation: "create",
    api: "Microsoft Graph",
    provider: secretP,
    steps: [secretsStep("GET"), secretsStep("PUT")],
    async prepare(env) {
      seedGraph(env);
      return () => secretP.create(secretInputs());
    },
  },
  {
    resource: "GuardedSynchronizationSecret",
    operation: "update",
    api: "Microsoft Graph",
    provider: secretP,
    steps: [secretsStep("GET"), secretsStep("PUT")],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await secretP.create(secretInputs());
      return () => secretP.update!(id, outs!, secretInputs(25));
    },
  },
  {
    resource: "GuardedSynchronizationSecret",
    operation: "read",
    api: "Microsoft Graph",
    provider: secretP,
    steps: [secretsStep("GET")],
    async prepare(env) {
      seedGraph(env);
      const { id, outs } = await secretP.create(secretInputs());
      return () => secretP.read!(id, outs!);
    },
  },
  {
    resource: "ProvisionOnDemand",
    operation: "create",
    api: "Microsoft Graph",
    provider: pilotP,
    steps: [jobStep("POST", "POST provisionOnDemand", "/provisionOnDemand")],
    async prepare(env) {
      seedGraph(env);
      return () =>
        pilotP.create({
          servicePrincipalId: SP_ID,
          jobId: env.jobId,
          ruleId: CONNECTOR_RULE_ID,
          objectId: PILOT,
          ready: true,
        });
    },
  },
  {
    resource: "GoToMeetingUser",
    operation: "create",
    api: "GoTo",
    provider: userP,
    steps: [
      { label: "POST /Users", request: "POST /Users", method: "POST", path: () => /^\/Users$/ },
    ],
    async prepare() {
      return () => userP.create(ada);
    },
  },
  {
    resource: "GoToMeetingUser",
    operation: "create (adopt)",
    api: "GoTo",
    provider: userP,
    steps: [
      {
        label: "POST /Users (409)",
        request: "POST /Users",
        method: "POST",
        path: () => /^\/Users$/,
      },
      {
        label: "GET /Users?filter",
        request: "GET /Users?…",
        method: "GET",
        path: () => /^\/Users$/,
        withQuery: true,
      },
      userStep("PATCH"),
    ],
    async prepare(env) {
      env.goto!.addUser({
        userName: ada.userName,
        givenName: "Ada",
        familyName: "Byron",
        created: "2020-01-01T00:00:00.000Z",
      });
      return () => userP.create({ ...ada, adoptExisting: true });
    },
  },
  {
    resource: "GoToMeetingUser",
    operation: "read",
    api: "GoTo",
    provider: userP,
    steps: [userStep("GET")],
    async prepare() {
      const { id, outs } = await userP.create(ada);
      return () => userP.read!(id, outs!);
    },
  },
  {
    resource: "GoToMeetingUser",
    operation: "update",
    api: "GoTo",
    provider: userP,
    steps: [userStep("PATCH")],
    async prepare() {
      const { id, outs } = await userP.create(ada);
      return () => userP.update!(id, outs!, { ...ada, givenName: "Augusta Ada" });
    },
  },
  {
    resource: "GoToMeetingUser",
    operation: "delete",
    api: "GoTo",
    provider: userP,
    steps: [userStep("DELETE")],
    async prepare() {
      const { id, outs } = await userP.create(ada);
      return () => userP.delete!(id, outs!);
    },
  },
];

/** Provider methods that never touch the network; the matrix proves it by counting requests. */
export const NO_IO: readonly { resource: ResourceName; operations: string[] }[] = [
  { resource: "SynchronizationTemplate", operations: ["check", "diff", "delete"] },
  { resource: "TestConnection", operations: ["check", "diff", "read", "delete"] },
  { resource: "AttributeMappings", operations: ["check", "diff"] },
  { resource: "ProvisioningStatus", operations: ["check", "diff", "delete"] },
  { resource: "GuardedSynchronizationSecret", operations: ["check", "diff", "delete"] },
  { resource: "ProvisionOnDemand", operations: ["check", "diff", "read", "delete"] },
  { resource: "GoToMeetingUser", operations: ["check", "diff"] },
];

// ---- running and judging a cell ----------------------------------------------------------------

/**
 * "reported gone": a 404 on a read or delete, which is the only sign of a deletion Graph and GoTo
 * give, was taken as one: the operation reported the resource gone and wrote nothing. Accepted only
 * for the 404 column of read and delete rows; anywhere else it would be lost state.
 */
export type Outcome = "recovered" | "reported gone" | "clear error" | "failed";

export interface Cell {
  fault: FaultId;
  outcome: Outcome;
  /** Requests the faulted step received (the first attempt included). */
  attempts: number;
  /** Requests of the whole operation. */
  requests: number;
  elapsedMs: number;
  /** The error's message, normalised (run-specific ids, ports and times replaced). */
  message?: string;
  /** Why a failed cell failed. */
  problem?: string;
}

export interface Row {
  resource: ResourceName;
  operation: string;
  step: string;
  /** The faulted request as messages show it (normalised). */
  request: string;
  api: Api;
  cells: Cell[];
}

export interface NoIoRow {
  resource: ResourceName;
  operations: string[];
  /** Requests the fake saw while they ran: 0 when the claim holds. */
  requests: number;
}

export interface MatrixResult {
  rows: Row[];
  noIo: NoIoRow[];
}

interface Settled {
  ok: boolean;
  value?: unknown;
  error?: unknown;
  timedOut: boolean;
}

async function settle(run: () => Promise<unknown>): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, timedOut: true }), CELL_DEADLINE_MS);
  });
  const outcome = run().then(
    (value): Settled => ({ ok: true, value, timedOut: false }),
    (error: unknown): Settled => ({ ok: false, error, timedOut: false }),
  );
  try {
    return await Promise.race([outcome, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A sentence telling the user what to do; a bare "invalid" or a status alone does not match. */
export const FIX_HINT =
  /\b(?:Fix:|(?:run pulumi|run again|again later|try again|grant|check|set|raise|lower|sign in|choose|remove)\b)/i;

/**
 * What makes an error message unclear; empty when it is clear. A message the clients pass through
 * ("Microsoft Graph GET /… failed: …", "GoTo PATCH /… failed: …") must carry the vendor's status (and
 * Graph's error code); one a provider wrote for a case it recognised must still name the API.
 */
export function clarityProblems(message: string, api: Api, status: number | undefined): string[] {
  const problems: string[] = [];
  if (!message.includes(api)) problems.push(`does not say that ${api} failed`);
  const passedThrough = new RegExp(`^${api} (GET|POST|PUT|PATCH|DELETE) \\S+ failed: `).test(
    message,
  );
  if (passedThrough && status !== undefined && !message.includes(`HTTP ${status}`)) {
    problems.push(`does not give the HTTP status ${status}`);
  }
  const injected = INJECTED_FAULT_ERRORS[status as GraphFaultStatus] as
    { code: string } | undefined;
  if (
    passedThrough &&
    api === "Microsoft Graph" &&
    injected !== undefined &&
    !message.includes(injected.code)
  ) {
    problems.push("does not give Graph's error code");
  }
  if (!FIX_HINT.test(message)) problems.push("gives no fix");
  if (SECRETS.some((s) => message.includes(s))) problems.push("contains a secret");
  if (/\n\s+at /.test(message)) problems.push("contains a stack trace");
  return problems;
}

function describeDiff(what: string, actual: unknown, expected: unknown): string {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  let i = 0;
  while (i < a.length && a[i] === e[i]) i++;
  const from = Math.max(0, i - 40);
  return `${what} differs from a fault-free run: …${a.slice(from, i + 60)}… instead of …${e.slice(from, i + 60)}…`;
}

interface Baseline {
  result: unknown;
  after: unknown;
}

async function runOnce(
  op: Operation,
  fault?: { step: Step; id: FaultId },
): Promise<{
  settled: Settled;
  before: unknown;
  after: unknown;
  env: Env;
  elapsedMs: number;
  log: Recorded[];
}> {
  const env = await startEnv(op.api);
  try {
    await configure(op.provider, env);
    const run = await op.prepare(env);
    env.resetRequests();
    const before = snapshot(env);
    if (fault) {
      const { kind, times } = injection(fault.id, op.api);
      env.inject({ method: fault.step.method, path: fault.step.path(env), kind, times });
    }
    const started = performance.now();
    const settled = await settle(run);
    const elapsedMs = performance.now() - started;
    const after = snapshot(env);
    return { settled, before, after, env, elapsedMs, log: [...env.requests()] };
  } finally {
    await env.stop();
  }
}

async function baselineOf(op: Operation): Promise<Baseline> {
  const { settled, after, env } = await runOnce(op);
  if (!settled.ok) {
    throw new Error(
      `fault matrix: ${op.resource} ${op.operation} fails without any fault: ${String((settled.error as Error)?.message ?? "timed out")}`,
    );
  }
  return { result: normalise(settled.value, env), after };
}

async function runCell(op: Operation, step: Step, fault: FaultId, base: Baseline): Promise<Cell> {
  const { settled, before, after, env, elapsedMs, log } = await runOnce(op, { step, id: fault });
  const pattern = step.path(env);
  const attempts = log.filter(
    (r) =>
      r.method === step.method &&
      pattern.test(r.path) &&
      (step.withQuery === undefined || (r.query !== "") === step.withQuery),
  ).length;
  const cell = { fault, attempts, requests: log.length, elapsedMs: Math.round(elapsedMs) };
  if (settled.timedOut) {
    return {
      ...cell,
      outcome: "failed",
      problem: `no outcome within ${CELL_DEADLINE_MS / 1000} s`,
    };
  }
  if (settled.ok) {
    const result = normalise(settled.value, env);
    if (isDeepStrictEqual(after, base.after) && isDeepStrictEqual(result, base.result)) {
      return { ...cell, outcome: "recovered" };
    }
    const gone =
      fault === "404-after-create" &&
      (op.operation === "read" || op.operation === "delete") &&
      isDeepStrictEqual(after, before) &&
      (op.operation === "delete" ? result === undefined : !(result as { id?: string })?.id);
    if (gone) return { ...cell, outcome: "reported gone" };
    if (!isDeepStrictEqual(after, base.after)) {
      return { ...cell, outcome: "failed", problem: describeDiff("the tenant", after, base.after) };
    }
    return { ...cell, outcome: "failed", problem: describeDiff("the result", result, base.result) };
  }
  const err = settled.error;
  const raw = err instanceof Error ? err.message : String(err);
  const message = normaliseText(raw, env.jobId);
  if (!isDeepStrictEqual(after, before) && !isDeepStrictEqual(after, base.after)) {
    return {
      ...cell,
      outcome: "failed",
      message,
      problem: "the error left the tenant neither untouched nor as a fault-free run leaves it",
    };
  }
  // The status the client last heard for the faulted step, if it heard one.
  const heard = log.filter((r) => r.method === step.method && pattern.test(r.path)).pop()?.status;
  const status = heard !== undefined && heard >= 400 ? heard : undefined;
  const problems = clarityProblems(raw, op.api, status);
  if (problems.length > 0) {
    return {
      ...cell,
      outcome: "failed",
      message,
      problem: `unclear error: ${problems.join("; ")}`,
    };
  }
  return { ...cell, outcome: "clear error", message };
}

async function runNoIo(entry: (typeof NO_IO)[number]): Promise<NoIoRow> {
  const op = OPERATIONS.find((o) => o.resource === entry.resource)!;
  const env = await startEnv(op.api);
  try {
    await configure(op.provider, env);
    if (op.api === "Microsoft Graph") seedGraph(env);
    // The fake logs every request it receives, answered or not.
    env.resetRequests();
    const p = op.provider;
    const inputs: Record<ResourceName, () => Record<string, unknown>> = {
      SynchronizationTemplate: () => templateInputs(),
      TestConnection: () => testInputs(env),
      AttributeMappings: () => mappingInputs(env),
      ProvisioningStatus: () => statusInputs(env, true),
      GuardedSynchronizationSecret: () => secretInputs(),
      ProvisionOnDemand: () => ({
        servicePrincipalId: SP_ID,
        jobId: env.jobId,
        ruleId: CONNECTOR_RULE_ID,
        objectId: PILOT,
        ready: true,
      }),
      GoToMeetingUser: () => ({ ...ada }),
    };
    const news = inputs[entry.resource]();
    const olds = {
      ...news,
      live: [],
      credentialsHash: "",
      scheduleState: "Active",
      userKey: "1",
      result: "Success",
    };
    for (const method of entry.operations) {
      if (method === "check") await p.check!(olds, news);
      if (method === "diff") await p.diff!("id", olds, news);
      if (method === "read") await p.read!("id", olds);
      if (method === "delete") await p.delete!("id", olds);
    }
    return { ...entry, requests: env.requests().length };
  } finally {
    await env.stop();
  }
}

/** Runs every cell; resources run side by side (each provider has its own settings), cells of one resource one after another. */
export async function runMatrix(
  options: { resources?: readonly ResourceName[]; faults?: readonly FaultId[] } = {},
): Promise<MatrixResult> {
  const resources = options.resources ?? RESOURCES;
  const faults = options.faults ?? FAULTS.map((f) => f.id);
  const perResource = await Promise.all(
    resources.map(async (resource) => {
      const rows: Row[] = [];
      for (const op of OPERATIONS.filter((o) => o.resource === resource)) {
        const base = await baselineOf(op);
        for (const step of op.steps) {
          const cells: Cell[] = [];
          for (const fault of faults) cells.push(await runCell(op, step, fault, base));
          rows.push({
            resource,
            operation: op.operation,
            step: step.label,
            request: step.request,
            api: op.api,
            cells,
          });
        }
      }
      const noIo = [];
      for (const entry of NO_IO.filter((e) => e.resource === resource))
        noIo.push(await runNoIo(entry));
      return { rows, noIo };
    }),
  );
  return {
    rows: perResource.flatMap((r) => r.rows),
    noIo: perResource.flatMap((r) => r.noIo),
  };
}

// ---- docs/reliability.md -----------------------------------------------------------------------

export interface RenderMeta {
  /** When the matrix ran (ISO 8601). */
  generatedAt: string;
  /** process.version of the run. */
  node: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const seconds = (ms: number) => `⏱ ${(ms / 1000).toFixed(2)} s`;
const cellText = (c: Cell, ref?: string) =>
  c.outcome === "recovered"
    ? `✅ recovered (${plural(c.attempts, "attempt")})`
    : c.outcome === "clear error"
      ? `✅ clear error [${ref}]`
      : c.outcome === "reported gone"
        ? "✅ reported gone"
        : `❌ ${c.problem ?? "failed"}${c.message ? ` [${ref}]` : ""}`;

/** docs/reliability.md for one run of the matrix. */
export function renderReliability(result: MatrixResult, meta: RenderMeta): string {
  const messageIds = new Map<string, string>();
  const usedBy = new Map<string, string[]>();
  for (const row of result.rows) {
    for (const c of row.cells) {
      if (c.message === undefined) continue;
      if (!messageIds.has(c.message)) messageIds.set(c.message, `E${messageIds.size + 1}`);
      const label = `${row.resource} ${row.operation} (${row.step}) × ${FAULTS.find((f) => f.id === c.fault)!.label}`;
      usedBy.set(c.message, [...(usedBy.get(c.message) ?? []), label]);
    }
  }
  const all = result.rows.flatMap((r) => r.cells);
  const count = (cells: Cell[], o: Outcome) => cells.filter((c) => c.outcome === o).length;
  const out: string[] = [];
  out.push(
    "# Reliability: the fault matrix",
    "",
    "<!-- Generated by scripts/reliability.ts; do not edit by hand. test/faultMatrix.test.ts fails when this file no longer matches what the code does. -->",
    "",
    `Generated by \`npm run reliability\` (scripts/reliability.ts) on ${meta.generatedAt} with Node ${meta.node}.`,
    "",
    "Every operation of every dynamic resource that talks to an API, called directly as Pulumi's engine would call it,",
    "while one of its requests meets one fault injected by the local fakes (`test/fakes/graphFake.ts`,",
    "`test/fakes/gotoFake.ts`). Rows are operations and the request that is faulted; columns are faults.",
    "",
    `**${plural(all.length, "cell")}: ${count(all, "recovered")} recovered, ${count(all, "clear error")} clear error, ` +
      `${count(all, "reported gone")} reported gone, ${count(all, "failed")} failed.**`,
    "",
    "## How a cell is run and judged",
    "",
    "- Each cell starts its own fake (its own tenant), configures the provider from stack config as `configure()` would",
    `  (\`apiTimeoutSeconds\` ${MATRIX_SETTINGS.apiTimeoutSeconds}, \`apiRetryBudgetSeconds\` ${MATRIX_SETTINGS.apiRetryBudgetSeconds}, ` +
      `\`apiRetryBaseSeconds\` ${MATRIX_SETTINGS.apiRetryBaseSeconds}, \`gotoRequestsPerSecond\` ${MATRIX_SETTINGS.gotoRequestsPerSecond}),`,
    "  seeds what the operation needs (the app's service principal and job; for read, update and delete, the",
    "  resource's own create, run without faults), arms the fault on the row's request and runs the operation.",
    "- The same operation is also run without any fault. The comparison ignores only what differs between any two",
    "  runs: job ids, fake ports, timestamps and the schema's `version` counter (which a repeated PUT bumps).",
    "- Outcomes:",
    "  - **✅ recovered (n attempts)**: the operation succeeded, and the tenant (the fake's state) and the operation's",
    "    result are exactly those of the fault-free run: nothing duplicated, nothing lost. n is the number of",
    "    requests the faulted request took.",
    "  - **✅ clear error [En]**: the operation failed with a message (listed below) that names the API, carries",
    "    Graph's or GoTo's status and code where the client passes the answer on, and says what to do; it contains no",
    "    token, password or stack trace. The tenant is untouched or exactly as the fault-free run leaves it (a write",
    "    that happened before the answer was lost), never half-changed or duplicated.",
    "  - **✅ reported gone**: a 404 on a read or a delete was taken as the deletion it normally means: the read",
    "    returned no id (refresh drops the resource) or the delete finished, and nothing was written. A read cannot",
    "    tell a deleted object from one Entra has not replicated yet; the Graph resources converge on the next",
    "    `pulumi up` (create adopts what exists), and a GoToMeetingUser dropped this way needs `adoptExisting: true`.",
    "    Accepted only in the 404 column of read and delete rows.",
    `  - **❌**: anything else (no outcome within ${CELL_DEADLINE_MS / 1000} s, a duplicate, lost state, an unclear or leaking message), with the reason.`,
    "- ⏱ is the slowest cell of the row (wall time of the operation, not asserted anywhere).",
    "",
    "## The faults",
    "",
    "| Fault | What the fake does to the row's request |",
    "| --- | --- |",
    ...FAULTS.map((f) => `| ${f.label} | ${f.description} |`),
    "",
    "## Retry policies under test",
    "",
    "| | Microsoft Graph (`lib/graph.ts`) | GoTo (`lib/goto.ts`) |",
    "| --- | --- | --- |",
    "| Statuses retried (reads, idempotent writes) | 429, 502, 503, 504 | 429, 502, 503, 504 |",
    "| Statuses retried (writes that must not repeat) | 429, 503 (`POST …/start`, `…/restart`) | 429 (`POST /Users`) |",
    "| 409 | retried on every synchronization write and on Test Connection (the request did nothing; hamilton and TF azuread do the same) | taken as the answer |",
    "| Reset, timeout, cut-off or unreadable answer | retried, except for writes that must not repeat (their outcome is then reported as unknown) | same; `POST /Users` looks the user up by its marker |",
    "| Redirect (3xx) | never followed: an error naming the status and the Location's origin | same |",
    "| Wait between attempts | `Retry-After` (seconds or HTTP date) when positive; a `Retry-After` of 0 or in the past waits at least `apiRetryBaseSeconds` × attempt; else exponential backoff from `apiRetryBaseSeconds` (default 1 s), jittered, at most 60 s | same; every attempt also waits for its slot at `gotoRequestsPerSecond` (default 10) |",
    "| Limits | `apiTimeoutSeconds` per attempt (default 60, shortened to what is left of the budget), `apiRetryBudgetSeconds` for the whole operation (default 300) | same |",
    "| 404, 401 `UnknownError`, 403, 409 right after creation | retried for up to 5 min (Entra's replication, F5) in the first call of every create: SynchronizationTemplate, TestConnection, AttributeMappings, ProvisioningStatus, GuardedSynchronizationSecret; later a 404 on a read is taken as deletion | 404 taken as the answer (a read or delete: gone) |",
    "| Error bodies | every secret in play (tokens, the admin password, minted tokens) removed in raw, JSON-escaped, URL-encoded and base64 forms, and any `Authorization` value, before the message is cut | same |",
    "| Lost answer to a write that must not repeat | fails, saying the outcome is unknown; the next `pulumi up` reads the job before starting it | `POST /Users`: a user found by userName is taken only with the marker this create wrote; otherwise posted again or reported |",
    "",
    "## Summary",
    "",
    "| Resource | Cells | ✅ recovered | ✅ clear error | ✅ reported gone | ❌ failed |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const resource of RESOURCES) {
    const cells = result.rows.filter((r) => r.resource === resource).flatMap((r) => r.cells);
    out.push(
      `| ${resource} | ${cells.length} | ${count(cells, "recovered")} | ${count(cells, "clear error")} | ` +
        `${count(cells, "reported gone")} | ${count(cells, "failed")} |`,
    );
  }
  out.push(
    `| **All** | ${all.length} | ${count(all, "recovered")} | ${count(all, "clear error")} | ` +
      `${count(all, "reported gone")} | ${count(all, "failed")} |`,
  );
  for (const resource of RESOURCES) {
    const rows = result.rows.filter((r) => r.resource === resource);
    out.push(
      "",
      `## ${resource}`,
      "",
      `| Operation (faulted request) | ${FAULTS.map((f) => f.label).join(" | ")} | Slowest |`,
      `| --- | ${FAULTS.map(() => "---").join(" | ")} | --- |`,
    );
    for (const row of rows) {
      const cells = row.cells.map((c) =>
        cellText(c, c.message === undefined ? undefined : messageIds.get(c.message)),
      );
      const slowest = Math.max(...row.cells.map((c) => c.elapsedMs));
      out.push(
        `| ${row.operation} (\`${row.step}\`) | ${cells.join(" | ")} | ${seconds(slowest)} |`,
      );
    }
    const noIo = result.noIo.filter((n) => n.resource === resource);
    for (const n of noIo) {
      out.push(
        "",
        `Without I/O: ${n.operations.join(", ")} (run against the fake: ${plural(n.requests, "request")}).`,
      );
    }
  }
  out.push("", "## Error messages", "");
  for (const [message, id] of messageIds) {
    out.push(
      `**${id}**: ${usedBy.get(message)!.join("; ")}`,
      "",
      ...message.split("\n").map((l) => `    ${l}`),
      "",
    );
  }
  return out.join("\n").trimEnd() + "\n";
}

/** The rendered document without what legitimately changes between runs: the date, Node and the timings. */
export function comparableReliability(doc: string): string {
  return doc
    .replace(/^Generated by `npm run reliability` .*$/m, "Generated by `npm run reliability` …")
    .replace(/⏱ \d+\.\d\d s/g, "⏱");
}
