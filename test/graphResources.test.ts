// The four small Graph-backed dynamic resources, their provider methods called directly against the
// stateful Graph fake: exact requests per operation, exact messages, and no credential anywhere.
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JOB_IDS_OTHER_FORMS, JOB_IDS_THREE_PART } from "./fakes/graphDocs";
import { CREDENTIAL_VALIDATION_MESSAGE, GraphFake, connectorTemplate } from "./fakes/graphFake";
import {
  GuardedSynchronizationSecret,
  byHandMessage,
  guardedSynchronizationSecretProvider as secretP,
  parseNotificationSettings,
  sameSetting,
  type GuardedSynchronizationSecretInputs,
  type SettingPair,
} from "../providers/synchronizationSettings";
import { settingsPairs } from "../components/synchronizationSecrets";
import {
  ProvisioningStatus,
  afterAction,
  provisioningStatusProvider as statusP,
  statusFields,
  type ProvisioningStatusInputs,
  type ProvisioningStatusOutputs,
} from "../providers/provisioningStatus";
import { REPLICATION_HINT, UNKNOWN, graphClient } from "../providers/graphResource";
import {
  SynchronizationTemplate,
  credentialProblem,
  noTemplateMessage,
  pickTemplate,
  readMetadata,
  synchronizationTemplateProvider as templateP,
  type SynchronizationTemplateInputs,
  type SynchronizationTemplateOutputs,
} from "../providers/synchronizationTemplate";
import {
  TestConnection,
  authorizePendingMessage,
  credentialsHash,
  scrubCredentials,
  testConnectionProvider as testP,
  type TestConnectionInputs,
} from "../providers/testConnection";

const RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";
const USER = "goto.admin@contoso.com";
const PASSWORD = "Tr0ub4dor&3-horse";
const CREDS = [
  { key: "UserName", value: USER },
  { key: "Password", value: PASSWORD },
];

function configRequest(fake: GraphFake, overrides: Record<string, string> = {}) {
  const values: Record<string, string> = {
    graphApiUrl: fake.url,
    graphAccessToken: fake.token,
    apiTimeoutSeconds: "2",
    apiRetryBudgetSeconds: "5",
    apiRetryBaseSeconds: "0.01",
    ...overrides,
  };
  return {
    config: {
      get: (k: string) => values[k],
      require(k: string) {
        const v = values[k];
        if (v === undefined) throw new Error(`missing config ${k}`);
        return v;
      },
    },
  };
}

async function configureAll(fake: GraphFake, overrides: Record<string, string> = {}) {
  for (const p of [templateP, testP, statusP, secretP])
    await p.configure!(configRequest(fake, overrides));
}

