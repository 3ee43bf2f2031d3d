// Proves the Graph fake reproduces what Microsoft documents, driven with plain fetch (never the
// project's lib/ clients), so provider tests that pass against it are evidence about Graph and not
// about the fake. Each documented case compares with the literal sample in ./fakes/graphDocs.ts;
// each guessed behaviour is shown both ways through its option.
// What it cannot prove: that a real tenant accepts the connector schemas, whose ids and metadata are
// ours (entra-goto-facts §2: the real ones are not published).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import {
  CONNECTOR_RULE_ID,
  CONSISTENCY_ERRORS,
  CREDENTIAL_VALIDATION_MESSAGE,
  GraphFake,
  type GraphFakeOptions,
  INJECTED_FAULT_ERRORS,
  PAST_HTTP_DATE,
  type SeedTemplate,
  connectorTemplate,
  connectorTemplateSchema,
  galleryApplicationTemplate,
} from "./fakes/graphFake";
import * as docs from "./fakes/graphDocs";

type Json = Record<string, unknown>;

interface Reply<T> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ZERO32 = "00000000000000000000000000000000";

let fake: GraphFake;

afterEach(async () => {
  await fake?.stop();
});

async function start(options: GraphFakeOptions = {}): Promise<GraphFake> {
  fake = await GraphFake.start({ seed: 7, ...options });
  return fake;
}

