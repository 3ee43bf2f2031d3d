// Proof at the engine boundary: index.ts runs under Pulumi's own Node language host entry
// (cmd/run, ts-node) against a fake resource monitor, and every dynamic resource it registers is
// then driven through Pulumi's own dynamic-provider host over gRPC — Configure with the stack
// config, Check, Diff, Create, Read, Update, Delete — against the local Graph and GoTo fakes, the way
// `pulumi up`, `pulumi refresh` and `pulumi destroy` drive it. Known secret values are planted in
// the config and inputs and searched for in every `__provider`, every output not marked secret, the
// inputs the state would keep, and everything the program and the providers log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStack } from "../scripts/stackFiles";
import { GraphFake, connectorTemplate } from "./fakes/graphFake";
import { GoToFake } from "./fakes/gotoFake";
import {
  CaptureResult,
  PROJECT,
  Registration,
  captureProgram,
  dynamicResources,
} from "./engine/captureClient";
import {
  EngineLogEntry,
  PropertyMap,
  UNKNOWN,
  isSecret,
  plainOccurrences,
  stripSecrets,
} from "./engine/engineService";
import { ProviderCallError, ProviderHost } from "./engine/providerHost";

/** Values that must never show up in plain text anywhere the engine stores or shows things. */
const PLANTED: Record<string, string> = {
  adminPassword: "Planted-Admin-Pa55-6d1f0c",
  wrongAdminPassword: "Planted-Wrong-Pa55-2b9e77",
  graphAccessToken: "planted-graph-token-9b27e4",
  gotoAccessToken: "planted-goto-token-3c88a1",
  gotoClientSecret: "planted-goto-client-secret-51d0",
  gotoPersonalAccessToken: "planted-goto-pat-a7e2f9",
  gotoPatAccessToken: "planted-goto-pat-access-0e4b",
};
const GOTO_CLIENT_ID = "engine-test-client";

const SP_DEV = "5a1e7c1d-0000-4000-8000-0000000000d1";
const SP_PROD = "5a1e7c1d-0000-4000-8000-0000000000b1";
const SP_GOTO = "5a1e7c1d-0000-4000-8000-00000000060a";
const SP_RETIRED = "5a1e7c1d-0000-4000-8000-0000000000e0";
const USER_RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";
const ADMIN = "gotomeeting-admin@contoso.com";
const BREAKGLASS = "breakglass-admin@contoso.com";

const DYNAMIC = [
  "AttributeMappings",
  "GoToMeetingUser",
  "GuardedSynchronizationSecret",
  "ProvisionOnDemand",
  "ProvisioningStatus",
  "SynchronizationTemplate",
  "TestConnection",
] as const;

const q = (key: string) => `${PROJECT}:${key}`;

type StackName = "dev" | "prod" | "goto";

interface Stack {
  name: StackName;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  sp: string;
  jobId: string;
}

let graph: GraphFake;
let goto: GoToFake;
const stacks = {} as Record<StackName, Stack>;
const captures: Record<string, CaptureResult> = {};
/** One provider host per stack, as one deployment has one default pulumi-nodejs provider. */
const hosts = new Map<StackName, ProviderHost>();
/** Everything the engine would store or show, for the final secret scan. */
const stored: { label: string; value: unknown }[] = [];
/** Messages of failed provider calls, as the engine would print them. */
const errors: string[] = [];

function stackConfig(
  stack: "dev" | "prod",
  values: Record<string, string>,
  secrets: Record<string, string>,
  drop: string[] = [],
): Pick<Stack, "config" | "secretKeys"> {
  const base = loadStack(stack);
  const config = { ...base.config };
  for (const key of drop) delete config[q(key)];
  for (const [k, v] of Object.entries({ ...values, ...secrets })) config[q(k)] = v;
  return { config, secretKeys: [...base.secretKeys, ...Object.keys(secrets).map(q)] };
}

function dynamicOf(name: string): Map<string, Registration[]> {
  return dynamicResources(captures[name].registrations);
}

function one(name: string, type: string): Registration {
  const regs = dynamicOf(name).get(type) ?? [];
  expect(regs, `${name}: registrations of ${type}`).toHaveLength(1);
  return regs[0];
}

/** The stack's provider host, started and configured on first use. */
async function hostOf(name: StackName): Promise<ProviderHost> {
  let host = hosts.get(name);
  if (!host) {
    const s = stacks[name];
    host = await ProviderHost.start({ stack: s.stack, config: s.config, secretKeys: s.secretKeys });
    hosts.set(name, host);
    expect(await host.configure()).toEqual({ acceptSecrets: false, supportsPreview: false });
  }
  return host;
}

/** Awaits a call that must fail; returns the error the engine got, and keeps its message. */
async function failure(call: Promise<unknown>): Promise<ProviderCallError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ProviderCallError) {
      errors.push(err.details);
      return err;
    }
    throw err;
  }
  throw new Error("the provider call succeeded but was expected to fail");
}

function keep(label: string, value: unknown): void {
  stored.push({ label, value });
}

