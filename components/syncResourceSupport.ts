// Helpers shared by the small Graph-backed dynamic resources (template discovery, Test Connection,
// provisioning status, guarded settings). Providers capture this module by value, so it holds only
// plain functions and constants: no settings, no clients, no npm objects.
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { GraphClient, GraphError, GraphSettings, createGraphClient } from "../lib/graph";

/** The value an input has during preview when it depends on a resource not created yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Entra replicates a freshly instantiated app (and its new job) lazily: reads made right after
 *  creation answer 404 for up to a few minutes. Longer than that means the id is wrong. */
export const REPLICATION_GRACE_MS = 300_000;

export const REPLICATION_HINT =
  "Entra may still be replicating the newly created app or job; run pulumi up again in a few minutes. " +
  "If it keeps failing, check that servicePrincipalId is the service principal's object id.";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Connector = "gotomeeting" | "goto";

/** True when the value (or anything inside it) is not known yet, as during a preview. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Builds the client for one provider call; the settings come from configure(), never the closure. */
export function graphClient(settings: GraphSettings | undefined, resource: string): GraphClient {
  if (!settings) {
    throw new Error(
      `The ${resource} provider was used before configure() gave it the stack config (graphApiUrl, ` +
        "graphAccessToken, apiTimeoutSeconds…). This is a bug in the program, not in your settings.",
    );
  }
  return createGraphClient(settings);
}

export function checkServicePrincipalId(value: unknown, failures: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  if (typeof value !== "string" || !GUID.test(value)) {
    failures.push({
      property: "servicePrincipalId",
      reason:
        `servicePrincipalId must be the service principal's object id (a GUID); got ${quoteValue(value)}. ` +
        "Pass the servicePrincipal object id from azuread.ApplicationFromTemplate (servicePrincipalObjectId).",
    });
  }
}

export function checkJobId(value: unknown, failures: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  // Graph job ids are "<templateId>.<hex>"; a slash or blank would change the request path.
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9.]+$/.test(value)) {
    failures.push({
      property: "jobId",
      reason:
        `jobId must be a synchronization job id like "GoTo.0a1b2c…"; got ${quoteValue(value)}. ` +
        "Pass the id output of azuread.SynchronizationJob.",
    });
  }
}

export function checkConnector(value: unknown, failures: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  if (value !== "gotomeeting" && value !== "goto") {
    failures.push({
      property: "connector",
      reason: `connector must be "gotomeeting" or "goto"; got ${quoteValue(value)}. Fix: pulumi config set connector goto`,
    });
  }
}

/** A short, safe rendering of a bad non-secret value for check messages. */
export function quoteValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value);
  if (Array.isArray(value)) return "a list";
  return value === null ? "null" : typeof value;
}

export function jobPath(servicePrincipalId: string, jobId: string): string {
  return `/servicePrincipals/${servicePrincipalId}/synchronization/jobs/${jobId}`;
}

/** Names of the changed properties among `keys`; unknown new values count as changed. */
export function changedKeys<T extends object>(
  olds: Partial<T>,
  news: Partial<T>,
  keys: readonly (keyof T & string)[],
): string[] {
  return keys.filter((k) => news[k] === UNKNOWN || !sameValue(olds[k], news[k]));
}

/** Deep equality for JSON-like values with object keys in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => sameValue(x, b[i]))
    );
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return (
      ka.length === kb.length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return false;
}

/** Re-raises a 404 that outlived the replication grace with advice instead of Graph's bare text. */
export async function withReplicationHint<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    // Checked by name, not instanceof: serialized providers may hold their own copy of the class.
    const e = err as GraphError;
    if (e instanceof Error && e.name === "GraphError" && e.status === 404) {
      throw new GraphError(e.status, e.code, e.graphMessage, e.method, e.path, REPLICATION_HINT);
    }
    throw err;
  }
}
