// The four small Graph-backed dynamic resources, their provider methods called directly against the
// stateful Graph fake: exact requests per operation, exact messages, and no credential anywhere.
import { createRequire } from "node:module";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CREDENTIAL_VALIDATION_MESSAGE, GraphFake, connectorTemplate } from "./fakes/graphFake";
import {
  GuardedSynchronizationSecret,
  byHandMessage,
  guardedSynchronizationSecretProvider as secretP,
  parseNotificationSettings,
  sameSetting,
  type GuardedSynchronizationSecretInputs,
  type SettingPair,
} from "../components/guardedSynchronizationSecret";
import { settingsPairs } from "../components/synchronizationSecrets";
import {
  ProvisioningStatus,
  afterAction,
  provisioningStatusProvider as statusP,
  statusFields,
  type ProvisioningStatusInputs,
  type ProvisioningStatusOutputs,
} from "../components/provisioningStatus";
import { REPLICATION_HINT, UNKNOWN, graphClient } from "../components/syncResourceSupport";
import {
  SynchronizationTemplate,
  noTemplateMessage,
  pickTemplate,
  synchronizationTemplateProvider as templateP,
  type SynchronizationTemplateInputs,
  type SynchronizationTemplateOutputs,
} from "../components/synchronizationTemplate";
import {
  TestConnection,
  authorizePendingMessage,
  credentialsHash,
  scrubCredentials,
  testConnectionProvider as testP,
  type TestConnectionInputs,
} from "../components/testConnection";

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
    // What the state stores is the shim (lib/providerShim.ts): it names the implementation by its
    // path in the project and loads it there; no settings, no code of its own.
    expect(source).toMatch(/target: "components\/\w+\.ts", exportName: "\w+Provider"/);
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
    expect((await provider.create(args)).outs!.templateId).toBe("GoTo");
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
      ...extra,
    }) as const;

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
        templateId: "GoToMeeting",
        factoryTag: "gotomeeting",
        candidates: ["GoToMeeting"],
        userRuleId: RULE_ID,
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

  it("fails with Graph's reason and the Team Admin hint, never echoing a credential", async () => {
    const wrong = [CREDS[0], { key: "Password", value: "not-the-password" }];
    const err = await failureOf(testP.create(inputs({ credentials: wrong })));
    expect(err.message).toBe(
      "Test Connection failed for the GoToMeeting admin account (the configured adminUserName): " +
        `CredentialValidationUnavailable: ${CREDENTIAL_VALIDATION_MESSAGE.replace(/\.$/, "")}. Make sure the ` +
        "GoToMeeting account has Team Admin permissions, then set adminUserName and adminPassword again " +
        "(pulumi config set adminUserName <admin e-mail>; pulumi config set --secret adminPassword <password>).",
    );
    expect(err.message).not.toContain(USER);
    expect(err.message).not.toContain("not-the-password");
    expect(err.stack ?? "").not.toContain("not-the-password");
    expect(calls(fake)).toEqual([
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 400`,
    ]);
  });

  it("cuts credential values out of whatever a server answers", () => {
    expect(scrubCredentials(`User GOTO.ADMIN@contoso.com with ${PASSWORD} rejected`, CREDS)).toBe(
      "User [redacted] with [redacted] rejected",
    );
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
    expect(fake.requests).toEqual([
      {
        method: "POST",
        path: `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials`,
        query: "",
        body: { useSavedCredentials: true },
        status: 400,
      },
    ]);
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
      `POST /servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials 204`,
    ]);
    expect(await testP.diff!("id", updated.outs!, inputs())).toEqual({ changes: false });
    // Neither of the portal's tokens reaches the outputs.
    const tokens = fake
      .secrets(sp)
      .filter((s) => s.key === "Oauth2AccessToken" || s.key === "Oauth2RefreshToken");
    expect(tokens).toHaveLength(2);
    for (const s of tokens) expect(JSON.stringify(updated.outs)).not.toContain(s.value!);
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
  const inputs = (enabled: boolean): ProvisioningStatusInputs => ({
    servicePrincipalId: sp,
    jobId,
    enabled,
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
        reason: "TooManyDeletes",
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
      ...inputs(true),
      scheduleState: "Active",
      statusCode: "Quarantine",
      lastExecutionState: "Failed",
      lastExecutionTime: "2026-11-25T08:04:00Z",
      quarantineReason: "TooManyDeletes",
      quarantineSince: "2026-11-25T08:04:00Z",
      steadyStateLastAchievedTime: "2026-11-24T07:00:00Z",
      countSuccessiveCompleteFailures: 3,
      synchronizedEntryCounts: { User: 12, Group: 2 },
      troubleshootingUrl: "https://learn.microsoft.com/entra/identity/app-provisioning/",
    });
    // Still scheduled: no drift in `enabled`, and no start on a running (quarantined) job.
    expect(await statusP.diff!(id, read.props!, inputs(true))).toEqual({
      changes: false,
      replaces: [],
    });
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
          'jobId must be a synchronization job id like "GoTo.0a1b2c…"; got "a/b". Pass the id output of ' +
          "azuread.SynchronizationJob.",
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

  it("an unconfigured provider says so instead of calling the real Graph", () => {
    expect(() => graphClient(undefined, "TestConnection")).toThrow(
      "The TestConnection provider was used before configure() gave it the stack config",
    );
  });
});