/** "METHOD path status" for every request the fake saw since the last reset. */
function calls(fake: GraphFake): string[] {
  return fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

async function failureOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

let fake: GraphFake;
beforeAll(async () => {
  fake = await GraphFake.start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => fake.resetRequests());

// Runs before any test configures a provider: what Pulumi stores must hold no settings, and the
// stored text must work on its own, as the engine's provider host loads it.
describe("serialized providers", () => {
  const recorded: pulumi.runtime.MockResourceArgs[] = [];
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          recorded.push(args);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call(args) {
          throw new Error(`unmocked call ${args.token}`);
        },
      },
      "gotomeeting-provisioning",
      "test",
      false,
    );
  });
  beforeEach(() => {
    recorded.length = 0;
  });

  /** Registers the resource, checks what is stored, and loads the provider from its text. */
  async function declare<P>(resource: pulumi.CustomResource, type: string) {
    await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
    expect(recorded.map((r) => r.type)).toEqual([`pulumi-nodejs:dynamic/gotomeeting:${type}`]);
    const { __provider: text, ...inputs } = recorded[0].inputs as Record<string, unknown>;
    const source = text as string;
    // What the state stores is the shim (providers/shim.ts): it names the implementation by its
    // module id and loads it in the project (or the installed package); no settings, no code of its own.
    expect(source).toMatch(/moduleId: "providers\/\w+\/provider", exportName: "\w+Provider"/);
    expect(source.length).toBeLessThan(8 * 1024);
    expect(source).not.toContain(fake.token);
    expect(source).not.toContain(fake.url);
    const module = { exports: {} as { handler?: () => P } };
    new Function("exports", "require", "module", source)(
      module.exports,
      createRequire(join(process.cwd(), "package.json")),
      module,
    );
    return { inputs, source, provider: module.exports.handler!() };
  }

  it("SynchronizationTemplate", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const args = { servicePrincipalId: sp, connector: "goto" as const, galleryApp: "GoTo" };
    const { inputs, provider } = await declare<typeof templateP>(
      new SynchronizationTemplate("t", args),
      "SynchronizationTemplate",
    );
    expect(inputs).toEqual(args);
    await provider.configure!(configRequest(fake));
    fake.resetRequests();
    expect((await provider.create(args)).outs!.templateId).toBe(connectorTemplate("goto").id);
    expect(calls(fake)).toEqual([`GET /servicePrincipals/${sp}/synchronization/templates 200`]);
  });

  it("TestConnection, with the credentials kept secret in the inputs", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const jobId = fake.addJob(sp, "GoToMeeting");
    fake.setValidCredentials(sp, { UserName: USER, Password: PASSWORD });
    const args = { servicePrincipalId: sp, jobId, connector: "gotomeeting" as const };
    const { inputs, source, provider } = await declare<typeof testP>(
      new TestConnection("c", { ...args, credentials: pulumi.secret(CREDS) }),
      "TestConnection",
    );
    expect(inputs).toEqual({
      ...args,
      credentials: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: CREDS,
      },
    });
    expect(source).not.toContain(PASSWORD);
    await provider.configure!(configRequest(fake));
    fake.resetRequests();
    expect((await provider.create({ ...args, credentials: CREDS })).outs!.passed).toBe(true);
    expect(calls(fake)).toEqual([
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 204`,
    ]);
  });

  it("ProvisioningStatus", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const jobId = fake.addJob(sp, "GoTo");
    const args = { servicePrincipalId: sp, jobId, enabled: true };
    const { inputs, provider } = await declare<typeof statusP>(
      new ProvisioningStatus("s", args),
      "ProvisioningStatus",
    );
    expect(inputs).toEqual(args);
    await provider.configure!(configRequest(fake));
    fake.resetRequests();
    expect((await provider.create(args)).outs!.scheduleState).toBe("Active");
    const path = `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/start 204`]);
  });

  it("GuardedSynchronizationSecret", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const args = {
      servicePrincipalId: sp,
      settings: [
        { key: "SyncNotificationSettings" as const, value: '{"Enabled":false}' },
        { key: "SyncAll" as const, value: "false" },
      ],
    };
    const { inputs, provider } = await declare<typeof secretP>(
      new GuardedSynchronizationSecret("g", args),
      "GuardedSynchronizationSecret",
    );
    expect(inputs).toEqual(args);
    await provider.configure!(configRequest(fake));
    fake.resetRequests();
    await provider.create(args);
    const path = `/servicePrincipals/${sp}/synchronization/secrets`;
    expect(calls(fake)).toEqual([`GET ${path} 200`, `PUT ${path} 204`]);
  });
});

describe("SynchronizationTemplate", () => {
  beforeAll(() => configureAll(fake));
  const inputs = (sp: string, extra: Partial<SynchronizationTemplateInputs> = {}) =>
    ({
      servicePrincipalId: sp,
      connector: "gotomeeting",
      galleryApp: "GoToMeeting",
      credentialKeys: [] as string[],
      ...extra,
    }) as SynchronizationTemplateInputs;

  it("create discovers the template with exactly one GET and exports its rule id", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    fake.resetRequests();
    const res = await templateP.create(inputs(sp));
    expect(res).toEqual({
      id: `${sp}/GoToMeeting`,
      outs: {
        servicePrincipalId: sp,
        connector: "gotomeeting",
        galleryApp: "GoToMeeting",
        credentialKeys: [],
        templateId: "GoToMeeting",
        factoryTag: "gotomeeting",
        candidates: ["GoToMeeting"],
        userRuleId: RULE_ID,
        // From the template's metadata (isOAuthEnabled "false", configurationFields username/password).
        authorization: "credentials",
        acceptedKeys: ["UserName", "Password"],
      },
    });
    expect(calls(fake)).toEqual([`GET /servicePrincipals/${sp}/synchronization/templates 200`]);
  });

  it("fails with the retired-connector explanation when the app offers no template", async () => {
    const sp = fake.addServicePrincipal({ templates: [] });
    fake.resetRequests();
    const err = await failureOf(templateP.create(inputs(sp)));
    expect(err.message).toBe(
      'The "GoToMeeting" gallery app offers no provisioning template (Microsoft retired GoToMeeting\'s ' +
        'provisioning connector). Set connector: goto (pulumi config set connector goto) to use the "GoTo" ' +
        "gallery app, or set synchronizationTemplateId if Microsoft support gave you one.",
    );
    expect(calls(fake)).toEqual([`GET /servicePrincipals/${sp}/synchronization/templates 200`]);
    expect(noTemplateMessage("goto", "GoTo")).toBe(
      'The "GoTo" gallery app offers no provisioning template. Check that galleryApp names the gallery app ' +
        '"GoTo" (the one with automatic provisioning), or set synchronizationTemplateId if Microsoft support ' +
        "gave you one.",
    );
  });

  it("among several templates takes the default one, else the first by id, and lists them all", async () => {
    const beta = { ...connectorTemplate("goto"), id: "AGoToBeta", factoryTag: "gotobeta" };
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto"), beta] });
    const res = await templateP.create(inputs(sp, { connector: "goto", galleryApp: "GoTo" }));
    expect(res.outs).toMatchObject({
      templateId: "AGoToBeta",
      factoryTag: "gotobeta",
      candidates: ["AGoToBeta", "GoTo"],
    });
    // The fake does not serve `default`; Graph does, and it wins over the id order.
    expect(
      pickTemplate([
        { id: "b", factoryTag: "fb", default: true },
        { id: "a", factoryTag: "fa" },
      ]),
    ).toEqual({
      templateId: "b",
      factoryTag: "fb",
      candidates: ["a", "b"],
      userRuleId: "",
      authorization: "unknown",
      acceptedKeys: [],
    });
    expect(pickTemplate([])).toBeUndefined();
  });

  it("uses synchronizationTemplateId as given, even when the app does not list it", async () => {
    const sp = fake.addServicePrincipal({ templates: [] });
    const res = await templateP.create(inputs(sp, { preferredTemplateId: "GoToMeetingSupport" }));
    expect(res.outs).toMatchObject({
      templateId: "GoToMeetingSupport",
      factoryTag: "",
      candidates: [],
      userRuleId: "",
    });
    // The override is part of the state: the next up sees no change, and refresh keeps it
    // although the app does not list it.
    const same = inputs(sp, { preferredTemplateId: "GoToMeetingSupport" });
    expect(await templateP.diff!(res.id, res.outs!, same)).toEqual({
      changes: false,
      replaces: [],
    });
    expect(await templateP.read!(res.id, res.outs)).toEqual({
      id: res.id,
      props: res.outs,
      inputs: same,
    });
  });

  it("read re-lists: kept while listed, gone when the template or the app disappeared", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const { id, outs } = await templateP.create(inputs(sp));
    fake.resetRequests();
    expect(await templateP.read!(id, outs)).toEqual({ id, props: outs, inputs: inputs(sp) });
    expect(calls(fake)).toEqual([`GET /servicePrincipals/${sp}/synchronization/templates 200`]);

    const retired = { ...outs!, templateId: "RetiredTemplate" };
    expect(await templateP.read!(`${sp}/RetiredTemplate`, retired)).toEqual({ id: "" });

    const missing = "00000000-0000-4000-8000-000000000404";
    expect(await templateP.read!(id, { ...outs!, servicePrincipalId: missing })).toEqual({
      id: "",
    });
  });

  it("diff replaces on any input change, including unknown ones, and is quiet otherwise", async () => {
    const sp = "6f1b0c1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f";
    const olds = {
      ...inputs(sp),
      templateId: "GoToMeeting",
      factoryTag: "x",
      candidates: [],
      userRuleId: "",
      authorization: "credentials" as const,
      acceptedKeys: [],
    };
    expect(await templateP.diff!("id", olds, inputs(sp))).toEqual({ changes: false, replaces: [] });
    expect(
      await templateP.diff!("id", olds, inputs(sp, { galleryApp: "GoTo", connector: "goto" })),
    ).toEqual({
      changes: true,
      replaces: ["connector", "galleryApp"],
    });
    expect(await templateP.diff!("id", olds, inputs(UNKNOWN))).toEqual({
      changes: true,
      replaces: ["servicePrincipalId"],
    });
    expect(await templateP.diff!("id", olds, inputs(sp, { preferredTemplateId: "Other" }))).toEqual(
      {
        changes: true,
        replaces: ["preferredTemplateId"],
      },
    );
  });

  it("check names the property and the fix, and lets unknowns through", async () => {
    const bad = {
      servicePrincipalId: "not-a-guid",
      connector: "zoom",
      galleryApp: " ",
    } as unknown as SynchronizationTemplateInputs;
    expect((await templateP.check!(bad, bad)).failures).toEqual([
      {
        property: "servicePrincipalId",
        reason:
          'servicePrincipalId must be the service principal\'s object id (a GUID); got "not-a-guid". Pass the ' +
          "servicePrincipal object id from azuread.ApplicationFromTemplate (servicePrincipalObjectId).",
      },
      {
        property: "connector",
        reason:
          'connector must be "gotomeeting" or "goto"; got "zoom". Fix: pulumi config set connector goto',
      },
      {
        property: "galleryApp",
        reason: 'galleryApp must be the gallery app\'s display name, e.g. "GoTo"; got " ".',
      },
    ]);
    const unknown = {
      servicePrincipalId: UNKNOWN,
      connector: UNKNOWN,
      galleryApp: UNKNOWN,
    } as unknown as SynchronizationTemplateInputs;
    expect(await templateP.check!(unknown, unknown)).toEqual({ inputs: unknown, failures: [] });
  });

  it("reads the template's metadata as documented: any key case, repeated and unknown keys", () => {
    // Real answers carry key spellings outside the typed enum, hence the cast.
    const at = (metadata: { key: string; value: string }[]) =>
      readMetadata({
        id: "t",
        metadata: metadata as unknown as MSGraph.SynchronizationMetadataEntry[],
      });
    // [S74]'s camelCase sample, with the key it prints twice and keys outside the enum.
    expect(
      at([
        { key: "AzureIngestionAttributeOptimization", value: "False" },
        { key: "AzureIngestionAttributeOptimization", value: "False" },
        { key: "galleryApplicationKey", value: "awssinglesignon" },
        { key: "isOAuthEnabled", value: "False" },
        {
          key: "configurationFields",
          value: '[{"name":"baseaddress"},{"name":"secrettoken","secret":true}]',
        },
      ]),
    ).toEqual({
      oauth: false,
      galleryApplicationKey: "awssinglesignon",
      fields: ["BaseAddress", "SecretToken"],
    });
    // The v1.0 enum's PascalCase keys ([S80]); the first of two values wins.
    expect(
      at([
        { key: "IsOAuthEnabled", value: "TRUE" },
        { key: "IsOAuthEnabled", value: "false" },
      ]),
    ).toEqual({ oauth: true });
    expect(at([{ key: "configurationFields", value: "not json" }])).toEqual({});
    expect(readMetadata({ id: "t" })).toEqual({});
  });

  it("refuses admin credentials for a connector its metadata says is authorized with Authorize", async () => {
    const sp = fake.addServicePrincipal({
      templates: [connectorTemplate("gotomeeting", { credentials: "oauth" })],
    });
    fake.resetRequests();
    const err = await failureOf(
      templateP.create(inputs(sp, { credentialKeys: ["UserName", "Password"] })),
    );
    expect(err.message).toBe(
      "The \"GoToMeeting\" app's synchronization template GoToMeeting is authorized with the portal's Authorize " +
        "button (its metadata says isOAuthEnabled true), so it takes no UserName and Password; nothing was " +
        "written. Microsoft retired the GoToMeeting app's provisioning: use its successor, connector: goto " +
        "(pulumi config set connector goto; pulumi config rm adminUserName; pulumi config rm adminPassword), " +
        "and authorize once in the portal.",
    );
    // One read, no write: the template is refused before any credential is sent anywhere.
    expect(calls(fake)).toEqual([`GET /servicePrincipals/${sp}/synchronization/templates 200`]);
  });

  it("takes admin credentials where the metadata lists them, or where it says nothing", async () => {
    const listed = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const res = await templateP.create(
      inputs(listed, { credentialKeys: ["UserName", "Password"] }),
    );
    expect(res.outs).toMatchObject({
      authorization: "credentials",
      acceptedKeys: ["UserName", "Password"],
    });
    const bare = { ...connectorTemplate("gotomeeting"), metadata: [] };
    const silent = fake.addServicePrincipal({ templates: [bare] });
    const unknown = await templateP.create(
      inputs(silent, { credentialKeys: ["UserName", "Password"] }),
    );
    expect(unknown.outs).toMatchObject({ authorization: "unknown", acceptedKeys: [] });
  });

  it("refuses a GoTo template that wants credentials this program never writes", () => {
    expect(
      credentialProblem(
        {
          templateId: "GoToScim",
          authorization: "credentials",
          acceptedKeys: ["BaseAddress", "SecretToken"],
        },
        { connector: "goto", galleryApp: "GoTo", credentialKeys: [] },
      ),
    ).toBe(
      'The "GoTo" app\'s synchronization template GoToScim takes BaseAddress, SecretToken rather than the ' +
        "portal's Authorize, and this program writes no credentials for connector goto; nothing was written. " +
        "Check galleryApp, or set synchronizationTemplateId to the GoTo template that uses Authorize.",
    );
    expect(
      credentialProblem(
        { templateId: "GoTo", authorization: "oauth", acceptedKeys: [] },
        { connector: "goto", galleryApp: "GoTo", credentialKeys: [] },
      ),
    ).toBeUndefined();
  });

  it("an unreadable or field-less listing is retried, never read as 'no template'", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    for (const kind of ["cut-off", "wrong-content-type", "empty-200", "truncated-json"] as const) {
      fake.inject({ method: "GET", path: "/synchronization/templates", kind });
      fake.resetRequests();
      const res = await templateP.create(inputs(sp, { connector: "goto", galleryApp: "GoTo" }));
      expect(res.outs!.templateId, kind).toBe("GoTo");
      expect(calls(fake).length, kind).toBe(2);
    }
  });

  it("delete makes no request", async () => {
    await templateP.delete!("x", {} as SynchronizationTemplateOutputs);
    expect(fake.requests).toEqual([]);
  });

  it("a throttled listing is retried after Retry-After", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    fake.inject({ method: "GET", path: "/synchronization/templates", kind: { status: 429 } });
    fake.resetRequests();
    const res = await templateP.create(inputs(sp, { connector: "goto", galleryApp: "GoTo" }));
    expect(res.outs!.templateId).toBe("GoTo");
    expect(calls(fake)).toEqual([
      `GET /servicePrincipals/${sp}/synchronization/templates 429`,
      `GET /servicePrincipals/${sp}/synchronization/templates 200`,
    ]);
  });
});

describe("TestConnection (gotomeeting: admin user name and password)", () => {
  beforeAll(() => configureAll(fake));
  let sp: string;
  let jobId: string;
  const inputs = (extra: Partial<TestConnectionInputs> = {}): TestConnectionInputs => ({
    servicePrincipalId: sp,
    jobId,
    connector: "gotomeeting",
    credentials: CREDS,
    ...extra,
  });
  beforeAll(() => {
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    jobId = fake.addJob(sp, "GoToMeeting");
    fake.setValidCredentials(sp, { UserName: USER, Password: PASSWORD });
  });

  it("passes with one validateCredentials call and keeps the credentials out of the outputs", async () => {
    const res = await testP.create(inputs());
    expect(res.id).toBe(`${sp}/${jobId}`);
    const { checkedAt, ...rest } = res.outs!;
    expect(rest).toEqual({
      servicePrincipalId: sp,
      jobId,
      connector: "gotomeeting",
      passed: true,
      authorizationPending: false,
      message: "Test Connection passed for the configured GoToMeeting admin account.",
      credentialsHash: credentialsHash(sp, CREDS),
    });
    expect(checkedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.outs!.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(res.outs)).not.toContain(PASSWORD);
    expect(JSON.stringify(res.outs)).not.toContain(USER);
    expect(fake.requests).toEqual([
      {
        method: "POST",
        path: `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials`,
        query: "",
        body: { useSavedCredentials: false, credentials: CREDS },
        status: 204,
      },
    ]);
  });

  it("fails quoting what Graph said, with the tutorial's advice marked unverified", async () => {
    // Graph documents no failure answer (F6): the fake's default (400) is a guess, and [S86]'s 500
    // InternalError is the one answer on record. The verdict must not depend on which one comes.
    const cases: [string, number, string, string][] = [
      ["the fake's guess", 400, "CredentialValidationUnavailable", CREDENTIAL_VALIDATION_MESSAGE],
      ["[S86]'s answer", 500, "InternalError", "Requested value 'baseAddress' was not found."],
    ];
    for (const [what, status, code, message] of cases) {
      if (status === 500) fake.setCredentialFailure(sp, { status, code, message });
      const wrong = [CREDS[0], { key: "Password", value: "not-the-password" }];
      fake.resetRequests();
      const err = await failureOf(testP.create(inputs({ credentials: wrong })));
      expect(err.message, what).toBe(
        "Test Connection failed for the GoToMeeting admin account (the configured adminUserName): " +
          `Microsoft Graph answered HTTP ${status} ${code}: ${message.replace(/\.$/, "")}. What this answer means is unverified ` +
          "(Graph documents no failure response). The tutorial's advice: make sure the GoToMeeting account " +
          "has Team Admin permissions, then set adminUserName and adminPassword again (pulumi config set " +
          "adminUserName <admin e-mail>; pulumi config set --secret adminPassword <password>).",
      );
      expect(err.message).not.toContain("not-the-password");
      expect(err.stack ?? "").not.toContain("not-the-password");
      expect(calls(fake).at(-1), what).toBe(
        `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials ${status}`,
      );
    }
    fake.setCredentialFailure(sp, undefined);
  });

  it("keeps Graph's own refusal (a permission it lacks) apart from a failed test", async () => {
    fake.inject({ method: "POST", path: "/validateCredentials", kind: { status: 403 }, times: 50 });
    fake.resetRequests();
    const err = await failureOf(testP.create(inputs()));
    expect(err.message).toContain("HTTP 403 Authorization_RequestDenied");
    expect(err.message).toContain("the identity lacks permission");
    expect(err.message).not.toContain("Team Admin");
    fake.clearFaults();
  });

  it("an error that echoes the request carries no form of the password or the token", async () => {
    fake.inject({
      method: "POST",
      path: "/validateCredentials",
      kind: { echo: true, status: 400 },
    });
    const err = await failureOf(testP.create(inputs()));
    for (const secret of [PASSWORD, fake.token]) {
      for (const form of [
        secret,
        JSON.stringify(secret).slice(1, -1),
        encodeURIComponent(secret),
        Buffer.from(secret).toString("base64"),
      ]) {
        expect(err.message).not.toContain(form);
        expect(err.stack ?? "").not.toContain(form);
      }
    }
    expect(err.message).toContain("[redacted]");
  });

  it("cuts credential values out of whatever a server answers, in any case and encoding", () => {
    expect(scrubCredentials(`User GOTO.ADMIN@contoso.com with ${PASSWORD} rejected`, CREDS)).toBe(
      "User [redacted] with [redacted] rejected",
    );
    expect(
      scrubCredentials(
        `{"password":${JSON.stringify(PASSWORD)},"p":"${encodeURIComponent(PASSWORD)}"}`,
        CREDS,
      ),
    ).toBe('{"password":"[redacted]","p":"[redacted]"}');
  });

  it("diff: changed or unknown credentials update, another job replaces, the same set is no change", async () => {
    const { outs } = await testP.create(inputs());
    fake.resetRequests();
    expect(await testP.diff!("id", outs!, inputs())).toEqual({ changes: false });
    const rotated = [CREDS[0], { key: "Password", value: "n3w-Pa55word" }];
    expect(await testP.diff!("id", outs!, inputs({ credentials: rotated }))).toEqual({
      changes: true,
    });
    expect(
      await testP.diff!(
        "id",
        outs!,
        inputs({ credentials: [CREDS[0], { key: "Password", value: UNKNOWN }] }),
      ),
    ).toEqual({
      changes: true,
    });
    expect(await testP.diff!("id", outs!, inputs({ credentials: [CREDS[1], CREDS[0]] }))).toEqual({
      changes: false,
    });
    expect(
      await testP.diff!(
        "id",
        outs!,
        inputs({ jobId: "GoToMeeting.00000000000000000000000000000001" }),
      ),
    ).toEqual({
      changes: true,
      replaces: ["jobId"],
    });
    expect(fake.requests).toEqual([]);
  });

  it("update retests with the new credentials", async () => {
    const { outs } = await testP.create(inputs());
    fake.setValidCredentials(sp, { UserName: USER, Password: "n3w-Pa55word" });
    const rotated = [CREDS[0], { key: "Password", value: "n3w-Pa55word" }];
    fake.resetRequests();
    const res = await testP.update!("id", outs!, inputs({ credentials: rotated }));
    expect(res.outs).toMatchObject({ passed: true, credentialsHash: credentialsHash(sp, rotated) });
    expect(credentialsHash(sp, rotated)).not.toBe(outs!.credentialsHash);
    expect(calls(fake)).toEqual([
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 204`,
    ]);
    fake.setValidCredentials(sp, { UserName: USER, Password: PASSWORD });
  });

  it("read returns the stored result without calling Graph, and delete does nothing", async () => {
    const { id, outs } = await testP.create(inputs());
    fake.resetRequests();
    expect(await testP.read!(id, outs)).toEqual({
      id,
      props: outs,
      inputs: { servicePrincipalId: sp, jobId, connector: "gotomeeting" },
    });
    await testP.delete!(id, outs!);
    expect(fake.requests).toEqual([]);
  });

  it("salts the hash with the service principal, so equal passwords differ across apps", () => {
    expect(credentialsHash("11111111-1111-4111-8111-111111111111", CREDS)).not.toBe(
      credentialsHash("22222222-2222-4222-8222-222222222222", CREDS),
    );
  });

  it("a throttled validateCredentials is retried", async () => {
    fake.inject({ method: "POST", path: "/validateCredentials", kind: { status: 503 } });
    const res = await testP.create(inputs());
    expect(res.outs!.passed).toBe(true);
    expect(calls(fake)).toEqual([
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 503`,
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 204`,
    ]);
  });

  it("check wants exactly UserName and Password and never prints a value", async () => {
    const bad = inputs({
      credentials: [
        { key: PASSWORD, value: USER },
        { key: "Password", value: "" },
      ],
    });
    const { failures } = await testP.check!(bad, bad);
    const howToSet =
      "Fix: pulumi config set adminUserName <admin e-mail> and pulumi config set --secret adminPassword <password>.";
    expect(failures).toEqual([
      {
        property: "credentials",
        reason:
          "credentials[0].key must be UserName or Password (connector gotomeeting uses no other key).",
      },
      { property: "credentials", reason: `credentials[1] (Password) is empty. ${howToSet}` },
      { property: "credentials", reason: `credentials lack UserName. ${howToSet}` },
    ]);
    expect(JSON.stringify(failures)).not.toContain(PASSWORD);
    expect(JSON.stringify(failures)).not.toContain(USER);
    expect((await testP.check!(inputs(), inputs())).failures).toEqual([]);
    const unknown = inputs({ credentials: UNKNOWN as unknown as [] });
    expect((await testP.check!(unknown, unknown)).failures).toEqual([]);
  });
});

