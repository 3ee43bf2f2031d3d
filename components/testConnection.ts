// The portal's "Test Connection" as a deployment gate: provisioning is enabled only after Graph's
// validateCredentials accepted the credentials (GoToMeeting) or the saved authorization (GoTo).
// Credentials arrive as (secret) inputs and never leave this module: not in outputs, not in errors.
import * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../lib/graph";
import {
  Connector,
  REPLICATION_GRACE_MS,
  UNKNOWN,
  changedKeys,
  checkConnector,
  checkJobId,
  checkServicePrincipalId,
  containsUnknown,
  graphClient,
  jobPath,
  withReplicationHint,
} from "./syncResourceSupport";
import { providerShim } from "../lib/providerShim";

export interface CredentialPair {
  key: string;
  value: string;
}

export interface TestConnectionArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** The synchronization job to test (id of azuread.SynchronizationJob). */
  jobId: pulumi.Input<string>;
  /** "gotomeeting": test `credentials`; "goto": test the authorization saved by the portal's Authorize. */
  connector: pulumi.Input<Connector>;
  /** For "gotomeeting": exactly UserName and Password of a GoToMeeting Team Admin; pass them as
   *  Pulumi secrets. Must be absent (or empty) for "goto". */
  credentials?: pulumi.Input<
    pulumi.Input<{ key: pulumi.Input<string>; value: pulumi.Input<string> }>[]
  >;
}

export interface TestConnectionInputs {
  servicePrincipalId: string;
  jobId: string;
  connector: Connector;
  credentials?: CredentialPair[];
}

export interface TestConnectionOutputs extends Omit<TestConnectionInputs, "credentials"> {
  /** Graph accepted the credentials or the saved authorization. */
  passed: boolean;
  /** GoTo only: nobody has clicked Authorize in the portal yet (or the authorization expired). */
  authorizationPending: boolean;
  /** What happened and, when pending, the one manual step; never contains a credential. */
  message: string;
  /** When the test ran (ISO 8601). */
  checkedAt: string;
  /** HMAC-SHA256 of the credential set keyed by the service principal id: tells diff that the
   *  credentials changed without storing them (and without being comparable across tenants). */
  credentialsHash: string;
}

const MANAGED_KEYS = ["UserName", "Password"] as const;

export function checkTestConnectionInputs(
  news: Partial<TestConnectionInputs>,
): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkJobId(news.jobId, failures);
  checkConnector(news.connector, failures);
  const creds: unknown = news.credentials;
  if (creds === UNKNOWN || (news.connector as unknown) === UNKNOWN) return failures;
  const fail = (reason: string) => failures.push({ property: "credentials", reason });
  if (news.connector === "goto") {
    if (creds !== undefined && !(Array.isArray(creds) && creds.length === 0)) {
      fail(
        "credentials must not be set for connector goto: the GoTo connector is authorized with the " +
          "portal's Authorize button, and Test Connection checks that saved authorization.",
      );
    }
    return failures;
  }
  if (news.connector !== "gotomeeting") return failures;
  const howToSet =
    "Fix: pulumi config set adminUserName <admin e-mail> and pulumi config set --secret adminPassword <password>.";
  if (!Array.isArray(creds)) {
    fail(
      `credentials must hold UserName and Password of the GoToMeeting admin account. ${howToSet}`,
    );
    return failures;
  }
  const seen = new Set<string>();
  creds.forEach((item: unknown, i) => {
    if (item === UNKNOWN) return;
    const pair = item as Partial<CredentialPair> | null;
    const key: unknown = pair?.key;
    // Only indexes and the two known key names are printed: a misplaced value could be a password.
    if (key === UNKNOWN) return;
    if (typeof key !== "string" || !(MANAGED_KEYS as readonly string[]).includes(key)) {
      fail(
        `credentials[${i}].key must be UserName or Password (connector gotomeeting uses no other key).`,
      );
      return;
    }
    if (seen.has(key)) fail(`credentials[${i}]: ${key} is given twice; give it once.`);
    seen.add(key);
    const value: unknown = pair?.value;
    if (value !== UNKNOWN && (typeof value !== "string" || value === "")) {
      fail(`credentials[${i}] (${key}) is empty. ${howToSet}`);
    }
  });
  for (const key of MANAGED_KEYS) {
    if (!seen.has(key) && !containsUnknown(creds)) fail(`credentials lack ${key}. ${howToSet}`);
  }
  return failures;
}

/** Salted so the same password gives different hashes in different tenants. */
export function credentialsHash(
  servicePrincipalId: string,
  credentials: readonly CredentialPair[],
): string {
  const { createHmac } = require("node:crypto") as typeof import("node:crypto");
  const canonical = credentials
    .map((c) => [c.key, c.value])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return createHmac("sha256", servicePrincipalId).update(JSON.stringify(canonical)).digest("hex");
}

/** Graph's message with every credential value cut out, in case a server ever echoes one. */
export function scrubCredentials(text: string, credentials: readonly CredentialPair[]): string {
  const values = credentials
    .map((c) => c.value)
    .filter((v) => typeof v === "string" && v !== "")
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) {
    out = out.replace(new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), "[redacted]");
  }
  return out;
}

export function authorizePendingMessage(servicePrincipalId: string): string {
  return (
    `Authorize pending: open Entra admin center → Enterprise apps → ${servicePrincipalId} → Provisioning → ` +
    "Admin Credentials → Authorize, sign in as a GoTo organization admin, then run pulumi up again."
  );
}

