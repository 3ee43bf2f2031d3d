// Runs index.ts as `pulumi up` runs it — Pulumi's Node language host entry (@pulumi/pulumi/cmd/run,
// which loads TypeScript through ts-node) against a fake resource monitor and engine — and returns
// every resource registration, including each dynamic resource's serialized provider (`__provider`).
// The work happens in a child process (test/engine/capture.ts), never inside vitest: vitest's module
// transform would leak into the serialized closures, so what it serializes is not what the state stores.
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { EngineLogEntry, PropertyMap } from "./engineService";

export const PROJECT = "gotomeeting-provisioning";
export const ROOT = path.resolve(__dirname, "..", "..");
export const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/gotomeeting:";

export interface CaptureConfig {
  stack: string;
  /** Runtime config map, as the CLI hands it to the language host ("project:key" → text). */
  config: Record<string, string>;
  /** Fully qualified keys whose values are secrets. */
  secretKeys: string[];
  /** Object id the fake monitor gives the gallery app's service principal. */
  servicePrincipalObjectId?: string;
  /** Id the fake monitor gives the provisioning job (the last segment of the azuread job id). */
  jobId?: string;
  /** A preview: custom resources get no ids and their outputs stay unknown. Default false. */
  dryRun?: boolean;
}

export interface Registration {
  type: string;
  name: string;
  urn: string;
  /** Parent URN; "" for the stack itself. */
  parent: string;
  custom: boolean;
  /** Inputs as the monitor received them: secrets as the envelope, `__provider` included. */
  inputs: PropertyMap;
  /** Dynamic resources: the serialized provider text (unwrapped if the SDK marked it secret). */
  provider?: string;
  /** Dynamic resources: true when the SDK marked `__provider` secret (the closure captured a secret). */
  providerSecret?: boolean;
  additionalSecretOutputs: string[];
  dependencies: string[];
  /** What the fake monitor answered. */
  id: string;
  outputs: PropertyMap;
}

export interface InvokeRecord {
  token: string;
  args: PropertyMap;
}

export interface CaptureResult {
  registrations: Registration[];
  invokes: InvokeRecord[];
  /** Messages the program sent to the Engine service. */
  logs: EngineLogEntry[];
  /** Stack outputs as registered (secrets as the envelope). */
  stackOutputs: PropertyMap;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** The job capture.ts reads from its standard input. */
export interface CaptureJob extends CaptureConfig {
  project: string;
  root: string;
}

/** Environment for a child that must look like one the Pulumi CLI starts, not a vitest worker. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_OPTIONS$|TS_NODE_|PULUMI_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs the program once and returns everything the fake engine saw. */
export async function captureProgram(config: CaptureConfig): Promise<CaptureResult> {
  const job: CaptureJob = { ...config, project: PROJECT, root: ROOT };
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "capture.ts")],
    { cwd: ROOT, env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) {
    throw new Error(`test/engine/capture.ts exited with ${code}:\n${err}\n${out}`);
  }
  return JSON.parse(out) as CaptureResult;
}

/**
 * Every registration of one program run. Fails with the program's own messages when it did not
 * finish cleanly (a closure that cannot be serialized, a config error, a crash).
 */
export async function captureRegistrations(config: CaptureConfig): Promise<Registration[]> {
  const result = await captureProgram(config);
  if (result.exitCode !== 0) {
    const errors = result.logs.filter((l) => l.severity === "error").map((l) => l.message);
    throw new Error(
      `index.ts (stack ${config.stack}) exited with ${result.exitCode}:\n${[...errors, result.stderr].join("\n")}`,
    );
  }
  return result.registrations;
}

/** The registrations of dynamic resources, by type name (e.g. "TestConnection"). */
export function dynamicResources(registrations: Registration[]): Map<string, Registration[]> {
  const byType = new Map<string, Registration[]>();
  for (const r of registrations) {
    if (!r.type.startsWith(DYNAMIC_PREFIX)) continue;
    const name = r.type.slice(DYNAMIC_PREFIX.length);
    byType.set(name, [...(byType.get(name) ?? []), r]);
  }
  return byType;
}
