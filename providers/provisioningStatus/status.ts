// The pure half of ProvisioningStatus: the job's health read from what Graph documents, the one
// action that brings it where the stack wants it, and the flat status the stack exports.
//
// Health comes from `status.code` and `status.quarantine`, never from `schedule.state` alone: a
// quarantined job keeps `schedule.state` "Active" while `status.code` is "Quarantine"
// (entra-goto-facts F7, [S74]); the reference get-job sample carries a quarantine object whose
// dates and reason are "" on a merely paused job ([S88]), so that object alone proves nothing.
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { describe } from "../../model/text";
import { UNKNOWN } from "../../model/unknown";
import { checkJobId, checkServicePrincipalId } from "../graphResource";

export interface ProvisioningStatusInputs {
  servicePrincipalId: string;
  jobId: string;
  /** Whether the job should run (provisioningEnabled and Test Connection passed). */
  enabled: boolean;
  /** Release a TooManyDeletes quarantine on this run (restart with ForceDeletes). Default false. */
  allowMassDeletion?: boolean;
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

/** Graph reports "never" as .NET's minimum date, and some samples as ""; both mean no time. */
function time(value: string | null | undefined): string {
  return !value || value.startsWith("0001-01-01") ? "" : value;
}

const SCHEDULE_STATES = ["Active", "Disabled", "Paused"];

/** What a decision needs from GET job; undefined when the answer has it. */
export function jobShapeProblem(body: unknown): string | undefined {
  const job = body as MSGraph.SynchronizationJob | null;
  if (!job || typeof job !== "object" || Array.isArray(job)) return "the body is not a job object";
  const state = job.schedule?.state;
  if (typeof state !== "string" || !SCHEDULE_STATES.includes(state)) {
    return `schedule.state is ${describe(state)}, not one of ${SCHEDULE_STATES.join(", ")}`;
  }
  if (job.status !== undefined && job.status !== null && typeof job.status !== "object") {
    return "status is not an object";
  }
  const code = job.status?.code;
  if (code !== undefined && code !== null && typeof code !== "string")
    return "status.code is not text";
  return undefined;
}

/** True while Graph reports the job quarantined (status.code "Quarantine", F7). */
export function isQuarantined(job: MSGraph.SynchronizationJob): boolean {
  return job.status?.code === "Quarantine";
}

/**
 * A quarantine caused by the accidental-deletion threshold. `TooManyDeletes` is a documented
 * reason ([S17]); that the threshold produces exactly it is inferred (the job setting is named
 * QuarantineTooManyDeletesThreshold, [S8]), so the error code is consulted as well.
 */
export function isDeletionThresholdQuarantine(job: MSGraph.SynchronizationJob): boolean {
  if (!isQuarantined(job)) return false;
  const q = job.status?.quarantine;
  return q?.reason === "TooManyDeletes" || /TooManyDeletes/i.test(q?.error?.code ?? "");
}

/** Whether the job runs as the stack wants: scheduled Active and not quarantined. */
export function isRunning(job: MSGraph.SynchronizationJob): boolean {
  return job.schedule?.state === "Active" && !isQuarantined(job);
}

export type StatusAction =
  | { kind: "none" }
  | { kind: "start" }
  | { kind: "pause" }
  | { kind: "restart"; resetScope: string }
  | { kind: "refuse"; message: string };

/** The documented restart scope that lets deletions held by the threshold through ([S25][S26]). */
export const FORCE_DELETES = "ForceDeletes";

export function deletionThresholdMessage(job: MSGraph.SynchronizationJob, jobId: string): string {
  const q = job.status?.quarantine;
  const since = time(q?.currentBegan);
  return (
    `The provisioning job ${jobId} is quarantined because a cycle would delete more accounts than the ` +
    `deletion threshold allows (reason ${q?.reason || "TooManyDeletes"}${since ? `, since ${since}` : ""}). ` +
    "Entra holds those deletions back (they show as StagedDelete in the provisioning logs) and sends the " +
    "notification e-mail. Review them in Entra admin center → Enterprise apps → your app → Provisioning logs. " +
    "If they are intended, release them for this one run: pulumi config set allowMassDeletion true, " +
    "pulumi up, then pulumi config rm allowMassDeletion. Otherwise fix the cause (assignments, scope, " +
    "scoping filters) or raise deleteThreshold; the job stays quarantined until then."
  );
}

/**
 * The one call that brings the job where the stack wants it. Graph documents `start` for paused
 * or quarantined jobs and warns against calling it on a running one ([S24]); a deletion-threshold
 * quarantine is released only by `restart` with ForceDeletes, and only when the stack says so.
 */
export function decideAction(
  job: MSGraph.SynchronizationJob,
  inputs: Pick<ProvisioningStatusInputs, "enabled" | "allowMassDeletion" | "jobId">,
): StatusAction {
  const scheduled = job.schedule?.state === "Active";
  if (!inputs.enabled) return scheduled ? { kind: "pause" } : { kind: "none" };
  if (isDeletionThresholdQuarantine(job)) {
    return inputs.allowMassDeletion
      ? { kind: "restart", resetScope: FORCE_DELETES }
      : { kind: "refuse", message: deletionThresholdMessage(job, inputs.jobId) };
  }
  if (isQuarantined(job) || !scheduled) return { kind: "start" };
  return { kind: "none" };
}

/** The job's status in the flat form the stack exports. */
export function statusFields(job: MSGraph.SynchronizationJob): StatusFields {
  const status = job.status ?? {};
  const last = status.lastExecution;
  const counts: Record<string, number> = {};
  for (const pair of status.synchronizedEntryCountByType ?? []) {
    if (pair.key) counts[pair.key] = pair.value ?? 0;
  }
  const quarantined = isQuarantined(job);
  return {
    scheduleState: job.schedule?.state ?? "",
    statusCode: status.code ?? "",
    lastExecutionState: last?.state ?? "",
    lastExecutionTime: time(last?.timeEnded) || time(last?.timeBegan),
    quarantineReason: quarantined ? status.quarantine?.reason || "Unknown" : "",
    quarantineSince: quarantined ? time(status.quarantine?.currentBegan) : "",
    steadyStateLastAchievedTime: time(status.steadyStateLastAchievedTime),
    countSuccessiveCompleteFailures: status.countSuccessiveCompleteFailures ?? 0,
    synchronizedEntryCounts: counts,
    troubleshootingUrl: status.troubleshootingUrl ?? "",
  };
}

/** What an action does to the job, so no second GET is needed to report it. */
export function afterAction(
  fields: StatusFields,
  action: "start" | "pause" | "restart",
): StatusFields {
  if (action === "pause") return { ...fields, scheduleState: "Paused", statusCode: "Paused" };
  // Graph documents that start lifts a quarantine, and restart with ForceDeletes the threshold's.
  return {
    ...fields,
    scheduleState: "Active",
    statusCode: "Active",
    quarantineReason: "",
    quarantineSince: "",
  };
}

export function checkProvisioningStatusInputs(news: Partial<ProvisioningStatusInputs>) {
  const failures: CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkJobId(news.jobId, failures);
  const enabled: unknown = news.enabled;
  if (enabled !== UNKNOWN && typeof enabled !== "boolean") {
    failures.push({
      property: "enabled",
      reason: `enabled must be true or false; got ${describe(enabled)}. Fix: pulumi config set provisioningEnabled true`,
    });
  }
  const allow: unknown = news.allowMassDeletion;
  if (allow !== undefined && allow !== UNKNOWN && typeof allow !== "boolean") {
    failures.push({
      property: "allowMassDeletion",
      reason: `allowMassDeletion must be true or false; got ${describe(allow)}. Fix: pulumi config set allowMassDeletion true (for one run)`,
    });
  }
  return failures;
}

export function inputsOf(v: ProvisioningStatusInputs): ProvisioningStatusInputs {
  return {
    servicePrincipalId: v.servicePrincipalId,
    jobId: v.jobId,
    enabled: v.enabled,
    allowMassDeletion: v.allowMassDeletion ?? false,
  };
}

/** What refresh records as the job's inputs: running means "enabled", a quarantine does not. */
export function liveInputs(
  old: ProvisioningStatusInputs,
  job: MSGraph.SynchronizationJob,
): ProvisioningStatusInputs {
  return { ...inputsOf(old), enabled: isRunning(job) };
}