async function call<T = Json>(
  method: string,
  path: string,
  body?: unknown,
  options: {
    token?: string | null;
    signal?: AbortSignal;
    headers?: Record<string, string>;
    redirect?: "follow" | "manual" | "error";
  } = {},
): Promise<Reply<T>> {
  const res = await open(method, path, body, options);
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

function open(
  method: string,
  path: string,
  body?: unknown,
  options: {
    token?: string | null;
    signal?: AbortSignal;
    headers?: Record<string, string>;
    redirect?: "follow" | "manual" | "error";
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? fake.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  return fetch(fake.url + path, {
    method,
    headers,
    body: payload,
    signal: options.signal,
    redirect: options.redirect,
  });
}

interface GraphErrorBody {
  error: { code: string; message: string; innerError: { date: string; "request-id": string } };
}

/** The part of an error reply every test compares: status, Graph's code and message. */
const failure = (r: Reply<GraphErrorBody>) => [r.status, r.json.error.code, r.json.error.message];

function node(root: unknown, ...keys: (string | number)[]): Json {
  let current = root;
  for (const key of keys) current = (current as Record<string | number, unknown>)[key];
  return current as Json;
}

/** The actual value cut down to the keys a documented sample shows (recursively), so the sample can
 *  be compared literally while the fake may carry more documented properties. */
function project(actual: unknown, shape: unknown): unknown {
  if (Array.isArray(shape)) {
    return Array.isArray(actual) && actual.length === shape.length
      ? shape.map((s, i) => project(actual[i], s))
      : actual;
  }
  if (shape !== null && typeof shape === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return actual;
    return Object.fromEntries(
      Object.keys(shape).map((k) => [k, project((actual as Json)[k], (shape as Json)[k])]),
    );
  }
  return actual;
}

const sync = (sp: string) => `/servicePrincipals/${sp}/synchronization`;
const jobPath = (sp: string, job: string) => `${sync(sp)}/jobs/${encodeURIComponent(job)}`;
const mutable = <T>(v: T): T => structuredClone(v) as T;

/** The AWS Single Sign-on template of [S74] as a seed. */
function awsTemplate(): SeedTemplate {
  const entry = mutable(docs.AWS_TEMPLATE_ENTRY) as unknown as Json;
  return {
    ...(entry as unknown as SeedTemplate),
    metadata: mutable(docs.AWS_TEMPLATE_ENTRY.metadata) as unknown as {
      key: string;
      value: string;
    }[],
    schema: {
      ...docs.AWS_TEMPLATE_ENTRY.schema,
      directories: [],
      synchronizationRules: [],
    },
  };
}

/** .NET byte order back to a GUID string. */
function dotnetGuid(b: Buffer): string {
  const h = (x: Buffer) => x.toString("hex");
  return [
    h(Buffer.from(b.subarray(0, 4)).reverse()),
    h(Buffer.from(b.subarray(4, 6)).reverse()),
    h(Buffer.from(b.subarray(6, 8)).reverse()),
    h(b.subarray(8, 10)),
    h(b.subarray(10, 16)),
  ].join("-");
}

// ---- envelope ---------------------------------------------------------------------------------------

describe("authentication, envelope and request log", () => {
  let sp: string;
  beforeEach(async () => {
    await start({ token: "right-token" });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
  });

  it("answers 401 InvalidAuthenticationToken without a token or with another one, never echoing it", async () => {
    const none = await call<GraphErrorBody>("GET", `${sync(sp)}/jobs`, undefined, { token: null });
    expect(failure(none)).toEqual([401, "InvalidAuthenticationToken", "Access token is empty."]);
    const wrong = await call<GraphErrorBody>("GET", `${sync(sp)}/jobs`, undefined, {
      token: "wrong-token-4711",
    });
    expect(failure(wrong)).toEqual([
      401,
      "InvalidAuthenticationToken",
      "Access token validation failure.",
    ]);
    expect(wrong.text).not.toContain("wrong-token-4711");
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(200);
  });

  it("answers errors in Graph's envelope [S79]: code, message, innerError with date and both request ids", async () => {
    const missing = await call<GraphErrorBody>("GET", `${sync("nope")}/jobs`, undefined, {
      headers: { "client-request-id": "my-correlation-id" },
    });
    expect(Object.keys(missing.json.error)).toEqual(Object.keys(docs.GRAPH_ERROR_ENVELOPE.error));
    expect(Object.keys(missing.json.error.innerError)).toEqual(
      Object.keys(docs.GRAPH_ERROR_ENVELOPE.error.innerError),
    );
    expect(failure(missing)).toEqual([
      404,
      "Request_ResourceNotFound",
      "Resource 'nope' does not exist or one of its queried reference-property objects are not present.",
    ]);
    expect(missing.json.error.innerError["request-id"]).toBe(missing.headers.get("request-id"));
    expect(missing.headers.get("request-id")).toMatch(GUID);
    expect(missing.headers.get("client-request-id")).toBe("my-correlation-id");
    expect(missing.json.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it("answers 400 BadRequest for a route it does not serve, including PATCH of secrets", async () => {
    expect(failure(await call<GraphErrorBody>("GET", "/applications"))).toEqual([
      400,
      "BadRequest",
      "Unsupported request: GET /v1.0/applications",
    ]);
    expect(
      failure(await call<GraphErrorBody>("PATCH", `${sync(sp)}/secrets`, { value: [] })),
    ).toEqual([400, "BadRequest", `Unsupported request: PATCH /v1.0${sync(sp)}/secrets`]);
  });

  it("records every request in order, and every exchange with its unredacted headers and raw body", async () => {
    await call("GET", `${sync(sp)}/jobs?$select=id`);
    await call("POST", `${sync(sp)}/jobs`, '{"templateId":"nope"}');
    await call("GET", `${sync(sp)}/jobs`, undefined, { token: null });
    expect(fake.requests).toEqual([
      {
        method: "GET",
        path: `${sync(sp)}/jobs`,
        query: "$select=id",
        body: undefined,
        status: 200,
      },
      {
        method: "POST",
        path: `${sync(sp)}/jobs`,
        query: "",
        body: { templateId: "nope" },
        status: 400,
      },
      { method: "GET", path: `${sync(sp)}/jobs`, query: "", body: undefined, status: 401 },
    ]);
    expect(
      fake.exchanges.map((e) => [e.url, e.headers.authorization, e.rawBody, e.status]),
    ).toEqual([
      [`/v1.0${sync(sp)}/jobs?$select=id`, "Bearer right-token", "", 200],
      [`/v1.0${sync(sp)}/jobs`, "Bearer right-token", '{"templateId":"nope"}', 400],
      [`/v1.0${sync(sp)}/jobs`, undefined, "", 401],
    ]);
    expect(fake.exchanges[1].rawHeaders).toContain("Bearer right-token");
    fake.resetRequests();
    expect([fake.requests, fake.exchanges]).toEqual([[], []]);
  });

  it("is deterministic: the same seed mints the same ids", async () => {
    const first = [fake.tenantId, sp, fake.servicePrincipal(sp).appId];
    await fake.stop();
    await start({ token: "right-token" });
    const again = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    expect([fake.tenantId, again, fake.servicePrincipal(again).appId]).toEqual(first);
  });
});

// ---- F1 job ids -------------------------------------------------------------------------------------

describe("F1 job ids", () => {
  const threePart =
    /^[A-Za-z0-9]+\.[0-9a-f]{32}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it.each(docs.JOB_IDS_THREE_PART.map((s) => [s.id]))(
    "the documented id %s has the form the fake mints",
    (id) => {
      expect(id).toMatch(threePart);
    },
  );

  it("mints {templateId}.{tenant id as 32 hex}.{appId} over HTTP, as the AWS sample's parts give it", async () => {
    await start({ tenantId: docs.AWS_JOB_ID_PARTS.appOwnerOrganizationId });
    const sp = fake.addServicePrincipal({
      templates: [awsTemplate()],
      appId: docs.AWS_JOB_ID_PARTS.appId,
    });
    const created = await call<MSGraph.SynchronizationJob>("POST", `${sync(sp)}/jobs`, {
      templateId: docs.AWS_JOB_ID_PARTS.templateId,
    });
    expect(created.status).toBe(201);
    expect(created.json.id).toBe(docs.AWS_JOB_ID_PARTS.jobId);
    expect(created.json.id).toMatch(threePart);
    // A dot inside the id needs no escaping in the path.
    expect((await call("GET", `${sync(sp)}/jobs/${created.json.id}`)).status).toBe(200);
  });

  it("the middle part is the fake's tenant id and the last the service principal's appId", async () => {
    await start();
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const job = fake.addJob(sp, "GoTo");
    expect(job).toBe(`GoTo.${fake.tenantId.replace(/-/g, "")}.${fake.servicePrincipal(sp).appId}`);
    expect(fake.servicePrincipal(sp).appOwnerOrganizationId).toBe(fake.tenantId);
  });

  it.each([
    ["two-part", /^GoTo\.[0-9a-f]{32}$/, docs.JOB_IDS_OTHER_FORMS[0].id],
    ["bare-guid", GUID, docs.JOB_IDS_OTHER_FORMS[1].id],
    ["odd", /^GoTo\.[0-9a-f-]{36}\.[0-9a-fg-]{36}$/, docs.JOB_IDS_OTHER_FORMS[2].id],
  ] as const)(
    "mints the printed %s form on request, and serves every route under it",
    async (form, shape, documented) => {
      expect(documented).toMatch(
        form === "two-part"
          ? /^[A-Za-z]+\.[0-9a-f]{32}$/
          : form === "bare-guid"
            ? GUID
            : /^[A-Za-z0-9]+\.[0-9a-f-]{36}\.[0-9a-fg-]{36}$/,
      );
      await start({ jobIdForm: form });
      const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
      const created = await call<MSGraph.SynchronizationJob>("POST", `${sync(sp)}/jobs`, {
        templateId: "GoTo",
      });
      const id = created.json.id!;
      expect(id).toMatch(shape);
      const other = fake.addJob(sp, "GoTo", { idForm: "three-part" });
      expect(other).toMatch(threePart);
      for (const [method, tail] of [
        ["GET", ""],
        ["GET", "/schema"],
        ["POST", "/start"],
        ["POST", "/pause"],
      ] as const) {
        expect((await call(method, `${jobPath(sp, id)}${tail}`)).status).toBeLessThan(300);
      }
      expect((await call("DELETE", jobPath(sp, id))).status).toBe(204);
    },
  );

  it("guess: a second job from the same template gets another middle part, or 409 with secondJobFromSameTemplate", async () => {
    await start();
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const a = fake.addJob(sp, "GoTo");
    const b = fake.addJob(sp, "GoTo");
    expect(a).not.toBe(b);
    expect(b).toMatch(new RegExp(`^GoTo\\.[0-9a-f]{32}\\.${fake.servicePrincipal(sp).appId}$`));
    await fake.stop();

    await start({ secondJobFromSameTemplate: "conflict" });
    const sp2 = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    expect((await call("POST", `${sync(sp2)}/jobs`, { templateId: "GoTo" })).status).toBe(201);
    const second = await call<GraphErrorBody>("POST", `${sync(sp2)}/jobs`, { templateId: "GoTo" });
    expect(failure(second)).toEqual([
      409,
      "Conflict",
      "A synchronization job from template 'GoTo' already exists.",
    ]);
  });
});

// ---- F2 templates ------------------------------------------------------------------------------------

describe("F2 template listing", () => {
  beforeEach(async () => {
    await start();
  });

  it("reproduces the AWS Single Sign-on entry [S74] literally, properties in the printed order", async () => {
    const sp = fake.addServicePrincipal({
      templates: [awsTemplate()],
      applicationTemplateId: docs.AWS_TEMPLATE_ENTRY.applicationId,
    });
    const listed = await call<{ value: Json[] }>("GET", `${sync(sp)}/templates`);
    expect(listed.status).toBe(200);
    const [entry] = listed.json.value;
    expect(project(entry, docs.AWS_TEMPLATE_ENTRY)).toEqual(docs.AWS_TEMPLATE_ENTRY);
    expect(Object.keys(entry)).toEqual([
      ...docs.TEMPLATE_ENTRY_KEYS.slice(0, -1),
      "schema@odata.context",
      "schema",
    ]);
    expect(entry["schema@odata.context"]).toBe(
      `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/templates('aWSSingleSignon')/schema/$entity`,
    );
  });

  it("fills the documented defaults for a seed that only names id, factoryTag and schema", async () => {
    const sp = fake.addServicePrincipal({
      templates: [
        {
          id: "Slack",
          factoryTag: "CustomSCIM",
          schema: { directories: [], synchronizationRules: [] },
        },
      ],
      applicationTemplateId: "21ed01d2-ec13-4e9e-86c1-cd546719ebc4",
    });
    const [entry] = (await call<{ value: Json[] }>("GET", `${sync(sp)}/templates`)).json.value;
    expect(entry).toEqual({
      id: "Slack",
      applicationId: "21ed01d2-ec13-4e9e-86c1-cd546719ebc4",
      default: true,
      description: null,
      discoverable: true,
      factoryTag: "CustomSCIM",
      metadata: [],
      "schema@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/templates('Slack')/schema/$entity`,
      schema: { directories: [], synchronizationRules: [] },
    });
  });

  const fields = (entry: Json) => {
    const m = entry.metadata as { key: string; value: string }[];
    const get = (k: string) => m.find((e) => e.key.toLowerCase() === k.toLowerCase())?.value;
    return [get("isOAuthEnabled"), get("configurationFields")];
  };
  it.each([
    ["gotomeeting", {}, "false", '[{"name":"username"},{"name":"password","secret":true}]'],
    ["gotomeeting", { credentials: "oauth" }, "true", undefined],
    ["goto", {}, "true", undefined],
    [
      "goto",
      { credentials: "user-password" },
      "false",
      '[{"name":"username"},{"name":"password","secret":true}]',
    ],
  ] as const)(
    "%s %j: isOAuthEnabled %s, configurationFields %s (all guesses), shaped like the samples",
    async (connector, options, oauth, configurationFields) => {
      const template = connectorTemplate(connector, options);
      const sp = fake.addServicePrincipal({ templates: [template] });
      const [entry] = (await call<{ value: Json[] }>("GET", `${sync(sp)}/templates`)).json.value;
      expect(Object.keys(project(entry, docs.AWS_TEMPLATE_ENTRY) as Json)).toEqual(
        Object.keys(docs.AWS_TEMPLATE_ENTRY),
      );
      expect(fields(entry)).toEqual([oauth, configurationFields]);
      expect(entry.id).not.toBe(entry.factoryTag);
      expect(node(entry, "schema").id).toBe(`${entry.id}.${ZERO32}`);
      expect(node(entry, "schema").version).toBe("6.0");
      const keys = (entry.metadata as { key: string }[]).map((m) => m.key);
      // An unknown key, repeated, as in [S74].
      expect(keys.filter((k) => k === "AzureIngestionAttributeOptimization")).toHaveLength(2);
      expect(
        keys.every((k) => /^[a-z]/.test(k) || k === "AzureIngestionAttributeOptimization"),
      ).toBe(true);
    },
  );

  it("spells the metadata keys as the v1.0 enum with metadataKeyCase pascal", () => {
    const keys = connectorTemplate("goto", { metadataKeyCase: "pascal" }).metadata!.map(
      (m) => m.key,
    );
    expect(keys.filter((k) => k !== "AzureIngestionAttributeOptimization")).toEqual([
      "GalleryApplicationIdentifier",
      "GalleryApplicationKey",
      "IsOAuthEnabled",
      "IsSynchronizationInPreview",
    ]);
    for (const k of keys.slice(2)) {
      expect(docs.SYNCHRONIZATION_METADATA_KEYS as readonly string[]).toContain(k);
    }
  });

  it("lists none for a gallery app without provisioning, and then refuses a job", async () => {
    const retired = fake.addServicePrincipal({ templates: [] });
    expect((await call<{ value: Json[] }>("GET", `${sync(retired)}/templates`)).json.value).toEqual(
      [],
    );
    expect(
      failure(await call<GraphErrorBody>("POST", `${sync(retired)}/jobs`, { templateId: "GoTo" })),
    ).toEqual([
      400,
      "BadRequest",
      "Invalid request body: templateId: required; must name one of this service principal's " +
        "synchronization templates (none)",
    ]);
  });
});

// ---- jobs ---------------------------------------------------------------------------------------------

describe("jobs: creation, lifecycle, quarantine (F7, F8)", () => {
  let sp: string;
  beforeEach(async () => {
    await start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
  });

  it("creates a job disabled and not configured, with the template's schema", async () => {
    const created = await call<MSGraph.SynchronizationJob>("POST", `${sync(sp)}/jobs`, {
      templateId: "GoTo",
    });
    expect(created.status).toBe(201);
    const id = created.json.id!;
    const expected: MSGraph.SynchronizationJob = {
      id,
      templateId: "GoTo",
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
        steadyStateFirstAchievedTime: "0001-01-01T00:00:00Z",
        steadyStateLastAchievedTime: "0001-01-01T00:00:00Z",
        synchronizedEntryCountByType: [],
        troubleshootingUrl: null,
      },
      synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
    };
    expect(created.json).toEqual({
      "@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/jobs/$entity`,
      ...expected,
    });
    expect(fake.job(sp, id)).toEqual(expected);
    expect(fake.schema(sp, id)).toEqual(connectorTemplateSchema("goto"));
    expect((await call<MSGraph.SynchronizationJob>("GET", jobPath(sp, id))).json).toEqual(
      created.json,
    );
    const list = await call<{ value: MSGraph.SynchronizationJob[] }>("GET", `${sync(sp)}/jobs`);
    expect(list.json.value).toEqual([expected]);
  });

  it.each([
    [
      "the post-jobs sample [S14]",
      { newJobStatusCode: "NotConfigured", newJobInterval: "P10675199DT2H48M5.4775807S" },
      docs.CREATED_JOB_SAMPLE_POST_JOBS,
    ],
    [
      "the AWS walk-through [S74]",
      { newJobStatusCode: "Paused", newJobInterval: "PT40M" },
      docs.CREATED_JOB_SAMPLE_AWS,
    ],
  ] as const)("a new job can look exactly like %s", async (_, options, sample) => {
    await fake.stop();
    await start(options);
    const aws = fake.addServicePrincipal({ templates: [awsTemplate()] });
    const created = await call("POST", `${sync(aws)}/jobs`, { templateId: "aWSSingleSignon" });
    expect(project(created.json, sample)).toEqual(sample);
  });

  it("rejects a job without templateId, for a template the service principal lacks, or with extra properties", async () => {
    const reason =
      "Invalid request body: templateId: required; must name one of this service principal's " +
      "synchronization templates (GoTo)";
    expect(failure(await call<GraphErrorBody>("POST", `${sync(sp)}/jobs`, {}))).toEqual([
      400,
      "BadRequest",
      reason,
    ]);
    expect(
      failure(
        await call<GraphErrorBody>("POST", `${sync(sp)}/jobs`, { templateId: "GoToMeeting" }),
      ),
    ).toEqual([400, "BadRequest", reason]);
    expect(
      failure(
        await call<GraphErrorBody>("POST", `${sync(sp)}/jobs`, {
          templateId: "GoTo",
          enabled: true,
        }),
      ),
    ).toEqual([
      400,
      "BadRequest",
      "Invalid request body: enabled: unknown property; synchronizationJob has templateId",
    ]);
    expect((await call<{ value: Json[] }>("GET", `${sync(sp)}/jobs`)).json.value).toEqual([]);
  });

  it("deletes a job (204, also with the trailing slash the docs show); then it is 404", async () => {
    const a = fake.addJob(sp, "GoTo");
    const b = fake.addJob(sp, "GoTo");
    expect((await call("DELETE", jobPath(sp, a))).status).toBe(204);
    expect((await call("DELETE", `${jobPath(sp, b)}/`)).status).toBe(204);
    expect(failure(await call<GraphErrorBody>("GET", jobPath(sp, a)))).toEqual([
      404,
      "Request_ResourceNotFound",
      `Resource '${a}' does not exist or one of its queried reference-property objects are not present.`,
    ]);
    expect(() => fake.addJob(sp, "GoToMeeting")).toThrow(
      `GraphFake: service principal ${sp} has no template "GoToMeeting"`,
    );
  });

  it("quarantine() produces exactly the quarantined job of [S74] (F7)", async () => {
    const job = fake.addJob(sp, "GoTo");
    fake.quarantine(sp, job, "EncounteredQuarantineException", {
      at: "2021-05-24T21:45:54.4981365Z",
    });
    const got = await call<MSGraph.SynchronizationJob>("GET", jobPath(sp, job));
    expect(project(got.json, docs.QUARANTINED_JOB_SAMPLE)).toEqual(docs.QUARANTINED_JOB_SAMPLE);
    expect(got.json.status!.quarantine!.error).toEqual(docs.QUARANTINE_ERROR_AS_PRINTED);
    expect(got.json.status!.lastExecution!.timeEnded).toBe("2021-05-24T21:45:54.4981365Z");
    expect(got.json.status!.troubleshootingUrl).toBe("");
  });

  it("quarantine() takes TooManyDeletes (INFERENCE: the deletion threshold's reason) and a custom error", () => {
    const job = fake.addJob(sp, "GoTo");
    const q = fake.quarantine(sp, job, "TooManyDeletes", {
      at: "2026-03-01T10:58:00.1234567Z",
      error: { code: "MyCode", message: "held", tenantActionable: false },
      seriesCount: 3,
    }).status!.quarantine!;
    expect(q).toEqual({
      currentBegan: "2026-03-01T10:58:00.1234567Z",
      nextAttempt: "2026-03-01T11:03:00.1234567Z",
      reason: "TooManyDeletes",
      seriesBegan: "2026-03-01T10:58:00.1234567Z",
      seriesCount: 3,
      error: { code: "MyCode", message: "held", tenantActionable: false },
    });
  });

  it("applyGetJobReferenceSample gives the [S88] state: Disabled, Paused, a quarantine of empty strings", async () => {
    const job = fake.addJob(sp, "GoTo");
    fake.applyGetJobReferenceSample(sp, job);
    const got = (await call("GET", jobPath(sp, job))).json;
    const { id: _id, templateId: _t, ...sample } = docs.GET_JOB_REFERENCE_SAMPLE;
    expect(project(got, sample)).toEqual(sample);
  });

  it("start lifts a quarantine (F8 [S24]) and is recorded", async () => {
    const job = fake.addJob(sp, "GoTo");
    fake.quarantine(sp, job, "EncounteredQuarantineException");
    expect((await call("POST", `${jobPath(sp, job)}/start`)).status).toBe(204);
    const j = fake.job(sp, job);
    expect([j.schedule?.state, j.status?.code, j.status?.quarantine]).toEqual([
      "Active",
      "Active",
      null,
    ]);
    expect(fake.jobActions(sp, job).map((a) => [a.action, a.liftedQuarantine])).toEqual([
      ["start", true],
    ]);
  });

  const lifts: [
    string,
    "EncounteredQuarantineException" | "TooManyDeletes",
    unknown,
    boolean,
    boolean?,
  ][] = [
    ["the doc sample scope", "EncounteredQuarantineException", docs.RESTART_REQUEST, true],
    [
      "QuarantineState alone",
      "EncounteredQuarantineException",
      { criteria: { resetScope: "QuarantineState" } },
      true,
    ],
    ["Full", "EncounteredQuarantineException", { criteria: { resetScope: "Full" } }, true],
    [
      "Watermark, Escrows",
      "EncounteredQuarantineException",
      { criteria: { resetScope: "Watermark,Escrows" } },
      false,
    ],
    ["None", "EncounteredQuarantineException", { criteria: { resetScope: "None" } }, false],
    ["no body (portal default)", "EncounteredQuarantineException", undefined, true],
    ["empty criteria", "EncounteredQuarantineException", { criteria: null }, true],
    ["the doc sample scope", "TooManyDeletes", docs.RESTART_REQUEST, false],
    ["ForceDeletes", "TooManyDeletes", { criteria: { resetScope: "ForceDeletes" } }, true],
    [
      "ForceDeletes, QuarantineState",
      "TooManyDeletes",
      { criteria: { resetScope: "ForceDeletes, QuarantineState" } },
      true,
    ],
    ["Full (guess, default)", "TooManyDeletes", { criteria: { resetScope: "Full" } }, true],
    [
      "Full with fullLiftsTooManyDeletes false",
      "TooManyDeletes",
      { criteria: { resetScope: "Full" } },
      false,
      false,
    ],
  ];
  it.each(lifts)(
    "restart with %s on a %s quarantine lifts it: %s",
    async (_, reason, body, lifted, fullLifts) => {
      if (fullLifts !== undefined) {
        await fake.stop();
        await start({ fullLiftsTooManyDeletes: fullLifts });
        sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
      }
      const job = fake.addJob(sp, "GoTo");
      fake.quarantine(sp, job, reason);
      expect((await call("POST", `${jobPath(sp, job)}/restart`, body)).status).toBe(204);
      const j = fake.job(sp, job);
      expect([j.status?.code, j.status?.quarantine === null]).toEqual(
        lifted ? ["Active", true] : ["Quarantine", false],
      );
      const [restart] = fake.restarts(sp, job);
      expect(restart.liftedQuarantine).toBe(lifted);
    },
  );

  it("records each restart's scope as sent, prunes escrows on Escrows, and rejects unknown members", async () => {
    const job = fake.addJob(sp, "GoTo");
    await call("POST", `${jobPath(sp, job)}/restart`, docs.RESTART_REQUEST);
    await call("POST", `${jobPath(sp, job)}/restart`, { criteria: { resetScope: "ForceDeletes" } });
    expect(fake.restarts(sp, job).map((r) => [r.resetScope, r.rawResetScope])).toEqual([
      [["Watermark", "Escrows", "QuarantineState"], "Watermark, Escrows, QuarantineState"],
      [["ForceDeletes"], "ForceDeletes"],
    ]);
    expect(fake.job(sp, job).status?.escrowsPruned).toBe(true);
    expect(
      failure(
        await call<GraphErrorBody>("POST", `${jobPath(sp, job)}/restart`, {
          criteria: { resetScope: "Everything" },
        }),
      ),
    ).toEqual([
      400,
      "BadRequest",
      'Invalid request body: criteria.resetScope: "Everything" is not a comma-separated list of ' +
        "None, ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes",
    ]);
    expect(fake.restarts(sp, job)).toHaveLength(2);
  });

  it("pause, setJobStatus and setJobSchedule move schedule and status as before", async () => {
    const job = fake.addJob(sp, "GoTo");
    const state = () => [fake.job(sp, job).schedule?.state, fake.job(sp, job).status?.code];
    expect((await call("POST", `${jobPath(sp, job)}/start`)).status).toBe(204);
    expect((await call("POST", `${jobPath(sp, job)}/pause`)).status).toBe(204);
    expect(state()).toEqual(["Paused", "Paused"]);
    fake.setJobStatus(sp, job, { code: "Active" });
    expect(state()).toEqual(["Active", "Active"]);
    fake.setJobSchedule(sp, job, { state: "Disabled" });
    expect(state()).toEqual(["Disabled", "Active"]);
    expect(failure(await call<GraphErrorBody>("POST", `${sync(sp)}/jobs/nope.1/start`))).toEqual([
      404,
      "Request_ResourceNotFound",
      "Resource 'nope.1' does not exist or one of its queried reference-property objects are not present.",
    ]);
  });
});

// ---- F12 secrets --------------------------------------------------------------------------------------

describe("F12 secrets", () => {
  let sp: string;
  beforeEach(async () => {
    await start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
  });

  it("accepts the documented PUT body with 204 and shows it masked, SyncNotificationSettings as JSON text", async () => {
    const put = await call("PUT", `${sync(sp)}/secrets`, docs.SECRETS_PUT_REQUEST);
    expect([put.status, put.text]).toEqual([204, ""]);
    const got = await call("GET", `${sync(sp)}/secrets`);
    expect(got.json).toEqual({
      "@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/secrets`,
      value: [
        { key: "BaseAddress", value: "*" },
        { key: "SecretToken", value: "*" },
        { key: "SyncNotificationSettings", value: docs.SECRETS_PUT_REQUEST.value[2].value },
        { key: "SyncAll", value: "false" },
      ],
    });
    expect(got.text).not.toContain("password-value");
    expect(fake.secrets(sp)).toEqual(docs.SECRETS_PUT_REQUEST.value);
  });

  it("keeps the multi-member SyncNotificationSettings text as given, and masks SyncAll too with unmaskedSecretKeys", async () => {
    await call("PUT", `${sync(sp)}/secrets`, {
      value: [
        { key: "SyncNotificationSettings", value: docs.SYNC_NOTIFICATION_SETTINGS_SAMPLE },
        { key: "SyncAll", value: "true" },
      ],
    });
    expect((await call<{ value: Json[] }>("GET", `${sync(sp)}/secrets`)).json.value).toEqual([
      { key: "SyncNotificationSettings", value: docs.SYNC_NOTIFICATION_SETTINGS_SAMPLE },
      { key: "SyncAll", value: "true" },
    ]);
    await fake.stop();
    await start({ unmaskedSecretKeys: ["SyncNotificationSettings"] });
    const other = fake.addServicePrincipal({ templates: [] });
    await call("PUT", `${sync(other)}/secrets`, { value: [{ key: "SyncAll", value: "true" }] });
    expect((await call<{ value: Json[] }>("GET", `${sync(other)}/secrets`)).json.value).toEqual([
      { key: "SyncAll", value: "*" },
    ]);
  });

  it("PUT replaces the whole set: keys not sent are gone", async () => {
    await call("PUT", `${sync(sp)}/secrets`, {
      value: [
        { key: "UserName", value: "admin@example.com" },
        { key: "Password", value: "hunter2" },
      ],
    });
    expect(
      (await call("PUT", `${sync(sp)}/secrets`, { value: [{ key: "SyncAll", value: "true" }] }))
        .status,
    ).toBe(204);
    expect(fake.secrets(sp)).toEqual([{ key: "SyncAll", value: "true" }]);
  });

  it("authorizeInPortal adds the OAuth keys and keeps the others", async () => {
    await call("PUT", `${sync(sp)}/secrets`, { value: [{ key: "SyncAll", value: "false" }] });
    fake.authorizeInPortal(sp);
    const secrets = fake.secrets(sp);
    expect(secrets.map((s) => s.key)).toEqual([
      "SyncAll",
      "Oauth2AccessToken",
      "Oauth2RefreshToken",
      "Oauth2AccessTokenCreationTime",
    ]);
    expect(secrets[1].value).toMatch(/^portal-access-[0-9a-f]{24}$/);
    expect((await call("GET", `${sync(sp)}/secrets`)).json.value).toEqual([
      { key: "SyncAll", value: "false" },
      { key: "Oauth2AccessToken", value: "*" },
      { key: "Oauth2RefreshToken", value: "*" },
      { key: "Oauth2AccessTokenCreationTime", value: "*" },
    ]);
  });

  const keyReason =
    "required; must be a synchronizationSecret name such as BaseAddress, SecretToken, " +
    "SyncNotificationSettings or SyncAll";
  it.each([
    ["no value collection", {}, "value: required; must be an array"],
    [
      "the parameter-table name instead of value",
      { credentials: [] },
      "credentials: unknown property; secrets collection ({value:[{key,value}]}) has value",
    ],
    [
      "a key outside the enum",
      { value: [{ key: "Pasword", value: "hunter2" }] },
      `value[0].key: ${keyReason}`,
    ],
    [
      "a mis-cased key",
      { value: [{ key: "baseAddress", value: "hunter2" }] },
      `value[0].key: ${keyReason}`,
    ],
    [
      "a non-string value",
      { value: [{ key: "Password", value: 424242 }] },
      "value[0].value: required; must be a string",
    ],
    [
      "a duplicate key",
      {
        value: [
          { key: "SyncAll", value: "true" },
          { key: "SyncAll", value: "false" },
        ],
      },
      "value[1].key: SyncAll appears more than once",
    ],
    [
      "an array body",
      [],
      "(body): must be a JSON object (secrets collection ({value:[{key,value}]}))",
    ],
  ])(
    "rejects %s with 400, naming the property, echoing no value, changing nothing",
    async (_, body, reason) => {
      await call("PUT", `${sync(sp)}/secrets`, { value: [{ key: "SyncAll", value: "false" }] });
      const r = await call<GraphErrorBody>("PUT", `${sync(sp)}/secrets`, body);
      expect(failure(r)).toEqual([400, "BadRequest", `Invalid request body: ${reason}`]);
      expect(r.text).not.toContain("hunter2");
      expect(r.text).not.toContain("424242");
      expect(r.text).not.toContain("Pasword");
      expect(fake.secrets(sp)).toEqual([{ key: "SyncAll", value: "false" }]);
    },
  );
});

// ---- F6 validateCredentials ---------------------------------------------------------------------------

describe("F6 validateCredentials (Test Connection)", () => {
  let sp: string;
  let job: string;
  beforeEach(async () => {
    await start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    job = fake.addJob(sp, "GoToMeeting");
  });

  const validate = (body: unknown, onSp = sp, onJob = job) =>
    call<GraphErrorBody>("POST", `${jobPath(onSp, onJob)}/validateCredentials`, body);
  const creds = (user: string, password: string) => ({
    useSavedCredentials: false,
    credentials: [
      { key: "UserName", value: user },
      { key: "Password", value: password },
    ],
  });
  const defaultFailure = [400, "CredentialValidationUnavailable", CREDENTIAL_VALIDATION_MESSAGE];

  it("succeeds with 204 and no body (documented) only for the accepted values; fails with the default guess", async () => {
    expect(failure(await validate(creds("admin@example.com", "s3cret-Pa55")))).toEqual(
      defaultFailure,
    );
    fake.setValidCredentials(sp, { UserName: "admin@example.com", Password: "s3cret-Pa55" });
    const ok = await validate(creds("admin@example.com", "s3cret-Pa55"));
    expect([ok.status, ok.text, ok.headers.get("content-type")]).toEqual([204, "", null]);
    const wrong = await validate(creds("admin@example.com", "wrong-Pa55"));
    expect(failure(wrong)).toEqual(defaultFailure);
    expect(wrong.text).not.toContain("admin@example.com");
    expect(wrong.text).not.toContain("wrong-Pa55");
  });

  it.each([
    [
      "Graph's envelope with another status and code",
      { status: 500, code: "InternalError", message: "boom" },
    ],
    ["a 409 envelope", { status: 409, code: "Conflict", message: "busy" }],
  ])("failures are configurable: %s", async (_, credentialFailure) => {
    await fake.stop();
    await start({ credentialFailure });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    job = fake.addJob(sp, "GoToMeeting");
    expect(failure(await validate(creds("a@example.com", "x")))).toEqual([
      credentialFailure.status,
      credentialFailure.code,
      credentialFailure.message,
    ]);
  });

  it("a failure can be a raw body of another content type, per service principal", async () => {
    fake.setCredentialFailure(sp, {
      status: 502,
      rawBody: "<html>Bad Gateway</html>",
      contentType: "text/html",
    });
    const r = await validate(creds("a@example.com", "x"));
    expect([r.status, r.text, r.headers.get("content-type")]).toEqual([
      502,
      "<html>Bad Gateway</html>",
      "text/html",
    ]);
    const other = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const otherJob = fake.addJob(other, "GoToMeeting");
    expect(failure(await validate(creds("a@example.com", "x"), other, otherJob))).toEqual(
      defaultFailure,
    );
  });

  it("answers a mis-cased key with 500 InternalError as reported [S86], naming no value", async () => {
    const r = await validate({
      useSavedCredentials: false,
      credentials: [{ key: "baseAddress", value: "https://tenant.example/scim" }],
    });
    expect(failure(r)).toEqual([500, "InternalError", "Requested value was not found."]);
    expect(r.text).not.toContain("tenant.example");
  });

  it("with useSavedCredentials checks the saved secrets, and counts a portal authorization", async () => {
    fake.setValidCredentials(sp, { UserName: "admin@example.com", Password: "s3cret-Pa55" });
    expect(failure(await validate({ useSavedCredentials: true }))).toEqual(defaultFailure);
    await call("PUT", `${sync(sp)}/secrets`, {
      value: [
        { key: "UserName", value: "admin@example.com" },
        { key: "Password", value: "s3cret-Pa55" },
      ],
    });
    expect((await validate({ useSavedCredentials: true })).status).toBe(204);

    const gotoSp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const gotoJob = fake.addJob(gotoSp, "GoTo");
    expect(failure(await validate({ useSavedCredentials: true }, gotoSp, gotoJob))).toEqual(
      defaultFailure,
    );
    fake.authorizeInPortal(gotoSp);
    expect((await validate({ useSavedCredentials: true }, gotoSp, gotoJob)).status).toBe(204);
  });

  it("rejects malformed bodies with 400 BadRequest naming the property", async () => {
    expect(failure(await validate({ useSavedCredentials: false }))).toEqual([
      400,
      "BadRequest",
      "Invalid request body: credentials: required unless useSavedCredentials is true",
    ]);
    expect(failure(await validate({ useSavedCredentials: "yes" }))).toEqual([
      400,
      "BadRequest",
      "Invalid request body: useSavedCredentials: must be a boolean",
    ]);
  });

  it("serves the collection-bound overload, which names the template", async () => {
    fake.setValidCredentials(sp, { UserName: "admin@example.com", Password: "s3cret-Pa55" });
    const path = `${sync(sp)}/jobs/validateCredentials`;
    const body = { templateId: "GoToMeeting", ...creds("admin@example.com", "s3cret-Pa55") };
    expect((await call("POST", path, body)).status).toBe(204);
    expect(
      failure(await call<GraphErrorBody>("POST", path, { ...body, templateId: "GoTo" })),
    ).toEqual([
      400,
      "BadRequest",
      "Invalid request body: templateId: required; must name one of this service principal's templates (GoToMeeting)",
    ]);
  });
});

// ---- F3 schema ----------------------------------------------------------------------------------------

describe("F3 schema", () => {
  let sp: string;
  let job: string;
  beforeEach(async () => {
    await start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    job = fake.addJob(sp, "GoTo");
  });
  const schemaPath = () => `${jobPath(sp, job)}/schema`;
  const userMapping = (s: unknown, i: number) =>
    node(s, "synchronizationRules", 0, "objectMappings", 0, "attributeMappings", i);

  it("GET returns the job schema; the template carries a Function source with its parsed tree", async () => {
    const got = await call("GET", schemaPath());
    expect(got.json).toEqual({
      "@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/jobs('${job}')/schema/$entity`,
      ...connectorTemplateSchema("goto"),
    });
    const active = userMapping(got.json, 1).source as Json;
    // The same tree parseExpression gives for the expression (F3: GET and PUT carry the same tree).
    const parsed = await call<Json>("POST", `${schemaPath()}/parseExpression`, {
      expression: active.expression,
    });
    expect(parsed.json.parsedExpression).toEqual(active);
    expect(active.parameters).toEqual([
      {
        key: "source",
        value: {
          expression: "[IsSoftDeleted]",
          name: "IsSoftDeleted",
          parameters: [],
          type: "Attribute",
        },
      },
      {
        key: "switchValue",
        value: { expression: '"False"', name: "False", parameters: [], type: "Constant" },
      },
      {
        key: "switchValue",
        value: { expression: '"True"', name: "True", parameters: [], type: "Constant" },
      },
      {
        key: "switchValue",
        value: { expression: '"True"', name: "True", parameters: [], type: "Constant" },
      },
      {
        key: "switchValue",
        value: { expression: '"False"', name: "False", parameters: [], type: "Constant" },
      },
    ]);
  });

  it("PUT replaces the schema fully and bumps version (guess); the GET body can be sent back as is", async () => {
    const got = (await call("GET", schemaPath())).json;
    userMapping(got, 2).source = {
      expression: "[mailNickname]",
      name: "mailNickname",
      parameters: [],
      type: "Attribute",
    };
    const put = await call("PUT", schemaPath(), got);
    expect([put.status, put.text]).toEqual([204, ""]);
    const expected = connectorTemplateSchema("goto");
    expected.synchronizationRules![0].objectMappings![0].attributeMappings![2].source = {
      expression: "[mailNickname]",
      name: "mailNickname",
      parameters: [],
      type: "Attribute",
    };
    expected.version = "6.1";
    expect(fake.schema(sp, job)).toEqual(expected);
    expect((await call("PUT", schemaPath(), fake.schema(sp, job))).status).toBe(204);
    expect(fake.schema(sp, job).version).toBe("6.2");
  });

  it("accepts the documented Not and Mid trees as sources (F3)", async () => {
    const schema = connectorTemplateSchema("goto");
    userMapping(schema, 1).source = mutable(docs.NOT_IS_SOFT_DELETED_SOURCE) as unknown as Json;
    userMapping(schema, 6).source = mutable(docs.MID_SOURCE) as unknown as Json;
    expect((await call("PUT", schemaPath(), schema)).status).toBe(204);
  });

  it.each([
    ["empty", (s: Json) => (s.parameters = [])],
    ["missing", (s: Json) => delete s.parameters],
  ])(
    "guess: rejects a Function source whose parameter tree is %s (strictFunctionSources, default on)",
    async (_, edit) => {
      const schema = connectorTemplateSchema("goto");
      const source = mutable(docs.NOT_IS_SOFT_DELETED_SOURCE) as unknown as Json;
      edit(source);
      userMapping(schema, 1).source = source;
      expect(failure(await call<GraphErrorBody>("PUT", schemaPath(), schema))).toEqual([
        400,
        "BadRequest",
        "Invalid request body: synchronizationRules[0].objectMappings[0].attributeMappings[1].source.parameters: " +
          "a Function source must carry its parsed parameter tree (POST …/schema/parseExpression returns it as " +
          "parsedExpression)",
      ]);
      expect(fake.schema(sp, job)).toEqual(connectorTemplateSchema("goto"));
    },
  );

  it("accepts a Function without its tree when strictFunctionSources is false, and Guid() with an empty tree always", async () => {
    const schema = connectorTemplateSchema("goto");
    userMapping(schema, 6).source = {
      expression: "Guid()",
      name: "Guid",
      parameters: [],
      type: "Function",
    };
    expect((await call("PUT", schemaPath(), schema)).status).toBe(204);

    await fake.stop();
    await start({ strictFunctionSources: false });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    job = fake.addJob(sp, "GoTo");
    const lax = connectorTemplateSchema("goto");
    userMapping(lax, 1).source = {
      expression: "Not([IsSoftDeleted])",
      name: "Not",
      parameters: [],
      type: "Function",
    };
    expect((await call("PUT", schemaPath(), lax)).status).toBe(204);
  });

  it("accepts a custom target attribute added to the directory and mapped in the same PUT", async () => {
    const schema = connectorTemplateSchema("goto");
    schema.directories![1].objects![0].attributes!.push({ name: "nickName", type: "String" });
    schema.synchronizationRules![0].objectMappings![0].attributeMappings!.push({
      targetAttributeName: "nickName",
      source: {
        type: "Attribute",
        name: "mailNickname",
        expression: "[mailNickname]",
        parameters: [],
      },
      flowType: "Always",
      flowBehavior: "FlowWhenChanged",
      matchingPriority: 0,
      defaultValue: null,
    });
    expect((await call("PUT", schemaPath(), schema)).status).toBe(204);
    expect(fake.schema(sp, job)).toEqual({ ...schema, version: "6.1" });
  });

  it("DELETE resets the schema to the template; copies handed out are deep", async () => {
    const edited = connectorTemplateSchema("goto");
    edited.synchronizationRules![0].objectMappings![0].attributeMappings!.splice(2, 1);
    fake.setSchema(sp, job, edited);
    const del = await call("DELETE", schemaPath());
    expect([del.status, del.text]).toEqual([204, ""]);
    expect(fake.schema(sp, job)).toEqual(connectorTemplateSchema("goto"));
    const copy = fake.schema(sp, job);
    copy.synchronizationRules = [];
    expect(fake.schema(sp, job)).toEqual(connectorTemplateSchema("goto"));
  });

  const am = "synchronizationRules[0].objectMappings[0].attributeMappings";
  const cases: [string, (s: Json) => void, string][] = [
    [
      "an unknown top-level property",
      (s) => (s.mappings = []),
      "mappings: unknown property; synchronizationSchema has id, version, synchronizationRules, directories",
    ],
    ["no directories", (s) => delete s.directories, "directories: required; must be an array"],
    [
      "no synchronizationRules",
      (s) => delete s.synchronizationRules,
      "synchronizationRules: required; must be an array",
    ],
    [
      "a targetDirectoryName that is not a directory",
      (s) => (node(s, "synchronizationRules", 0).targetDirectoryName = "Salesforce"),
      'synchronizationRules[0].targetDirectoryName: "Salesforce" is not one of the schema\'s directories ' +
        "(Azure Active Directory, GoTo)",
    ],
    [
      "a rule id the template does not have",
      (s) => (node(s, "synchronizationRules", 0).id = "my-rule"),
      `synchronizationRules[0].id: "my-rule" is not a rule of template "GoTo" (${CONNECTOR_RULE_ID})`,
    ],
    [
      "flowTypes outside the flags enum",
      (s) => (node(s, "synchronizationRules", 0, "objectMappings", 0).flowTypes = "Add, Move"),
      'synchronizationRules[0].objectMappings[0].flowTypes: "Add, Move" is not a comma-separated list of ' +
        "None, Add, Update, Delete",
    ],
    [
      "a target attribute the target object lacks",
      (s) => (userMapping(s, 2).targetAttributeName = "nickName"),
      `${am}[2].targetAttributeName: "nickName" is not an attribute of object "User" in directory "GoTo"`,
    ],
    [
      "a target attribute mapped twice",
      (s) => (userMapping(s, 2).targetAttributeName = "userName"),
      `${am}[2].targetAttributeName: "userName" is mapped more than once in this object mapping`,
    ],
    [
      "an Attribute source the source object lacks",
      (s) => (node(userMapping(s, 2), "source").name = "displayNam"),
      `${am}[2].source.name: "displayNam" is not an attribute of object "User" in directory ` +
        '"Azure Active Directory"',
    ],
    [
      "an Attribute source nested in a function's parameters",
      (s) => (node(userMapping(s, 1), "source", "parameters", 0, "value").name = "IsDeleted"),
      `${am}[1].source.parameters[0].value.name: "IsDeleted" is not an attribute of object "User" in ` +
        'directory "Azure Active Directory"',
    ],
    [
      "a source type outside the enum",
      (s) => (node(userMapping(s, 2), "source").type = "Expression"),
      `${am}[2].source.type: "Expression" is not one of Attribute, Constant, Function`,
    ],
    [
      "a Function source without expression",
      (s) => delete node(userMapping(s, 1), "source").expression,
      `${am}[1].source.expression: required; must be a string`,
    ],
    [
      "an expression over 10,000 characters",
      (s) =>
        (node(userMapping(s, 1), "source").expression = `Join(",", ${'"x", '.repeat(2000)}"x")`),
      `${am}[1].source.expression: longer than 10000 characters`,
    ],
    [
      "a flowType outside the enum",
      (s) => (userMapping(s, 0).flowType = "Sometimes"),
      `${am}[0].flowType: "Sometimes" is not one of Always, ObjectAddOnly, MultiValueAddOnly, ValueAddOnly, ` +
        "AttributeAddOnly",
    ],
    [
      "a matchingPriority beyond int32",
      (s) => (userMapping(s, 0).matchingPriority = 2147483648),
      `${am}[0].matchingPriority: must be a 32-bit integer`,
    ],
    [
      "an attribute definition with an unknown type",
      (s) => (node(s, "directories", 1, "objects", 0, "attributes", 0).type = "Text"),
      'directories[1].objects[0].attributes[0].type: "Text" is not one of String, Integer, Reference, ' +
        "Binary, Boolean, DateTime",
    ],
  ];
  it.each(cases)(
    "rejects %s with 400 naming the property, leaving the schema as it was",
    async (_, edit, reason) => {
      const body = connectorTemplateSchema("goto") as Json;
      edit(body);
      expect(failure(await call<GraphErrorBody>("PUT", schemaPath(), body))).toEqual([
        400,
        "BadRequest",
        `Invalid request body: ${reason}`,
      ]);
      expect(fake.schema(sp, job)).toEqual(connectorTemplateSchema("goto"));
    },
  );

  it("rejects a body that is not JSON", async () => {
    expect(failure(await call<GraphErrorBody>("PUT", schemaPath(), "{not json"))).toEqual([
      400,
      "BadRequest",
      "Invalid request body: not a valid JSON document.",
    ]);
  });

  it.each(["gotomeeting", "goto"] as const)(
    "the %s template passes the fake's own PUT validation",
    async (c) => {
      const other = fake.addServicePrincipal({ templates: [connectorTemplate(c)] });
      const otherJob = fake.addJob(other, connectorTemplate(c).id);
      expect(
        (await call("PUT", `${jobPath(other, otherJob)}/schema`, connectorTemplateSchema(c)))
          .status,
      ).toBe(204);
    },
  );
});

// ---- F4 parseExpression ----------------------------------------------------------------------------------

describe("F4 parseExpression", () => {
  let sp: string;
  let job: string;
  beforeEach(async () => {
    await start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    job = fake.addJob(sp, "GoTo");
  });
  const parse = (body: unknown) =>
    call<Json>("POST", `${jobPath(sp, job)}/schema/parseExpression`, body);
  const tree = async (expression: string) => (await parse({ expression })).json.parsedExpression;

  it("answers the documented Replace request with exactly the documented response [S36]", async () => {
    const r = await parse(docs.PARSE_EXPRESSION_REQUEST);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(docs.PARSE_EXPRESSION_RESPONSE);
    // The request's expression had two spaces before ")": the answer is re-spaced.
    expect(docs.PARSE_EXPRESSION_REQUEST.expression).not.toBe(
      docs.PARSE_EXPRESSION_RESPONSE.parsedExpression.expression,
    );
  });

  it("serves the template-bound form too", async () => {
    const r = await call<Json>(
      "POST",
      `${sync(sp)}/templates/GoTo/schema/parseExpression`,
      docs.PARSE_EXPRESSION_REQUEST,
    );
    expect(r.json).toEqual(docs.PARSE_EXPRESSION_RESPONSE);
  });

  it.each([
    ["Mid with source/start/length [S40]", "Mid([userPrincipalName], 1, 8)", docs.MID_SOURCE],
    ["Mid written without spaces", "Mid([userPrincipalName],1,8)", docs.MID_SOURCE],
    ["Not [S35]", "Not([IsSoftDeleted])", docs.NOT_IS_SOFT_DELETED_SOURCE],
    ["Not with stray spaces", "  Not (  [IsSoftDeleted] ) ", docs.NOT_IS_SOFT_DELETED_SOURCE],
  ])("parses %s into the documented tree", async (_, expression, expected) => {
    expect(await tree(expression)).toEqual(expected);
  });

  const attr = (name: string) => ({
    expression: `[${name}]`,
    name,
    parameters: [],
    type: "Attribute",
  });
  const str = (value: string, expression = JSON.stringify(value)) => ({
    expression,
    name: value,
    parameters: [],
    type: "Constant",
  });
  it.each([
    [
      "Join, source repeating (functions list)",
      'Join(" ", [givenName], [surname])',
      'Join(" ", [givenName], [surname])',
      [
        { key: "separator", value: str(" ") },
        { key: "source", value: attr("givenName") },
        { key: "source", value: attr("surname") },
      ],
    ],
    [
      "Replace with Template, blanks absent",
      'Replace([mailNickname],"<u>", , , , , "<u>@contoso.com")',
      'Replace([mailNickname], "<u>", , , , , "<u>@contoso.com")',
      [
        { key: "source", value: attr("mailNickname") },
        { key: "Find", value: str("<u>") },
        { key: "Template", value: str("<u>@contoso.com") },
      ],
    ],
    [
      "a string with escaped quotes and backslashes",
      'Append([displayName], " \\"x\\" \\\\ y")',
      'Append([displayName], " \\"x\\" \\\\ y")',
      [
        { key: "source", value: attr("displayName") },
        { key: "suffix", value: str(' "x" \\ y', '" \\"x\\" \\\\ y"') },
      ],
    ],
    [
      "nesting",
      'ToLower(Join("@", StripSpaces([givenName]), "contoso.com"))',
      'ToLower(Join("@", StripSpaces([givenName]), "contoso.com"))',
      [
        {
          key: "source",
          value: {
            expression: 'Join("@", StripSpaces([givenName]), "contoso.com")',
            name: "Join",
            parameters: [
              { key: "separator", value: str("@") },
              {
                key: "source",
                value: {
                  expression: "StripSpaces([givenName])",
                  name: "StripSpaces",
                  parameters: [{ key: "source", value: attr("givenName") }],
                  type: "Function",
                },
              },
              { key: "source", value: str("contoso.com") },
            ],
            type: "Function",
          },
        },
      ],
    ],
    [
      "FormatDateTime with the reference's four arguments (guess: dateTimeStyles key)",
      'FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")',
      'FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")',
      [
        { key: "source", value: attr("extensionAttribute1") },
        { key: "inputFormat", value: str("yyyyMMddHHmmss.fZ") },
        { key: "outputFormat", value: str("yyyy-MM-dd") },
      ],
    ],
    [
      "IIF with a comparison (guess: operator node)",
      'IIF([country]="USA",[country],[department])',
      'IIF([country] = "USA", [country], [department])',
      [
        {
          key: "condition",
          value: {
            expression: '[country] = "USA"',
            name: "=",
            parameters: [
              { key: "left", value: attr("country") },
              { key: "right", value: str("USA") },
            ],
            type: "Function",
          },
        },
        { key: "valueIfTrue", value: attr("country") },
        { key: "valueIfFalse", value: attr("department") },
      ],
    ],
    ["Guid() with no arguments", "Guid()", "Guid()", []],
    ["a bare attribute", "[mail]", "[mail]", undefined],
  ])("parses %s", async (_, expression, canonical, parameters) => {
    const t = (await tree(expression)) as Json;
    expect(t.expression).toBe(canonical);
    if (parameters !== undefined) expect(t.parameters).toEqual(parameters);
    else expect(t).toEqual(attr("mail"));
  });

  it.each([
    ["an unknown function (there is no Trim)", "Trim([mail])", 'unknown function "Trim"'],
    ["a wrong-cased function name", "not([IsSoftDeleted])", 'unknown function "not"'],
    ["an unterminated string", 'Append([mail], "x)', "unterminated string constant"],
    ["a missing parenthesis", "Not([IsSoftDeleted]", "expected ',' or ')'"],
    ["too many arguments", "Not([IsSoftDeleted], [mail])", "Not takes at most 1 argument"],
    [
      "a missing required argument",
      "Mid([mail], , 3)",
      'Mid: required argument "start" is missing',
    ],
    ["trailing text", "[mail] [surname]", "expected end of expression"],
    [
      "an attribute the source object lacks (guess)",
      "Not([IsDeleted])",
      "[IsDeleted] not an attribute",
    ],
    ["an empty expression", "   ", "empty expression"],
  ])(
    "guess: answers %s with 200, parsingSucceeded false and an error",
    async (_, expression, reason) => {
      const r = await parse({ expression });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        evaluationSucceeded: false,
        evaluationResult: [],
        parsedExpression: null,
        parsingSucceeded: false,
      });
      const error = r.json.error as Json;
      expect(Object.keys(error)).toEqual(["code", "message", "details", "innerError", "target"]);
      expect(error.code).toBe("InvalidExpression");
      expect(error.message).toContain(reason);
    },
  );

  it("switches an unparsable expression to a 400 envelope with unparsableExpressionStatus, and the attribute check off", async () => {
    await fake.stop();
    await start({ unparsableExpressionStatus: 400, parseExpressionChecksAttributes: false });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    job = fake.addJob(sp, "GoTo");
    const bad = await call<GraphErrorBody>("POST", `${jobPath(sp, job)}/schema/parseExpression`, {
      expression: "Trim([mail])",
    });
    expect(failure(bad)).toEqual([
      400,
      "BadRequest",
      'Expression could not be parsed: unknown function "Trim" (at 0).',
    ]);
    expect((await tree("Not([IsDeleted])")) as Json).toMatchObject({ name: "Not" });
  });

  it.each([
    [
      "Switch (the template's active)",
      'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
      [{ key: "IsSoftDeleted", value: "True" }],
      ["False"],
    ],
    [
      "Mid",
      "Mid([userPrincipalName], 1, 3)",
      [{ key: "userPrincipalName", value: "ann@x" }],
      ["ann"],
    ],
    [
      "Join over a multi-value",
      'Join(",", [mail], [surname])',
      [
        { key: "mail", value: ["a", "b"] },
        { key: "surname", value: "c" },
      ],
      ["a,b,c"],
    ],
    [
      "Replace with a .NET named group",
      'Replace([mobile], , "\\\\+(?<cc>\\\\d+) (?<n>\\\\d+)", , "${n}", , )',
      [{ key: "mobile", value: "+91 999" }],
      ["999"],
    ],
    ["IIF", 'IIF([country]="USA","yes","no")', [{ key: "country", value: "USA" }], ["yes"]],
    [
      "Coalesce with a null first",
      "Coalesce([mail], [userPrincipalName])",
      [{ key: "userPrincipalName", value: "u@x" }],
      ["u@x"],
    ],
  ])("evaluates %s on testInputObject", async (_, expression, properties, result) => {
    const r = await parse({ expression, testInputObject: { definition: null, properties } });
    expect([r.json.parsingSucceeded, r.json.evaluationSucceeded, r.json.evaluationResult]).toEqual([
      true,
      true,
      result,
    ]);
  });

  it("guess: without testInputObject, or for a function it cannot evaluate, evaluationSucceeded is false", async () => {
    expect((await parse({ expression: "Not([IsSoftDeleted])" })).json).toMatchObject({
      evaluationSucceeded: false,
      evaluationResult: [],
      parsingSucceeded: true,
    });
    const r = await parse({
      expression: 'FormatDateTime([extensionAttribute1], "yyyy", "yy")',
      testInputObject: { properties: [{ key: "extensionAttribute1", value: "2020" }] },
    });
    expect([r.json.parsingSucceeded, r.json.evaluationSucceeded]).toEqual([true, false]);
  });

  it("checks attributes against testInputObject.definition when one is given", async () => {
    const r = await parse({
      expression: "Not([custom])",
      testInputObject: {
        definition: { name: "User", attributes: [{ name: "custom" }] },
        properties: [],
      },
    });
    expect(r.json.parsingSucceeded).toBe(true);
  });

  it("rejects a body without expression or with unknown properties (CSDL shape)", async () => {
    expect(failure((await parse({})) as unknown as Reply<GraphErrorBody>)).toEqual([
      400,
      "BadRequest",
      "Invalid request body: expression: required; must be a string",
    ]);
    expect(
      failure(
        (await parse({ expression: "[mail]", input: {} })) as unknown as Reply<GraphErrorBody>,
      ),
    ).toEqual([
      400,
      "BadRequest",
      "Invalid request body: input: unknown property; parseExpression parameters has expression, testInputObject, targetAttributeDefinition",
    ]);
  });

  it("the parsed tree is what a schema PUT accepts", async () => {
    const parsed = (await tree(
      'Join(" ", [givenName], [surname])',
    )) as MSGraph.AttributeMappingSource;
    const schema = connectorTemplateSchema("goto");
    schema.synchronizationRules![0].objectMappings![0].attributeMappings![2].source = parsed;
    expect((await call("PUT", `${jobPath(sp, job)}/schema`, schema)).status).toBe(204);
  });
});

// ---- F5 replication errors -------------------------------------------------------------------------------

describe("F5 replication (consistency) errors after creation", () => {
  it.each([
    [404, "Request_ResourceNotFound", true],
    [401, "UnknownError", false],
    [403, "Authorization_RequestDenied", false],
    [409, "ConcurrencyViolation", false],
  ] as const)(
    "answers %s %s for the first synchronization call of a new service principal",
    async (status, code, namesId) => {
      await start({ consistencyErrors: { synchronization: [status] } });
      const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
      const first = await call<GraphErrorBody>("GET", `${sync(sp)}/templates`);
      expect(failure(first)).toEqual([status, code, CONSISTENCY_ERRORS[status].message(sp)]);
      if (namesId) expect(first.json.error.message).toContain(sp);
      expect((await call("GET", `${sync(sp)}/templates`)).status).toBe(200);
    },
  );

  it("plays a sequence per service principal, also for one created by instantiate, writes included", async () => {
    await start({ consistencyErrors: { synchronization: [404, 401, 403, 409] } });
    const template = fake.addApplicationTemplate(galleryApplicationTemplate("goto"));
    const created = await call<{ servicePrincipal: { id: string } }>(
      "POST",
      `/applicationTemplates/${template}/instantiate`,
      { displayName: "GoTo" },
    );
    const sp = created.json.servicePrincipal.id;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await call("POST", `${sync(sp)}/jobs`, { templateId: "GoTo" })).status);
    }
    expect(statuses).toEqual([404, 401, 403, 409, 201]);
    const seeded = fake.addServicePrincipal({ templates: [] });
    expect((await call("GET", `${sync(seeded)}/secrets`)).status).toBe(404);
  });

  it("plays a job's sequence on calls under that job, and the directory object's on GET /servicePrincipals/{id}", async () => {
    await start({ consistencyErrors: { job: [404, 409], directoryObject: [404] } });
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    expect((await call("GET", `/servicePrincipals/${sp}`)).status).toBe(404);
    expect((await call("GET", `/servicePrincipals/${sp}`)).status).toBe(200);
    const job = fake.addJob(sp, "GoTo");
    const missing = await call<GraphErrorBody>("GET", jobPath(sp, job));
    expect(failure(missing)).toEqual([
      404,
      "Request_ResourceNotFound",
      CONSISTENCY_ERRORS[404].message(job),
    ]);
    expect((await call("POST", `${jobPath(sp, job)}/start`)).status).toBe(409);
    expect((await call("POST", `${jobPath(sp, job)}/start`)).status).toBe(204);
  });

  it("setConsistencyErrors and an injected sequence do the same on demand", async () => {
    await start();
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const job = fake.addJob(sp, "GoTo");
    fake.setConsistencyErrors({ servicePrincipalId: sp, jobId: job }, [
      { status: 401, code: "UnknownError", message: "custom" },
    ]);
    expect(failure(await call<GraphErrorBody>("GET", jobPath(sp, job)))).toEqual([
      401,
      "UnknownError",
      "custom",
    ]);
    fake.inject({ path: "/secrets", kind: { consistency: [401, 403] } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("GET", `${sync(sp)}/secrets`)).status);
    expect(statuses).toEqual([401, 403, 200]);
    expect(fake.exchanges.slice(-3).map((e) => e.fault)).toEqual([
      "consistency-401",
      "consistency-403",
      undefined,
    ]);
  });

  it("keeps notFoundReadsAfterCreate: the first N synchronization reads 404, per service principal, writes not held", async () => {
    await start({ notFoundReadsAfterCreate: 2 });
    const a = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const b = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    expect((await call("GET", `${sync(a)}/templates`)).status).toBe(404);
    expect((await call("POST", `${sync(a)}/jobs`, { templateId: "GoTo" })).status).toBe(201);
    expect((await call("GET", `${sync(a)}/jobs`)).status).toBe(404);
    expect((await call("GET", `${sync(a)}/jobs`)).status).toBe(200);
    expect((await call("GET", `${sync(b)}/jobs`)).status).toBe(404);
  });
});