describe("TestConnection (goto: the portal's saved authorization)", () => {
  beforeAll(() => configureAll(fake));
  let sp: string;
  let jobId: string;
  const inputs = (): TestConnectionInputs => ({ servicePrincipalId: sp, jobId, connector: "goto" });
  beforeAll(() => {
    sp = fake.addServicePrincipal({ displayName: "GoTo", templates: [connectorTemplate("goto")] });
    jobId = fake.addJob(sp, "GoTo");
  });

  it("is pending until Authorize, retests on every up meanwhile, then passes", async () => {
    const created = await testP.create(inputs());
    expect(created.outs).toMatchObject({
      passed: false,
      authorizationPending: true,
      message:
        `Authorize pending: open Entra admin center → Enterprise apps → ${sp} → Provisioning → Admin ` +
        "Credentials → Authorize, sign in as a GoTo organization admin, then run pulumi up again.",
    });
    expect(created.outs!.message).toBe(authorizePendingMessage(sp));
    // Whether anyone authorized is read from the saved secrets (documented), not guessed from a
    // failed test: nothing is tested while nothing is saved.
    expect(calls(fake)).toEqual([`GET /servicePrincipals/${sp}/synchronization/secrets 200`]);
    expect(await testP.diff!("id", created.outs!, inputs())).toEqual({ changes: true });

    fake.authorizeInPortal(sp);
    fake.resetRequests();
    const updated = await testP.update!("id", created.outs!, inputs());
    expect(updated.outs).toMatchObject({
      passed: true,
      authorizationPending: false,
      message: "Test Connection passed with the GoTo authorization saved in Entra.",
    });
    expect(calls(fake)).toEqual([
      `GET /servicePrincipals/${sp}/synchronization/secrets 200`,
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 204`,
    ]);
    expect(fake.requests.at(-1)!.body).toEqual({ useSavedCredentials: true });
    expect(await testP.diff!("id", updated.outs!, inputs())).toEqual({ changes: false });
    // Neither of the portal's tokens reaches the outputs.
    const tokens = fake
      .secrets(sp)
      .filter((s) => s.key === "Oauth2AccessToken" || s.key === "Oauth2RefreshToken");
    expect(tokens).toHaveLength(2);
    for (const s of tokens) expect(JSON.stringify(updated.outs)).not.toContain(s.value!);
  });

  it("a saved authorization Graph refuses fails with Graph's words, the cause marked unverified", async () => {
    fake.revokePortalAuthorization(sp);
    fake.setCredentialFailure(sp, {
      status: 500,
      code: "InternalError",
      message: "Token expired.",
    });
    const err = await failureOf(testP.create(inputs()));
    expect(err.message).toBe(
      "Test Connection failed for the GoTo authorization saved in Entra (Microsoft Graph answered HTTP 500 InternalError: Token " +
        "expired). What this answer means is unverified (Graph documents no failure response); the usual " +
        "cause is an authorization that expired or was revoked, or a GoTo admin who left: Entra admin center " +
        "→ Enterprise apps → your app → Provisioning → Admin Credentials → Authorize again, then run pulumi up.",
    );
    fake.setCredentialFailure(sp, undefined);
    fake.revokePortalAuthorization(sp, false);
  });

  it("an unreadable secrets listing is an error, never 'nothing authorized'", async () => {
    fake.inject({
      method: "GET",
      path: "/synchronization/secrets",
      kind: "truncated-json",
      times: 50,
    });
    const err = await failureOf(testP.create(inputs()));
    expect(err.message).toContain("the answer could not be used");
    fake.clearFaults();
  });

  it("check refuses credentials for goto", async () => {
    const bad = { ...inputs(), credentials: CREDS };
    expect((await testP.check!(bad, bad)).failures).toEqual([
      {
        property: "credentials",
        reason:
          "credentials must not be set for connector goto: the GoTo connector is authorized with the portal's " +
          "Authorize button, and Test Connection checks that saved authorization.",
      },
    ]);
  });
});

describe("ProvisioningStatus", () => {
  beforeAll(() => configureAll(fake));
  let sp: string;
  let jobId: string;
  let path: string;
  const inputs = (enabled: boolean, allowMassDeletion = false): ProvisioningStatusInputs => ({
    servicePrincipalId: sp,
    jobId,
    enabled,
    allowMassDeletion,
  });
  const idle = {
    lastExecutionState: "",
    lastExecutionTime: "",
    quarantineReason: "",
    quarantineSince: "",
    steadyStateLastAchievedTime: "",
    countSuccessiveCompleteFailures: 0,
    synchronizedEntryCounts: {},
    troubleshootingUrl: "",
  };
  beforeEach(() => {
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    jobId = fake.addJob(sp, "GoToMeeting");
    path = `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;
    fake.resetRequests();
  });

  it("create with enabled=true on the disabled job: one GET and one start", async () => {
    const res = await statusP.create(inputs(true));
    expect(res).toEqual({
      id: `${sp}/${jobId}`,
      outs: { ...inputs(true), scheduleState: "Active", statusCode: "Active", ...idle },
    });
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/start 204`]);
    expect(fake.job(sp, jobId).schedule?.state).toBe("Active");
  });

  it("create with enabled=false leaves the disabled job alone: one GET", async () => {
    const res = await statusP.create(inputs(false));
    expect(res.outs).toEqual({
      ...inputs(false),
      scheduleState: "Disabled",
      statusCode: "NotConfigured",
      ...idle,
    });
    expect(calls(fake)).toEqual([`GET ${path} 200`]);
  });

  it("never starts a running job, and pauses it when disabled", async () => {
    const { outs } = await statusP.create(inputs(true));
    fake.resetRequests();
    await statusP.update!("id", outs!, inputs(true));
    expect(calls(fake)).toEqual([`GET ${path} 200`]);

    fake.resetRequests();
    const paused = await statusP.update!("id", outs!, inputs(false));
    expect(paused.outs).toMatchObject({
      enabled: false,
      scheduleState: "Paused",
      statusCode: "Paused",
    });
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/pause 204`]);
    expect(fake.job(sp, jobId).schedule?.state).toBe("Paused");
  });

  it("read shows a job paused in the portal as drift, and the next up starts it again", async () => {
    const { id, outs } = await statusP.create(inputs(true));
    fake.setJobStatus(sp, jobId, { code: "Paused" });
    fake.resetRequests();
    const read = await statusP.read!(id, outs);
    expect(read).toEqual({
      id,
      props: { ...inputs(false), scheduleState: "Paused", statusCode: "Paused", ...idle },
      inputs: inputs(false),
    });
    expect(calls(fake)).toEqual([`GET ${path} 200`]);
    expect(await statusP.diff!(id, read.props!, inputs(true))).toEqual({
      changes: true,
      replaces: [],
    });
    fake.resetRequests();
    const again = await statusP.update!(id, read.props!, inputs(true));
    expect(again.outs).toMatchObject({ enabled: true, scheduleState: "Active" });
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/start 204`]);
  });

  it("read exports quarantine, last run, steady state and counts as Graph reports them", async () => {
    const { id, outs } = await statusP.create(inputs(true));
    fake.setJobStatus(sp, jobId, {
      code: "Quarantine",
      countSuccessiveCompleteFailures: 3,
      lastExecution: {
        state: "Failed",
        timeBegan: "2026-11-25T08:00:00Z",
        timeEnded: "2026-11-25T08:04:00Z",
      },
      quarantine: {
        reason: "EncounteredQuarantineException",
        currentBegan: "2026-11-25T08:04:00Z",
        seriesCount: 1,
      },
      steadyStateLastAchievedTime: "2026-11-24T07:00:00Z",
      synchronizedEntryCountByType: [
        { key: "User", value: 12 },
        { key: "Group", value: 2 },
      ],
      troubleshootingUrl: "https://learn.microsoft.com/entra/identity/app-provisioning/",
    });
    const read = await statusP.read!(id, outs);
    expect(read.props).toEqual({
      // Quarantined while scheduled Active (F7): not running, so refresh records enabled false.
      ...inputs(false),
      scheduleState: "Active",
      statusCode: "Quarantine",
      lastExecutionState: "Failed",
      lastExecutionTime: "2026-11-25T08:04:00Z",
      quarantineReason: "EncounteredQuarantineException",
      quarantineSince: "2026-11-25T08:04:00Z",
      steadyStateLastAchievedTime: "2026-11-24T07:00:00Z",
      countSuccessiveCompleteFailures: 3,
      synchronizedEntryCounts: { User: 12, Group: 2 },
      troubleshootingUrl: "https://learn.microsoft.com/entra/identity/app-provisioning/",
    });
  });

  it("a quarantine as Graph reports it (schedule still Active) is drift, and the next up starts the job", async () => {
    const { id, outs } = await statusP.create(inputs(true));
    fake.quarantine(sp, jobId, "EncounteredQuarantineException");
    // The documented shape ([S74]): an old provider that read schedule.state alone saw no drift.
    expect(fake.job(sp, jobId).schedule?.state).toBe("Active");
    const read = await statusP.read!(id, outs);
    expect(read.inputs).toEqual(inputs(false));
    expect(await statusP.diff!(id, read.props!, inputs(true))).toEqual({
      changes: true,
      replaces: [],
    });
    fake.resetRequests();
    const again = await statusP.update!(id, read.props!, inputs(true));
    // start is documented for paused or quarantined jobs and lifts the quarantine ([S24]).
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/start 204`]);
    expect(again.outs).toMatchObject({ enabled: true, statusCode: "Active", quarantineReason: "" });
    expect(fake.job(sp, jobId).status?.code).not.toBe("Quarantine");
  });

  it("a deletion-threshold quarantine is released only when the stack says so, with ForceDeletes", async () => {
    const { id, outs } = await statusP.create(inputs(true));
    fake.quarantine(sp, jobId, "TooManyDeletes");
    const read = await statusP.read!(id, outs);
    fake.resetRequests();
    const err = await failureOf(statusP.update!(id, read.props!, inputs(true)));
    expect(err.message).toBe(
      `The provisioning job ${jobId} is quarantined because a cycle would delete more accounts than the ` +
        `deletion threshold allows (reason TooManyDeletes, since ${fake.job(sp, jobId).status!.quarantine!.currentBegan}). ` +
        "Entra holds those deletions back (they show as StagedDelete in the provisioning logs) and sends the " +
        "notification e-mail. Review them in Entra admin center → Enterprise apps → your app → Provisioning logs. " +
        "If they are intended, release them for this one run: pulumi config set allowMassDeletion true, " +
        "pulumi up, then pulumi config rm allowMassDeletion. Otherwise fix the cause (assignments, scope, " +
        "scoping filters) or raise deleteThreshold; the job stays quarantined until then.",
    );
    // Nothing was started: start would not release the held deletions anyway.
    expect(calls(fake)).toEqual([`GET ${path} 200`]);
    expect(await statusP.diff!(id, read.props!, inputs(true, true))).toEqual({
      changes: true,
      replaces: [],
    });
    fake.resetRequests();
    const released = await statusP.update!(id, read.props!, inputs(true, true));
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/restart 204`]);
    expect(fake.requests.at(-1)!.body).toEqual({ criteria: { resetScope: "ForceDeletes" } });
    expect(fake.restarts(sp, jobId).at(-1)).toMatchObject({ liftedQuarantine: true });
    expect(released.outs).toMatchObject({
      enabled: true,
      allowMassDeletion: true,
      quarantineReason: "",
    });
  });

  it("the reference sample's empty quarantine on a paused job is no quarantine: start, not restart", async () => {
    fake.applyGetJobReferenceSample(sp, jobId);
    const res = await statusP.create(inputs(true));
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/start 204`]);
    expect(res.outs).toMatchObject({ quarantineReason: "", quarantineSince: "" });
  });

  it("decides only on a readable job: cut off, not JSON or field-less answers start and pause nothing", async () => {
    for (const kind of ["cut-off", "truncated-json", "wrong-content-type", "empty-200"] as const) {
      fake.inject({ method: "GET", path: `/jobs/`, kind, times: 100 });
      fake.resetRequests();
      const err = await failureOf(statusP.create(inputs(true)));
      expect(err.message, kind).toMatch(/could not be used|cut off/);
      expect(
        calls(fake).filter((c) => c.startsWith("POST")),
        kind,
      ).toEqual([]);
      fake.clearFaults();
    }
    expect(fake.job(sp, jobId).schedule?.state).toBe("Disabled");
  });

  it("a running cycle reports its start time; start clears a quarantine, pause keeps it", () => {
    const fields = statusFields({
      schedule: { state: "Paused" },
      status: {
        code: "Quarantine",
        lastExecution: {
          state: "Succeeded",
          timeBegan: "2026-11-26T09:00:00Z",
          timeEnded: "0001-01-01T00:00:00Z",
        },
        quarantine: {
          reason: "EncounteredQuarantineException",
          currentBegan: "2026-11-26T09:01:00Z",
        },
      },
    });
    expect(fields.lastExecutionTime).toBe("2026-11-26T09:00:00Z");
    expect(afterAction(fields, "start")).toMatchObject({
      scheduleState: "Active",
      statusCode: "Active",
      quarantineReason: "",
      quarantineSince: "",
    });
    expect(afterAction(fields, "pause")).toMatchObject({
      scheduleState: "Paused",
      statusCode: "Paused",
      quarantineReason: "EncounteredQuarantineException",
    });
  });

  it("read of a deleted job reports the resource gone; delete makes no request", async () => {
    const { id, outs } = await statusP.create(inputs(true));
    await fetch(`${fake.url}${path}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${fake.token}` },
    });
    fake.resetRequests();
    expect(await statusP.read!(id, outs)).toEqual({ id: "" });
    expect(calls(fake)).toEqual([`GET ${path} 404`]);
    fake.resetRequests();
    await statusP.delete!(id, outs!);
    expect(fake.requests).toEqual([]);
  });

  it("a lost start response is not repeated (start must not hit a running job)", async () => {
    fake.inject({ method: "POST", path: "/start", kind: "reset-after-commit" });
    const err = await failureOf(statusP.create(inputs(true)));
    expect(err.name).toBe("TransportError");
    expect(calls(fake)).toEqual([`GET ${path} 200`, `POST ${path}/start -1`]);
    // The next up sees the job running and leaves it alone.
    fake.resetRequests();
    await statusP.create(inputs(true));
    expect(calls(fake)).toEqual([`GET ${path} 200`]);
  });

  it("diff: enabled flips update, unknown enabled updates, another job replaces", async () => {
    const olds = {
      ...inputs(true),
      scheduleState: "Active",
      statusCode: "Active",
      ...idle,
    } as ProvisioningStatusOutputs;
    expect(await statusP.diff!("id", olds, inputs(true))).toEqual({ changes: false, replaces: [] });
    expect(
      await statusP.diff!("id", olds, { ...inputs(true), enabled: UNKNOWN as unknown as boolean }),
    ).toEqual({
      changes: true,
      replaces: [],
    });
    expect(await statusP.diff!("id", olds, { ...inputs(true), jobId: "GoToMeeting.1" })).toEqual({
      changes: true,
      replaces: ["jobId"],
    });
  });

  it("check rejects a non-boolean enabled and a malformed job id", async () => {
    const bad = {
      servicePrincipalId: sp,
      jobId: "a/b",
      enabled: "yes",
    } as unknown as ProvisioningStatusInputs;
    expect((await statusP.check!(bad, bad)).failures).toEqual([
      {
        property: "jobId",
        reason:
          'jobId contains "/", which would change the request path; it must be the synchronization job\'s id, e.g. ' +
          '"gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5". Pass the id output ' +
          "of azuread.SynchronizationJob (its last path segment).",
      },
      {
        property: "enabled",
        reason:
          'enabled must be true or false; got "yes". Fix: pulumi config set provisioningEnabled true',
      },
    ]);
  });
});

