// No secret in any error, log line or output, whatever the vendor answers. Distinctive secrets are
// generated for every secret config key (graphAccessToken, adminPassword through Test Connection's
// credentials, gotoAccessToken, or the personal-access-token trio gotoClientSecret +
// gotoPersonalAccessToken with the token GoTo mints for it), planted in the fakes as the values they
// accept, and every provider operation runs under a generated fault, echo of the request and its
// headers included. The property: no raw, JSON-escaped, URL-encoded or base64 form of any of them
// appears in the error's message or stack, in anything written to stdout or stderr, or in the
// operation's outputs, or in `__provider`: the resource's provider serialized as
// pulumi.dynamic.Resource serializes it, in the very process where configure() received the secrets
// and the operation ran. (test/engine.test.ts checks `__provider` as the provider host stores it.)
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import * as pulumiRuntime from "@pulumi/pulumi/runtime";
import { GraphFake, connectorTemplate, CONNECTOR_RULE_ID } from "./fakes/graphFake";
import { GoToFake } from "./fakes/gotoFake";
import { encodedForms } from "../lib/redact";
import { attributeMappingsProvider } from "../providers/attributeMappings";
import { goToMeetingUserProvider } from "../providers/goToMeetingUser";
import { provisionOnDemandProvider } from "../providers/provisionOnDemand";
import { provisioningStatusProvider } from "../providers/provisioningStatus";
import { guardedSynchronizationSecretProvider } from "../providers/synchronizationSettings";
import { synchronizationTemplateProvider } from "../providers/synchronizationTemplate";
import { testConnectionProvider } from "../providers/testConnection";
import { attributeMappingsShim } from "../providers/attributeMappings/resource";
import { goToMeetingUserShim } from "../providers/goToMeetingUser/resource";
import { provisionOnDemandShim } from "../providers/provisionOnDemand/resource";
import { provisioningStatusShim } from "../providers/provisioningStatus/resource";
import { guardedSynchronizationSecretShim } from "../providers/synchronizationSettings/resource";
import { synchronizationTemplateShim } from "../providers/synchronizationTemplate/resource";
import { testConnectionShim } from "../providers/testConnection/resource";

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 60), endOnFailure: true };

/** A secret that is unmistakable and exercises every encoding: quotes, slashes, +, =, &, spaces. */
const secret = (tag: string) =>
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9]{10,24}$/),
      fc.constantFrom("", '"', "/", "+", "=", "&", " ", "%", "\\", "é"),
      fc.stringMatching(/^[A-Za-z0-9]{4,12}$/),
    )
    .map(([a, special, b]) => `${tag}-${a}${special}${b}`);

const plants = fc.record({
  graphToken: secret("gt"),
  adminPassword: secret("pw"),
  gotoToken: secret("got"),
  clientSecret: secret("cs"),
  pat: secret("pat"),
  minted: secret("mint"),
  usePat: fc.boolean(),
});
type Plants = typeof plants extends fc.Arbitrary<infer T> ? T : never;

type GraphFaultKind = Parameters<GraphFake["inject"]>[0]["kind"];
type GoToFaultKind = Parameters<GoToFake["inject"]>[0]["kind"];
const FAULTS: { graph: GraphFaultKind; goto: GoToFaultKind }[] = [
  { graph: { echo: true, status: 400 }, goto: { echo: 400 } },
  { graph: { echo: true, status: 500 }, goto: { echo: 500 } },
  { graph: { echo: true, status: 403 }, goto: { echo: 403 } },
  { graph: "cut-off", goto: "truncate" },
  { graph: "wrong-content-type", goto: "html" },
  { graph: { redirect: 308 }, goto: { redirect: 308, location: "http://127.0.0.1:9/x" } },
  { graph: "reset", goto: "reset" },
  { graph: { status: 429, retryAfter: "0" }, goto: { status: 429, retryAfter: "0" } },
];

const SP = "5f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5";
const settings = {
  apiTimeoutSeconds: "1",
  apiRetryBudgetSeconds: "0.6",
  apiRetryBaseSeconds: "0.01",
};

