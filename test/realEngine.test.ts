// The real Pulumi engine (CLI v3.248.0) running the stack program against the local fakes: stand-in
// azuread and azure-native plugins (test/e2e/standins) backed by the Graph fake, the program's own
// dynamic providers talking to the Graph and GoTo fakes, a file backend with the passphrase secrets
// provider, and the repository's policy pack. What this level proves and what it does not: README,
// "Tests"; how the CLI is found or built: test/e2e/cli.ts and tools/pulumi-cli/README.md.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorTemplateSchema } from "./fakes/graphFake";
import { ENABLE_HINT, type RunResult, buildCli, planCli } from "./e2e/cli";
import { type PlantedSecret, findLeaks, plantSecrets } from "./e2e/secrets";
import {
  type PlainConfig,
  Stack,
  byName,
  exampleConfig,
  key,
  planResources,
  previewResources,
  resourcesOf,
} from "./e2e/stack";
import { Tenant } from "./e2e/tenant";
import { Workspace } from "./e2e/workspace";

const TYPES = {
  app: "azuread:index/applicationFromTemplate:ApplicationFromTemplate",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  job: "azuread:index/synchronizationJob:SynchronizationJob",
  secret: "azuread:index/synchronizationSecret:SynchronizationSecret",
  mappings: "pulumi-nodejs:dynamic/gotomeeting:AttributeMappings",
  status: "pulumi-nodejs:dynamic/gotomeeting:ProvisioningStatus",
  testConnection: "pulumi-nodejs:dynamic/gotomeeting:TestConnection",
  gotoUser: "pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser",
} as const;

const AZURE_TYPES = [
  "azure-native:operationalinsights:Workspace",
  "azure-native:aadiam:DiagnosticSetting",
  "azure-native:monitor:ActionGroup",
  "azure-native:monitor:ScheduledQueryRule",
];

const SLOW = 240_000;
const cliPlan = planCli();
const inCi = process.env.CI === "true";

if (cliPlan.kind === "missing" && !inCi) {
  console.warn(`real-engine tests skipped (${cliPlan.reason}); to run them, ${ENABLE_HINT}`);
}

/** Settings every throwaway stack gets on top of its own: the fakes and failing fast. */
function endpoints(tenant: Tenant): PlainConfig {
  return {
    graphApiUrl: tenant.graph.url,
    gotoApiUrl: tenant.goto.url,
    gotoAuthUrl: tenant.goto.tokenUrl,
    apiTimeoutSeconds: 5,
    apiRetryBudgetSeconds: 15,
    apiRetryBaseSeconds: 0.05,
  };
}

/** The principals a stack assigns (users by UPN or id, groups by name or id), to seed the directory. */
function directoryOf(plain: PlainConfig): { users: string[]; groups: string[] } {
  const users = new Set<string>();
  const groups = new Set<string>();
  for (const a of (plain.assignments as { user?: string; group?: string }[] | undefined) ?? []) {
    if (a.user) users.add(a.user);
    if (a.group) groups.add(a.group);
  }
  if (typeof plain.pilotUser === "string") users.add(plain.pilotUser);
  return { users: [...users], groups: [...groups] };
}

interface StackDef {
  name: string;
  connector: "gotomeeting" | "goto";
  plain: PlainConfig;
  secretKeys: string[];
}

function definitions(): StackDef[] {
  const dev = exampleConfig("Pulumi.dev.yaml");
  const prod = exampleConfig("Pulumi.prod.yaml");
  const gotoConfig: PlainConfig = {
    connector: "goto",
    appDisplayName: "GoTo (e2e)",
    notificationEmail: dev.notificationEmail,
    deleteThreshold: 500,
    scope: "assigned",
    pilotUser: dev.pilotUser,
    assignments: dev.assignments,
    attributeMappings: dev.attributeMappings,
    gotoUsers: [
      { ...(dev.gotoUsers as object[])[0], retainOnDelete: true },
      {
        userName: "room-1@contoso.com",
        givenName: "Room",
        familyName: "One",
        timezone: "Europe/Berlin",
      },
    ],
  };
  return [
    {
      name: "dev",
      connector: "gotomeeting",
      plain: dev,
      secretKeys: ["adminPassword", "graphAccessToken", "gotoAccessToken"],
    },
    {
      name: "prod",
      connector: "gotomeeting",
      plain: prod,
      secretKeys: ["adminPassword", "graphAccessToken", "gotoAccessToken"],
    },
    {
      name: "goto",
      connector: "goto",
      plain: gotoConfig,
      secretKeys: ["graphAccessToken", "gotoAccessToken"],
    },
  ];
}

