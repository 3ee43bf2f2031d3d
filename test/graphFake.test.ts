// Proves the Graph fake behaves as Microsoft documents the synchronization API, driven with plain
// fetch, so provider tests that pass against it are evidence about Graph and not about the fake.
// What it cannot prove: that a real tenant accepts the connector schemas, whose ids and metadata
// values are ours (docs/entra-goto-facts.md §2: the real ones are not published).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import {
  CREDENTIAL_VALIDATION_MESSAGE,
  GraphFake,
  INJECTED_FAULT_ERRORS,
  connectorTemplate,
  connectorTemplateSchema,
} from "./fakes/graphFake";
import { createGraphClient, GraphError } from "../lib/graph";
import { TransportError } from "../lib/http";

type Json = Record<string, unknown>;

interface Reply<T> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

let fake: GraphFake;

afterEach(async () => {
  await fake?.stop();
});

async function call<T = Json>(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | null; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? fake.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(fake.url + path, {
    method,
    headers,
    body: payload,
    signal: options.signal,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: (text ? JSON.parse(text) : undefined) as T,
  };
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

const sync = (sp: string) => `/servicePrincipals/${sp}/synchronization`;

describe("authentication and envelope", () => {
  let sp: string;
  beforeEach(async () => {
    fake = await GraphFake.start({ token: "right-token" });
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
    expect(fake.token).toBe("right-token");
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(200);
  });

  it("puts request-id and client-request-id on every reply, and both in innerError", async () => {
    const ok = await call("GET", `${sync(sp)}/templates`, undefined, {
      headers: { "client-request-id": "my-correlation-id" },
    });
    expect(ok.headers.get("request-id")).toMatch(GUID);
    expect(ok.headers.get("client-request-id")).toBe("my-correlation-id");

    const missing = await call<GraphErrorBody>("GET", `${sync("nope")}/jobs`);
    expect(failure(missing)).toEqual([
      404,
      "Request_ResourceNotFound",
      "Resource 'nope' does not exist or one of its queried reference-property objects are not present.",
    ]);
    expect(missing.json.error.innerError["request-id"]).toBe(missing.headers.get("request-id"));
    expect(missing.headers.get("client-request-id")).toBe(missing.headers.get("request-id"));
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

  it("records every request in order, with query and parsed body, until resetRequests", async () => {
    await call("GET", `${sync(sp)}/jobs?$select=id`);
    await call("POST", `${sync(sp)}/jobs`, { templateId: "nope" });
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
    fake.resetRequests();
    expect(fake.requests).toEqual([]);
  });
});

describe("templates and jobs", () => {
  let sp: string;
  beforeEach(async () => {
    fake = await GraphFake.start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
  });

  it("lists the seeded templates, and none for a gallery app without provisioning", async () => {
    const listed = await call<{ value: Json[] }>("GET", `${sync(sp)}/templates`);
    expect(listed.status).toBe(200);
    expect(listed.json.value).toEqual([
      { id: "GoTo", factoryTag: "goto", schema: connectorTemplateSchema("goto") },
    ]);
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

  it("creates a job disabled and not configured, with the template's schema", async () => {
    const created = await call<MSGraph.SynchronizationJob>("POST", `${sync(sp)}/jobs`, {
      templateId: "GoTo",
    });
    expect(created.status).toBe(201);
    const id = created.json.id!;
    expect(id).toMatch(/^GoTo\.[0-9a-f]{32}$/);
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

    const got = await call<MSGraph.SynchronizationJob>("GET", `${sync(sp)}/jobs/${id}`);
    expect(got.json).toEqual(created.json);
    const list = await call<{ value: MSGraph.SynchronizationJob[] }>("GET", `${sync(sp)}/jobs`);
    expect(list.json.value).toEqual([expected]);
  });

  it("rejects a job without templateId or for a template the service principal lacks", async () => {
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
    expect((await call("DELETE", `${sync(sp)}/jobs/${a}`)).status).toBe(204);
    expect((await call("DELETE", `${sync(sp)}/jobs/${b}/`)).status).toBe(204);
    expect(failure(await call<GraphErrorBody>("GET", `${sync(sp)}/jobs/${a}`))).toEqual([
      404,
      "Request_ResourceNotFound",
      `Resource '${a}' does not exist or one of its queried reference-property objects are not present.`,
    ]);
    expect((await call<{ value: Json[] }>("GET", `${sync(sp)}/jobs`)).json.value).toEqual([]);
    expect(() => fake.addJob(sp, "GoToMeeting")).toThrow(
      `GraphFake: service principal ${sp} has no template "GoToMeeting"`,
    );
  });

  it("starts, pauses and restarts; start clears a quarantine as the docs say", async () => {
    const job = fake.addJob(sp, "GoTo");
    const state = () => [fake.job(sp, job).schedule?.state, fake.job(sp, job).status?.code];
    expect((await call("POST", `${sync(sp)}/jobs/${job}/start`)).status).toBe(204);
    expect(state()).toEqual(["Active", "Active"]);
    expect((await call("POST", `${sync(sp)}/jobs/${job}/pause`)).status).toBe(204);
    expect(state()).toEqual(["Paused", "Paused"]);

    fake.setJobStatus(sp, job, { code: "Active" });
    expect(state()).toEqual(["Active", "Active"]);
    const quarantine: MSGraph.SynchronizationQuarantine = {
      currentBegan: "2026-01-01T00:00:00Z",
      nextAttempt: "2026-01-01T01:00:00Z",
      reason: "TooManyDeletes",
      seriesBegan: "2026-01-01T00:00:00Z",
      seriesCount: 1,
    };
    fake.setJobStatus(sp, job, { code: "Quarantine", quarantine });
    expect(state()).toEqual(["Active", "Quarantine"]);
    expect(fake.job(sp, job).status?.quarantine).toEqual(quarantine);

    const restart = (resetScope: string) =>
      call<GraphErrorBody>("POST", `${sync(sp)}/jobs/${job}/restart`, { criteria: { resetScope } });
    expect((await restart("Watermark, Escrows")).status).toBe(204);
    expect(state()).toEqual(["Active", "Quarantine"]);
    expect(fake.job(sp, job).status?.escrowsPruned).toBe(true);
    expect((await restart("ForceDeletes, QuarantineState")).status).toBe(204);
    expect(state()).toEqual(["Active", "Active"]);
    expect(fake.job(sp, job).status?.quarantine).toBeNull();

    fake.setJobStatus(sp, job, { code: "Quarantine", quarantine });
    expect((await call("POST", `${sync(sp)}/jobs/${job}/start`)).status).toBe(204);
    expect(state()).toEqual(["Active", "Active"]);
    expect(fake.job(sp, job).status?.quarantine).toBeNull();

    expect(failure(await restart("Everything"))).toEqual([
      400,
      "BadRequest",
      'Invalid request body: criteria.resetScope: "Everything" is not a comma-separated list of ' +
        "None, ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes",
    ]);
    expect(failure(await call<GraphErrorBody>("POST", `${sync(sp)}/jobs/nope.1/start`))).toEqual([
      404,
      "Request_ResourceNotFound",
      "Resource 'nope.1' does not exist or one of its queried reference-property objects are not present.",
    ]);
  });

  it("setJobSchedule changes the schedule and leaves the status alone", () => {
    const job = fake.addJob(sp, "GoTo");
    fake.setJobSchedule(sp, job, { state: "Paused" });
    expect(fake.job(sp, job).schedule).toEqual({
      expiration: null,
      interval: "PT40M",
      state: "Paused",
    });
    expect(fake.job(sp, job).status?.code).toBe("NotConfigured");
  });
});

describe("secrets", () => {
  let sp: string;
  beforeEach(async () => {
    fake = await GraphFake.start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
  });

  const notification = JSON.stringify({
    Enabled: true,
    Recipients: "ops@example.com",
    DeleteThresholdEnabled: true,
    DeleteThresholdValue: 50,
  });

  it("masks every value as * except SyncNotificationSettings and SyncAll", async () => {
    const put = await call("PUT", `${sync(sp)}/secrets`, {
      value: [
        { key: "UserName", value: "admin@example.com" },
        { key: "Password", value: "hunter2" },
        { key: "BaseAddress", value: "https://api.example.com/scim" },
        { key: "SyncNotificationSettings", value: notification },
        { key: "SyncAll", value: "false" },
      ],
    });
    expect(put.status).toBe(204);
    expect(put.text).toBe("");
    const got = await call("GET", `${sync(sp)}/secrets`);
    expect(got.json).toEqual({
      "@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/secrets`,
      value: [
        { key: "UserName", value: "*" },
        { key: "Password", value: "*" },
        { key: "BaseAddress", value: "*" },
        { key: "SyncNotificationSettings", value: notification },
        { key: "SyncAll", value: "false" },
      ],
    });
    expect(got.text).not.toContain("hunter2");
    expect(fake.secrets(sp)).toEqual([
      { key: "UserName", value: "admin@example.com" },
      { key: "Password", value: "hunter2" },
      { key: "BaseAddress", value: "https://api.example.com/scim" },
      { key: "SyncNotificationSettings", value: notification },
      { key: "SyncAll", value: "false" },
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
    expect((await call("GET", `${sync(sp)}/secrets`)).json.value).toEqual([
      { key: "SyncAll", value: "true" },
    ]);
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
    expect(secrets[0].value).toBe("false");
    expect(secrets[1].value).toMatch(/^portal-access-[0-9a-f]{24}$/);
    expect(secrets[2].value).toMatch(/^portal-refresh-[0-9a-f]{24}$/);
    expect(Number.isNaN(Date.parse(secrets[3].value!))).toBe(false);
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
      "a non-string value",
      { value: [{ key: "Password", value: 424242 }] },
      "value[0].value: required; must be a string",
    ],
    [
      "a missing value",
      { value: [{ key: "Password" }] },
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

describe("validateCredentials (Test Connection)", () => {
  let sp: string;
  let job: string;
  beforeEach(async () => {
    fake = await GraphFake.start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    job = fake.addJob(sp, "GoToMeeting");
  });

  const validate = (body: unknown) =>
    call<GraphErrorBody>("POST", `${sync(sp)}/jobs/${job}/validateCredentials`, body);
  const creds = (user: string, password: string) => ({
    useSavedCredentials: false,
    credentials: [
      { key: "UserName", value: user },
      { key: "Password", value: password },
    ],
  });

  it("accepts nothing until setValidCredentials, then exactly those values", async () => {
    const before = await validate(creds("admin@example.com", "s3cret-Pa55"));
    expect(failure(before)).toEqual([
      400,
      "CredentialValidationUnavailable",
      CREDENTIAL_VALIDATION_MESSAGE,
    ]);
    fake.setValidCredentials(sp, { UserName: "admin@example.com", Password: "s3cret-Pa55" });
    const ok = await validate(creds("admin@example.com", "s3cret-Pa55"));
    expect([ok.status, ok.text]).toEqual([204, ""]);
    const wrong = await validate(creds("admin@example.com", "wrong-Pa55"));
    expect(failure(wrong)).toEqual([
      400,
      "CredentialValidationUnavailable",
      CREDENTIAL_VALIDATION_MESSAGE,
    ]);
    expect(wrong.text).not.toContain("admin@example.com");
    expect(wrong.text).not.toContain("wrong-Pa55");
    expect(wrong.text).not.toContain("s3cret-Pa55");
  });

  it("with useSavedCredentials validates the saved secrets", async () => {
    fake.setValidCredentials(sp, { UserName: "admin@example.com", Password: "s3cret-Pa55" });
    expect(failure(await validate({ useSavedCredentials: true }))).toEqual([
      400,
      "CredentialValidationUnavailable",
      CREDENTIAL_VALIDATION_MESSAGE,
    ]);
    await call("PUT", `${sync(sp)}/secrets`, {
      value: [
        { key: "UserName", value: "admin@example.com" },
        { key: "Password", value: "s3cret-Pa55" },
        { key: "SyncAll", value: "false" },
      ],
    });
    expect((await validate({ useSavedCredentials: true })).status).toBe(204);
  });

  it("counts a portal authorization (Oauth2AccessToken) as valid saved credentials", async () => {
    const gotoSp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const gotoJob = fake.addJob(gotoSp, "GoTo");
    const check = () =>
      call<GraphErrorBody>("POST", `${sync(gotoSp)}/jobs/${gotoJob}/validateCredentials`, {
        useSavedCredentials: true,
      });
    expect(failure(await check())).toEqual([
      400,
      "CredentialValidationUnavailable",
      CREDENTIAL_VALIDATION_MESSAGE,
    ]);
    fake.authorizeInPortal(gotoSp);
    expect((await check()).status).toBe(204);
  });

  it("rejects malformed bodies with 400 BadRequest naming the property", async () => {
    expect(failure(await validate({ useSavedCredentials: false }))).toEqual([
      400,
      "BadRequest",
      "Invalid request body: credentials: required unless useSavedCredentials is true",
    ]);
    const bad = await validate({ credentials: [{ key: "Login", value: "admin@example.com" }] });
    expect(failure(bad)).toEqual([
      400,
      "BadRequest",
      "Invalid request body: credentials[0].key: required; must be a synchronizationSecret name such as " +
        "BaseAddress, SecretToken, SyncNotificationSettings or SyncAll",
    ]);
    expect(bad.text).not.toContain("admin@example.com");
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

describe("schema", () => {
  let sp: string;
  let job: string;
  beforeEach(async () => {
    fake = await GraphFake.start();
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    job = fake.addJob(sp, "GoTo");
  });
  const schemaPath = () => `${sync(sp)}/jobs/${job}/schema`;

  it("GET returns the job schema with an @odata.context", async () => {
    const got = await call("GET", schemaPath());
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      "@odata.context": `${fake.url}/$metadata#servicePrincipals('${sp}')/synchronization/jobs('${job}')/schema/$entity`,
      ...connectorTemplateSchema("goto"),
    });
  });

  it("PUT replaces the schema fully and bumps version; the GET body can be sent back as is", async () => {
    const got = (await call("GET", schemaPath())).json;
    node(got, "synchronizationRules", 0, "objectMappings", 0, "attributeMappings", 2).source = {
      expression: "[mailNickname]",
      name: "mailNickname",
      parameters: [],
      type: "Attribute",
    };
    (got.synchronizationRules as Json[])[0].objectMappings = [
      node(got, "synchronizationRules", 0, "objectMappings", 0),
    ];
    const put = await call("PUT", schemaPath(), got);
    expect([put.status, put.text]).toEqual([204, ""]);

    const expected = connectorTemplateSchema("goto");
    const rule = expected.synchronizationRules![0];
    rule.objectMappings = [rule.objectMappings![0]];
    rule.objectMappings[0].attributeMappings![2].source = {
      expression: "[mailNickname]",
      name: "mailNickname",
      parameters: [],
      type: "Attribute",
    };
    expected.version = "date:2025-03-25T00:00:00Z~2";
    expect(fake.schema(sp, job)).toEqual(expected);
    expect(Object.keys(fake.schema(sp, job))).not.toContain("@odata.context");

    expect((await call("PUT", schemaPath(), fake.schema(sp, job))).status).toBe(204);
    expect(fake.schema(sp, job).version).toBe("date:2025-03-25T00:00:00Z~3");
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
    expect(fake.schema(sp, job)).toEqual({ ...schema, version: "date:2025-03-25T00:00:00Z~2" });
  });

  it("DELETE resets the schema to the template", async () => {
    const edited = connectorTemplateSchema("goto");
    edited.synchronizationRules![0].objectMappings![0].attributeMappings!.splice(2, 1);
    fake.setSchema(sp, job, edited);
    expect((await call("GET", schemaPath())).json.synchronizationRules).toEqual(
      edited.synchronizationRules,
    );
    const del = await call("DELETE", schemaPath());
    expect([del.status, del.text]).toEqual([204, ""]);
    expect(fake.schema(sp, job)).toEqual(connectorTemplateSchema("goto"));
  });

  it("hands out deep copies", () => {
    const copy = fake.schema(sp, job);
    copy.synchronizationRules = [];
    const jobCopy = fake.job(sp, job);
    jobCopy.schedule!.state = "Active";
    expect(fake.schema(sp, job)).toEqual(connectorTemplateSchema("goto"));
    expect(fake.job(sp, job).schedule?.state).toBe("Disabled");
  });

  const userMapping = (s: unknown, i: number) =>
    node(s, "synchronizationRules", 0, "objectMappings", 0, "attributeMappings", i);
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
      "a rule without name",
      (s) => delete node(s, "synchronizationRules", 0).name,
      "synchronizationRules[0].name: required; must be a string",
    ],
    [
      "a rule without sourceDirectoryName",
      (s) => delete node(s, "synchronizationRules", 0).sourceDirectoryName,
      "synchronizationRules[0].sourceDirectoryName: required; must be a string",
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
      'synchronizationRules[0].id: "my-rule" is not a rule of template "GoTo" ' +
        "(03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8)",
    ],
    [
      "objectMappings that is not an array",
      (s) => (node(s, "synchronizationRules", 0).objectMappings = null),
      "synchronizationRules[0].objectMappings: required; must be an array",
    ],
    [
      "an object mapping without attributeMappings",
      (s) => delete node(s, "synchronizationRules", 0, "objectMappings", 1).attributeMappings,
      "synchronizationRules[0].objectMappings[1].attributeMappings: required; must be an array",
    ],
    [
      "a sourceObjectName the source directory lacks",
      (s) => (node(s, "synchronizationRules", 0, "objectMappings", 0).sourceObjectName = "Contact"),
      'synchronizationRules[0].objectMappings[0].sourceObjectName: "Contact" is not an object of directory ' +
        '"Azure Active Directory" (User, Group)',
    ],
    [
      "flowTypes outside the flags enum",
      (s) => (node(s, "synchronizationRules", 0, "objectMappings", 0).flowTypes = "Add, Move"),
      'synchronizationRules[0].objectMappings[0].flowTypes: "Add, Move" is not a comma-separated list of ' +
        "None, Add, Update, Delete",
    ],
    [
      "a targetAttributeName that is not a string",
      (s) => (userMapping(s, 2).targetAttributeName = 7),
      `${am}[2].targetAttributeName: must be a string`,
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
      "a flowBehavior outside the enum",
      (s) => (userMapping(s, 0).flowBehavior = "FlowNever"),
      `${am}[0].flowBehavior: "FlowNever" is not one of FlowWhenChanged, FlowAlways`,
    ],
    [
      "a fractional matchingPriority",
      (s) => (userMapping(s, 0).matchingPriority = 1.5),
      `${am}[0].matchingPriority: must be a 32-bit integer`,
    ],
    [
      "a matchingPriority beyond int32",
      (s) => (userMapping(s, 0).matchingPriority = 2147483648),
      `${am}[0].matchingPriority: must be a 32-bit integer`,
    ],
    [
      "an unknown attributeMapping property",
      (s) => (userMapping(s, 0).target = "userName"),
      `${am}[0].target: unknown property; attributeMapping has defaultValue, exportMissingReferences, ` +
        "flowBehavior, flowType, matchingPriority, source, targetAttributeName",
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
});

describe("connector templates", () => {
  beforeEach(async () => {
    fake = await GraphFake.start();
  });

  it("GoToMeeting: one rule, users only, userPrincipalName as the matching attribute", () => {
    const schema = connectorTemplateSchema("gotomeeting");
    expect(connectorTemplate("gotomeeting")).toEqual({
      id: "GoToMeeting",
      factoryTag: "gotomeeting",
      schema,
    });
    expect(schema.directories!.map((d) => [d.name, d.objects!.map((o) => o.name)])).toEqual([
      ["Azure Active Directory", ["User", "Group"]],
      ["GoToMeeting", ["User"]],
    ]);
    const [rule] = schema.synchronizationRules!;
    expect([
      rule.id,
      rule.name,
      rule.editable,
      rule.sourceDirectoryName,
      rule.targetDirectoryName,
    ]).toEqual([
      "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8",
      "USER_TO_USER",
      true,
      "Azure Active Directory",
      "GoToMeeting",
    ]);
    expect(
      rule.objectMappings!.map((m) => [
        m.name,
        m.sourceObjectName,
        m.targetObjectName,
        m.flowTypes,
        m.scope,
      ]),
    ).toEqual([
      [
        "Synchronize Azure Active Directory Users to GoToMeeting",
        "User",
        "User",
        "Add, Update, Delete",
        null,
      ],
    ]);
    const mappings = rule.objectMappings![0].attributeMappings!;
    expect(
      mappings.map((m) => [m.targetAttributeName, m.source?.expression, m.matchingPriority]),
    ).toEqual([
      ["userName", "[userPrincipalName]", 1],
      ["active", 'Switch([IsSoftDeleted], , "False", "True", "True", "False")', 0],
      ["displayName", "[displayName]", 0],
      ['emails[type eq "work"].value', "[mail]", 0],
      ["name.givenName", "[givenName]", 0],
      ["name.familyName", "[surname]", 0],
      ["externalId", "[mailNickname]", 0],
      ["title", "[jobTitle]", 0],
      [`${ENTERPRISE}:department`, "[department]", 0],
      [`${ENTERPRISE}:employeeNumber`, "[employeeId]", 0],
    ]);
    expect(mappings[1].source?.type).toBe("Function");
  });

  it("GoTo: adds the group directory object and the group object mapping", () => {
    const schema = connectorTemplateSchema("goto");
    expect(connectorTemplate("goto").id).toBe("GoTo");
    const groupObject = schema.directories![1].objects!.find((o) => o.name === "Group")!;
    expect(groupObject.attributes!.map((a) => a.name)).toEqual([
      "displayName",
      "externalId",
      "members",
    ]);
    const users = schema.directories![1].objects!.find((o) => o.name === "User")!;
    expect(users.attributes!.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        `${ENTERPRISE}:costCenter`,
        `${ENTERPRISE}:division`,
        "name.givenName",
        "name.familyName",
      ]),
    );
    const groups = schema.synchronizationRules![0].objectMappings![1];
    expect(groups.name).toBe("Synchronize Azure Active Directory Groups to GoTo");
    expect(groups.attributeMappings!.map((m) => [m.targetAttributeName, m.source?.name])).toEqual([
      ["displayName", "displayName"],
      ["externalId", "objectId"],
      ["members", "members"],
    ]);
  });

  it.each(["gotomeeting", "goto"] as const)(
    "the %s template passes the fake's own PUT validation",
    async (c) => {
      const sp = fake.addServicePrincipal({ templates: [connectorTemplate(c)] });
      const job = fake.addJob(sp, connectorTemplate(c).id);
      expect(
        (await call("PUT", `${sync(sp)}/jobs/${job}/schema`, connectorTemplateSchema(c))).status,
      ).toBe(204);
    },
  );
});

describe("replication lag", () => {
  it("answers the first N synchronization reads of a new service principal with 404, per service principal", async () => {
    fake = await GraphFake.start({ notFoundReadsAfterCreate: 2 });
    const a = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const b = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const lag = [
      404,
      "Request_ResourceNotFound",
      `Resource '${a}' does not exist or one of its queried reference-property objects are not present.`,
    ];
    expect(failure(await call<GraphErrorBody>("GET", `${sync(a)}/templates`))).toEqual(lag);
    // Writes are not held back by the read lag.
    expect((await call("POST", `${sync(a)}/jobs`, { templateId: "GoTo" })).status).toBe(201);
    expect(failure(await call<GraphErrorBody>("GET", `${sync(a)}/jobs`))).toEqual(lag);
    expect((await call("GET", `${sync(a)}/jobs`)).status).toBe(200);
    expect((await call("GET", `${sync(b)}/jobs`)).status).toBe(404);
    expect(fake.requests.map((r) => r.status)).toEqual([404, 201, 404, 200, 404]);
  });
});

describe("injected faults", () => {
  let sp: string;
  beforeEach(async () => {
    fake = await GraphFake.start({ retryAfter: "0.01" });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
  });

  it("throttles the next `times` matching requests with 429, Retry-After and x-ms-throttle-scope", async () => {
    fake.inject({ method: "GET", path: "/jobs", kind: { status: 429 }, times: 2 });
    expect((await call("GET", `${sync(sp)}/templates`)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await call<GraphErrorBody>("GET", `${sync(sp)}/jobs`);
      expect(failure(r)).toEqual([429, "TooManyRequests", INJECTED_FAULT_ERRORS[429].message]);
      expect(r.headers.get("retry-after")).toBe("0.01");
      expect(r.headers.get("x-ms-throttle-scope")).toMatch(/^Tenant_Application\/ReadWrite\//);
    }
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([200, 429, 429, 200]);
  });

  it("uses the fault's own Retry-After, none when null, and none by default for other statuses", async () => {
    fake.inject({ path: /\/jobs$/, kind: { status: 503, retryAfter: "2" } });
    fake.inject({ path: /\/jobs$/, kind: { status: 503, retryAfter: null } });
    fake.inject({ path: /\/jobs$/, kind: { status: 500 } });
    fake.inject({ path: /\/jobs$/, kind: { status: 409 } });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await call<GraphErrorBody>("GET", `${sync(sp)}/jobs`));
    expect(replies.map((r) => [r.status, r.json.error.code, r.headers.get("retry-after")])).toEqual(
      [
        [503, "ServiceUnavailable", "2"],
        [503, "ServiceUnavailable", null],
        [500, "InternalServerError", null],
        [409, "ConcurrencyViolation", null],
      ],
    );
  });

  it("fails a write with a fault without applying it", async () => {
    fake.inject({ method: "PUT", path: "/secrets", kind: { status: 504 } });
    const r = await call<GraphErrorBody>("PUT", `${sync(sp)}/secrets`, {
      value: [{ key: "SyncAll", value: "true" }],
    });
    expect(failure(r)).toEqual([504, "GatewayTimeout", "The gateway timed out."]);
    expect(fake.secrets(sp)).toEqual([]);
  });

  it("reset: the client's fetch rejects with a connection reset and nothing is applied", async () => {
    fake.inject({ method: "PUT", kind: "reset" });
    const err = await call("PUT", `${sync(sp)}/secrets`, {
      value: [{ key: "SyncAll", value: "true" }],
    }).catch((e: unknown) => e as Error & { cause?: { code?: string } });
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe("ECONNRESET");
    expect(fake.secrets(sp)).toEqual([]);
    expect(fake.requests.map((r) => [r.method, r.status])).toEqual([["PUT", -1]]);
    expect((await call("GET", `${sync(sp)}/secrets`)).status).toBe(200);
  });

  it("hang: never answers, so the client's AbortSignal.timeout aborts", async () => {
    fake.inject({ path: "/jobs", kind: "hang" });
    const err = await call("GET", `${sync(sp)}/jobs`, undefined, {
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect(fake.requests.map((r) => r.status)).toEqual([-1]);
    expect((await call("GET", `${sync(sp)}/jobs`)).status).toBe(200);
  });

  it("reset-after-commit: the effect is applied but the client sees a failure", async () => {
    fake.inject({ method: "POST", path: "/jobs", kind: "reset-after-commit" });
    const err = await call("POST", `${sync(sp)}/jobs`, { templateId: "GoTo" }).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TypeError);
    const jobs = await call<{ value: MSGraph.SynchronizationJob[] }>("GET", `${sync(sp)}/jobs`);
    expect(jobs.json.value.map((j) => j.templateId)).toEqual(["GoTo"]);
    expect(fake.requests.map((r) => [r.method, r.status])).toEqual([
      ["POST", -1],
      ["GET", 200],
    ]);
  });

  it("stop() ends a hanging request, so the client fails instead of waiting", async () => {
    fake.inject({ kind: "hang" });
    const pending = call("GET", `${sync(sp)}/jobs`).catch((e: unknown) => e as Error);
    await expect.poll(() => fake.requests.length).toBe(1);
    await fake.stop();
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it("rejects a fault with a times that is not a positive integer", () => {
    expect(() => fake.inject({ kind: "reset", times: 0 })).toThrow(
      "GraphFake.inject: times must be a positive integer; got 0",
    );
  });
});

describe("latency", () => {
  it("delays every reply by latencyMs (a client timeout shorter than it always fires)", async () => {
    fake = await GraphFake.start({ latencyMs: 300 });
    const sp = fake.addServicePrincipal({ templates: [] });
    const err = await call("GET", `${sync(sp)}/templates`, undefined, {
      signal: AbortSignal.timeout(20),
    }).catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect((await call("GET", `${sync(sp)}/templates`)).status).toBe(200);
  });
});

describe("with the project's Graph client (lib/graph.ts)", () => {
  let sp: string;
  const client = () =>
    createGraphClient({
      baseUrl: fake.url,
      accessToken: fake.token,
      timeoutMs: 500,
      retryBudgetMs: 3000,
      baseDelayMs: 10,
    });
  beforeEach(async () => {
    fake = await GraphFake.start({ notFoundReadsAfterCreate: 2 });
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
  });

  it("retries through replication lag and throttling", async () => {
    fake.inject({ kind: { status: 429 }, times: 2 });
    const r = await client().call<{ value: unknown[] }>("GET", `${sync(sp)}/templates`, undefined, {
      notFoundGraceMs: 2000,
    });
    expect(r.body.value).toHaveLength(1);
    expect(fake.requests.map((q) => q.status)).toEqual([429, 429, 404, 404, 200]);
  });

  it("surfaces Graph's code, and does not repeat a non-idempotent write after a lost response", async () => {
    await expect(
      client().call("POST", `${sync(sp)}/jobs`, { templateId: "Nope" }),
    ).rejects.toMatchObject({
      name: "GraphError",
      status: 400,
      code: "BadRequest",
    });
    fake.inject({ method: "POST", kind: "reset-after-commit" });
    const lost = await client()
      .call("POST", `${sync(sp)}/jobs`, { templateId: "GoTo" }, { idempotent: false })
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(TransportError);
    expect(lost).not.toBeInstanceOf(GraphError);
    expect(fake.requests.filter((q) => q.method === "POST").map((q) => q.status)).toEqual([
      400, -1,
    ]);
    fake.resetRequests();
    const jobs = await client().call<{ value: unknown[] }>("GET", `${sync(sp)}/jobs`, undefined, {
      notFoundGraceMs: 2000,
    });
    expect(jobs.body.value).toHaveLength(1);
  });
});