function configRequest(values: Record<string, string>): pulumi.dynamic.ConfigureRequest {
  return {
    config: { get: (k: string) => values[k], require: (k: string) => values[k] },
  } as unknown as pulumi.dynamic.ConfigureRequest;
}

interface Scenario {
  name: string;
  api: "graph" | "goto";
  /** What the resource registers as its provider (its `__provider` once serialized). */
  shim: object;
  /** Runs before the fault is injected: what the operation needs to exist (e.g. a created user). */
  before?(p: Plants, graph: GraphFake | undefined, goto: GoToFake | undefined): Promise<unknown>;
  run(
    p: Plants,
    graph: GraphFake | undefined,
    goto: GoToFake | undefined,
    prepared: unknown,
  ): Promise<unknown>;
}

/** A job with the declared mapping already applied: what update, read and delete start from. */
async function mappedJob(g: GraphFake) {
  const inputs = {
    servicePrincipalId: SP,
    jobId: g.addJob(SP, "GoToMeeting"),
    objectType: "User" as const,
    mappings: [{ target: "displayName", expression: 'Join(" ", [givenName], [surname])' }],
  };
  const created = await attributeMappingsProvider.create(inputs);
  return { inputs, id: created.id, outs: created.outs! };
}
type Mapped = Awaited<ReturnType<typeof mappedJob>>;

async function createdUser() {
  const created = await goToMeetingUserProvider.create({
    userName: "ada@example.com",
    givenName: "Ada",
    familyName: "Lovelace",
  });
  return { id: created.id, outs: created.outs! };
}
type Created = Awaited<ReturnType<typeof createdUser>>;