// ---- F9 provisionOnDemand ---------------------------------------------------------------------------------

describe("F9 provisionOnDemand", () => {
  let sp: string;
  let job: string;
  let user: string;
  let now: number;
  const setup = async (options: GraphFakeOptions = {}) => {
    now = Date.parse("2026-02-01T09:00:00Z");
    await start({ clock: () => new Date(now), ...options });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    job = fake.addJob(sp, "GoTo");
    user = fake.addUser({ userPrincipalName: "ann@contoso.example", displayName: "Ann" });
  };
  const body = (objectId = user, ruleId = CONNECTOR_RULE_ID) => ({
    parameters: [{ subjects: [{ objectId, objectTypeName: "User" }], ruleId }],
  });
  const provision = (b: unknown = body()) =>
    call<{ "@odata.context": string; key: string; value: string }>(
      "POST",
      `${jobPath(sp, job)}/provisionOnDemand`,
      b,
    );

  it("answers 200 with ONE stringKeyStringValuePair: the documented Success key and a provisioning record", async () => {
    await setup();
    const r = await provision();
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["@odata.context", "key", "value"]);
    expect(r.json["@odata.context"]).toBe(docs.PROVISION_ON_DEMAND_CONTEXTS.graph);
    expect(r.json.key).toBe(docs.PROVISION_ON_DEMAND_KEYS.success);
    const record = JSON.parse(r.json.value) as Json;
    expect(Object.keys(record)).toEqual([...docs.PROVISIONING_RECORD_KEYS]);
    for (const step of record.provisioningSteps as Json[]) {
      expect(Object.keys(step)).toEqual([...docs.PROVISIONING_STEP_KEYS]);
    }
    expect([
      record.reportableIdentifier,
      node(record, "targetSystem").name,
      node(record, "statusInfo").status,
    ]).toEqual(["ann@contoso.example", "customappsso", "Success"]);
    expect(node(record, "targetIdentity").type).toBe(ENTERPRISE);
    expect(fake.provisionOnDemandCalls).toEqual([
      {
        servicePrincipalId: sp,
        jobId: job,
        ruleId: CONNECTOR_RULE_ID,
        objectId: user,
        objectTypeName: "User",
        result: "Success",
      },
    ]);
  });

  it("accepts the documented request shape and a rule id with a #V2 suffix", async () => {
    await setup();
    const sample = mutable(docs.PROVISION_ON_DEMAND_REQUEST) as unknown as {
      parameters: { ruleId: string }[];
    };
    sample.parameters[0].ruleId = `${CONNECTOR_RULE_ID}#V2`;
    expect((await provision(sample)).status).toBe(200);
    expect(docs.SUFFIXED_RULE_ID).toMatch(/#V2$/);
  });

  it("plays scripted results per subject: Skipped gives the documented key, Failure a failed step", async () => {
    await setup();
    fake.scriptProvisionOnDemand(user, "Skipped", "Failure", {
      result: "Success",
      details: {},
      emptyRecord: true,
    });
    const skipped = await provision();
    expect(skipped.json.key).toBe(docs.PROVISION_ON_DEMAND_KEYS.skipped);
    const skipRecord = JSON.parse(skipped.json.value) as {
      provisioningSteps: Json[];
      action: string;
    };
    expect(skipRecord.action).toBe("Other");
    expect(skipRecord.provisioningSteps.at(-1)).toMatchObject({
      name: "EntrySynchronizationSkip",
      type: "Export",
      status: "Skipped",
      details: { SkipReason: "RedundantExport" },
    });
    const failed = await provision();
    expect(JSON.parse(failed.json.key).result).toBe("Failure");
    const failRecord = JSON.parse(failed.json.value) as {
      provisioningSteps: Json[];
      statusInfo: Json;
    };
    expect(failRecord.provisioningSteps.at(-1)).toMatchObject({
      type: "Export",
      status: "Failure",
    });
    expect(failRecord.statusInfo.status).toBe("Failure");
    const empty = await provision();
    expect([empty.json.key, empty.json.value]).toEqual([
      docs.PROVISION_ON_DEMAND_KEYS.success,
      "{}",
    ]);
    // Then back to the default.
    expect((await provision()).json.key).toBe(docs.PROVISION_ON_DEMAND_KEYS.success);
  });

  it("guess: spells a failure as provisionOnDemandFailureResult says, and carries the syncfabric context", async () => {
    await setup({
      provisionOnDemandFailureResult: "Failed",
      provisionOnDemandContext: "syncfabric",
    });
    fake.scriptProvisionOnDemand(user, "Failure");
    const r = await provision();
    expect(r.json["@odata.context"]).toBe(docs.PROVISION_ON_DEMAND_CONTEXTS.syncfabric);
    expect(JSON.parse(r.json.key).result).toBe("Failed");
  });

  it("limits to 5 requests per 10 seconds [S42]: the sixth is 429 with Retry-After", async () => {
    await setup();
    for (let i = 0; i < 5; i++) expect((await provision()).status).toBe(200);
    const limited = await provision();
    expect(failure(limited as unknown as Reply<GraphErrorBody>)).toEqual([
      429,
      "TooManyRequests",
      INJECTED_FAULT_ERRORS[429].message,
    ]);
    expect(limited.headers.get("retry-after")).toBe("10");
    now += 10_001;
    expect((await provision()).status).toBe(200);
    expect(fake.provisionOnDemandCalls).toHaveLength(6);
  });

  it("turns the limit off with provisionOnDemandRateLimit false", async () => {
    await setup({ provisionOnDemandRateLimit: false });
    for (let i = 0; i < 7; i++) expect((await provision()).status).toBe(200);
  });

  it("rejects a rule id outside the job's schema (guess: 400) and malformed bodies", async () => {
    await setup();
    expect(
      failure(
        (await provision(
          body(user, "ea807875-5618-4f0a-9125-0b46a05298ca"),
        )) as unknown as Reply<GraphErrorBody>,
      ),
    ).toEqual([
      400,
      "BadRequest",
      `Invalid request body: parameters[0].ruleId: "ea807875-5618-4f0a-9125-0b46a05298ca" is not a rule of the job's schema (${CONNECTOR_RULE_ID})`,
    ]);
    expect(
      failure(
        (await provision({
          parameters: [{ ruleId: CONNECTOR_RULE_ID }],
        })) as unknown as Reply<GraphErrorBody>,
      ),
    ).toEqual([
      400,
      "BadRequest",
      "Invalid request body: parameters[0].subjects: required; must be an array",
    ]);
  });

  it("guess: several subjects are rejected, or answered for the first with provisionOnDemandMultipleSubjects", async () => {
    const two = {
      parameters: [
        {
          subjects: [
            { objectId: "a", objectTypeName: "User" },
            { objectId: "b", objectTypeName: "User" },
          ],
          ruleId: CONNECTOR_RULE_ID,
        },
      ],
    };
    await setup();
    expect((await provision(two)).status).toBe(400);
    await fake.stop();
    await setup({ provisionOnDemandMultipleSubjects: "first" });
    expect((await provision(two)).status).toBe(200);
    expect(fake.provisionOnDemandCalls.map((c) => c.objectId)).toEqual(["a"]);
  });
});

