// What the Graph-backed dynamic resources share: id checks, request paths, replication advice and
// the equality their diffs use. Plain functions and constants only: no settings, clients or npm
// objects, so the providers stay loadable anywhere.
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { GraphClient, GraphError, GraphSettings, createGraphClient } from "../lib/graph";
import { GUID } from "../model/connector";
import { describe } from "../model/text";
import { UNKNOWN } from "../model/unknown";

export { UNKNOWN, containsUnknown } from "../model/unknown";
export type { Connector } from "../model/connector";

/** Entra replicates a freshly instantiated app (and its new job) lazily: right after creation Graph
 *  answers 404, 401 UnknownError, 403 or 409 for a while (entra-goto-facts F5). Longer than this
 *  means the id or the permission is really wrong. */
export const REPLICATION_GRACE_MS = 300_000;

export const REPLICATION_HINT =
  "Entra may still be replicating the newly created app or job (Graph answers 404, 401, 403 or 409 for a " +
  "few minutes after an app is instantiated); run pulumi up again in a few minutes. If it keeps failing, " +
  "check that servicePrincipalId is the service principal's object id and that the deploying identity " +
  "has Synchronization.ReadWrite.All.";

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
        `servicePrincipalId must be the service principal's object id (a GUID); got ${describe(value)}. ` +
        "Pass the servicePrincipal object id from azuread.ApplicationFromTemplate (servicePrincipalObjectId).",
    });
  }
}

/**
 * Why a Graph id cannot be one URL path segment, or undefined when it can. Ids are opaque:
 * Microsoft prints job ids in several forms (three dot-separated parts ending in a hyphenated GUID,
 * two parts, a bare GUID; entra-goto-facts F1), so only what would change the request path is
 * refused: `/ ? # %`, whitespace, control characters, and the dot segments `.` and `..`.
 */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === "") return "is empty";
  if (value === "." || value === "..")
    return `is "${value}", which names no object but a path step`;
  // eslint-disable-next-line no-control-regex
  const bad = /[/?#%\s\u0000-\u001f\u007f]/.exec(value);
  if (bad) {
    const c = bad[0];
    const code = c.charCodeAt(0);
    const shown =
      /\s/.test(c) || code < 0x20 || code === 0x7f
        ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}`
        : `"${c}"`;
    return `contains ${shown}, which would change the request path`;
  }
  return undefined;
}

export function checkJobId(value: unknown, failures: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  const problem =
    typeof value === "string" ? pathSegmentProblem(value) : `is ${describe(value)}, not text`;
  if (problem) {
    failures.push({
      property: "jobId",
      reason:
        `jobId ${problem}; it must be the synchronization job's id, e.g. ` +
        '"gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5". ' +
        "Pass the id output of azuread.SynchronizationJob (its last path segment).",
    });
  }
}

export function checkConnector(value: unknown, failures: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  if (value !== "gotomeeting" && value !== "goto") {
    failures.push({
      property: "connector",
      reason: `connector must be "gotomeeting" or "goto"; got ${describe(value)}. Fix: pulumi config set connector goto`,
    });
  }
}

/** `/servicePrincipals/{id}/synchronization`, the id encoded as one path segment. */
export function synchronizationPath(servicePrincipalId: string): string {
  return `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/synchronization`;
}

export function jobPath(servicePrincipalId: string, jobId: string): string {
  // A dot segment survives encodeURIComponent and would be resolved away by URL parsing; check()
  // refuses it, and this refuses it again for any caller that skipped check.
  if (jobId === "." || jobId === "..") throw new Error(`jobId "${jobId}" is not a job id`);
  return `${synchronizationPath(servicePrincipalId)}/jobs/${encodeURIComponent(jobId)}`;
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

/** Re-raises a replication-shaped failure that outlived the grace with advice instead of Graph's
 *  bare text. */
export async function withReplicationHint<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    // Checked by name, not instanceof: a provider host may hold its own copy of the class.
    const e = err as GraphError;
    if (e instanceof Error && e.name === "GraphError" && e.status === 404) {
      throw new GraphError(e.status, e.code, e.graphMessage, e.method, e.path, REPLICATION_HINT);
    }
    throw err;
  }
}

/** What GET secrets must hold before a decision may rest on it (a whole-set PUT, "nothing is authorized"). */
export function secretListProblem(body: unknown): string | undefined {
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return "the body has no value list";
  if (
    value.some(
      (p) => !p || typeof p !== "object" || typeof (p as { key?: unknown }).key !== "string",
    )
  ) {
    return "a listed secret has no key";
  }
  return undefined;
}