const SCENARIOS: Scenario[] = [
  {
    name: "SynchronizationTemplate create",
    api: "graph",
    shim: synchronizationTemplateShim,
    run: () =>
      synchronizationTemplateProvider.create({
        servicePrincipalId: SP,
        connector: "goto",
        galleryApp: "GoTo",
        credentialKeys: [],
      }),
  },
  {
    name: "TestConnection create (admin password)",
    api: "graph",
    shim: testConnectionShim,
    run: (p, g) => {
      const jobId = g!.addJob(SP, "GoToMeeting");
      return testConnectionProvider.create({
        servicePrincipalId: SP,
        jobId,
        connector: "gotomeeting",
        credentials: [
          { key: "UserName", value: "admin@contoso.com" },
          { key: "Password", value: p.adminPassword },
        ],
      });
    },
  },
  {
    name: "AttributeMappings create (expression)",
    api: "graph",
    shim: attributeMappingsShim,
    run: (_p, g) =>
      attributeMappingsProvider.create({
        servicePrincipalId: SP,
        jobId: g!.addJob(SP, "GoToMeeting"),
        objectType: "User",
        mappings: [{ target: "displayName", expression: 'Join(" ", [givenName], [surname])' }],
      }),
  },
  {
    name: "ProvisioningStatus create",
    api: "graph",
    shim: provisioningStatusShim,
    run: (_p, g) =>
      provisioningStatusProvider.create({
        servicePrincipalId: SP,
        jobId: g!.addJob(SP, "GoToMeeting"),
        enabled: true,
      }),
  },
  {
    name: "GuardedSynchronizationSecret create",
    api: "graph",
    shim: guardedSynchronizationSecretShim,
    run: () =>
      guardedSynchronizationSecretProvider.create({
        servicePrincipalId: SP,
        settings: [
          { key: "SyncNotificationSettings", value: '{"Enabled":false}' },
          { key: "SyncAll", value: "false" },
        ],
      }),
  },
  {
    name: "ProvisionOnDemand create",
    api: "graph",
    shim: provisionOnDemandShim,
    run: (_p, g) =>
      provisionOnDemandProvider.create({
        servicePrincipalId: SP,
        jobId: g!.addJob(SP, "GoToMeeting"),
        ruleId: CONNECTOR_RULE_ID,
        objectId: "9bb0f679-a883-4a6f-8260-35b491b8b8c8",
        ready: true,
      }),
  },
  {
    name: "GoToMeetingUser create",
    api: "goto",
    shim: goToMeetingUserShim,
    run: () =>
      goToMeetingUserProvider.create({
        userName: "ada@example.com",
        givenName: "Ada",
        familyName: "Lovelace",
      }),
  },
  {
    name: "AttributeMappings update (new expression)",
    api: "graph",
    shim: attributeMappingsShim,
    before: (_p, g) => mappedJob(g!),
    run: (_p, _g, _goto, m) => {
      const { inputs, id, outs } = m as Mapped;
      return attributeMappingsProvider.update!(id, outs, {
        ...inputs,
        mappings: [...inputs.mappings, { target: "title", expression: "ToUpper([jobTitle])" }],
      });
    },
  },
  {
    name: "AttributeMappings read",
    api: "graph",
    shim: attributeMappingsShim,
    before: (_p, g) => mappedJob(g!),
    run: (_p, _g, _goto, m) =>
      attributeMappingsProvider.read!((m as Mapped).id, (m as Mapped).outs),
  },
  {
    name: "AttributeMappings delete",
    api: "graph",
    shim: attributeMappingsShim,
    before: (_p, g) => mappedJob(g!),
    run: (_p, _g, _goto, m) =>
      attributeMappingsProvider.delete!((m as Mapped).id, (m as Mapped).outs),
  },
  {
    name: "TestConnection update (password rotated)",
    api: "graph",
    shim: testConnectionShim,
    before: async (p, g) => {
      g!.setValidCredentials(SP, { UserName: "admin@contoso.com", Password: p.adminPassword });
      const inputs = {
        servicePrincipalId: SP,
        jobId: g!.addJob(SP, "GoToMeeting"),
        connector: "gotomeeting" as const,
        credentials: [
          { key: "UserName", value: "admin@contoso.com" },
          { key: "Password", value: p.adminPassword },
        ],
      };
      const created = await testConnectionProvider.create(inputs);
      return { inputs, id: created.id, outs: created.outs! };
    },
    run: (p, _g, _goto, prepared) => {
      const { inputs, id, outs } = prepared as {
        inputs: Parameters<typeof testConnectionProvider.create>[0];
        id: string;
        outs: Awaited<ReturnType<typeof testConnectionProvider.create>>["outs"];
      };
      // The rotated password starts with the planted one, so any leak of it is caught as one.
      return testConnectionProvider.update!(id, outs!, {
        ...inputs,
        credentials: [
          { key: "UserName", value: "admin@contoso.com" },
          { key: "Password", value: `${p.adminPassword}-rotated` },
        ],
      });
    },
  },
  {
    name: "ProvisioningStatus read",
    api: "graph",
    shim: provisioningStatusShim,
    before: async (_p, g) => {
      const jobId = g!.addJob(SP, "GoToMeeting");
      return provisioningStatusProvider.create({ servicePrincipalId: SP, jobId, enabled: true });
    },
    run: (_p, _g, _goto, prepared) => {
      const created = prepared as Awaited<ReturnType<typeof provisioningStatusProvider.create>>;
      return provisioningStatusProvider.read!(created.id, created.outs);
    },
  },
  {
    name: "GoToMeetingUser read",
    api: "goto",
    shim: goToMeetingUserShim,
    before: () => createdUser(),
    run: (_p, _g, _goto, c) =>
      goToMeetingUserProvider.read!((c as Created).id, (c as Created).outs),
  },
  {
    name: "GoToMeetingUser update",
    api: "goto",
    shim: goToMeetingUserShim,
    before: () => createdUser(),
    run: (_p, _g, _goto, c) =>
      goToMeetingUserProvider.update!((c as Created).id, (c as Created).outs, {
        userName: "ada@example.com",
        givenName: "Augusta Ada",
        familyName: "Lovelace",
      }),
  },
  {
    name: "GoToMeetingUser delete",
    api: "goto",
    shim: goToMeetingUserShim,
    before: () => createdUser(),
    run: (_p, _g, _goto, c) =>
      goToMeetingUserProvider.delete!((c as Created).id, (c as Created).outs),
  },
];