// ---- directory objects --------------------------------------------------------------------------------------

describe("directory objects (azuread stand-ins)", () => {
  beforeEach(async () => {
    await start();
  });

  it("reproduces the AWS application template listing and instantiate app roles [S74]", async () => {
    await fake.stop();
    await start({ tenantId: docs.AWS_JOB_ID_PARTS.appOwnerOrganizationId });
    fake.addApplicationTemplate({
      ...(mutable(docs.AWS_APPLICATION_TEMPLATE) as unknown as { id: string; displayName: string }),
      supportedProvisioningTypes: ["sync"],
      supportedSingleSignOnModes: ["saml", "external"],
      synchronizationTemplates: [awsTemplate()],
      appRoles: {
        msiamAccessId: docs.MSIAM_ACCESS_ROLE_IDS[0],
        userRole: { id: docs.AWS_USER_ROLE.id, value: null },
      },
    });
    const listed = await call<{ "@odata.context": string; value: Json[] }>(
      "GET",
      "/applicationTemplates?$filter=displayName eq 'AWS Single Sign-on'",
    );
    expect(listed.json["@odata.context"]).toBe(`${fake.url}/$metadata#applicationTemplates`);
    expect(project(listed.json.value, [docs.AWS_APPLICATION_TEMPLATE])).toEqual([
      docs.AWS_APPLICATION_TEMPLATE,
    ]);
    const created = await call<{
      application: Json;
      servicePrincipal: Json;
      "@odata.context": string;
    }>("POST", `/applicationTemplates/${docs.AWS_APPLICATION_TEMPLATE.id}/instantiate`, {
      displayName: "AWS Contoso",
    });
    expect(created.status).toBe(201);
    expect(created.json["@odata.context"]).toBe(
      `${fake.url}/$metadata#microsoft.graph.applicationServicePrincipal`,
    );
    const roles = [
      docs.AWS_USER_ROLE,
      { ...docs.MSIAM_ACCESS_ROLE_SHAPE, id: docs.MSIAM_ACCESS_ROLE_IDS[0] },
    ];
    expect(created.json.servicePrincipal.appRoles).toEqual(roles);
    expect(created.json.application.appRoles).toEqual(roles);
    const s = created.json.servicePrincipal;
    const appId = s.appId as string;
    expect(project(s, docs.INSTANTIATED_SERVICE_PRINCIPAL_SAMPLE)).toEqual({
      ...docs.INSTANTIATED_SERVICE_PRINCIPAL_SAMPLE,
      appId,
      servicePrincipalNames: [appId],
    });
    expect(created.json.application.appId).toBe(appId);
    // …and the job it makes has the three-part id of F1.
    const job = await call<{ id: string }>("POST", `${sync(s.id as string)}/jobs`, {
      templateId: "aWSSingleSignon",
    });
    expect(job.json.id).toBe(`aWSSingleSignon.ff8bf889e03141ac8f7baedb059892ee.${appId}`);
  });

  it.each([
    ["msiam_access only (documented default)", undefined, ["msiam_access"], [null]],
    [
      "with a User role, value null (documented)",
      { userRole: { value: null } },
      ["User", "msiam_access"],
      [null, null],
    ],
    [
      'with a User role, value "User" (guess)',
      { userRole: { value: "User" } },
      ["User", "msiam_access"],
      ["User", null],
    ],
  ] as const)("instantiates the GoTo seed with %s", async (_, appRoles, names, values) => {
    const template = fake.addApplicationTemplate(
      galleryApplicationTemplate("goto", { appRoles: appRoles as never }),
    );
    const created = await call<{ servicePrincipal: MSGraph.ServicePrincipal }>(
      "POST",
      `/applicationTemplates/${template}/instantiate`,
      { displayName: "GoTo" },
    );
    const roles = created.json.servicePrincipal.appRoles!;
    expect(roles.map((r) => r.displayName)).toEqual(names);
    expect(roles.map((r) => r.value)).toEqual(values);
    const msiam = roles.find((r) => r.displayName === "msiam_access")!;
    expect(msiam.id).toMatch(GUID);
    expect(msiam.id).not.toBe("00000000-0000-0000-0000-000000000000");
    expect(project(msiam, { ...docs.MSIAM_ACCESS_ROLE_SHAPE })).toEqual(
      docs.MSIAM_ACCESS_ROLE_SHAPE,
    );
  });

  it("filters templates by displayName (eq and contains), and the retired seed lists no provisioning", async () => {
    fake.addApplicationTemplate(galleryApplicationTemplate("gotomeeting", { provisioning: false }));
    fake.addApplicationTemplate(galleryApplicationTemplate("goto"));
    const eq = await call<{ value: Json[] }>(
      "GET",
      "/applicationTemplates?$filter=displayName eq 'GoToMeeting'",
    );
    expect(eq.json.value.map((t) => [t.displayName, t.supportedProvisioningTypes])).toEqual([
      ["GoToMeeting", []],
    ]);
    const contains = await call<{ value: Json[] }>(
      "GET",
      `/applicationTemplates?$filter=${encodeURIComponent("contains(displayName, 'goto')")}`,
    );
    expect(contains.json.value.map((t) => t.displayName)).toEqual(["GoToMeeting", "GoTo"]);
    expect((await call("GET", "/applicationTemplates?$filter=publisher eq 'x'")).status).toBe(400);
  });

  it("serves the service principal and application, and DELETE /applications/{id} removes both with the jobs", async () => {
    const template = fake.addApplicationTemplate(galleryApplicationTemplate("goto"));
    const created = await call<{
      application: { id: string };
      servicePrincipal: { id: string; appId: string };
    }>("POST", `/applicationTemplates/${template}/instantiate`, { displayName: "GoTo" });
    const { application, servicePrincipal } = created.json;
    const sp = servicePrincipal.id;
    expect((await call<Json>("GET", `/servicePrincipals/${sp}`)).json.appId).toBe(
      servicePrincipal.appId,
    );
    expect(
      (await call<Json>("GET", `/servicePrincipals(appId='${servicePrincipal.appId}')`)).json.id,
    ).toBe(sp);
    const byFilter = await call<{ value: Json[] }>(
      "GET",
      `/servicePrincipals?$filter=appId eq '${servicePrincipal.appId}'`,
    );
    expect(byFilter.json.value.map((s) => s.id)).toEqual([sp]);
    expect((await call<Json>("GET", `/applications/${application.id}`)).json.appId).toBe(
      servicePrincipal.appId,
    );
    expect((await call("POST", `${sync(sp)}/jobs`, { templateId: "GoTo" })).status).toBe(201);
    expect((await call("DELETE", `/applications/${application.id}`)).status).toBe(204);
    expect((await call("GET", `/servicePrincipals/${sp}`)).status).toBe(404);
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(404);
    expect((await call("GET", `/applications/${application.id}`)).status).toBe(404);
  });

  it("rejects an instantiate body without displayName, and an unknown template", async () => {
    const template = fake.addApplicationTemplate(galleryApplicationTemplate("goto"));
    expect(
      failure(
        await call<GraphErrorBody>("POST", `/applicationTemplates/${template}/instantiate`, {}),
      ),
    ).toEqual([400, "BadRequest", "Invalid request body: displayName: required; must be a string"]);
    expect(
      (
        await call(
          "POST",
          "/applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate",
          { displayName: "x" },
        )
      ).status,
    ).toBe(404);
  });

  it("serves seeded users and groups by filter, id and user principal name", async () => {
    const ann = fake.addUser({
      userPrincipalName: "ann@contoso.example",
      displayName: "Ann",
      givenName: "Ann",
      surname: "Lee",
    });
    const pilot = fake.addGroup({ displayName: "GoTo Pilot" });
    const users = await call<{ value: Json[] }>(
      "GET",
      "/users?$filter=userPrincipalName eq 'ann@contoso.example'",
    );
    expect(users.json.value).toEqual([
      {
        businessPhones: [],
        displayName: "Ann",
        givenName: "Ann",
        jobTitle: null,
        mail: "ann@contoso.example",
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: null,
        surname: "Lee",
        userPrincipalName: "ann@contoso.example",
        id: ann,
      },
    ]);
    expect((await call<Json>("GET", "/users/ann@contoso.example")).json.id).toBe(ann);
    expect((await call<Json>("GET", `/users/${ann}`)).json.userPrincipalName).toBe(
      "ann@contoso.example",
    );
    expect((await call("GET", "/users/bob@contoso.example")).status).toBe(404);
    const groups = await call<{ value: Json[] }>(
      "GET",
      "/groups?$filter=displayName eq 'GoTo Pilot'",
    );
    expect(groups.json.value.map((g) => g.id)).toEqual([pilot]);
    expect((await call<Json>("GET", `/groups/${pilot}`)).json.displayName).toBe("GoTo Pilot");
  });

  it("the documented assignment id is base64url and starts with the principal id's bytes (INFERENCE)", () => {
    const bytes = Buffer.from(docs.APP_ROLE_ASSIGNMENT_RESPONSE.id, "base64url");
    expect(dotnetGuid(bytes)).toBe(docs.APP_ROLE_ASSIGNMENT_RESPONSE.principalId);
  });

  it("assigns app roles: 201 with the documented shape and a non-GUID id, lists, deletes with 204", async () => {
    const template = fake.addApplicationTemplate(galleryApplicationTemplate("goto"));
    const created = await call<{ servicePrincipal: MSGraph.ServicePrincipal }>(
      "POST",
      `/applicationTemplates/${template}/instantiate`,
      { displayName: "GoTo" },
    );
    const sp = created.json.servicePrincipal;
    const msiam = sp.appRoles!.find((r) => r.displayName === "msiam_access")!.id!;
    const group = fake.addGroup({ displayName: "Parents of Contoso" });
    const path = `/servicePrincipals/${sp.id}/appRoleAssignedTo`;
    const post = await call<Json>("POST", path, {
      principalId: group,
      resourceId: sp.id,
      appRoleId: msiam,
    });
    expect(post.status).toBe(201);
    expect(Object.keys(post.json)).toEqual(Object.keys(docs.APP_ROLE_ASSIGNMENT_RESPONSE));
    expect(post.json).toMatchObject({
      "@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp.id}')/appRoleAssignedTo/$entity`,
      deletedDateTime: null,
      appRoleId: msiam,
      principalDisplayName: "Parents of Contoso",
      principalId: group,
      principalType: "Group",
      resourceDisplayName: "GoTo",
      resourceId: sp.id,
    });
    const id = post.json.id as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id).not.toMatch(GUID);
    expect(dotnetGuid(Buffer.from(id, "base64url"))).toBe(group);
    expect(post.json.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    const listed = await call<{ value: Json[] }>("GET", path);
    expect(listed.json.value.map((a) => a.id)).toEqual([id]);
    const dup = await call<GraphErrorBody>("POST", path, {
      principalId: group,
      resourceId: sp.id,
      appRoleId: msiam,
    });
    expect(dup.status).toBe(400);
    expect((await call("DELETE", `${path}/${encodeURIComponent(id)}`)).status).toBe(204);
    expect((await call<{ value: Json[] }>("GET", path)).json.value).toEqual([]);
    expect((await call("DELETE", `${path}/${encodeURIComponent(id)}`)).status).toBe(404);
  });

  it.each([
    [
      "an app role the app lacks",
      (r: Json) => (r.appRoleId = "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7"),
      400,
    ],
    ["another resource", (r: Json) => (r.resourceId = "9028d19c-26a9-4809-8e3f-20ff73e2d75e"), 400],
    [
      "an unknown principal",
      (r: Json) => (r.principalId = "33ad69f9-da99-4bed-acd0-3f24235cb296"),
      404,
    ],
    ["a principal id that is not a GUID", (r: Json) => (r.principalId = "ann"), 400],
  ])("guess: refuses an assignment with %s", async (_, edit, status) => {
    const sp = fake.addServicePrincipal({ templates: [] });
    const user = fake.addUser({ userPrincipalName: "ann@contoso.example" });
    const request: Json = {
      principalId: user,
      resourceId: sp,
      appRoleId: fake.servicePrincipal(sp).appRoles![0].id!,
    };
    edit(request);
    expect((await call("POST", `/servicePrincipals/${sp}/appRoleAssignedTo`, request)).status).toBe(
      status,
    );
  });

  it("accepts the all-zero default role id [S45]", async () => {
    const sp = fake.addServicePrincipal({ templates: [] });
    const user = fake.addUser({ userPrincipalName: "ann@contoso.example" });
    const r = await call("POST", `/servicePrincipals/${sp}/appRoleAssignedTo`, {
      principalId: user,
      resourceId: sp,
      appRoleId: "00000000-0000-0000-0000-000000000000",
    });
    expect(r.status).toBe(201);
  });
});

