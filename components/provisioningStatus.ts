// Starts or pauses the provisioning job and reports how it is doing. azuread.SynchronizationJob
// creates the job disabled and ignores `enabled`, because the job may only run once Test Connection
// passed; this resource owns the start/pause decision and reads the job's status back on refresh.
import * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../lib/graph";
import {
  REPLICATION_GRACE_MS,
  UNKNOWN,
  changedKeys,
  checkJobId,
  checkServicePrincipalId,
  graphClient,
  jobPath,
  quoteValue,
  withReplicationHint,
} from "./syncResourceSupport";
import { providerShim } from "../lib/providerShim";

export interface ProvisioningStatusArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** The synchronization job (id of azuread.SynchronizationJob). */
  jobId: pulumi.Input<string>;
  /** Whether the job should run: provisioningEnabled AND Test Connection passed. A job paused in
   *  the portal shows as drift after refresh and is started again by the next up. */
  enabled: pulumi.Input<boolean>;
}

export interface ProvisioningStatusInputs {
  servicePrincipalId: string;
  jobId: string;
  enabled: boolean;
}

export interface ProvisioningStatusOutputs extends ProvisioningStatusInputs {
  /** schedule.state: "Active", "Paused" or "Disabled". */
  scheduleState: string;
  /** status.code: "NotConfigured", "NotRun", "Active", "Paused" or "Quarantine". */
  statusCode: string;
  /** State of the last cycle ("Succeeded", "Failed", "EntryLevelErrors"); "" before the first. */
  lastExecutionState: string;
  /** When the last cycle ended (or began, while it runs); "" before the first. */
  lastExecutionTime: string;
  /** Why the job is quarantined (e.g. "TooManyDeletes"); "" when it is not. */
  quarantineReason: string;
  /** Since when the current quarantine lasts; "" when not quarantined. */
  quarantineSince: string;
  /** Last time the job had processed every change; "" when never. */
  steadyStateLastAchievedTime: string;
  countSuccessiveCompleteFailures: number;
  /** Objects synchronized so far, by type (Graph's synchronizedEntryCountByType). */
  synchronizedEntryCounts: Record<string, number>;
  /** Graph's troubleshooting link for the current problem; "" when none. */
  troubleshootingUrl: string;
}

export type StatusFields = Omit<ProvisioningStatusOutputs, keyof ProvisioningStatusInputs>;

/** Graph reports "never" as .NET's minimum date; an output saying year 1 would mislead. */
function time(value: string | null | undefined): string {
  return !value || value.startsWith("0001-01-01") ? "" : value;
}

/** The job's status in the flat form the stack exports. */
export function statusFields(job: MSGraph.SynchronizationJob): StatusFields {
  const status = job.status ?? {};
  const last = status.lastExecution;
  const counts: Record<string, number> = {};
  for (const pair of status.synchronizedEntryCountByType ?? []) {
    if (pair.key) counts[pair.key] = pair.value ?? 0;
  }
  return {
    scheduleState: job.schedule?.state ?? "",
    statusCode: status.code ?? "",
    lastExecutionState: last?.state ?? "",
    lastExecutionTime: time(last?.timeEnded) || time(last?.timeBegan),
    quarantineReason: status.quarantine?.reason ?? "",
    quarantineSince: time(status.quarantine?.currentBegan),
    steadyStateLastAchievedTime: time(status.steadyStateLastAchievedTime),
    countSuccessiveCompleteFailures: status.countSuccessiveCompleteFailures ?? 0,
    synchronizedEntryCounts: counts,
    troubleshootingUrl: status.troubleshootingUrl ?? "",
  };
}

/** What start or pause does to the job, so no second GET is needed to report it. */
export function afterAction(fields: StatusFields, action: "start" | "pause"): StatusFields {
  if (action === "pause") return { ...fields, scheduleState: "Paused", statusCode: "Paused" };
  // Graph documents that start clears a quarantine.
  return {
    ...fields,
    scheduleState: "Active",
    statusCode: "Active",
    quarantineReason: "",
    quarantineSince: "",
  };
}

export function checkProvisioningStatusInputs(news: Partial<ProvisioningStatusInputs>) {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkJobId(news.jobId, failures);
  const enabled: unknown = news.enabled;
  if (enabled !== UNKNOWN && typeof enabled !== "boolean") {
    failures.push({
      property: "enabled",
      reason: `enabled must be true or false; got ${quoteValue(enabled)}. Fix: pulumi config set provisioningEnabled true`,
    });
  }
  return failures;
}

const state: { settings?: GraphSettings } = {};