const secretOf = (secrets: PlantedSecret[], k: string) => secrets.find((s) => s.key === k)!.value;

describe.runIf(cliPlan.kind !== "missing" || inCi)(
  "real Pulumi engine (file backend, stand-in plugins, fakes)",
  () => {
    if (cliPlan.kind === "missing") {
      it("finds a Pulumi CLI (CI=true: a missing CLI is a failure)", () => {
        throw new Error(`${cliPlan.reason}; ${ENABLE_HINT}. .ci/run builds it before npm test.`);
      });
      return;
    }

    let ws: Workspace;
    const scenarioTimes: { scenario: string; ms: number }[] = [];
    const allSecrets: PlantedSecret[] = [];
    let buildNote = "";
    const started = Date.now();

    beforeAll(async () => {
      if (cliPlan.kind === "build" || (cliPlan.kind === "use" && cliPlan.refresh)) {
        const b = buildCli();
        buildNote = `${b.output} (${b.ms} ms)`;
      }
      ws = await Workspace.create(cliPlan.cli);
      const v = await ws.pulumi(["version"], { cwd: ws.root });
      buildNote += ` using ${cliPlan.cli} (${cliPlan.source}) ${v.stdout.trim()}`;
    }, 15 * 60_000);

    afterAll(() => {
      if (!ws) return;
      const lines = [
        `real-engine suite: ${((Date.now() - started) / 1000).toFixed(1)} s total;${buildNote}`,
        ...scenarioTimes.map((s) => `  ${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.scenario}`),
        "  commands:",
        ...ws.timings.map((t) => `  ${(t.ms / 1000).toFixed(1).padStart(6)} s    ${t.label}`),
      ];
      fs.writeFileSync(path.join(ws.root, "timings.txt"), `${lines.join("\n")}\n`);
      if (process.env.E2E_TIMINGS)
        fs.writeFileSync(process.env.E2E_TIMINGS, `${lines.join("\n")}\n`);
      // The scenario times on the console; every command's time in the file(s).
      console.log(lines.slice(0, scenarioTimes.length + 1).join("\n"));
      ws.dispose();
    });

    /**
     * Registers a scenario as a test and records its time. A failed gating step (one that changes the
     * stack) makes the stack's later steps skip; a failed check (preview, export) does not.
     */
    function scenario(
      state: { failed?: string },
      title: string,
      fn: () => Promise<void>,
      options: { gate?: boolean; timeout?: number } = {},
    ) {
      it(
        title,
        async (ctx) => {
          if (state.failed) ctx.skip(`an earlier step failed: ${state.failed}`);
          const t0 = Date.now();
          try {
            await fn();
          } catch (err) {
            if (options.gate ?? true) state.failed = title;
            throw err;
          } finally {
            scenarioTimes.push({ scenario: title, ms: Date.now() - t0 });
          }
        },
        options.timeout ?? SLOW,
      );
    }

    for (const def of definitions()) {
      describe.sequential(`stack ${def.name} (connector ${def.connector})`, () => {
        const state: { failed?: string } = {};
        let tenant: Tenant;
        let stack: Stack;
        let secrets: PlantedSecret[];
        let plain: PlainConfig;
        let sp: string;
        let jobId: string;
        let appObjectId: string;
        const appName = String(
          def.plain.appDisplayName ?? (def.connector === "goto" ? "GoTo" : "GoToMeeting"),
        );

        afterAll(async () => {
          await tenant?.stop();
        });

        scenario(
          state,
          `${def.name}: stack init, config set, preview lists what npm run plan plans`,
          async () => {
            secrets = plantSecrets(def.name, def.secretKeys);
            allSecrets.push(...secrets);
            tenant = await Tenant.start({
              graphToken: secretOf(secrets, "graphAccessToken"),
              gotoToken: secretOf(secrets, "gotoAccessToken"),
              directory: directoryOf(def.plain),
              adminCredentials:
                def.connector === "gotomeeting"
                  ? {
                      userName: String(def.plain.adminUserName),
                      password: secretOf(secrets, "adminPassword"),
                    }
                  : undefined,
              verifiedDomains: ["contoso.com"],
            });
            ws.extraEnv = {
              E2E_GRAPH_URL: tenant.standinGraphUrl,
              E2E_GRAPH_TOKEN: tenant.graph.token,
              E2E_AZURE_STORE: azureStorePath(ws, def.name),
            };
            plain = { ...def.plain, ...endpoints(tenant) };
            stack = new Stack(ws, def.name);
            await stack.init(plain, Object.fromEntries(secrets.map((s) => [s.key, s.value])));
            const stackFile = fs.readFileSync(stack.file, "utf8");
            for (const s of secrets) expect(stackFile).not.toContain(s.value);

            const [preview, plan] = await Promise.all([
              stack.preview(["--json"], "preview --json"),
              planResources(stack.file, path.join(ws.root, `plan-${def.name}.json`)),
            ]);
            ws.timings.push({
              label: `${def.name}: npm run plan (offline, concurrent)`,
              ms: plan.ms,
            });
            const engine = previewResources(preview.stdout).map(key).sort();
            const planned = plan.resources.map(key).sort();
            expect(engine).toEqual(planned);
            expect(engine.length).toBeGreaterThan(10);
          },
        );

        scenario(
          state,
          `${def.name}: pulumi up --yes; the fakes hold what the tutorial's steps set`,
          async () => {
            tenant.graph.resetRequests();
            await stack.up();
            let outs = await stack.outputs();
            sp = String(outs.servicePrincipalObjectId);
            jobId = String(outs.synchronizationJobId);
            appObjectId = String(outs.applicationObjectId);
            expect(tenant.instantiated).toEqual([sp]);

            if (def.connector === "goto") {
              // First up: nobody clicked Authorize yet: provisioning stays off, the step is named.
              expect(outs.testConnectionPassed).toBe(false);
              expect(String(outs.pendingManualStep)).toMatch(/Authorize pending/);
              expect(tenant.graph.job(sp, jobId).schedule?.state).not.toBe("Active");
              tenant.graph.authorizeInPortal(sp);
              await stack.up("up --yes (after Authorize)");
              outs = await stack.outputs();
            }
            expect(outs.testConnectionPassed).toBe(true);
            expect(outs.pendingManualStep).toBe("");

            // Ids in the documented forms: state ids of the azuread resources, Graph's job id.
            const { doc } = await stack.exportState();
            const app = byName(doc, TYPES.app);
            expect(app.id).toMatch(
              new RegExp(`^/applicationTemplates/[0-9a-f-]{36}/instantiate/${appObjectId}/${sp}$`),
            );
            expect(app.outputs).toMatchObject({
              applicationId: `/applications/${appObjectId}`,
              applicationObjectId: appObjectId,
              servicePrincipalId: `/servicePrincipals/${sp}`,
              servicePrincipalObjectId: sp,
              displayName: appName,
            });
            const templateId = def.connector === "goto" ? "GoTo" : "GoToMeeting";
            expect(jobId).toMatch(
              new RegExp(`^${templateId}\\.[0-9a-f]{32}\\.${String(outs.applicationId)}$`),
            );
            expect(byName(doc, TYPES.job).id).toBe(
              `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`,
            );
            expect((await tenant.servicePrincipalsNamed(appName)).map((s) => s.id)).toEqual([sp]);

            // Steps 5-8: credentials saved only after Test Connection passed; notification and scope.
            const calls = tenant.graph.requests.map((r) => `${r.method} ${r.path}`);
            const tested = calls.findIndex((c) => /validateCredentials$/.test(c));
            const saved = calls.findIndex(
              (c) => c === `PUT /servicePrincipals/${sp}/synchronization/secrets`,
            );
            expect(tested).toBeGreaterThanOrEqual(0);
            expect(saved).toBeGreaterThan(def.connector === "goto" ? -1 : tested);
            const stored = Object.fromEntries(
              tenant.graph.secrets(sp).map((s) => [s.key, s.value]),
            );
            const recipients = ([] as string[]).concat(
              def.plain.notificationEmail as string | string[],
            );
            expect(JSON.parse(stored.SyncNotificationSettings!)).toEqual({
              Enabled: true,
              Recipients: recipients.join(";"),
              DeleteThresholdEnabled: true,
              DeleteThresholdValue: Number(def.plain.deleteThreshold),
            });
            expect(stored.SyncAll).toBe("false");
            if (def.connector === "gotomeeting") {
              expect(Object.keys(stored).sort()).toEqual([
                "Password",
                "SyncAll",
                "SyncNotificationSettings",
                "UserName",
              ]);
              expect(stored.UserName).toBe(def.plain.adminUserName);
              expect(stored.Password).toBe(secretOf(secrets, "adminPassword"));
            } else {
              // The portal's authorization survives: the settings were written before it, never over it.
              expect(stored.Oauth2AccessToken).toMatch(/^portal-access-/);
            }

            // Steps 9-10: the declared mappings in the live schema.
            const user = userMappings(tenant.graph.schema(sp, jobId));
            expect(user.userName).toMatchObject({
              matchingPriority: 1,
              source: { type: "Attribute", name: "userPrincipalName" },
            });
            expect(user.displayName?.source?.type).toBe("Function");
            expect(JSON.stringify(user.displayName?.source)).toMatch(/Join/);

            // Steps 11-12: provisioning on, the pilot provisioned on demand.
            const job = tenant.graph.job(sp, jobId);
            expect(job.schedule?.state).toBe("Active");
            expect(tenant.graph.jobActions(sp, jobId).map((a) => a.action)).toContain("start");
            if (def.plain.pilotUser) {
              expect(tenant.graph.provisionOnDemandCalls.map((c) => c.jobId)).toEqual([jobId]);
            }

            // Assignments: each principal with the app's User role.
            const assigned = await tenant.graphGet<{
              value: { principalId: string; appRoleId: string }[];
            }>(`/servicePrincipals/${sp}/appRoleAssignedTo`);
            const principals = outs.assignedPrincipals as {
              principalObjectId: string;
              appRoleId: string;
              role: string;
            }[];
            expect(principals.length).toBe(
              def.plain.pilotUser ? 1 : (def.plain.assignments as unknown[]).length,
            );
            expect(
              assigned.body.value.map((a) => `${a.principalId}/${a.appRoleId}`).sort(),
            ).toEqual(principals.map((p) => `${p.principalObjectId}/${p.appRoleId}`).sort());
            const userRole = tenant.graph
              .servicePrincipal(sp)
              .appRoles!.find((r) => r.value === "User")!.id;
            for (const p of principals) expect(p.appRoleId).toBe(userRole);

            // GoTo users as declared.
            const declared = (def.plain.gotoUsers as { userName: string; givenName: string }[])
              .map((u) => u.userName)
              .sort();
            expect(
              tenant.goto
                .users()
                .map((u) => u.userName)
                .sort(),
            ).toEqual(declared);

            if (def.plain.monitoring) {
              const store = azureStore(ws, def.name);
              expect(
                Object.values(store)
                  .map((r) => r.type)
                  .sort(),
              ).toEqual([...AZURE_TYPES].sort());
              for (const [id, r] of Object.entries(store)) {
                if (r.type !== "azure-native:aadiam:DiagnosticSetting") {
                  expect(id).toMatch(
                    /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-identity-monitoring\/providers\//,
                  );
                }
              }
              const rule = Object.values(store).find(
                (r) => r.type === "azure-native:monitor:ScheduledQueryRule",
              )!;
              expect(JSON.stringify(rule.inputs)).toContain(sp);
            } else {
              expect(azureStore(ws, def.name)).toEqual({});
            }
          },
        );

        // One preview answers both: no perpetual diff, and the policy pack passes. Only when the pack
        // fails (then the preview stops before its summary) a plain preview gives the diff verdict.
        let checked: { combined: RunResult; plain?: RunResult } | undefined;
        const checkPreview = async () => {
          if (checked) return checked;
          const combined = await stack.preview(
            ["--expect-no-changes", "--policy-pack", ws.policyPack],
            "preview --expect-no-changes --policy-pack",
            "any",
          );
          checked = { combined };
          if (combined.code !== 0 && /\[mandatory\]/.test(combined.stdout)) {
            checked.plain = await stack.preview(
              ["--expect-no-changes"],
              "preview --expect-no-changes",
              "any",
            );
          }
          return checked;
        };

        scenario(
          state,
          `${def.name}: a second preview --expect-no-changes passes (no perpetual diff)`,
          async () => {
            const { combined, plain: p } = await checkPreview();
            const r = p ?? combined;
            expect(r.code, r.stdout + r.stderr).toBe(0);
            expect(r.stdout).toMatch(/\d+ unchanged/);
            expect(r.stdout).not.toMatch(/\d+ to (create|update|replace|delete)/);
          },
          { gate: false },
        );

        scenario(
          state,
          `${def.name}: preview --policy-pack runs the repository's pack and the stack passes it`,
          async () => {
            const { combined: r } = await checkPreview();
            expect(r.stdout).toMatch(/gotomeeting-provisioning@v/);
            expect(r.stdout + r.stderr).not.toMatch(/\[mandatory\]/);
            expect(r.code, r.stdout + r.stderr).toBe(0);
          },
          { gate: false },
        );

        scenario(
          state,
          `${def.name}: stack export holds no secret in any form (__provider strings included)`,
          async () => {
            const { text, doc } = await stack.exportState();
            const dynamic = resourcesOf(doc).filter((r) =>
              r.type.startsWith("pulumi-nodejs:dynamic/"),
            );
            expect(dynamic.length).toBeGreaterThan(3);
            for (const r of dynamic) expect(typeof r.inputs?.__provider).toBe("string");
            const leaks = findLeaks(secrets, [
              { where: "stack export", text },
              { where: `Pulumi.${def.name}.yaml`, text: fs.readFileSync(stack.file, "utf8") },
              ...dynamic.map((r) => ({
                where: `${r.urn} __provider`,
                text: String(r.inputs?.__provider),
              })),
            ]);
            expect(leaks).toEqual([]);
            if (def.connector === "gotomeeting") {
              // Stored as ciphertext, not dropped: the SynchronizationSecret's credentials.
              expect(JSON.stringify(byName(doc, TYPES.secret).outputs)).toMatch(/ciphertext/);
            }
          },
          { gate: false },
        );

        scenario(
          state,
          `${def.name}: portal edits, a paused job and a GoTo rename show in refresh; up puts them back; no diff after`,
          async () => {
            // A mapping edited in the portal: displayName now maps mailNickname.
            const schema = tenant.graph.schema(sp, jobId);
            const edited = structuredClone(schema);
            const m = userObjectMapping(edited).attributeMappings!.find(
              (a) => a.targetAttributeName === "displayName",
            )!;
            m.source = {
              expression: "[mailNickname]",
              name: "mailNickname",
              parameters: [],
              type: "Attribute",
            };
            tenant.graph.setSchema(sp, jobId, edited);
            // The job paused in the portal.
            tenant.graph.setJobStatus(sp, jobId, { code: "Paused" });
            // A GoTo user renamed in GoTo's admin center.
            const first = (def.plain.gotoUsers as { userName: string }[])[0].userName;
            const goUser = tenant.goto.users().find((u) => u.userName === first)!;
            tenant.goto.patchUser(goUser.id, { userName: `renamed-${first}` });

            const refreshed = await stack.refresh();
            for (const t of ["AttributeMappings", "ProvisioningStatus", "GoToMeetingUser"]) {
              const line = new RegExp(
                `~ +pulumi-nodejs:dynamic/gotomeeting:${t} \\S+ updated .*\\[diff: `,
              );
              expect(refreshed.stdout).toMatch(line);
            }
            const { doc } = await stack.exportState();
            expect(JSON.stringify(byName(doc, TYPES.mappings).outputs?.live)).toMatch(
              /mailNickname/,
            );
            expect(byName(doc, TYPES.status).outputs).toMatchObject({ scheduleState: "Paused" });
            const userState = resourcesOf(doc).find(
              (r) => r.type === TYPES.gotoUser && r.outputs?.userKey === goUser.id,
            )!;
            expect(userState.outputs?.userName).toBe(`renamed-${first}`);

            await stack.up("up --yes (after drift)");
            const live = userMappings(tenant.graph.schema(sp, jobId));
            expect(JSON.stringify(live.displayName?.source)).toMatch(/Join/);
            expect(tenant.graph.job(sp, jobId).schedule?.state).toBe("Active");
            expect(tenant.goto.users().find((u) => u.id === goUser.id)?.userName).toBe(first);

            // Refreshed once more with the job running, azuread reads enabled: true; the program
            // declares enabled: false with ignoreChanges, so that must not become a diff either.
            await stack.refresh("refresh --yes (job running)");
            const job = byName((await stack.exportState()).doc, TYPES.job);
            expect(job.outputs).toMatchObject({ enabled: true, schedules: [{ state: "Active" }] });
            const again = await stack.preview(
              ["--expect-no-changes"],
              "preview --expect-no-changes (after refresh)",
              "any",
            );
            expect(again.code, again.stdout + again.stderr).toBe(0);
          },
        );

        scenario(
          state,
          `${def.name}: pulumi destroy --yes leaves the tenant as the template had it`,
          async () => {
            tenant.graph.resetRequests();
            await stack.destroy();
            // Mappings restored to the template's before the job went.
            const calls = tenant.graph.requests;
            const restore = calls.findIndex(
              (r) => r.method === "PUT" && r.path.endsWith("/schema"),
            );
            const jobDelete = calls.findIndex(
              (r) => r.method === "DELETE" && /\/synchronization\/jobs\/[^/]+$/.test(r.path),
            );
            expect(restore).toBeGreaterThanOrEqual(0);
            expect(jobDelete).toBeGreaterThan(restore);
            const template = userMappings(connectorTemplateSchema(def.connector));
            const restored = userMappings(calls[restore].body as MSGraph.SynchronizationSchema);
            for (const t of ["userName", "displayName"]) {
              expect(stripVolatile(restored[t]), t).toEqual(stripVolatile(template[t]));
            }
            // The app, its service principal, job and assignments are gone.
            expect(await tenant.servicePrincipalsNamed(appName)).toEqual([]);
            expect((await tenant.graphGet(`/applications/${appObjectId}`)).status).toBe(404);
            // GoTo users: removed, or kept where the stack says retainOnDelete.
            const retained = (
              def.plain.gotoUsers as { userName: string; retainOnDelete?: boolean }[]
            )
              .filter((u) => u.retainOnDelete)
              .map((u) => u.userName);
            expect(
              tenant.goto
                .users()
                .map((u) => u.userName)
                .sort(),
            ).toEqual(retained.sort());
            expect(azureStore(ws, def.name)).toEqual({});
            const { doc } = await stack.exportState();
            expect(resourcesOf(doc)).toEqual([]);
            await stack.remove();
          },
        );
      });
    }

    describe.sequential("config and policy failures", () => {
      let tenant: Tenant;
      const base = exampleConfig("Pulumi.dev.yaml");

      beforeAll(async () => {
        tenant = await Tenant.start({
          graphToken: "e2e-misc-graph-token",
          gotoToken: "e2e-misc-goto-token",
          directory: directoryOf(base),
          verifiedDomains: ["contoso.com"],
        });
      });
      afterAll(async () => {
        await tenant?.stop();
      });

      const useTenant = () => {
        ws.extraEnv = {
          E2E_GRAPH_URL: tenant.standinGraphUrl,
          E2E_GRAPH_TOKEN: tenant.graph.token,
        };
        tenant.graph.resetRequests();
        tenant.goto.resetRequests();
      };
      const secretsFor = {
        adminPassword: "e2e-misc-admin-password",
        graphAccessToken: "e2e-misc-graph-token",
        gotoAccessToken: "e2e-misc-goto-token",
      };

      scenario(
        {},
        "bad config: a value of the wrong type is rejected by the CLI before the program runs",
        async () => {
          useTenant();
          const stack = new Stack(ws, "bad-type");
          await stack.init({ ...base, ...endpoints(tenant), deleteThreshold: "lots" }, secretsFor);
          const r = await stack.up("up --yes (deleteThreshold: lots)", "fail");
          expect(r.stdout + r.stderr).toMatch(/deleteThreshold.*must be of type 'integer'/);
          expect(tenant.graph.requests).toEqual([]);
          expect(tenant.goto.requests).toEqual([]);
          expect(
            resourcesOf((await stack.exportState()).doc).filter(
              (x) => !x.type.startsWith("pulumi:"),
            ),
          ).toEqual([]);
          await stack.remove();
        },
      );

      scenario(
        {},
        "bad config: the program rejects it with the project's message before any resource is touched",
        async () => {
          useTenant();
          const stack = new Stack(ws, "bad-values");
          const { adminPassword: _, ...rest } = secretsFor;
          await stack.init(
            {
              ...base,
              ...endpoints(tenant),
              scope: "everyone",
              notificationEmail: "not-an-address",
            },
            rest,
          );
          // A credential in plaintext: the program refuses it (config/schema.ts).
          await stack.setConfig("adminPassword", "e2e-plaintext-password", { plaintext: true });
          const r = await stack.up("up --yes (scope: everyone, plaintext adminPassword)", "fail");
          const out = r.stdout + r.stderr;
          expect(out).toMatch(/Invalid stack configuration \(\d+ problems?\)/);
          expect(out).toMatch(/scope: must be "assigned" or "all"/);
          expect(out).toMatch(/adminPassword: is stored in plaintext/);
          expect(tenant.graph.requests).toEqual([]);
          expect(tenant.goto.requests).toEqual([]);
          expect(
            resourcesOf((await stack.exportState()).doc).filter(
              (x) => !x.type.startsWith("pulumi:"),
            ),
          ).toEqual([]);
          await stack.remove();
        },
      );

      scenario(
        {},
        "policy pack: a mandatory violation fails the preview; Default Access passes only where the stack allows it",
        async () => {
          useTenant();
          const stack = new Stack(ws, "policy-violation");
          const assignments = [{ user: base.pilotUser, role: "Default Access" }];
          await stack.init(
            {
              ...base,
              ...endpoints(tenant),
              assignments,
              allowDefaultAccessRole: true,
              deleteThreshold: 0,
            },
            secretsFor,
          );
          const r = await stack.preview(
            ["--policy-pack", ws.policyPack],
            "preview --policy-pack (violations)",
            "fail",
          );
          const out = r.stdout + r.stderr;
          expect(out).toMatch(/mandatory/);
          expect(out).toMatch(/sync-notification-and-deletion-threshold/);
          // Documented (docs/policy-and-monitoring.md): Default Access is a violation "unless the stack
          // sets allowDefaultAccessRole: true", which this stack does.
          expect(out).not.toMatch(/no-default-access-role/);
          expect(tenant.graph.requests.filter((x) => x.method !== "GET")).toEqual([]);
          await stack.remove();
        },
      );
    });

    it("no planted secret appears in any command's output", () => {
      const leaks = findLeaks(
        allSecrets,
        ws.runs.map((r, i) => ({
          where: `command ${i}: pulumi ${r.args.slice(0, 3).join(" ")}`,
          text: r.stdout + r.stderr,
        })),
      );
      expect(leaks).toEqual([]);
    });
  },
);