// ---- hostile modes --------------------------------------------------------------------------------------------

describe("hostile modes (inject)", () => {
  let sp: string;
  const putSecret = (value = "true") =>
    open("PUT", `${sync(sp)}/secrets`, { value: [{ key: "SyncAll", value }] });
  beforeEach(async () => {
    await start({ retryAfter: "0.01" });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
  });

  it("cut-off: full Content-Length and JSON type, half the body, then the socket closes; the effect is applied", async () => {
    fake.inject({ method: "GET", path: "/templates", kind: "cut-off" });
    const res = await open("GET", `${sync(sp)}/templates`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Number(res.headers.get("content-length"))).toBeGreaterThan(1000);
    await expect(res.text()).rejects.toThrow();
    fake.inject({ method: "PUT", kind: "cut-off" });
    const put = await putSecret();
    expect(put.status).toBe(200);
    await expect(put.text()).rejects.toThrow();
    expect(fake.secrets(sp)).toEqual([{ key: "SyncAll", value: "true" }]);
    expect(fake.exchanges.map((e) => [e.fault, e.status])).toEqual([
      ["cut-off", 200],
      ["cut-off", 200],
    ]);
  });

  it("truncated-json: a complete response whose JSON is cut short, Content-Length matching", async () => {
    fake.inject({ path: "/jobs", kind: "truncated-json" });
    const res = await open("GET", `${sync(sp)}/jobs`);
    const text = await res.text();
    expect([res.status, res.headers.get("content-type")?.startsWith("application/json")]).toEqual([
      200,
      true,
    ]);
    expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(() => JSON.parse(text)).toThrow();
  });

  it('truncated-json on a 204 answers 200 with a cut "{}"; the write is applied', async () => {
    fake.inject({ method: "PUT", kind: "truncated-json" });
    const res = await putSecret("false");
    expect([res.status, await res.text()]).toEqual([200, "{"]);
    expect(fake.secrets(sp)).toEqual([{ key: "SyncAll", value: "false" }]);
  });

  it.each([
    ["wrong-content-type", "text/plain; charset=utf-8"],
    [{ wrongContentType: "text/html" }, "text/html"],
  ] as const)("%j: the normal JSON body under another content type", async (kind, type) => {
    fake.inject({ path: "/jobs", kind });
    const res = await open("GET", `${sync(sp)}/jobs`);
    expect(res.headers.get("content-type")).toBe(type);
    expect(JSON.parse(await res.text())).toMatchObject({ value: [] });
  });

  it("empty-200: 200, JSON content type, empty body", async () => {
    fake.inject({ path: "/jobs", kind: "empty-200" });
    const res = await open("GET", `${sync(sp)}/jobs`);
    expect([
      res.status,
      res.headers.get("content-type")?.startsWith("application/json"),
      res.headers.get("content-length"),
      await res.text(),
    ]).toEqual([200, true, "0", ""]);
  });

  it("stall-body: the headers arrive, the body never does; a client timeout fires, stop() ends it", async () => {
    fake.inject({ path: "/jobs", kind: "stall-body" });
    const res = await open("GET", `${sync(sp)}/jobs`, undefined, {
      signal: AbortSignal.timeout(150),
    });
    expect(res.status).toBe(200);
    const err = await res.text().catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe("TimeoutError");
    fake.inject({ path: "/jobs", kind: "stall-body" });
    const pending = open("GET", `${sync(sp)}/jobs`)
      .then((r) => r.text())
      .catch((e: unknown) => e);
    await expect.poll(() => fake.exchanges.length).toBe(2);
    await fake.stop();
    expect(await pending).toBeInstanceOf(Error);
  });

  it("echo: an error body repeating method, URL, every header (Authorization too) and the raw body; no effect", async () => {
    fake.inject({ method: "PUT", kind: { echo: true, status: 400 } });
    const res = await call<GraphErrorBody>("PUT", `${sync(sp)}/secrets`, {
      value: [{ key: "Password", value: "hunter2-secret" }],
    });
    expect([res.status, res.json.error.code]).toEqual([400, "UnknownError"]);
    const message = res.json.error.message;
    expect(message).toContain(`PUT /v1.0${sync(sp)}/secrets HTTP/1.1`);
    expect(message).toContain(`authorization: Bearer ${fake.token}`);
    expect(message).toContain("hunter2-secret");
    expect(fake.secrets(sp)).toEqual([]);
  });

  it.each([307, 308] as const)(
    "redirect %s to another origin: fetch follows into the trap, which records it; manual sees the Location",
    async (status) => {
      fake.inject({ method: "PUT", kind: { redirect: status } });
      const followed = await putSecret();
      expect(followed.status).toBe(400);
      expect(((await followed.json()) as GraphErrorBody).error.code).toBe("RedirectTrap");
      expect(fake.redirectTrap.requests.map((r) => [r.method, r.url, r.rawBody])).toEqual([
        ["PUT", `/v1.0${sync(sp)}/secrets`, '{"value":[{"key":"SyncAll","value":"true"}]}'],
      ]);
      expect(fake.secrets(sp)).toEqual([]);
      fake.inject({
        method: "PUT",
        kind: { redirect: status, location: "https://elsewhere.invalid/x" },
      });
      const manual = await open(
        "PUT",
        `${sync(sp)}/secrets`,
        { value: [] },
        { redirect: "manual" },
      );
      expect([manual.status, manual.headers.get("location")]).toEqual([
        status,
        "https://elsewhere.invalid/x",
      ]);
      expect(fake.redirectTrap.requests).toHaveLength(1);
      expect(fake.exchanges.map((e) => e.fault)).toEqual([
        `redirect-${status}`,
        `redirect-${status}`,
      ]);
    },
  );

  it.each([
    ["0", "0"],
    ["an HTTP date in the past", PAST_HTTP_DATE],
  ])("429 with Retry-After %s", async (_, retryAfter) => {
    fake.inject({ path: "/jobs", kind: { status: 429, retryAfter } });
    const r = await call<GraphErrorBody>("GET", `${sync(sp)}/jobs`);
    expect(failure(r)).toEqual([429, "TooManyRequests", INJECTED_FAULT_ERRORS[429].message]);
    expect(r.headers.get("retry-after")).toBe(retryAfter);
    expect(r.headers.get("x-ms-throttle-scope")).toMatch(/^Tenant_Application\/ReadWrite\//);
  });

  it("throttles the next `times` matching requests, then answers normally", async () => {
    fake.inject({ method: "GET", path: "/jobs", kind: { status: 429 }, times: 2 });
    expect((await call("GET", `${sync(sp)}/templates`)).status).toBe(200);
    const first = await call("GET", `${sync(sp)}/jobs`);
    expect(first.headers.get("retry-after")).toBe("0.01");
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(429);
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([200, 429, 429, 200]);
  });

  it("uses the fault's own Retry-After, none when null, and none by default for other statuses", async () => {
    fake.inject({ path: /\/jobs$/, kind: { status: 503, retryAfter: "2" } });
    fake.inject({ path: /\/jobs$/, kind: { status: 503, retryAfter: null } });
    fake.inject({ path: /\/jobs$/, kind: { status: 500 } });
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await call<GraphErrorBody>("GET", `${sync(sp)}/jobs`));
    expect(replies.map((r) => [r.status, r.json.error.code, r.headers.get("retry-after")])).toEqual(
      [
        [503, "ServiceUnavailable", "2"],
        [503, "ServiceUnavailable", null],
        [500, "InternalServerError", null],
      ],
    );
  });

  it("fails a write with a status fault without applying it", async () => {
    fake.inject({ method: "PUT", path: "/secrets", kind: { status: 504 } });
    const r = await call<GraphErrorBody>("PUT", `${sync(sp)}/secrets`, {
      value: [{ key: "SyncAll", value: "true" }],
    });
    expect(failure(r)).toEqual([504, "GatewayTimeout", "The gateway timed out."]);
    expect(fake.secrets(sp)).toEqual([]);
  });

  it("reset: the client's fetch rejects with a connection reset and nothing is applied", async () => {
    fake.inject({ method: "PUT", kind: "reset" });
    const err = await putSecret().catch((e: unknown) => e as Error & { cause?: { code?: string } });
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe("ECONNRESET");
    expect(fake.secrets(sp)).toEqual([]);
    expect(fake.requests.map((r) => [r.method, r.status])).toEqual([["PUT", -1]]);
  });

  it("hang: never answers, so the client's AbortSignal.timeout aborts; stop() ends a hanging request", async () => {
    fake.inject({ path: "/jobs", kind: "hang" });
    const err = await call("GET", `${sync(sp)}/jobs`, undefined, {
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe("TimeoutError");
    fake.inject({ kind: "hang" });
    const pending = call("GET", `${sync(sp)}/jobs`).catch((e: unknown) => e as Error);
    await expect.poll(() => fake.requests.length).toBe(2);
    await fake.stop();
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it("reset-after-commit: the effect is applied but the client sees a failure", async () => {
    fake.inject({ method: "POST", path: "/jobs", kind: "reset-after-commit" });
    const err = await call("POST", `${sync(sp)}/jobs`, { templateId: "GoTo" }).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TypeError);
    const jobs = await call<{ value: MSGraph.SynchronizationJob[] }>("GET", `${sync(sp)}/jobs`);
    expect(jobs.json.value.map((j) => j.templateId)).toEqual(["GoTo"]);
  });

  it("applies to directory routes too", async () => {
    fake.inject({ path: "/applicationTemplates", kind: "empty-200" });
    const res = await open("GET", "/applicationTemplates");
    expect([res.status, await res.text()]).toEqual([200, ""]);
  });

  it("rejects a fault with a times that is not a positive integer", () => {
    expect(() => fake.inject({ kind: "reset", times: 0 })).toThrow(
      "GraphFake.inject: times must be a positive integer; got 0",
    );
  });
});

describe("latency", () => {
  it("delays every reply by latencyMs (a client timeout shorter than it always fires)", async () => {
    await start({ latencyMs: 300 });
    const sp = fake.addServicePrincipal({ templates: [] });
    const err = await call("GET", `${sync(sp)}/templates`, undefined, {
      signal: AbortSignal.timeout(20),
    }).catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect((await call("GET", `${sync(sp)}/templates`)).status).toBe(200);
  });
});
