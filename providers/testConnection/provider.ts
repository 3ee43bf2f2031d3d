// The portal's "Test Connection" as a deployment gate: provisioning is enabled only after Graph's
// validateCredentials accepted the credentials (GoToMeeting) or the saved authorization (GoTo).
// Credentials arrive as (secret) inputs and never leave this module: not in outputs, not in errors.
import type * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphError, GraphSettings, graphSettingsFromConfig } from "../../lib/graph";
import { redactingProvider, registerSecrets } from "../../lib/redact";
import {
  REPLICATION_GRACE_MS,
  changedKeys,
  graphClient,
  jobPath,
  secretListProblem,
  synchronizationPath,
  withReplicationHint,
} from "../graphResource";
import { containsUnknown } from "../../model/unknown";
import {
  type TestConnectionInputs,
  type TestConnectionOutputs,
  authorizePendingMessage,
  checkTestConnectionInputs,
  credentialsHash,
  savedAuthorizationKeys,
  scrubCredentials,
  testFailedMessage,
} from "./logic";

const state: { settings?: GraphSettings } = {};

type SecretSet = { value: MSGraph.SynchronizationSecretKeyStringValuePair[] };

/** Graph's own statuses for a request it refused before testing anything: not a test result. */
function isGraphLevelRefusal(err: GraphError): boolean {
  return (
    (err.status === 401 || err.status === 403) &&
    /InvalidAuthenticationToken|Authorization_RequestDenied|Forbidden|Unauthorized|UnknownError/i.test(
      err.code,
    )
  );
}

async function runTest(
  inputs: TestConnectionInputs,
  afterCreate: boolean,
): Promise<TestConnectionOutputs> {
  const graph = graphClient(state.settings, "TestConnection");
  const credentials = inputs.credentials ?? [];
  // Scrubbed from every error of this process from now on, whatever echoes them.
  registerSecrets(...credentials.map((c) => c.value));
  const goto = inputs.connector === "goto";
  const deadline = Date.now() + graph.retryBudgetMs;
  const grace = afterCreate ? REPLICATION_GRACE_MS : 0;
  const base = {
    servicePrincipalId: inputs.servicePrincipalId,
    jobId: inputs.jobId,
    connector: inputs.connector,
    checkedAt: new Date().toISOString(),
    credentialsHash: credentialsHash(inputs.servicePrincipalId, credentials),
  };
  if (goto) {
    // Whether anyone clicked Authorize is read from the saved secrets (documented, values masked),
    // not guessed from a failed test: only a complete, well-formed list may say "nothing saved".
    const { body } = await withReplicationHint(
      graph.call<SecretSet>(
        "GET",
        `${synchronizationPath(inputs.servicePrincipalId)}/secrets`,
        undefined,
        {
          replicationGraceMs: grace,
          validate: secretListProblem,
          deadline,
        },
      ),
    );
    if (savedAuthorizationKeys(body.value).length === 0) {
      // Not a failure: the authorization-code consent needs a person at the portal once, and the
      // stack stays deployable (with provisioning disabled) until then.
      return {
        ...base,
        passed: false,
        authorizationPending: true,
        message: authorizePendingMessage(inputs.servicePrincipalId),
      };
    }
  }
  const request = goto
    ? { useSavedCredentials: true }
    : {
        useSavedCredentials: false,
        credentials: credentials.map((c): MSGraph.SynchronizationSecretKeyStringValuePair => ({
          key: c.key as MSGraph.SynchronizationSecret,
          value: c.value,
        })),
      };
  try {
    // validateCredentials changes nothing, so it may be repeated after a lost response; the job may
    // have been created seconds ago, hence the replication grace.
    await withReplicationHint(
      graph.call(
        "POST",
        `${jobPath(inputs.servicePrincipalId, inputs.jobId)}/validateCredentials`,
        request,
        { replicationGraceMs: grace, deadline, retryConflicts: true },
      ),
    );
  } catch (err) {
    const e = err as GraphError;
    // Any answer but Graph's own refusals, a missing job and throttling is the test's verdict
    // (the one failure on record is a 500 InternalError, [S86]).
    const notAVerdict = [404, 409, 429, 502, 503, 504].includes(e.status) || isGraphLevelRefusal(e);
    if (e instanceof Error && e.name === "GraphError" && e.status >= 400 && !notAVerdict) {
      throw new Error(
        testFailedMessage(
          inputs.connector,
          e.status,
          e.code,
          scrubCredentials(e.graphMessage, credentials),
        ),
      );
    }
    throw err;
  }
  const message = goto
    ? "Test Connection passed with the GoTo authorization saved in Entra."
    : "Test Connection passed for the configured GoToMeeting admin account.";
  return { ...base, passed: true, authorizationPending: false, message };
}

export const testConnectionProvider: pulumi.dynamic.ResourceProvider<
  TestConnectionInputs,
  TestConnectionOutputs
> = redactingProvider({
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds: TestConnectionInputs, news: TestConnectionInputs) {
    return { inputs: news, failures: checkTestConnectionInputs(news) };
  },

  async diff(_id: string, olds: TestConnectionOutputs, news: TestConnectionInputs) {
    // A test against another app or job is a different test, so those replace.
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "jobId", "connector"]);
    if (replaces.length > 0) return { changes: true, replaces };
    // The engine hands back old outputs, which hold only the hash of the old credentials.
    const credentialsChanged =
      containsUnknown(news.credentials) ||
      credentialsHash(news.servicePrincipalId, news.credentials ?? []) !== olds.credentialsHash;
    // Until the test passed (GoTo awaiting Authorize), every up tests again: on purpose, so the
    // job starts on the first up after someone clicked Authorize.
    return { changes: credentialsChanged || olds.passed !== true };
  },

  async create(inputs: TestConnectionInputs) {
    const outs = await runTest(inputs, true);
    return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs };
  },

  async update(_id: string, _olds: TestConnectionOutputs, news: TestConnectionInputs) {
    return { outs: await runTest(news, false) };
  },

  async read(id: string, props?: TestConnectionOutputs) {
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
});
