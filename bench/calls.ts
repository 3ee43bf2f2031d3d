// API calls per provider operation, counted at the fakes: every request the fake received during
// one operation, retries included, against the fewest the API allows for that operation.
import type * as pulumi from "@pulumi/pulumi";
import {
  attributeMappingsProvider,
  type AttributeMappingsInputs,
} from "../providers/attributeMappings";
import {
  guardedSynchronizationSecretProvider,
  type GuardedSynchronizationSecretInputs,
} from "../providers/synchronizationSettings";
import {
  provisioningStatusProvider,
  type ProvisioningStatusInputs,
} from "../providers/provisioningStatus";
import { synchronizationTemplateProvider } from "../providers/synchronizationTemplate";
import { testConnectionProvider, type TestConnectionInputs } from "../providers/testConnection";
import { provisionOnDemandProvider } from "../providers/provisionOnDemand";
import { CONNECTOR_RULE_ID, GraphFake, connectorTemplate } from "../test/fakes/graphFake";
import type { GoToBenchResult } from "./goto";

const PILOT = "9bb0f679-a883-4a6f-8260-35b491b8b8c8";

export interface CallCount {
  resource: string;
  operation: string;
  /** Requests the fake received, e.g. ["GET templates"]. */
  requests: string[];
  calls: number;
  minimum: number;
  /** Why the API allows no fewer. */
  reason: string;
}

/** The provider with every method present (each of these providers implements them all). */
const all = <I, O>(p: pulumi.dynamic.ResourceProvider<I, O>) =>
  p as Required<pulumi.dynamic.ResourceProvider<I, O>>;

/** Test-sized timeouts: a benchmark that hit a retry would show it as an extra call anyway. */
function configRequest(fake: GraphFake) {
  const values: Record<string, string> = {
    graphApiUrl: fake.url,
    graphAccessToken: fake.token,
    apiTimeoutSeconds: "5",
    apiRetryBudgetSeconds: "5",
    apiRetryBaseSeconds: "0.01",
  };
  return {
    config: {
      get: (k: string) => values[k],
      require(k: string) {
        const v = values[k];
        if (v === undefined) throw new Error(`bench: missing config ${k}`);
        return v;
      },
    },
  };
}

