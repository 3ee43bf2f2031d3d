// ProvisioningStatus' provider: reads the job, then at most one start, pause or restart.
// azuread.SynchronizationJob creates the job disabled and ignores `enabled`, because the job may
// only run once Test Connection passed; this resource owns that decision (status.ts) and reads
// the job's health back on refresh, so a job paused or quarantined outside Pulumi shows as drift.
import type * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../../lib/graph";
import { redactingProvider } from "../../lib/redact";
import {
  REPLICATION_GRACE_MS,
  changedKeys,
  graphClient,
  jobPath,
  withReplicationHint,
} from "../graphResource";
import {
  type ProvisioningStatusInputs,
  type ProvisioningStatusOutputs,
  afterAction,
  checkProvisioningStatusInputs,
  decideAction,
  inputsOf,
  jobShapeProblem,
  liveInputs,
  statusFields,
} from "./status";

const state: { settings?: GraphSettings } = {};

async function converge(
  inputs: ProvisioningStatusInputs,
  afterCreate: boolean,
): Promise<ProvisioningStatusOutputs> {
  const graph = graphClient(state.settings, "ProvisioningStatus");
  const path = jobPath(inputs.servicePrincipalId, inputs.jobId);
  const deadline = Date.now() + graph.retryBudgetMs;
  return graph.exclusive(inputs.servicePrincipalId, async () => {
    const { body: job } = await withReplicationHint(
      graph.call<MSGraph.SynchronizationJob>("GET", path, undefined, {
        replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
        validate: jobShapeProblem,
        deadline,
      }),
    );
    let fields = statusFields(job);
    const action = decideAction(job, inputs);
    // Graph answers 409 while another change to the job is in progress (hamilton retries it on
    // start, pause and restart, [S83]); retrying it is safe, the job did nothing.
    const writeOptions = {
      replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
      retryConflicts: true,
      deadline,
    };
    switch (action.kind) {
      case "refuse":
        throw new Error(action.message);
      case "start":
        // Not repeated after a lost response: Graph warns against calling start on a running job.
        await graph.call("POST", `${path}/start`, undefined, {
          ...writeOptions,
          idempotent: false,
        });
        fields = afterAction(fields, "start");
        break;
      case "restart":
        await graph.call(
          "POST",
          `${path}/restart`,
          { criteria: { resetScope: action.resetScope } },
          { ...writeOptions, idempotent: false },
        );
        fields = afterAction(fields, "restart");
        break;
      case "pause":
        await graph.call("POST", `${path}/pause`, undefined, writeOptions);
        fields = afterAction(fields, "pause");
        break;
      case "none":
        break;
    }
    return { ...inputsOf(inputs), ...fields };
  });
}

export const provisioningStatusProvider: pulumi.dynamic.ResourceProvider<
  ProvisioningStatusInputs,
  ProvisioningStatusOutputs
> = redactingProvider({
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds: ProvisioningStatusInputs, news: ProvisioningStatusInputs) {
    return { inputs: news, failures: checkProvisioningStatusInputs(news) };
  },

  async diff(_id: string, olds: ProvisioningStatusOutputs, news: ProvisioningStatusInputs) {
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "jobId"]);
    const changes =
      replaces.length > 0 ||
      changedKeys(olds, news, ["enabled"]).length > 0 ||
      (news.allowMassDeletion ?? false) !== (olds.allowMassDeletion ?? false);
    return { changes, replaces };
  },

  async create(inputs: ProvisioningStatusInputs) {
    const outs = await converge(inputs, true);
    return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs };
  },

  async update(_id: string, _olds: ProvisioningStatusOutputs, news: ProvisioningStatusInputs) {
    return { outs: await converge(news, false) };
  },

  async read(id: string, props?: ProvisioningStatusOutputs) {
    const old = props!;
    const graph = graphClient(state.settings, "ProvisioningStatus");
    const { status, body: job } = await graph.call<MSGraph.SynchronizationJob>(
      "GET",
      jobPath(old.servicePrincipalId, old.jobId),
      undefined,
      { accept: [404], validate: jobShapeProblem },
    );
    // The job (or its app) was deleted: so is what this resource tracks.
    if (status === 404) return { id: "" };
    const fields = statusFields(job);
    // The live health becomes the input, so a job paused or quarantined outside Pulumi differs from
    // the program's `enabled: true` and the next up starts (or restarts) it.
    const live = liveInputs(old, job);
    // ReadResult types `inputs` as the outputs type; the engine stores it as the resource's inputs.
    return { id, props: { ...live, ...fields }, inputs: live as ProvisioningStatusOutputs };
  },

  async delete() {
    // Deliberately no call: this resource goes away when azuread deletes the job itself (which
    // stops it), and pausing here would race that deletion or fail with 404 on a job already gone.
  },
});
