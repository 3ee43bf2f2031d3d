// Which Pulumi CLI the real-engine tests use, and a runner for it.
//
// Order: $PULUMI_E2E_CLI (a pulumi binary; its folder, or PATH, must hold pulumi-language-nodejs
// too), then the repository's build (.pulumi-cli/bin/pulumi; refreshed by scripts/build-pulumi-cli.sh
// when `go` exists), then a build when `go` exists, then `pulumi` on PATH. Without any of them the
// tests are skipped, except with CI=true, where a missing CLI is a failure.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "../..");
export const BUILT_CLI = path.join(REPO, ".pulumi-cli", "bin", "pulumi");
export const BUILD_SCRIPT = path.join(REPO, "scripts", "build-pulumi-cli.sh");
export const POLICY_SHIM = path.join(
  REPO,
  ".pulumi-cli",
  "shims",
  "pulumi-analyzer-policy-nodejspolicy",
);

export const ENABLE_HINT =
  "build it with bash scripts/build-pulumi-cli.sh (needs Go >= 1.25), or set PULUMI_E2E_CLI=/path/to/pulumi";

export type CliPlan =
  | { kind: "use"; cli: string; source: string; refresh: boolean }
  | { kind: "build"; cli: string; source: string }
  | { kind: "missing"; reason: string };

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, search = process.env.PATH ?? ""): string | undefined {
  for (const dir of search.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Decides without running anything slow (called at collection time): $PULUMI_E2E_CLI, then the
 * repository's build (refreshed by the build script when go exists), then a build when go exists,
 * then `pulumi` on PATH. `where` overrides the locations, for testing this function.
 */
export function planCli(
  env: NodeJS.ProcessEnv = process.env,
  where: { builtCli?: string; path?: string } = {},
): CliPlan {
  const built = where.builtCli ?? BUILT_CLI;
  const search = where.path ?? env.PATH ?? "";
  const given = env.PULUMI_E2E_CLI?.trim();
  if (given) {
    if (!executable(given)) {
      return { kind: "missing", reason: `PULUMI_E2E_CLI=${given} is not an executable file` };
    }
    return { kind: "use", cli: path.resolve(given), source: "PULUMI_E2E_CLI", refresh: false };
  }
  const go = onPath("go", search) !== undefined;
  if (executable(built)) {
    // With go, the build script checks the stamp (0.01 s when current) and rebuilds a stale build.
    return { kind: "use", cli: built, source: ".pulumi-cli/bin (built)", refresh: go };
  }
  if (go) return { kind: "build", cli: built, source: "scripts/build-pulumi-cli.sh" };
  const fromPath = onPath("pulumi", search);
  if (fromPath) return { kind: "use", cli: fromPath, source: "PATH", refresh: false };
  return {
    kind: "missing",
    reason:
      "no Pulumi CLI: PULUMI_E2E_CLI is unset, .pulumi-cli/bin/pulumi is not built, go is not on PATH to build it, and no pulumi is on PATH",
  };
}

/** Runs the build script (cold: ~6.5 min; cached: one line). Throws with its output on failure. */
export function buildCli(): { ms: number; output: string } {
  const started = Date.now();
  const r = spawnSync("bash", [BUILD_SCRIPT], { cwd: REPO, encoding: "utf8" });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
  if (r.status !== 0)
    throw new Error(`bash scripts/build-pulumi-cli.sh failed (exit ${r.status}):\n${output}`);
  return { ms: Date.now() - started, output };
}

export interface RunResult {
  /** The arguments after `pulumi`. */
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the command after this long. Default 240 s. */
  timeoutMs?: number;
}

/** Runs `pulumi <args>` (no shell) and collects everything it printed. */
export function run(cli: string, args: string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 240_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        args,
        code: code ?? (signal ? 128 : 1),
        stdout,
        stderr: signal
          ? `${stderr}\n[killed by ${signal} after ${Date.now() - started} ms]`
          : stderr,
        ms: Date.now() - started,
      });
    });
  });
}

/** A failed command as an Error message: the command, exit code and its output. */
export function describeRun(r: RunResult): string {
  return `pulumi ${r.args.join(" ")} → exit ${r.code} after ${r.ms} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