/** Every encoded form of every planted secret found in `text`. */
function leaks(text: string, p: Plants): string[] {
  const values = [p.graphToken, p.adminPassword, p.gotoToken, p.clientSecret, p.pat, p.minted];
  return values.flatMap((v) => encodedForms(v).filter((f) => text.includes(f)));
}

describe("no secret in any error, log line or output, under any fault", () => {
  afterEach(() => vi.restoreAllMocks());

  it(
    "holds for every operation, every fault and generated secrets",
    { timeout: 240_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          plants,
          fc.constantFrom(...SCENARIOS),
          fc.constantFrom(...FAULTS),
          async (p, scenario, fault) => {
            const written: string[] = [];
            const capture = (chunk: unknown) => {
              written.push(String(chunk));
              return true;
            };
            const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
            const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
            let graph: GraphFake | undefined;
            let goto: GoToFake | undefined;
            let result: unknown;
            let failure: unknown;
            let prepared: unknown;
            let serialized = "";
            try {
              if (scenario.api === "graph") {
                graph = await GraphFake.start({ token: p.graphToken });
                graph.addServicePrincipal({
                  id: SP,
                  templates: [connectorTemplate("goto"), connectorTemplate("gotomeeting")],
                });
                const config = {
                  graphApiUrl: graph.url,
                  graphAccessToken: p.graphToken,
                  ...settings,
                };
                for (const provider of [
                  synchronizationTemplateProvider,
                  testConnectionProvider,
                  attributeMappingsProvider,
                  provisioningStatusProvider,
                  guardedSynchronizationSecretProvider,
                  provisionOnDemandProvider,
                ] as pulumi.dynamic.ResourceProvider[]) {
                  await provider.configure!(configRequest(config));
                }
                prepared = await scenario.before?.(p, graph, goto);
                graph.inject({ kind: fault.graph, times: 1000 });
              } else {
                goto = await GoToFake.start(
                  p.usePat
                    ? {
                        token: p.minted,
                        pat: {
                          clientId: "client-1",
                          clientSecret: p.clientSecret,
                          pat: p.pat,
                          accessToken: p.minted,
                        },
                      }
                    : { token: p.gotoToken },
                );
                await goToMeetingUserProvider.configure!(
                  configRequest({
                    gotoApiUrl: goto.url,
                    gotoAuthUrl: goto.tokenUrl,
                    gotoRequestsPerSecond: "1000",
                    ...(p.usePat
                      ? {
                          gotoClientId: "client-1",
                          gotoClientSecret: p.clientSecret,
                          gotoPersonalAccessToken: p.pat,
                        }
                      : { gotoAccessToken: p.gotoToken }),
                    ...settings,
                  }),
                );
                prepared = await scenario.before?.(p, graph, goto);
                goto.inject({ kind: fault.goto, times: 1000 });
              }
              try {
                result = await scenario.run(p, graph, goto, prepared);
              } catch (e) {
                failure = e;
              }
              // As pulumi.dynamic.Resource serializes its provider, here, after the secrets arrived.
              serialized = (
                await pulumiRuntime.serializeFunction(() => scenario.shim, { allowSecrets: true })
              ).text;
            } finally {
              out.mockRestore();
              err.mockRestore();
              await graph?.stop();
              await goto?.stop();
            }
            const e = failure as Error | undefined;
            const seen = [
              e ? `${e.message}\n${e.stack ?? ""}` : "",
              written.join(""),
              JSON.stringify(result ?? null),
              serialized,
            ].join("\n");
            // The serialization must have happened: an empty __provider would prove nothing.
            expect(serialized).toContain("exports.handler");
            expect(leaks(seen, p), `${scenario.name} × ${JSON.stringify(fault)}`).toEqual([]);
          },
        ),
        RUNS,
      );
    },
  );
});