/** The part of a Graph fake request log a test compares: method, path and status. */
function graphCalls(): string[] {
  return graph.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

function gotoCalls(): string[] {
  return goto.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

/** The SDK's own debug trace of each RPC response (shown only by `pulumi up --debug`). */
function isSdkTrace(l: EngineLogEntry): boolean {
  return l.severity === "debug" && / RPC finished: /.test(l.message);
}

beforeAll(async () => {
  graph = await GraphFake.start({ token: PLANTED.graphAccessToken });
  goto = await GoToFake.start({
    token: PLANTED.gotoAccessToken,
    verifiedDomains: ["contoso.com"],
    pat: {
      clientId: GOTO_CLIENT_ID,
      clientSecret: PLANTED.gotoClientSecret,
      pat: PLANTED.gotoPersonalAccessToken,
      accessToken: PLANTED.gotoPatAccessToken,
    },
  });
  graph.addServicePrincipal({ id: SP_DEV, templates: [connectorTemplate("gotomeeting")] });
  graph.addServicePrincipal({ id: SP_PROD, templates: [connectorTemplate("gotomeeting")] });
  graph.addServicePrincipal({
    id: SP_GOTO,
    displayName: "GoTo",
    templates: [connectorTemplate("goto")],
  });
  graph.addServicePrincipal({ id: SP_RETIRED, templates: [] });
  graph.setValidCredentials(SP_DEV, { UserName: ADMIN, Password: PLANTED.adminPassword });

  const fakes = {
    graphApiUrl: graph.url,
    gotoApiUrl: goto.url,
    gotoAuthUrl: goto.tokenUrl,
    apiTimeoutSeconds: "5",
    apiRetryBudgetSeconds: "2",
    apiRetryBaseSeconds: "0.01",
    gotoRequestsPerSecond: "200",
  };
  const patKeys = {
    gotoClientSecret: PLANTED.gotoClientSecret,
    gotoPersonalAccessToken: PLANTED.gotoPersonalAccessToken,
  };
  stacks.dev = {
    name: "dev",
    stack: "dev",
    sp: SP_DEV,
    jobId: graph.addJob(SP_DEV, "GoToMeeting"),
    ...stackConfig("dev", fakes, {
      adminPassword: PLANTED.adminPassword,
      graphAccessToken: PLANTED.graphAccessToken,
      gotoAccessToken: PLANTED.gotoAccessToken,
    }),
  };
  stacks.prod = {
    name: "prod",
    stack: "prod",
    sp: SP_PROD,
    jobId: graph.addJob(SP_PROD, "GoToMeeting"),
    ...stackConfig(
      "prod",
      { ...fakes, gotoClientId: GOTO_CLIENT_ID },
      {
        adminPassword: PLANTED.adminPassword,
        graphAccessToken: PLANTED.graphAccessToken,
        ...patKeys,
      },
    ),
  };
  // The GoTo connector: dev's config with connector goto and no admin credentials.
  stacks.goto = {
    name: "goto",
    stack: "dev",
    sp: SP_GOTO,
    jobId: graph.addJob(SP_GOTO, "GoTo"),
    ...stackConfig(
      "dev",
      { ...fakes, connector: "goto", gotoClientId: GOTO_CLIENT_ID },
      { graphAccessToken: PLANTED.graphAccessToken, ...patKeys },
      ["adminUserName"],
    ),
  };

  const runs = [
    ...Object.values(stacks).map((s) => ({ key: s.name, s, dryRun: false })),
    { key: "dev-preview", s: stacks.dev, dryRun: true },
  ];
  await Promise.all(
    runs.map(async ({ key, s, dryRun }) => {
      captures[key] = await captureProgram({
        stack: s.stack,
        config: s.config,
        secretKeys: s.secretKeys,
        servicePrincipalObjectId: s.sp,
        jobId: s.jobId,
        dryRun,
      });
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const host of hosts.values()) await host.stop();
  await graph?.stop();
  await goto?.stop();
});

describe("the program under Pulumi's language host (cmd/run + ts-node)", () => {
  it("finishes for every stack config and registers the expected dynamic resources", () => {
    const names = (key: string) =>
      [...dynamicOf(key).entries()]
        .flatMap(([type, regs]) => regs.map((r) => `${type} ${r.name}`))
        .sort();
    for (const key of Object.keys(captures)) {
      expect(captures[key].exitCode, `${key}:\n${captures[key].stderr}`).toBe(0);
      expect(captures[key].logs.filter((l) => l.severity === "error")).toEqual([]);
    }
    const graphBacked = [
      "AttributeMappings gotomeeting-provisioning-user-mappings",
      "ProvisioningStatus gotomeeting-provisioning-status",
      "SynchronizationTemplate gotomeeting-provisioning-template",
      "TestConnection gotomeeting-provisioning-test-connection",
    ];
    const breakglass = "GoToMeetingUser goto-users-breakglass-admin@contoso.com";
    // dev is the pilot stage: its pilot user is provisioned on demand by our own resource.
    expect(names("dev")).toEqual([
      graphBacked[0],
      breakglass,
      "ProvisionOnDemand gotomeeting-provisioning-pilot",
      ...graphBacked.slice(1),
    ]);
    expect(names("dev-preview")).toEqual(names("dev"));
    expect(names("prod")).toEqual([
      graphBacked[0],
      "GoToMeetingUser goto-users-boardroom@contoso.com",
      breakglass,
      ...graphBacked.slice(1),
    ]);
    expect(names("goto")).toEqual([
      graphBacked[0],
      breakglass,
      "GuardedSynchronizationSecret gotomeeting-provisioning-settings",
      // The goto stack copies dev's pilot: it waits for Authorize, then provisions the pilot.
      "ProvisionOnDemand gotomeeting-provisioning-pilot",
      ...graphBacked.slice(1),
    ]);
  });

  it("stores a __provider that is plain, secret-free, settings-free and the same for every stack", () => {
    const texts = new Map<string, Set<string>>();
    const sizes: string[] = [];
    for (const [key, capture] of Object.entries(captures)) {
      for (const [type, regs] of dynamicResources(capture.registrations)) {
        for (const r of regs) {
          const where = `${key} ${r.name}`;
          expect(r.provider, where).toBeTypeOf("string");
          const text = r.provider!;
          expect(r.providerSecret, `${where}: the SDK marked __provider secret`).toBe(false);
          expect(text.includes("__vite_ssr_import"), where).toBe(false);
          expect(plainOccurrences(text, PLANTED), where).toEqual([]);
          // Settings come from configure(), so no stack-specific value may be baked in.
          for (const url of [graph.url, goto.url, goto.tokenUrl]) {
            expect(text.includes(url), `${where} captured ${url}`).toBe(false);
          }
          texts.set(type, (texts.get(type) ?? new Set()).add(text));
        }
      }
    }
    for (const type of DYNAMIC) {
      expect(texts.get(type)?.size, `${type}: distinct __provider texts`).toBe(1);
      const [text] = texts.get(type)!;
      sizes.push(`${type}: ${Buffer.byteLength(text, "utf8")} bytes`);
    }
    console.log(`serialized dynamic providers (__provider):\n  ${sizes.join("\n  ")}`);
  });

  it("keeps the admin password a secret in every registered input and stack output", () => {
    const tc = one("dev", "TestConnection");
    expect(tc.inputs.credentials).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: [
        { key: "UserName", value: ADMIN },
        { key: "Password", value: PLANTED.adminPassword },
      ],
    });
    expect(tc.additionalSecretOutputs).toEqual(["credentialsHash"]);
    for (const [key, capture] of Object.entries(captures)) {
      for (const r of capture.registrations) {
        const { __provider: _p, ...inputs } = r.inputs;
        expect(plainOccurrences(inputs, PLANTED), `${key} ${r.name} inputs`).toEqual([]);
      }
      expect(plainOccurrences(capture.stackOutputs, PLANTED), `${key} stack outputs`).toEqual([]);
    }
    // The scan above saw the real stack outputs, not an empty map.
    expect(Object.keys(captures.dev.stackOutputs)).toEqual(
      expect.arrayContaining(["applicationId", "testConnectionPassed", "gotoUserKeys"]),
    );
  });
});

describe("every dynamic provider in a fresh provider host", { timeout: 60_000 }, () => {
  it("loads, is configured with the stack config, and checks the captured inputs", async () => {
    for (const s of Object.values(stacks)) {
      const host = await hostOf(s.name);
      for (const regs of dynamicOf(s.name).values()) {
        for (const r of regs) {
          const checked = await host.check(r.urn, {}, r.inputs);
          expect(checked.failures, `${s.name} ${r.name}`).toEqual([]);
          expect(checked.inputs.__provider).toBe(r.provider);
          keep(`${s.name} ${r.name} check`, checked.inputs);
        }
      }
    }
    // Checking needs no API call.
    expect(graph.requests).toEqual([]);
    expect(goto.requests).toEqual([]);
  });

  it("checks the preview's inputs, unknowns included, without failures", async () => {
    const host = await hostOf("dev");
    const preview = dynamicOf("dev-preview");
    const jobIds = [...preview.values()].flat().map((r) => r.inputs.jobId ?? "(none)");
    // During a first preview the job does not exist yet: its id is unknown to every consumer.
    expect(new Set(jobIds)).toEqual(new Set([UNKNOWN, "(none)"]));
    for (const regs of preview.values()) {
      for (const r of regs) {
        const checked = await host.check(r.urn, {}, r.inputs, { preview: true });
        expect(checked.failures, r.name).toEqual([]);
      }
    }
  });
});

describe("up, refresh and destroy against the fakes", { timeout: 60_000 }, () => {
  it("AttributeMappings: create, no-op diff, refresh, portal drift, update, destroy", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "AttributeMappings");
    const { sp, jobId } = stacks.dev;
    const schemaPath = `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/schema`;
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    graph.resetRequests();

    const created = await host.create(r.urn, inputs);
    expect(created.id).toBe(`${sp}/${jobId}/User`);
    const declared = [
      {
        target: "userName",
        source: "userPrincipalName",
        matchingPriority: 1,
        flowType: "Always",
        defaultValue: null,
      },
      {
        target: "displayName",
        expression: 'Join(" ", [givenName], [surname])',
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
    ];
    // The expression is stored as the tree Graph's parseExpression returned (F4), compared as a tree.
    expect(created.outputs.live).toMatchObject(declared.map(({ expression: _e, ...rest }) => rest));
    expect((created.outputs.live as PropertyMap[])[1].tree).toMatchObject({
      type: "Function",
      name: "Join",
    });
    expect(Object.keys(created.outputs.parsedExpressions as PropertyMap)).toEqual([
      'Join(" ", [givenName], [surname])',
    ]);
    expect(created.outputs.ruleId).toBe(USER_RULE_ID);
    expect(graphCalls()).toEqual([
      `GET ${schemaPath} 200`,
      `POST ${schemaPath}/parseExpression 200`,
      `PUT ${schemaPath} 204`,
    ]);
    keep("AttributeMappings create", created.outputs);

    expect(await host.diff(r.urn, created.id, created.outputs, inputs, inputs)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    // Preview with values not known yet.
    expect(
      await host.diff(r.urn, created.id, created.outputs, { ...inputs, mappings: UNKNOWN }, inputs),
    ).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
    expect(
      await host.diff(r.urn, created.id, created.outputs, { ...inputs, jobId: UNKNOWN }, inputs),
    ).toEqual({ changes: "some", replaces: ["jobId"], deleteBeforeReplace: false });

    const refreshed = await host.read(r.urn, created.id, created.outputs, inputs);
    expect(refreshed.id).toBe(created.id);
    expect(refreshed.outputs).toEqual(created.outputs);

    // Someone edits the displayName mapping in the portal.
    const schema = graph.schema(sp, jobId);
    const users = schema.synchronizationRules![0].objectMappings!.find(
      (m) => m.sourceObjectName === "User",
    )!;
    const display = users.attributeMappings!.find((m) => m.targetAttributeName === "displayName")!;
    display.source = {
      type: "Function",
      name: "Join",
      expression: 'Join(", ", [surname], [givenName])',
      parameters: [],
    };
    graph.setSchema(sp, jobId, schema);
    const drifted = await host.read(r.urn, created.id, created.outputs, inputs);
    expect((drifted.inputs.mappings as PropertyMap[])[1]).toEqual({
      target: "displayName",
      expression: 'Join(", ", [surname], [givenName])',
    });
    expect((drifted.outputs.live as PropertyMap[])[1].expression).toBe(
      'Join(", ", [surname], [givenName])',
    );
    keep("AttributeMappings read", drifted);
    expect(
      (await host.diff(r.urn, created.id, drifted.outputs, inputs, drifted.inputs)).changes,
    ).toBe("some");

    graph.resetRequests();
    const updated = await host.update(r.urn, created.id, drifted.outputs, inputs, drifted.inputs);
    expect(updated.outputs.live).toEqual(created.outputs.live);
    // The parse kept in the outputs is reused: no second parseExpression.
    expect(graphCalls()).toEqual([`GET ${schemaPath} 200`, `PUT ${schemaPath} 204`]);
    keep("AttributeMappings update", updated.outputs);

    await host.delete(r.urn, created.id, updated.outputs, inputs);
    const restored = graph
      .schema(sp, jobId)
      .synchronizationRules![0].objectMappings!.find((m) => m.sourceObjectName === "User")!
      .attributeMappings!.find((m) => m.targetAttributeName === "displayName")!;
    const template = connectorTemplate("gotomeeting")
      .schema.synchronizationRules![0].objectMappings!.find((m) => m.sourceObjectName === "User")!
      .attributeMappings!.find((m) => m.targetAttributeName === "displayName")!;
    expect(restored).toEqual(template);
  });

  it("SynchronizationTemplate: discovery, no-op diff, refresh, replace on a new app, destroy", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "SynchronizationTemplate");
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    graph.resetRequests();

    const created = await host.create(r.urn, inputs);
    expect(created.id).toBe(`${SP_DEV}/GoToMeeting`);
    expect(stripSecrets(created.outputs)).toEqual({
      __provider: r.provider,
      servicePrincipalId: SP_DEV,
      connector: "gotomeeting",
      // The gallery name, not the app's display name (that once made a rename replace discovery).
      galleryApp: "GoToMeeting",
      credentialKeys: ["UserName", "Password"],
      templateId: "GoToMeeting",
      factoryTag: "gotomeeting",
      candidates: ["GoToMeeting"],
      userRuleId: USER_RULE_ID,
      authorization: "credentials",
      acceptedKeys: ["UserName", "Password"],
    });
    expect(graphCalls()).toEqual([
      `GET /servicePrincipals/${SP_DEV}/synchronization/templates 200`,
    ]);
    keep("SynchronizationTemplate create", created.outputs);

    expect((await host.diff(r.urn, created.id, created.outputs, inputs, inputs)).changes).toBe(
      "none",
    );
    expect(
      await host.diff(
        r.urn,
        created.id,
        created.outputs,
        { ...inputs, servicePrincipalId: SP_PROD },
        inputs,
      ),
    ).toEqual({ changes: "some", replaces: ["servicePrincipalId"], deleteBeforeReplace: false });

    const refreshed = await host.read(r.urn, created.id, created.outputs, inputs);
    expect(refreshed.id).toBe(created.id);
    expect(refreshed.outputs).toEqual(created.outputs);

    graph.resetRequests();
    await host.delete(r.urn, created.id, created.outputs, inputs);
    expect(graph.requests).toEqual([]);
  });

  it("TestConnection (GoToMeeting): passes with the secret password, retests on change, fails clearly", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "TestConnection");
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    // The engine keeps the checked credentials secret.
    expect(isSecret(inputs.credentials)).toBe(true);
    graph.resetRequests();

    const created = await host.create(r.urn, inputs, r.additionalSecretOutputs);
    expect(created.id).toBe(`${SP_DEV}/${stacks.dev.jobId}`);
    expect(created.outputs.passed).toBe(true);
    expect(created.outputs.authorizationPending).toBe(false);
    expect(created.outputs.message).toBe(
      "Test Connection passed for the configured GoToMeeting admin account.",
    );
    expect(created.outputs).not.toHaveProperty("credentials");
    expect(isSecret(created.outputs.credentialsHash)).toBe(true);
    expect(graphCalls()).toEqual([
      `POST /servicePrincipals/${SP_DEV}/synchronization/jobs/${stacks.dev.jobId}/validateCredentials 204`,
    ]);
    keep("TestConnection create", created.outputs);

    expect((await host.diff(r.urn, created.id, created.outputs, inputs, inputs)).changes).toBe(
      "none",
    );
    const refreshed = await host.read(r.urn, created.id, created.outputs, inputs);
    expect(refreshed.outputs).toEqual(created.outputs);
    keep("TestConnection read", refreshed);

    // A new password (still a secret) is a change, and a wrong one fails with the portal's advice.
    const wrong = {
      ...inputs,
      credentials: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: [
          { key: "UserName", value: ADMIN },
          { key: "Password", value: PLANTED.wrongAdminPassword },
        ],
      },
    };
    expect((await host.diff(r.urn, created.id, created.outputs, wrong, inputs)).changes).toBe(
      "some",
    );
    const err = await failure(
      host.update(r.urn, created.id, created.outputs, wrong, inputs, r.additionalSecretOutputs),
    );
    expect(err.details).toBe(
      "Test Connection failed for the GoToMeeting admin account (the configured adminUserName): " +
        "Microsoft Graph answered HTTP 400 CredentialValidationUnavailable: Test connection failed: the " +
        "application did not accept the credentials. Check them (or authorize again in the portal) and " +
        "retry. What this answer means is unverified (Graph documents no failure response). The " +
        "tutorial's advice: make sure the GoToMeeting account has Team Admin permissions, then set " +
        "adminUserName and adminPassword again (pulumi config set adminUserName <admin e-mail>; pulumi " +
        "config set --secret adminPassword <password>).",
    );

    graph.resetRequests();
    await host.delete(r.urn, created.id, created.outputs, inputs);
    expect(graph.requests).toEqual([]);
  });

  it("ProvisioningStatus: starts the job, refresh sees a portal pause, update starts it again", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "ProvisioningStatus");
    const { sp, jobId } = stacks.dev;
    const job = `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    expect(inputs.enabled).toBe(true);
    graph.resetRequests();

    const created = await host.create(r.urn, inputs);
    expect(created.id).toBe(`${sp}/${jobId}`);
    expect(created.outputs.scheduleState).toBe("Active");
    expect(created.outputs.statusCode).toBe("Active");
    expect(graphCalls()).toEqual([`GET ${job} 200`, `POST ${job}/start 204`]);
    expect(graph.job(sp, jobId).schedule?.state).toBe("Active");
    keep("ProvisioningStatus create", created.outputs);

    expect((await host.diff(r.urn, created.id, created.outputs, inputs, inputs)).changes).toBe(
      "none",
    );
    expect(
      (await host.diff(r.urn, created.id, created.outputs, { ...inputs, enabled: UNKNOWN }, inputs))
        .changes,
    ).toBe("some");

    // Paused in the portal: refresh reports it as a changed input.
    graph.setJobStatus(sp, jobId, { code: "Paused" });
    const drifted = await host.read(r.urn, created.id, created.outputs, inputs);
    expect(drifted.inputs.enabled).toBe(false);
    expect(drifted.outputs.scheduleState).toBe("Paused");
    expect(drifted.outputs.statusCode).toBe("Paused");
    keep("ProvisioningStatus read", drifted);
    expect(
      (await host.diff(r.urn, created.id, drifted.outputs, inputs, drifted.inputs)).changes,
    ).toBe("some");

    graph.resetRequests();
    const updated = await host.update(r.urn, created.id, drifted.outputs, inputs, drifted.inputs);
    expect(updated.outputs.scheduleState).toBe("Active");
    expect(graphCalls()).toEqual([`GET ${job} 200`, `POST ${job}/start 204`]);

    graph.resetRequests();
    await host.delete(r.urn, created.id, updated.outputs, inputs);
    expect(graph.requests).toEqual([]);
  });

  it("GoToMeetingUser (access token): create, refresh sees an admin-center edit, update, destroy", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "GoToMeetingUser");
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    goto.resetRequests();

    const created = await host.create(r.urn, inputs);
    const key = created.id;
    expect(created.outputs.userKey).toBe(key);
    expect(stripSecrets(created.outputs)).toMatchObject({
      userName: BREAKGLASS,
      givenName: "Break",
      familyName: "Glass",
      locale: "en_US",
      timezone: "Europe/Berlin",
      adoptExisting: false,
    });
    // The create's one-time marker in displayName is replaced at once (no displayName declared).
    expect(gotoCalls()).toEqual(["POST /Users 201", `PATCH /Users/${created.id} 200`]);
    keep("GoToMeetingUser create", created.outputs);

    expect((await host.diff(r.urn, key, created.outputs, inputs, inputs)).changes).toBe("none");
    expect(
      await host.diff(r.urn, key, created.outputs, { ...inputs, userName: UNKNOWN }, inputs),
    ).toEqual({ changes: "some", replaces: ["userName"], deleteBeforeReplace: false });

    goto.patchUser(key, { timezone: "America/New_York" });
    const drifted = await host.read(r.urn, key, created.outputs, inputs);
    expect(drifted.id).toBe(key);
    expect(drifted.outputs.timezone).toBe("America/New_York");
    expect(drifted.inputs.timezone).toBe("America/New_York");
    keep("GoToMeetingUser read", drifted);
    expect((await host.diff(r.urn, key, drifted.outputs, inputs, drifted.inputs)).changes).toBe(
      "some",
    );

    goto.resetRequests();
    const updated = await host.update(r.urn, key, drifted.outputs, inputs, drifted.inputs);
    expect(updated.outputs.timezone).toBe("Europe/Berlin");
    expect(gotoCalls()).toEqual([`PATCH /Users/${key} 200`]);
    expect(goto.users().map((u) => [u.userName, u.timezone])).toEqual([
      [BREAKGLASS, "Europe/Berlin"],
    ]);

    goto.resetRequests();
    await host.delete(r.urn, key, updated.outputs, inputs);
    expect(gotoCalls()).toEqual([`DELETE /Users/${key} 200`]);
    expect(goto.users()).toEqual([]);
  });

  it("GoToMeetingUser (personal access token exchange): create and destroy", async () => {
    const host = await hostOf("goto");
    const r = one("goto", "GoToMeetingUser");
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    goto.resetRequests();
    const created = await host.create(r.urn, inputs);
    keep("GoToMeetingUser (PAT) create", created.outputs);
    await host.delete(r.urn, created.id, created.outputs, inputs);
    expect(gotoCalls()).toEqual([
      "POST /oauth/token 200",
      "POST /Users 201",
      `PATCH /Users/${created.id} 200`,
      `DELETE /Users/${created.id} 200`,
    ]);
    expect(goto.users()).toEqual([]);
  });

  it("GuardedSynchronizationSecret and TestConnection (GoTo): settings, Authorize, refusal", async () => {
    const host = await hostOf("goto");
    const { sp } = stacks.goto;
    const secrets = `/servicePrincipals/${sp}/synchronization/secrets`;
    const g = one("goto", "GuardedSynchronizationSecret");
    const { inputs } = await host.check(g.urn, {}, g.inputs);
    const settings = inputs.settings as { key: string; value: string }[];
    expect(settings.map((s) => s.key)).toEqual(["SyncNotificationSettings", "SyncAll"]);
    graph.resetRequests();

    const created = await host.create(g.urn, inputs);
    expect(created.id).toBe(`${sp}/settings`);
    expect(created.outputs.otherKeys).toEqual([]);
    expect(graphCalls()).toEqual([`GET ${secrets} 200`, `PUT ${secrets} 204`]);
    expect(graph.secrets(sp)).toEqual(settings);
    keep("GuardedSynchronizationSecret create", created.outputs);
    expect((await host.diff(g.urn, created.id, created.outputs, inputs, inputs)).changes).toBe(
      "none",
    );

    const syncAll = {
      ...inputs,
      settings: [settings[0], { key: "SyncAll", value: "true" }],
    };
    const updated = await host.update(g.urn, created.id, created.outputs, syncAll, inputs);
    expect(graph.secrets(sp)[1]).toEqual({ key: "SyncAll", value: "true" });

    // Before Authorize, Test Connection reports the manual step instead of failing.
    const t = one("goto", "TestConnection");
    const tc = await host.check(t.urn, {}, t.inputs);
    const pending = await host.create(t.urn, tc.inputs, t.additionalSecretOutputs);
    expect(pending.outputs.passed).toBe(false);
    expect(pending.outputs.authorizationPending).toBe(true);
    expect(pending.outputs.message).toBe(
      `Authorize pending: open Entra admin center → Enterprise apps → ${sp} → Provisioning → ` +
        "Admin Credentials → Authorize, sign in as a GoTo organization admin, then run pulumi up again.",
    );
    keep("TestConnection (GoTo) create", pending.outputs);

    // Someone clicks Authorize in the portal: refresh shows the new keys, by name only.
    graph.authorizeInPortal(sp);
    for (const s of graph.secrets(sp)) {
      if (s.key!.startsWith("Oauth2") && s.key !== "Oauth2AccessTokenCreationTime") {
        PLANTED[`portal ${s.key}`] = s.value!;
      }
    }
    const drifted = await host.read(g.urn, created.id, updated.outputs, syncAll);
    expect(drifted.outputs.otherKeys).toEqual([
      "Oauth2AccessToken",
      "Oauth2AccessTokenCreationTime",
      "Oauth2RefreshToken",
    ]);
    expect(drifted.inputs.settings).toEqual(syncAll.settings);
    keep("GuardedSynchronizationSecret read", drifted);

    // Writing now would erase the authorization: refused, with the clicks that do it instead.
    const err = await failure(
      host.update(g.urn, created.id, drifted.outputs, inputs, drifted.inputs),
    );
    expect(err.details).toBe(
      "Refusing to write the GoTo connector's settings: the portal's authorization (Oauth2AccessToken, " +
        "Oauth2AccessTokenCreationTime, Oauth2RefreshToken) is stored in the same secret set and Graph's PUT " +
        `would erase it. Do it by hand: Entra admin center → Enterprise apps → ${sp} → Provisioning → ` +
        'Settings: check "Send an email notification when a failure occurs" and "Prevent accidental ' +
        'deletion", then set Notification Email to "provisioning-dev@contoso.com", the accidental-deletion ' +
        'threshold to 500 and Scope to "Sync only assigned users and groups"; Save; then run pulumi refresh.',
    );
    expect(graph.secrets(sp).map((s) => s.key)).toEqual([
      "SyncNotificationSettings",
      "SyncAll",
      "Oauth2AccessToken",
      "Oauth2RefreshToken",
      "Oauth2AccessTokenCreationTime",
    ]);

    // Test Connection now passes with the saved authorization.
    expect(
      (await host.diff(t.urn, pending.id, pending.outputs, tc.inputs, tc.inputs)).changes,
    ).toBe("some");
    const passed = await host.update(t.urn, pending.id, pending.outputs, tc.inputs, tc.inputs);
    expect(passed.outputs.passed).toBe(true);
    expect(passed.outputs.message).toBe(
      "Test Connection passed with the GoTo authorization saved in Entra.",
    );
    keep("TestConnection (GoTo) update", passed.outputs);

    graph.resetRequests();
    await host.delete(g.urn, created.id, drifted.outputs, drifted.inputs);
    await host.delete(t.urn, pending.id, passed.outputs, tc.inputs);
    expect(graph.requests).toEqual([]);
  });
});

describe("errors reach the engine as the provider's clear messages", { timeout: 60_000 }, () => {
  it("GoTo 409 without adoptExisting", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "GoToMeetingUser");
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    goto.addUser({ userName: BREAKGLASS, givenName: "Someone", familyName: "Else" });
    const err = await failure(host.create(r.urn, inputs));
    expect(err.details).toBe(
      `GoTo already has a user with userName "${BREAKGLASS}" (HTTP 409: userName in use). To manage ` +
        "that user with Pulumi, set adoptExisting: true on this GoToMeetingUser; otherwise choose another userName.",
    );
    expect(err.code).toBe(2);
  });

  it("Graph's 404 for an app not replicated yet carries the replication advice", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "SynchronizationTemplate");
    const missing = "5a1e7c1d-0000-4000-8000-0000000000ff";
    const { inputs } = await host.check(r.urn, {}, { ...r.inputs, servicePrincipalId: missing });
    const err = await failure(host.create(r.urn, inputs));
    expect(err.details).toBe(
      `Microsoft Graph GET /servicePrincipals/${missing}/synchronization/templates failed: HTTP 404 ` +
        `Request_ResourceNotFound: Resource '${missing}' does not exist or one of its queried ` +
        "reference-property objects are not present.\nEntra may still be replicating the newly created " +
        "app or job (Graph answers 404, 401, 403 or 409 for a few minutes after an app is instantiated); " +
        "run pulumi up again in a few minutes. If it keeps failing, check that servicePrincipalId is the " +
        "service principal's object id and that the deploying identity has Synchronization.ReadWrite.All.",
    );
  });

  it("a refresh Graph refuses fails with the fix, printed to the engine", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "ProvisioningStatus");
    const { sp, jobId } = stacks.dev;
    const job = `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;
    const { inputs } = await host.check(r.urn, {}, r.inputs);
    graph.inject({ method: "GET", path: job, kind: { status: 403 } });
    const err = await failure(host.read(r.urn, `${sp}/${jobId}`, inputs, inputs));
    const first =
      `Microsoft Graph GET ${job} failed: HTTP 403 Authorization_RequestDenied: ` +
      "Insufficient privileges to complete the operation.";
    const hint =
      "The identity lacks permission: grant Synchronization.ReadWrite.All (or " +
      "Application.ReadWrite.OwnedBy for an owned app) and Application.Read.All.";
    expect(err.details).toBe(`${first}\n${hint}`);
    // The host prints the failure too ("<error>: <stack>"), and the engine relays it to the user.
    expect(host.output).toContainEqual({ stream: "stderr", text: `GraphError: ${first}` });
    expect(host.output).toContainEqual({ stream: "stderr", text: `${hint}: GraphError: ${first}` });
  });

  it("a refresh with a revoked GoTo token fails with the fix, printed to the engine", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "GoToMeetingUser");
    const user = goto.addUser({
      userName: "room-1@contoso.com",
      givenName: "Room",
      familyName: "One",
    });
    const state = { ...r.inputs, userKey: user.id, adoptExisting: false };
    goto.inject({
      method: "GET",
      path: `/Users/${user.id}`,
      kind: { status: 403, body: { int_err_code: "InvalidToken", msg: "Invalid token passed" } },
    });
    const message =
      `GoTo GET /Users/${user.id} failed: HTTP 403: Invalid token passed\n` +
      "GoTo rejected the access token (expired, revoked or for another environment). Fix: set " +
      "gotoAccessToken (secret), or gotoClientId + gotoClientSecret + gotoPersonalAccessToken, or env " +
      "GOTO_ACCESS_TOKEN.";
    const err = await failure(host.read(r.urn, user.id, state, r.inputs));
    expect(err.details).toBe(message);
    // The host prints the failure too, and the engine relays that line to the user.
    expect(host.output).toContainEqual({
      stream: "stderr",
      text: `GoToError: GoTo GET /Users/${user.id} failed: HTTP 403: Invalid token passed`,
    });
  });

  it("a gallery app without a provisioning template", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "SynchronizationTemplate");
    const { inputs } = await host.check(r.urn, {}, { ...r.inputs, servicePrincipalId: SP_RETIRED });
    const err = await failure(host.create(r.urn, inputs));
    expect(err.details).toBe(
      'The "GoToMeeting" gallery app offers no provisioning template (Microsoft retired ' +
        "GoToMeeting's provisioning connector). Set connector: goto (pulumi config set connector goto) to " +
        'use the "GoTo" gallery app, or set synchronizationTemplateId if Microsoft support gave you one.',
    );
  });

  it("check failures name the property and the fix", async () => {
    const host = await hostOf("dev");
    const r = one("dev", "GoToMeetingUser");
    const checked = await host.check(r.urn, {}, { ...r.inputs, userName: "not-an-email" });
    expect(checked.failures).toEqual([
      {
        property: "userName",
        reason:
          'userName: "not-an-email" is not an e-mail address; use the user\'s e-mail address, e.g. jane.doe@example.com',
      },
    ]);
  });
});