export function testFailedMessage(code: string, graphMessage: string): string {
  return (
    `Test Connection failed for the GoToMeeting admin account (the configured adminUserName): ${code}: ` +
    `${graphMessage.replace(/[.\s]+$/, "")}. Make sure the GoToMeeting account has Team Admin permissions, ` +
    "then set adminUserName and adminPassword again (pulumi config set adminUserName <admin e-mail>; " +
    "pulumi config set --secret adminPassword <password>)."
  );
}

const state: { settings?: GraphSettings } = {};

type GraphErrorBody = { error?: { code?: string; message?: string } } | string;

async function runTest(inputs: TestConnectionInputs): Promise<TestConnectionOutputs> {
  const graph = graphClient(state.settings, "TestConnection");
  const credentials = inputs.credentials ?? [];
  const goto = inputs.connector === "goto";
  const body = goto
    ? { useSavedCredentials: true }
    : {
        useSavedCredentials: false,
        credentials: credentials.map((c): MSGraph.SynchronizationSecretKeyStringValuePair => ({
          key: c.key as MSGraph.SynchronizationSecret,
          value: c.value,
        })),
      };
  // validateCredentials changes nothing, so it may be repeated after a lost response; the job may
  // have been created seconds ago, hence the replication grace.
  const { status, body: answer } = await withReplicationHint(
    graph.call<GraphErrorBody>(
      "POST",
      `${jobPath(inputs.servicePrincipalId, inputs.jobId)}/validateCredentials`,
      body,
      { notFoundGraceMs: REPLICATION_GRACE_MS, accept: [400] },
    ),
  );
  const base = {
    servicePrincipalId: inputs.servicePrincipalId,
    jobId: inputs.jobId,
    connector: inputs.connector,
    checkedAt: new Date().toISOString(),
    credentialsHash: credentialsHash(inputs.servicePrincipalId, credentials),
  };
  if (status !== 400) {
    const message = goto
      ? "Test Connection passed with the GoTo authorization saved in Entra."
      : "Test Connection passed for the configured GoToMeeting admin account.";
    return { ...base, passed: true, authorizationPending: false, message };
  }
  if (goto) {
    // Not a failure: the authorization-code consent needs a person at the portal once, and the
    // stack stays deployable (with provisioning disabled) until then.
    return {
      ...base,
      passed: false,
      authorizationPending: true,
      message: authorizePendingMessage(inputs.servicePrincipalId),
    };
  }
  const err = typeof answer === "object" ? answer?.error : undefined;
  throw new Error(
    testFailedMessage(
      err?.code ?? "BadRequest",
      scrubCredentials(
        err?.message ?? (typeof answer === "string" ? answer.slice(0, 300) : ""),
        credentials,
      ),
    ),
  );
}

export const testConnectionProvider: pulumi.dynamic.ResourceProvider<
  TestConnectionInputs,
  TestConnectionOutputs
> = {
  async configure(req) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds, news) {
    return { inputs: news, failures: checkTestConnectionInputs(news) };
  },

  async diff(_id, olds, news) {
    // A test against another app or job is a different test, so those replace.
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "jobId", "connector"]);
    if (replaces.length > 0) return { changes: true, replaces };
    // The engine hands back old outputs, which hold only the hash of the old credentials.
    const credentialsChanged =
      containsUnknown(news.credentials) ||
      credentialsHash(news.servicePrincipalId, news.credentials ?? []) !== olds.credentialsHash;
    // Until the test passed (GoTo awaiting Authorize), every up tests again.
    return { changes: credentialsChanged || olds.passed !== true };
  },

  async create(inputs) {
    const outs = await runTest(inputs);
    return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs };
  },

  async update(_id, _olds, news) {
    return { outs: await runTest(news) };
  },

  async read(id, props) {
    // Test Connection is an action, not state: repeating it on refresh would need the credentials
    // (not stored in outputs) and would log in to GoTo on every refresh. The stored result stands;
    // diff retests whenever credentials change or the test has not passed yet.
    const old = props!;
    const inputs = {
      servicePrincipalId: old.servicePrincipalId,
      jobId: old.jobId,
      connector: old.connector,
    };
    // ReadResult types `inputs` as the outputs type; the engine stores it as the resource's inputs.
    return { id, props: old, inputs: inputs as TestConnectionOutputs };
  },

  async delete() {
    // Nothing was created in Entra by testing.
  },
};

// Serialized into the state instead of testConnectionProvider itself (see lib/providerShim.ts).
const testConnectionShim = providerShim(
  testConnectionProvider,
  __filename,
  "testConnectionProvider",
);

/** Runs Graph's Test Connection for the provisioning job and exposes whether it passed. */
export class TestConnection extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly connector: pulumi.Output<Connector>;
  declare readonly passed: pulumi.Output<boolean>;
  declare readonly authorizationPending: pulumi.Output<boolean>;
  declare readonly message: pulumi.Output<string>;
  declare readonly checkedAt: pulumi.Output<string>;
  declare readonly credentialsHash: pulumi.Output<string>;

  constructor(name: string, args: TestConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      testConnectionShim,
      name,
      {
        ...args,
        passed: undefined,
        authorizationPending: undefined,
        message: undefined,
        checkedAt: undefined,
        credentialsHash: undefined,
      },
      // A hash of a short password can be brute-forced offline; keep it encrypted in the state.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["credentialsHash"] }),
      "gotomeeting",
      "TestConnection",
    );
  }
}
