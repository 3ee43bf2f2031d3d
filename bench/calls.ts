// API calls per provider operation, counted at the fakes: every request the fake received during
// one operation, retries included, against the fewest the API allows for that operation.
import type * as pulumi from "@pulumi/pulumi";
import {
  attributeMappingsProvider,
  type AttributeMappingsInputs,
} from "../components/attributeMappings";
import {
  guardedSynchronizationSecretProvider,
  type GuardedSynchronizationSecretInputs,
} from "../components/guardedSynchronizationSecret";
import {
  provisioningStatusProvider,
  type ProvisioningStatusInputs,
} from "../components/provisioningStatus";
import { synchronizationTemplateProvider } from "../components/synchronizationTemplate";
import { testConnectionProvider, type TestConnectionInputs } from "../components/testConnection";
import { GraphFake, connectorTemplate } from "../test/fakes/graphFake";
import type { GoToBenchResult } from "./goto";

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
    for (const p of [template, test, mappings, status, secret]) {
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
    return rows;
  } finally {
    await fake.stop();
  }
}

const GOTO_REASONS: Record<keyof GoToBenchResult["callsPerOperation"], [number, string]> = {
  create: [1, "one POST /Users"],
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