// ---- helpers ---------------------------------------------------------------------------------------

function userObjectMapping(schema: MSGraph.SynchronizationSchema): MSGraph.ObjectMapping {
  for (const rule of schema.synchronizationRules ?? []) {
    const m = (rule.objectMappings ?? []).find((o) => o.sourceObjectName === "User");
    if (m) return m;
  }
  throw new Error("the schema has no User object mapping");
}

function userMappings(
  schema: MSGraph.SynchronizationSchema,
): Record<string, MSGraph.AttributeMapping | undefined> {
  return Object.fromEntries(
    (userObjectMapping(schema).attributeMappings ?? []).map((a) => [a.targetAttributeName!, a]),
  );
}

/** A mapping without what Graph may normalise (expression spacing): source name/type and flow settings. */
function stripVolatile(m: MSGraph.AttributeMapping | undefined): unknown {
  if (!m) return undefined;
  return { ...m, source: m.source ? { ...m.source, expression: undefined } : m.source };
}

function azureStorePath(ws: Workspace, stack: string): string {
  return path.join(ws.root, `azure-${stack}.json`);
}

function azureStore(
  ws: Workspace,
  stack: string,
): Record<string, { type: string; inputs: Record<string, unknown> }> {
  try {
    return JSON.parse(fs.readFileSync(azureStorePath(ws, stack), "utf8"));
  } catch {
    return {};
  }
}