export async function benchGraphCalls(): Promise<CallCount[]> {
  const fake = await GraphFake.start();
  const rows: CallCount[] = [];
  const measure = async <T>(
    resource: string,
    operation: string,
    minimum: number,
    reason: string,
    op: () => Promise<T>,
  ): Promise<T> => {
    fake.resetRequests();
    const result = await op();
    const requests = fake.requests.map((r) => {
      // Short form: the method and what follows .../synchronization/, ids elided.
      const tail = r.path.split("/synchronization/")[1] ?? r.path;
      const shortened = tail.replace(/jobs\/[^/]+/, "jobs/{id}");
      return `${r.method} ${shortened}${r.status >= 400 || r.status < 0 ? ` → ${r.status}` : ""}`;
    });
    rows.push({ resource, operation, requests, calls: requests.length, minimum, reason });
    return result;
  };

  try {
    const template = all(synchronizationTemplateProvider);
    const test = all(testConnectionProvider);
    const mappings = all(attributeMappingsProvider);
    const status = all(provisioningStatusProvider);
    const secret = all(guardedSynchronizationSecretProvider);
    const pilot = all(provisionOnDemandProvider);
    for (const p of [
      template,
      test,
      mappings,
      status,
      secret,
      pilot,
    ] as Required<pulumi.dynamic.ResourceProvider>[]) {
      await p.configure(configRequest(fake));
    }

    // gotomeeting: template, Test Connection with admin credentials, mappings, status.
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    await measure(
      "SynchronizationTemplate",
      "create",
      1,
      "the template id is only known by listing the app's templates (GET templates)",
      () =>
        template.create({
          servicePrincipalId: sp,
          connector: "gotomeeting",
          galleryApp: "GoToMeeting",
          credentialKeys: ["UserName", "Password"],
        }),
    );

    const jobId = fake.addJob(sp, "GoToMeeting");
    const credentials = [
      { key: "UserName", value: "gotomeeting-admin@contoso.com" },
      { key: "Password", value: "bench-only-password" },
    ];
    fake.setValidCredentials(sp, {
      UserName: credentials[0].value,
      Password: credentials[1].value,
    });
    const testInputs: TestConnectionInputs = {
      servicePrincipalId: sp,
      jobId,
      connector: "gotomeeting",
      credentials,
    };
    const tested = await measure(
      "TestConnection",
      "create",
      1,
      "one validateCredentials POST is the test itself",
      () => test.create(testInputs),
    );
    const rotated = [credentials[0], { key: "Password", value: "bench-only-password-2" }];
    fake.setValidCredentials(sp, { UserName: credentials[0].value, Password: rotated[1].value });
    await measure(
      "TestConnection",
      "update (password rotated)",
      1,
      "one validateCredentials POST with the new credentials",
      () => test.update(tested.id, tested.outs!, { ...testInputs, credentials: rotated }),
    );

    const declared: AttributeMappingsInputs = {
      servicePrincipalId: sp,
      jobId,
      objectType: "User",
      mappings: [
        { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
        { target: "externalId", source: "objectId" },
      ],
    };
    const created = await measure(
      "AttributeMappings",
      "create (mappings differ)",
      2,
      "the schema is replaced as a whole: GET it, PUT it back with the change",
      () => mappings.create(declared),
    );
    await measure(
      "AttributeMappings",
      "update (nothing differs)",
      1,
      "the live schema must be read to know nothing differs; no PUT",
      () => mappings.update(created.id, created.outs!, declared),
    );
    const changed: AttributeMappingsInputs = {
      ...declared,
      mappings: [declared.mappings[0], { ...declared.mappings[1], flowType: "ObjectAddOnly" }],
    };
    const updated = await measure(
      "AttributeMappings",
      "update (one mapping changed)",
      2,
      "GET the schema, PUT it back with the change",
      () => mappings.update(created.id, created.outs!, changed),
    );
    await measure("AttributeMappings", "read", 1, "one GET of the job's schema", () =>
      mappings.read(created.id, updated.outs),
    );
    // Expressions: one parseExpression per expression not parsed before (F4), none afterwards.
    const withExpressions: AttributeMappingsInputs = {
      ...declared,
      mappings: [
        ...declared.mappings,
        { target: "displayName", expression: 'Join(" ", [givenName], [surname])' },
        { target: "title", expression: "ToUpper([jobTitle])" },
      ],
    };
    const parsed = await measure(
      "AttributeMappings",
      "update (two new expressions)",
      4,
      "GET the schema, one parseExpression per new expression (Graph alone knows the function catalogue and its parameter names), PUT",
      () => mappings.update(created.id, updated.outs!, withExpressions),
    );
    await measure(
      "AttributeMappings",
      "update (expressions unchanged, another mapping changed)",
      2,
      "GET the schema, PUT it back; the parsed trees are reused from the outputs",
      () =>
        mappings.update(created.id, parsed.outs!, {
          ...withExpressions,
          mappings: withExpressions.mappings.map((m) =>
            m.target === "externalId" ? { ...m, flowType: "ObjectAddOnly" as const } : m,
          ),
        }),
    );
    const sp2 = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const job2 = fake.addJob(sp2, "GoToMeeting");
    await measure(
      "AttributeMappings",
      "create (mappings already match)",
      1,
      "the live schema must be read to adopt it; no PUT",
      () =>
        mappings.create({
          servicePrincipalId: sp2,
          jobId: job2,
          objectType: "User",
          mappings: [declared.mappings[0]],
        }),
    );

    const statusInputs: ProvisioningStatusInputs = { servicePrincipalId: sp, jobId, enabled: true };
    const started = await measure(
      "ProvisioningStatus",
      "create (job must start)",
      2,
      "GET the job to see it is not running (start must not hit a running job), then POST start",
      () => status.create(statusInputs),
    );
    await measure(
      "ProvisioningStatus",
      "create (job already running)",
      1,
      "GET the job; it runs, so no start",
      () => status.create(statusInputs),
    );
    await measure("ProvisioningStatus", "read", 1, "one GET of the job", () =>
      status.read(started.id, started.outs),
    );
    fake.quarantine(sp, jobId, "TooManyDeletes");
    await measure(
      "ProvisioningStatus",
      "update (release a TooManyDeletes quarantine)",
      2,
      "GET the job to see the quarantine's reason, then POST restart with ForceDeletes",
      () => status.update(started.id, started.outs!, { ...statusInputs, allowMassDeletion: true }),
    );

    fake.scriptProvisionOnDemand(PILOT, "Success");
    await measure(
      "ProvisionOnDemand",
      "create",
      1,
      "one provisionOnDemand POST; its answer carries the verdict",
      () =>
        pilot.create({
          servicePrincipalId: sp,
          jobId,
          ruleId: CONNECTOR_RULE_ID,
          objectId: PILOT,
          ready: true,
        }),
    );

    // goto: the settings resource (the gotomeeting connector saves them with the credentials).
    const sp3 = fake.addServicePrincipal({
      displayName: "GoTo",
      templates: [connectorTemplate("goto")],
    });
    const settings: GuardedSynchronizationSecretInputs = {
      servicePrincipalId: sp3,
      settings: [
        {
          key: "SyncNotificationSettings",
          value:
            '{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}',
        },
        { key: "SyncAll", value: "false" },
      ],
    };
    const saved = await measure(
      "GuardedSynchronizationSecret",
      "create (settings differ)",
      2,
      "GET the secret set (a PUT replaces all keys, the portal's authorization included), then PUT",
      () => secret.create(settings),
    );
    await measure(
      "GuardedSynchronizationSecret",
      "create (settings already equal)",
      1,
      "GET the secret set; equal, so no PUT",
      () => secret.create(settings),
    );
    await measure("GuardedSynchronizationSecret", "read", 1, "one GET of the secret set", () =>
      secret.read(saved.id, saved.outs),
    );
    const jobId3 = fake.addJob(sp3, "GoTo");
    const gotoTest: TestConnectionInputs = {
      servicePrincipalId: sp3,
      jobId: jobId3,
      connector: "goto",
    };
    await measure(
      "TestConnection",
      "create (goto, Authorize pending)",
      1,
      "GET the secret set: nothing saved means nothing to test",
      () => test.create(gotoTest),
    );
    fake.authorizeInPortal(sp3);
    await measure(
      "TestConnection",
      "create (goto, authorized)",
      2,
      "GET the secret set to see an authorization is saved, then validateCredentials with it",
      () => test.create(gotoTest),
    );
    return rows;
  } finally {
    await fake.stop();
  }
}

const GOTO_REASONS: Record<keyof GoToBenchResult["callsPerOperation"], [number, string]> = {
  create: [
    2,
    "POST /Users with a one-time marker in displayName (the proof of ownership after a lost answer), PATCH replacing it; 1 call when displayName is declared",
  ],
  read: [1, "one GET /Users/{key}"],
  update: [1, "one PATCH /Users/{key}"],
  delete: [1, "one DELETE /Users/{key}"],
  adopt: [
    3,
    "POST → 409 (in use), GET by userName filter to find it, PATCH it to the declared values",
  ],
};

/** The GoToMeetingUser rows, from the throughput benchmark's one-at-a-time measurement. */
export function goToCallRows(r: GoToBenchResult): CallCount[] {
  return (Object.keys(GOTO_REASONS) as (keyof typeof GOTO_REASONS)[]).map((op) => ({
    resource: "GoToMeetingUser",
    operation: op === "adopt" ? "create (adoptExisting, user differs)" : op,
    requests: [],
    calls: r.callsPerOperation[op],
    minimum: GOTO_REASONS[op][0],
    reason: GOTO_REASONS[op][1],
  }));
}

if (require.main === module) {
  benchGraphCalls().then(
    (rows) => {
      for (const r of rows) {
        console.log(
          `${r.resource} ${r.operation}: ${r.calls} (min ${r.minimum}) ${r.requests.join(", ")}`,
        );
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
