// The pure half of ProvisionOnDemand: reading Graph's answer and deciding whether the pilot worked.
//
// Graph answers 200 with ONE stringKeyStringValuePair whose `key` and `value` are JSON documents
// encoded as strings (entra-goto-facts F9, [S42]): `key` → {result, details{errorCode, errorMessage}},
// `value` → the provisioning record with its provisioningSteps, or {}. A 200 is also the answer for
// a run that was skipped or failed, so the status code alone proves nothing.
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { GUID } from "../../model/connector";
import { describe } from "../../model/text";
import { UNKNOWN } from "../../model/unknown";
import { checkJobId, checkServicePrincipalId } from "../graphResource";

export interface ProvisionOnDemandInputs {
  servicePrincipalId: string;
  jobId: string;
  /** The synchronization rule that provisions Entra users (the template's user rule). */
  ruleId: string;
  /** Object id of the user to provision. */
  objectId: string;
  /** Whether the job may provision now: provisioning enabled and Test Connection passed. */
  ready: boolean;
}

export interface ProvisioningStepSummary {
  name: string;
  type: string;
  status: string;
  description: string;
}

export interface ProvisionOnDemandOutputs extends ProvisionOnDemandInputs {
  /** "Success", "Skipped" (already in sync), or "Waiting" (not ready: nothing was sent). */
  result: string;
  errorCode: string;
  errorMessage: string;
  /** What the service did in the app (e.g. "Create", "Update"); "" when unknown. */
  action: string;
  steps: ProvisioningStepSummary[];
  /** When it ran (ISO 8601); "" while waiting. */
  ranAt: string;
}

export interface OnDemandOutcome {
  result: string;
  errorCode: string;
  errorMessage: string;
  action: string;
  steps: ProvisioningStepSummary[];
}

function jsonText(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "string") throw new Error(`${what} is not JSON text`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** What the answer must hold before a verdict is read from it; undefined when it does. */
export function answerShapeProblem(body: unknown): string | undefined {
  try {
    parseAnswer(body);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The outcome in Graph's answer; throws a short description when the answer is unreadable. */
export function parseAnswer(body: unknown): OnDemandOutcome {
  const pair = body as { key?: unknown; value?: unknown } | null;
  if (!pair || typeof pair !== "object" || Array.isArray(pair)) {
    throw new Error("the body is not a key/value pair");
  }
  const key = jsonText(pair.key, "key");
  if (typeof key.result !== "string" || key.result === "") throw new Error("key has no result");
  const details = (key.details ?? {}) as Record<string, unknown>;
  const record = pair.value === undefined ? {} : jsonText(pair.value, "value");
  const steps = Array.isArray(record.provisioningSteps) ? record.provisioningSteps : [];
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    result: key.result,
    errorCode: text(details.errorCode),
    errorMessage: text(details.errorMessage),
    action: text(record.action),
    steps: steps.map((s: unknown) => {
      const step = (s ?? {}) as Record<string, unknown>;
      return {
        name: text(step.name),
        type: text(step.type),
        status: text(step.status),
        description: text(step.description),
      };
    }),
  };
}

/**
 * Whether the pilot worked. "Success" did; "Skipped" with RedundantExport means source and app
 * already match ([S42]'s sample). Anything else — another skip reason, "Failure" (a spelling no
 * sample shows) or an unknown result — did not, and the message names the step that failed.
 */
export function verdict(outcome: OnDemandOutcome, objectId: string): string | undefined {
  if (outcome.result === "Success") return undefined;
  if (outcome.result === "Skipped" && outcome.errorCode === "RedundantExport") return undefined;
  const failed =
    outcome.steps.find((s) => !/^(success|succeeded|skipped)$/i.test(s.status)) ??
    outcome.steps[outcome.steps.length - 1];
  const step = failed
    ? ` at step "${failed.name}"${failed.type ? ` (${failed.type})` : ""}: ${failed.description || failed.status}`
    : "";
  const reason = [outcome.errorCode, outcome.errorMessage].filter((x) => x).join(": ");
  return (
    `Provisioning the pilot user ${objectId} on demand did not succeed: result ${outcome.result}` +
    `${reason ? ` (${reason})` : ""}${step}. The job and its settings are in place; fix the cause (the ` +
    "provisioning logs show the same steps), then run pulumi up again to retry the pilot."
  );
}

export function checkProvisionOnDemandInputs(
  news: Partial<ProvisionOnDemandInputs>,
): CheckFailure[] {
  const failures: CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkJobId(news.jobId, failures);
  const ruleId: unknown = news.ruleId;
  if (
    ruleId !== UNKNOWN &&
    (typeof ruleId !== "string" || ruleId.trim() === "" || /[/?#\s]/.test(ruleId))
  ) {
    failures.push({
      property: "ruleId",
      reason:
        `ruleId must be the id of the synchronization rule that provisions users; got ${describe(ruleId)}. ` +
        "The template offers no such rule, so on-demand provisioning of a pilot cannot work with it: remove pilotUser.",
    });
  }
  const objectId: unknown = news.objectId;
  if (objectId !== UNKNOWN && (typeof objectId !== "string" || !GUID.test(objectId))) {
    failures.push({
      property: "objectId",
      reason: `objectId must be the pilot user's object id (a GUID); got ${describe(objectId)}.`,
    });
  }
  const ready: unknown = news.ready;
  if (ready !== UNKNOWN && typeof ready !== "boolean") {
    failures.push({
      property: "ready",
      reason: `ready must be true or false; got ${describe(ready)}.`,
    });
  }
  return failures;
}

export function inputsOf(v: ProvisionOnDemandInputs): ProvisionOnDemandInputs {
  return {
    servicePrincipalId: v.servicePrincipalId,
    jobId: v.jobId,
    ruleId: v.ruleId,
    objectId: v.objectId,
    ready: v.ready,
  };
}

/** Worked before (Success or already in sync): nothing to repeat while nothing changed. */
export function succeeded(outs: Pick<ProvisionOnDemandOutputs, "result" | "errorCode">): boolean {
  return (
    outs.result === "Success" || (outs.result === "Skipped" && outs.errorCode === "RedundantExport")
  );
}