describe("GuardedSynchronizationSecret", () => {
  beforeAll(() => configureAll(fake));
  let sp: string;
  const notification = (threshold: number) =>
    JSON.stringify({
      Enabled: true,
      Recipients: "ops@contoso.com",
      DeleteThresholdEnabled: true,
      DeleteThresholdValue: threshold,
    });
  const settings = (threshold = 50, syncAll = "false"): SettingPair[] => [
    { key: "SyncNotificationSettings", value: notification(threshold) },
    { key: "SyncAll", value: syncAll },
  ];
  const inputs = (s = settings()): GuardedSynchronizationSecretInputs => ({
    servicePrincipalId: sp,
    settings: s,
  });
  let secretsPath: string;
  beforeEach(() => {
    sp = fake.addServicePrincipal({ displayName: "GoTo", templates: [connectorTemplate("goto")] });
    secretsPath = `/servicePrincipals/${sp}/synchronization/secrets`;
    fake.resetRequests();
  });

  it("writes the settings with one GET and one PUT while nothing else is stored", async () => {
    const res = await secretP.create(inputs());
    expect(res).toEqual({ id: `${sp}/settings`, outs: { ...inputs(), otherKeys: [] } });
    expect(calls(fake)).toEqual([`GET ${secretsPath} 200`, `PUT ${secretsPath} 204`]);
    expect(fake.requests[1].body).toEqual({ value: settings() });
    expect(fake.secrets(sp)).toEqual(settings());
  });

  it("writes nothing when the live settings already match, even reformatted", async () => {
    await secretP.create(inputs());
    fake.resetRequests();
    await secretP.update!("id", { ...inputs(), otherKeys: [] }, inputs());
    expect(calls(fake)).toEqual([`GET ${secretsPath} 200`]);
    const reordered = `{"DeleteThresholdValue":50,"Recipients":"ops@contoso.com","Enabled":true}`;
    expect(sameSetting("SyncNotificationSettings", reordered, notification(50))).toBe(true);
    expect(sameSetting("SyncNotificationSettings", "*", notification(50))).toBe(false);
    expect(sameSetting("SyncAll", "False", "false")).toBe(true);
    const off = (n: number) =>
      `{"Enabled":false,"DeleteThresholdEnabled":false,"DeleteThresholdValue":${n}}`;
    expect(sameSetting("SyncNotificationSettings", off(0), off(500))).toBe(true);
    expect(sameSetting("SyncNotificationSettings", notification(50), notification(51))).toBe(false);
  });

  it("after the portal's Authorize it refuses a change with the clicks to make, and erases nothing", async () => {
    await secretP.create(inputs());
    fake.authorizeInPortal(sp);
    const before = fake.secrets(sp);
    fake.resetRequests();
    const err = await failureOf(
      secretP.update!("id", { ...inputs(), otherKeys: [] }, inputs(settings(25, "true"))),
    );
    expect(err.message).toBe(
      "Refusing to write the GoTo connector's settings: the portal's authorization (Oauth2AccessToken, " +
        "Oauth2AccessTokenCreationTime, Oauth2RefreshToken) is stored in the same secret set and Graph's PUT " +
        `would erase it. Do it by hand: Entra admin center → Enterprise apps → ${sp} → Provisioning → Settings: ` +
        'check "Send an email notification when a failure occurs" and "Prevent accidental deletion", then set ' +
        'Notification Email to "ops@contoso.com", the accidental-deletion threshold to 25 and Scope to ' +
        '"Sync all users and groups"; Save; then run pulumi refresh.',
    );
    expect(calls(fake)).toEqual([`GET ${secretsPath} 200`]);
    expect(fake.secrets(sp)).toEqual(before);
    expect(fake.secrets(sp).map((s) => s.key)).toEqual([
      "SyncNotificationSettings",
      "SyncAll",
      "Oauth2AccessToken",
      "Oauth2RefreshToken",
      "Oauth2AccessTokenCreationTime",
    ]);
    for (const s of before) {
      if (s.key!.startsWith("Oauth2")) expect(err.message).not.toContain(s.value!);
    }
  });

  it("after Authorize, unchanged settings pass without a write and report the kept keys", async () => {
    await secretP.create(inputs());
    fake.authorizeInPortal(sp);
    fake.resetRequests();
    const res = await secretP.update!("id", { ...inputs(), otherKeys: [] }, inputs());
    expect(res.outs).toEqual({
      ...inputs(),
      otherKeys: ["Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken"],
    });
    expect(calls(fake)).toEqual([`GET ${secretsPath} 200`]);
  });

  it("read reports the live values, so the by-hand change clears the diff after refresh", async () => {
    const { id, outs } = await secretP.create(inputs());
    fake.authorizeInPortal(sp);
    // The admin follows the message: the portal saves every key, its tokens included.
    const portalSave = fake
      .secrets(sp)
      .map((s) => (s.key === "SyncAll" ? { key: "SyncAll", value: "true" } : s));
    const saved = await fetch(`${fake.url}${secretsPath}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
      body: JSON.stringify({ value: portalSave }),
    });
    expect(saved.status).toBe(204);
    fake.resetRequests();
    const read = await secretP.read!(id, outs);
    const live = { servicePrincipalId: sp, settings: settings(50, "true") };
    expect(read).toEqual({
      id,
      props: {
        ...live,
        otherKeys: ["Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken"],
      },
      inputs: live,
    });
    expect(calls(fake)).toEqual([`GET ${secretsPath} 200`]);
    expect(await secretP.diff!(id, read.props!, inputs(settings(50, "true")))).toEqual({
      changes: false,
      replaces: [],
    });
    expect(await secretP.diff!(id, read.props!, inputs())).toEqual({ changes: true, replaces: [] });
  });

  it("delete never writes, so the authorization survives", async () => {
    const { id, outs } = await secretP.create(inputs());
    fake.authorizeInPortal(sp);
    const before = fake.secrets(sp);
    fake.resetRequests();
    await secretP.delete!(id, outs!);
    expect(fake.requests).toEqual([]);
    expect(fake.secrets(sp)).toEqual(before);
  });

  it("a throttled PUT is retried", async () => {
    fake.inject({ method: "PUT", path: "/synchronization/secrets", kind: { status: 429 } });
    await secretP.create(inputs());
    expect(calls(fake)).toEqual([
      `GET ${secretsPath} 200`,
      `PUT ${secretsPath} 429`,
      `PUT ${secretsPath} 204`,
    ]);
    expect(fake.secrets(sp)).toEqual(settings());
  });

  it("check accepts only the two managed keys with well-formed values", async () => {
    const bad = inputs([
      { key: "Password" as SettingPair["key"], value: PASSWORD },
      { key: "SyncAll", value: "yes" },
      { key: "SyncNotificationSettings", value: "{not json" },
      { key: "SyncAll", value: "true" },
    ]);
    const { failures } = await secretP.check!(bad, bad);
    expect(failures).toEqual([
      {
        property: "settings",
        reason:
          "settings[0].key must be SyncNotificationSettings or SyncAll. Credential keys are never written for " +
          "the GoTo connector: it is authorized with the portal's Authorize button.",
      },
      {
        property: "settings",
        reason: 'settings[1] (SyncAll) must be "true" or "false"; got "yes".',
      },
      {
        property: "settings",
        reason:
          "settings[2] (SyncNotificationSettings) must be Graph's JSON text, e.g. " +
          '{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":50} ' +
          "(Enabled and DeleteThresholdEnabled booleans, Recipients text, DeleteThresholdValue a whole number).",
      },
      { property: "settings", reason: "settings[3]: SyncAll is given twice; give it once." },
    ]);
    expect(JSON.stringify(failures)).not.toContain(PASSWORD);
    const partial = inputs([settings()[1]]);
    expect((await secretP.check!(partial, partial)).failures).toEqual([
      {
        property: "settings",
        reason: "settings lack SyncNotificationSettings; give both managed keys.",
      },
    ]);
    expect((await secretP.check!(inputs(), inputs())).failures).toEqual([]);
  });

  it("check accepts what the program builds from stack config, threshold 0 (off) included", async () => {
    const built = inputs(
      settingsPairs({
        notification: { enabled: true, recipients: ["ops@contoso.com", "it@contoso.com"] },
        deleteThreshold: 0,
        scope: "all",
      }),
    );
    expect((await secretP.check!(built, built)).failures).toEqual([]);
  });

  it("phrases the clicks for notifications and deletion prevention turned off", () => {
    const off = [
      {
        key: "SyncNotificationSettings" as const,
        value: '{"Enabled":false,"DeleteThresholdEnabled":false}',
      },
      { key: "SyncAll" as const, value: "false" },
    ];
    expect(byHandMessage("sp-1", ["Oauth2AccessToken"], off)).toBe(
      "Refusing to write the GoTo connector's settings: the portal's authorization (Oauth2AccessToken) is " +
        "stored in the same secret set and Graph's PUT would erase it. Do it by hand: Entra admin center → " +
        'Enterprise apps → sp-1 → Provisioning → Settings: uncheck "Send an email notification when a failure ' +
        'occurs" and "Prevent accidental deletion", then set Scope to "Sync only assigned users and groups"; ' +
        "Save; then run pulumi refresh.",
    );
    expect(parseNotificationSettings('{"Enabled":true}')).toEqual({
      Enabled: true,
      Recipients: "",
      DeleteThresholdEnabled: true,
      DeleteThresholdValue: 500,
    });
  });
});

describe("job ids are opaque (F1): every form Microsoft prints passes, only path changers are refused", () => {
  const documented = [...JOB_IDS_THREE_PART, ...JOB_IDS_OTHER_FORMS].map((j) => j.id);
  const sp = "6f1b0c1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f";

  it.each(documented)("%s", async (jobId) => {
    // The check that once refused a hyphen after the first dot (credentials never saved, job never started).
    const status = { servicePrincipalId: sp, jobId, enabled: true };
    expect((await statusP.check!(status, status)).failures).toEqual([]);
    const test = { servicePrincipalId: sp, jobId, connector: "goto" as const };
    expect((await testP.check!(test, test)).failures).toEqual([]);
  });

  it.each(["three-part", "two-part", "bare-guid", "odd"] as const)(
    "the providers start a job whose id has the %s form",
    async (jobIdForm) => {
      const f = await GraphFake.start({ jobIdForm });
      try {
        await configureAll(f);
        const s = f.addServicePrincipal({ templates: [connectorTemplate("goto")] });
        const jobId = f.addJob(s, "GoTo");
        const res = await statusP.create({ servicePrincipalId: s, jobId, enabled: true });
        expect(res.outs!.scheduleState).toBe("Active");
        expect(f.job(s, jobId).schedule?.state).toBe("Active");
      } finally {
        await f.stop();
        await configureAll(fake);
      }
    },
  );
});

describe("nothing lost: the settings guard decides only on a complete, readable secrets list", () => {
  beforeAll(() => configureAll(fake));
  const settings = (sp: string) => ({
    servicePrincipalId: sp,
    settings: settingsPairs({
      notification: { enabled: true, recipients: ["ops@contoso.com"] },
      deleteThreshold: 500,
      scope: "assigned",
    }) as SettingPair[],
  });

  // Each of these once made lib/http return an empty body, the guard conclude "nothing else is
  // stored", and its whole-set PUT erase the portal's Oauth2AccessToken and Oauth2RefreshToken.
  it.each(["cut-off", "truncated-json", "wrong-content-type", "empty-200", "stall-body"] as const)(
    "%s GET: no PUT, the portal's authorization intact",
    async (kind) => {
      await configureAll(fake, { apiTimeoutSeconds: "1", apiRetryBudgetSeconds: "1.5" });
      const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
      fake.authorizeInPortal(sp);
      const before = fake.secrets(sp);
      fake.inject({ method: "GET", path: "/synchronization/secrets", kind, times: 100 });
      fake.resetRequests();
      const err = await failureOf(secretP.create(settings(sp)));
      expect(err.message).toMatch(/could not be used|cut off|no complete response/);
      expect(calls(fake).filter((c) => c.startsWith("PUT"))).toEqual([]);
      expect(fake.secrets(sp)).toEqual(before);
      fake.clearFaults();
      await configureAll(fake);
    },
  );

  it("with the list readable again, refuses the PUT and prints the by-hand steps", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    fake.authorizeInPortal(sp);
    const err = await failureOf(secretP.create(settings(sp)));
    expect(err.message).toMatch(
      /^Refusing to write the GoTo connector's settings: the portal's authorization/,
    );
    expect(
      fake
        .secrets(sp)
        .map((x) => x.key)
        .sort(),
    ).toEqual(["Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken"]);
  });
});

describe("Entra replication lag and configuration", () => {
  let lagging: GraphFake;
  beforeAll(async () => {
    lagging = await GraphFake.start({ notFoundReadsAfterCreate: 2 });
    await configureAll(lagging);
  });
  afterAll(async () => {
    await lagging.stop();
    await configureAll(fake);
  });
  beforeEach(() => lagging.resetRequests());

  it("template discovery retries the 404s of a just-instantiated app", async () => {
    const sp = lagging.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const res = await templateP.create({
      servicePrincipalId: sp,
      connector: "goto",
      galleryApp: "GoTo",
    });
    expect(res.outs!.templateId).toBe("GoTo");
    const list = `GET /servicePrincipals/${sp}/synchronization/templates`;
    expect(calls(lagging)).toEqual([`${list} 404`, `${list} 404`, `${list} 200`]);
  });

  it("status and settings retry them too", async () => {
    const sp = lagging.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const jobId = lagging.addJob(sp, "GoTo");
    const path = `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;
    lagging.resetRequests();
    await statusP.create({ servicePrincipalId: sp, jobId, enabled: true });
    expect(calls(lagging)).toEqual([
      `GET ${path} 404`,
      `GET ${path} 404`,
      `GET ${path} 200`,
      `POST ${path}/start 204`,
    ]);

    const sp2 = lagging.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const secrets = `/servicePrincipals/${sp2}/synchronization/secrets`;
    lagging.resetRequests();
    await secretP.create({
      servicePrincipalId: sp2,
      settings: [
        { key: "SyncAll", value: "false" },
        { key: "SyncNotificationSettings", value: '{"Enabled":false}' },
      ],
    });
    expect(calls(lagging)).toEqual([
      `GET ${secrets} 404`,
      `GET ${secrets} 404`,
      `GET ${secrets} 200`,
      `PUT ${secrets} 204`,
    ]);
  });

  it("a 404 that outlasts the retry budget ends with the replication advice", async () => {
    await configureAll(lagging, { apiRetryBudgetSeconds: "0.2" });
    const missing = "00000000-0000-4000-8000-0000000000aa";
    const err = await failureOf(
      templateP.create({ servicePrincipalId: missing, connector: "goto", galleryApp: "GoTo" }),
    );
    expect(err.message).toBe(
      `Microsoft Graph GET /servicePrincipals/${missing}/synchronization/templates failed: HTTP 404 ` +
        `Request_ResourceNotFound: Resource '${missing}' does not exist or one of its queried ` +
        `reference-property objects are not present.\n${REPLICATION_HINT}`,
    );
    expect(lagging.requests.length).toBeGreaterThan(1);
    expect(new Set(calls(lagging))).toEqual(
      new Set([`GET /servicePrincipals/${missing}/synchronization/templates 404`]),
    );
    await configureAll(lagging);
  });

  it("a wrong token fails with Graph's reason and never shows the token", async () => {
    await configureAll(lagging, { graphAccessToken: "stale-token-value" });
    const sp = lagging.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const err = await failureOf(
      templateP.create({ servicePrincipalId: sp, connector: "goto", galleryApp: "GoTo" }),
    );
    expect(err.message).toBe(
      `Microsoft Graph GET /servicePrincipals/${sp}/synchronization/templates failed: HTTP 401 ` +
        "InvalidAuthenticationToken: Access token validation failure.\nThe token was rejected: check the tenant " +
        "and that the credential has not expired.",
    );
    await configureAll(lagging);
  });

  it("retries the 401 UnknownError, 403 and 409 Graph answers right after an app is created (F5)", async () => {
    const sp = lagging.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    lagging.setConsistencyErrors({ servicePrincipalId: sp }, [401, 403, 409]);
    lagging.resetRequests();
    const res = await templateP.create({
      servicePrincipalId: sp,
      connector: "goto",
      galleryApp: "GoTo",
      credentialKeys: [],
    });
    expect(res.outs!.templateId).toBe("GoTo");
    const list = `GET /servicePrincipals/${sp}/synchronization/templates`;
    // This fake also answers two 404s for a new service principal: all four documented forms in turn.
    expect(calls(lagging)).toEqual([
      `${list} 401`,
      `${list} 403`,
      `${list} 409`,
      `${list} 404`,
      `${list} 404`,
      `${list} 200`,
    ]);
  });

  it("a consistency error that outlasts the budget names replication, then the other cause", async () => {
    await configureAll(lagging, { apiRetryBudgetSeconds: "0.3" });
    const sp = lagging.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    lagging.setConsistencyErrors({ servicePrincipalId: sp }, Array(200).fill(403));
    const err = await failureOf(
      templateP.create({
        servicePrincipalId: sp,
        connector: "goto",
        galleryApp: "GoTo",
        credentialKeys: [],
      }),
    );
    expect(err.message).toContain("HTTP 403 Authorization_RequestDenied");
    expect(err.message).toContain(
      "Entra may still be replicating the app or job created moments ago (Graph answers 404, 401, 403 or 409 " +
        "for a few minutes after an app is instantiated); run pulumi up again in a few minutes. If it " +
        "persists: the identity lacks permission",
    );
    await configureAll(lagging);
  });

  it("an unconfigured provider says so instead of calling the real Graph", () => {
    expect(() => graphClient(undefined, "TestConnection")).toThrow(
      "The TestConnection provider was used before configure() gave it the stack config",
    );
  });
});