async function converge(inputs: ProvisioningStatusInputs): Promise<ProvisioningStatusOutputs> {
  const graph = graphClient(state.settings, "ProvisioningStatus");
  const path = jobPath(inputs.servicePrincipalId, inputs.jobId);
  return graph.exclusive(inputs.servicePrincipalId, async () => {
    const { body: job } = await withReplicationHint(
      graph.call<MSGraph.SynchronizationJob>("GET", path, undefined, {
        notFoundGraceMs: REPLICATION_GRACE_MS,
      }),
    );
    let fields = statusFields(job);
    const active = job.schedule?.state === "Active";
    if (inputs.enabled && !active) {
      // Not repeated after a lost response: Graph warns against calling start on a running job.
      await graph.call("POST", `${path}/start`, undefined, { idempotent: false });
      fields = afterAction(fields, "start");
    } else if (!inputs.enabled && active) {
      await graph.call("POST", `${path}/pause`);
      fields = afterAction(fields, "pause");
    }
    return { ...inputsOf(inputs), ...fields };
  });
}

function inputsOf(v: ProvisioningStatusInputs): ProvisioningStatusInputs {
  return { servicePrincipalId: v.servicePrincipalId, jobId: v.jobId, enabled: v.enabled };
}

export const provisioningStatusProvider: pulumi.dynamic.ResourceProvider<
  ProvisioningStatusInputs,
  ProvisioningStatusOutputs
> = {
  async configure(req) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds, news) {
    return { inputs: news, failures: checkProvisioningStatusInputs(news) };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "jobId"]);
    const changes = replaces.length > 0 || changedKeys(olds, news, ["enabled"]).length > 0;
    return { changes, replaces };
  },

  async create(inputs) {
    const outs = await converge(inputs);
    return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs };
  },

  async update(_id, _olds, news) {
    return { outs: await converge(news) };
  },

  async read(id, props) {
    const old = props!;
    const graph = graphClient(state.settings, "ProvisioningStatus");
    const { status, body: job } = await graph.call<MSGraph.SynchronizationJob>(
      "GET",
      jobPath(old.servicePrincipalId, old.jobId),
      undefined,
      { accept: [404] },
    );
    // The job (or its app) was deleted: so is what this resource tracks.
    if (status === 404) return { id: "" };
    const fields = statusFields(job);
    // The live state becomes the input, so a job paused in the portal differs from the program's
    // `enabled: true` and the next up starts it again.
    const live = { ...inputsOf(old), enabled: fields.scheduleState === "Active" };
    // ReadResult types `inputs` as the outputs type; the engine stores it as the resource's inputs.
    return { id, props: { ...live, ...fields }, inputs: live as ProvisioningStatusOutputs };
  },

  async delete() {
    // Deliberately no call: this resource goes away when azuread deletes the job itself (which
    // stops it), and pausing here would race that deletion or fail with 404 on a job already gone.
  },
};

// Serialized into the state instead of provisioningStatusProvider itself (see lib/providerShim.ts).
const provisioningStatusShim = providerShim(
  provisioningStatusProvider,
  __filename,
  "provisioningStatusProvider",
);

/** Runs or pauses the provisioning job and exports its status (refreshed by pulumi refresh). */
export class ProvisioningStatus extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly scheduleState: pulumi.Output<string>;
  declare readonly statusCode: pulumi.Output<string>;
  declare readonly lastExecutionState: pulumi.Output<string>;
  declare readonly lastExecutionTime: pulumi.Output<string>;
  declare readonly quarantineReason: pulumi.Output<string>;
  declare readonly quarantineSince: pulumi.Output<string>;
  declare readonly steadyStateLastAchievedTime: pulumi.Output<string>;
  declare readonly countSuccessiveCompleteFailures: pulumi.Output<number>;
  declare readonly synchronizedEntryCounts: pulumi.Output<Record<string, number>>;
  declare readonly troubleshootingUrl: pulumi.Output<string>;

  constructor(name: string, args: ProvisioningStatusArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provisioningStatusShim,
      name,
      {
        ...args,
        scheduleState: undefined,
        statusCode: undefined,
        lastExecutionState: undefined,
        lastExecutionTime: undefined,
        quarantineReason: undefined,
        quarantineSince: undefined,
        steadyStateLastAchievedTime: undefined,
        countSuccessiveCompleteFailures: undefined,
        synchronizedEntryCounts: undefined,
        troubleshootingUrl: undefined,
      },
      opts,
      "gotomeeting",
      "ProvisioningStatus",
    );
  }
}