describe("secrets at the engine boundary", () => {
  it("the SDK's debug trace shows secret outputs of azuread.SynchronizationSecret, and nothing else", () => {
    // @pulumi/pulumi logs every RegisterResource response at debug level, secret values included;
    // the engine shows debug messages only with --debug, so CI must not deploy with --debug.
    const traced = (key: string) =>
      captures[key].logs
        .filter((l) => isSdkTrace(l) && plainOccurrences(l.message, PLANTED).length > 0)
        .map(
          (l) =>
            `${l.message.slice(0, l.message.indexOf(";"))}: ${plainOccurrences(l.message, PLANTED)}`,
        );
    const secretsTrace =
      "RegisterResource RPC finished: resource:gotomeeting-provisioning-secrets" +
      "[azuread:index/synchronizationSecret:SynchronizationSecret]: (value): adminPassword";
    expect(traced("dev")).toEqual([secretsTrace]);
    expect(traced("dev-preview")).toEqual([secretsTrace]);
    expect(traced("prod")).toEqual([secretsTrace]);
    expect(traced("goto")).toEqual([]);
  });

  it("no planted secret reaches a log, a non-secret output or a stored input", () => {
    expect([...hosts.keys()].sort()).toEqual(["dev", "goto", "prod"]);
    // The scan covers every check and every lifecycle step above that stores something.
    const labels = stored.map((x) => x.label);
    expect(labels.filter((l) => l.endsWith(" check"))).toHaveLength(19);
    expect(labels.filter((l) => !l.endsWith(" check")).sort()).toEqual([
      "AttributeMappings create",
      "AttributeMappings read",
      "AttributeMappings update",
      "GoToMeetingUser (PAT) create",
      "GoToMeetingUser create",
      "GoToMeetingUser read",
      "GuardedSynchronizationSecret create",
      "GuardedSynchronizationSecret read",
      "ProvisioningStatus create",
      "ProvisioningStatus read",
      "SynchronizationTemplate create",
      "TestConnection (GoTo) create",
      "TestConnection (GoTo) update",
      "TestConnection create",
      "TestConnection read",
    ]);
    // The Node host never calls the engine's Log: the engine passes its address as an argument,
    // but the SDK reads it from PULUMI_NODEJS_ENGINE, which the engine sets only for programs. What
    // a provider logs goes to stdout/stderr, which the engine relays; both are scanned below.
    expect([...hosts.values()].flatMap((h) => h.logs)).toEqual([]);
    expect(Object.keys(PLANTED)).toEqual(
      expect.arrayContaining(["portal Oauth2AccessToken", "portal Oauth2RefreshToken"]),
    );
    const leaks: string[] = [];
    for (const { label, value } of stored) {
      leaks.push(...plainOccurrences(value, PLANTED).map((l) => `${label}: ${l}`));
    }
    for (const [key, c] of Object.entries(captures)) {
      const text = [
        c.stdout,
        c.stderr,
        ...c.logs.filter((l) => !isSdkTrace(l)).map((l) => l.message),
      ];
      leaks.push(...plainOccurrences(text, PLANTED).map((l) => `capture ${key}: ${l}`));
    }
    for (const [name, host] of hosts) {
      const text = [...host.output.map((l) => l.text), ...host.logs.map((l) => l.message)];
      leaks.push(...plainOccurrences(text, PLANTED).map((l) => `${name} provider host: ${l}`));
    }
    leaks.push(...plainOccurrences(errors, PLANTED).map((l) => `error: ${l}`));
    expect(leaks).toEqual([]);
  });
});
