// Program evaluation under Pulumi's mocks: index.ts against bench/flatProgram.ts (the same azuread
// resources declared directly), with N assignments. Every measurement runs in a fresh child process,
// so its peak memory is the child's own maxRSS and no run warms the next one's caches.
//
// In the child, before the clock starts: the SDKs both programs share (@pulumi/pulumi, @pulumi/azuread
// and the azuread resource modules both use, which the package loads lazily) and the mock runtime are
// loaded, and every local TypeScript file of the measured program is compiled by ts-node. The clock
// then runs from just before `require(entry)` to the last registration and the stack outputs resolved:
// the program's own modules executing (zod and the config schema included), config validation,
// component and resource construction, dynamic-provider serialization and every apply.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { MockBehaviour, RunResult } from "../scripts/mockRuntime";
// Tenant-like answers for `pulumi up` (not preview), so every apply of both programs runs.
import { DYNAMIC_OUTPUTS } from "../test/helpers/tenant";

export type Variant = "real" | "flat";

const ROOT = path.resolve(__dirname, "..");
const PROJECT = "gotomeeting-provisioning";
const SP_OBJECT_ID = "5a1e7c1d-0000-4000-8000-00000000a5b0";
const APP_ID = "11111111-2222-4333-8444-555555555555";
const USER_ROLE_ID = "a1b2c3d4-1111-4222-8333-444455556666";
const JOB_ID = "GoToMeeting.0f0e0d0c0b0a09080706050403020100";

/** One child's measurement. */
export interface ProgramSample {
  variant: Variant;
  assignments: number;
  /** Wall time from just before loading the program to all registrations done, ms. */
  evalMs: number;
  /** process.resourceUsage().maxRSS of the child, KiB. */
  maxRssKb: number;
  /** RSS just before the clock started (SDKs loaded, program compiled), KiB. */
  baselineRssKb: number;
  /** Resources the program registered (the stack, components and custom resources). */
  registrations: number;
  customResources: number;
}

export interface ProgramSizeResult {
  assignments: number;
  repeats: number;
  real: ProgramSample[];
  flat: ProgramSample[];
  /** Medians over the repeats. */
  realMs: number;
  flatMs: number;
  realRssKb: number;
  flatRssKb: number;
  realBaselineKb: number;
  flatBaselineKb: number;
  timeRatio: number;
  memoryRatio: number;
}

export interface ProgramBenchResult {
  sizes: ProgramSizeResult[];
  /**
   * Median wall time, in a fresh process, of serializing the three dynamic providers the benchmark's
   * configuration registers (SynchronizationTemplate, TestConnection, ProvisioningStatus) as
   * pulumi.dynamic.Resource does: a fixed cost the flat program does not have.
   */
  providerSerializationMs: number;
  /** Per provider, in declaration order; the first also opens the serializer's inspector session. */
  providerSerializationEachMs: number[];
}

/** Deterministic group object ids: assignments by id, so neither program looks anything up. */
export function groupObjectId(i: number): string {
  const h = i.toString(16).padStart(12, "0");
  return `${h.slice(0, 8)}-0000-4000-8000-${h}`;
}

/** The stack config both programs read (runtime config map, project-qualified keys). */
export function benchConfig(assignments: number): Record<string, string> {
  const list = Array.from({ length: assignments }, (_, i) => ({
    group: groupObjectId(i),
    role: "User",
  }));
  return {
    [`${PROJECT}:connector`]: "gotomeeting",
    [`${PROJECT}:adminUserName`]: "gotomeeting-admin@contoso.com",
    [`${PROJECT}:adminPassword`]: "bench-only-password",
    [`${PROJECT}:notificationEmail`]: "provisioning-alerts@contoso.com",
    [`${PROJECT}:assignments`]: JSON.stringify(list),
  };
}

const APP_ROLES = [
  { id: USER_ROLE_ID, value: "User", displayName: "User", enabled: true },
  {
    id: "7dfd756e-8c27-4472-b2b7-38c17fc5de5e",
    value: "msiam_access",
    displayName: "msiam_access",
    enabled: true,
  },
];

export const benchMocks: MockBehaviour = {
  newResource(args: pulumi.runtime.MockResourceArgs) {
    switch (args.type) {
      case "azuread:index/applicationFromTemplate:ApplicationFromTemplate":
        return {
          id: `/applications/${APP_ID}`,
          state: {
            applicationId: APP_ID,
            applicationObjectId: "22222222-2222-4222-8222-222222222222",
            servicePrincipalId: `/servicePrincipals/${SP_OBJECT_ID}`,
            servicePrincipalObjectId: SP_OBJECT_ID,
          },
        };
      case "azuread:index/synchronizationJob:SynchronizationJob":
        return { id: `/servicePrincipals/${SP_OBJECT_ID}/synchronization/jobs/${JOB_ID}` };
      default:
        return { state: DYNAMIC_OUTPUTS[args.type] ?? {} };
    }
  },
  call(args: pulumi.runtime.MockCallArgs) {
    switch (args.token) {
      case "azuread:index/getApplicationTemplate:getApplicationTemplate":
        return {
          ...args.inputs,
          id: "tmpl",
          templateId: "gallery-template-id",
          supportedProvisioningTypes: ["sync"],
        };
      case "azuread:index/getServicePrincipal:getServicePrincipal":
        return { ...args.inputs, id: SP_OBJECT_ID, clientId: APP_ID, appRoles: APP_ROLES };
      default:
        throw new Error(`bench: unmocked call ${args.token}`);
    }
  },
};

/** The program's entry and every local module it may load. */
function programFiles(variant: Variant): { entry: string; files: string[] } {
  if (variant === "flat") {
    const entry = path.join(ROOT, "bench", "flatProgram.ts");
    return { entry, files: [entry] };
  }
  const entry = path.join(ROOT, "index.ts");
  const files = [entry];
  for (const dir of ["config", "model", "components", "providers", "lib"]) {
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]) {
      if (f.endsWith(".ts") && !f.endsWith(".test.ts")) files.push(path.join(ROOT, dir, f));
    }
  }
  return { entry, files };
}

interface CompilingModule {
  _compile(code: string, filename: string): void;
}

/**
 * Compiles the program's files with the ts-node instance that loaded this child, and serves the
 * output from memory when they are required, so the clock measures evaluation, not compilation.
 */
function precompile(files: string[]): void {
  const { REGISTER_INSTANCE } = require("ts-node") as typeof import("ts-node");
  const service = (process as unknown as Record<symbol, import("ts-node").Service | undefined>)[
    REGISTER_INSTANCE
  ];
  if (!service) throw new Error("bench/program.ts: run the child with -r ts-node/register");
  const compiled = new Map<string, string>();
  for (const f of files) compiled.set(f, service.compile(fs.readFileSync(f, "utf8"), f));
  // require.extensions is deprecated but is the hook ts-node itself installs; nothing else serves .ts.
  const original = require.extensions[".ts"];
  if (!original) throw new Error("bench/program.ts: ts-node registered no .ts loader");
  require.extensions[".ts"] = (m, filename) => {
    const js = compiled.get(filename);
    if (js === undefined) return original(m, filename);
    (m as unknown as CompilingModule)._compile(js, filename);
  };
}

async function measureInChild(variant: Variant, assignments: number): Promise<ProgramSample> {
  // What both programs share is loaded before the clock: the SDKs and the azuread modules they use.
  const azuread = require("@pulumi/azuread") as Record<string, unknown>;
  for (const name of [
    "ApplicationFromTemplate",
    "AppRoleAssignment",
    "SynchronizationJob",
    "SynchronizationSecret",
    "SynchronizationJobProvisionOnDemand",
    "getApplicationTemplateOutput",
    "getServicePrincipalOutput",
  ]) {
    if (azuread[name] === undefined) throw new Error(`bench: @pulumi/azuread lacks ${name}`);
  }
  const { runProgram } =
    require("../scripts/mockRuntime") as typeof import("../scripts/mockRuntime");
  const pulumiSdk = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const { entry, files } = programFiles(variant);
  precompile(files);
  const config = benchConfig(assignments);

  const baselineRssKb = Math.round(process.memoryUsage().rss / 1024);
  let start = 0;
  const result: RunResult = await runProgram({
    project: PROJECT,
    stack: "bench",
    config,
    secretKeys: [`${PROJECT}:adminPassword`],
    preview: false,
    mocks: benchMocks,
    load: () => {
      start = performance.now();
      // As the language host runs every program: inside the root Stack component, which becomes the
      // parent of each top-level resource (so the SDK keeps them reachable, as in `pulumi up`).
      // (cmd/run does the same.)
      return pulumiSdk.runtime.runInPulumiStack(async () => require(entry)) as Promise<
        Record<string, unknown>
      >;
    },
  });
  const evalMs = performance.now() - start;
  const maxRssKb = process.resourceUsage().maxRSS;
  const assigned = result.resources.filter((r) => r.type.endsWith(":AppRoleAssignment")).length;
  if (assigned !== assignments) {
    throw new Error(
      `bench: ${variant} registered ${assigned} assignments, expected ${assignments}`,
    );
  }
  return {
    variant,
    assignments,
    evalMs,
    maxRssKb,
    baselineRssKb,
    registrations: result.resources.length,
    customResources: result.resources.filter((r) => r.custom).length,
  };
}

interface SerializeClosure {
  serializeFunction(...args: unknown[]): Promise<unknown>;
}

/**
 * Declares the three dynamic resources under mocks, one after the other, and times the provider
 * serialization each constructor starts (pulumi.dynamic.Resource → serializeFunction): whatever
 * object the resource classes hand the SDK is what gets measured.
 */
async function serializeInChild(): Promise<number[]> {
  const sdk = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  // The module pulumi.dynamic.Resource loads on demand and calls through its exports object.
  const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as SerializeClosure;
  precompile(programFiles("real").files);
  const c = require("../components") as typeof import("../components");
  await sdk.runtime.setMocks(
    {
      newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }),
      call: () => ({}),
    },
    PROJECT,
    "bench",
    false,
  );
  const original = closure.serializeFunction.bind(closure);
  const pending: Promise<number>[] = [];
  closure.serializeFunction = (...args: unknown[]) => {
    const start = performance.now();
    const p = original(...args);
    pending.push(p.then(() => performance.now() - start));
    return p;
  };
  const sp = SP_OBJECT_ID;
  const declare: (() => pulumi.CustomResource)[] = [
    () =>
      new c.SynchronizationTemplate("t", {
        servicePrincipalId: sp,
        connector: "gotomeeting",
        galleryApp: "GoToMeeting",
      }),
    () => new c.TestConnection("c", { servicePrincipalId: sp, jobId: JOB_ID, connector: "goto" }),
    () => new c.ProvisioningStatus("s", { servicePrincipalId: sp, jobId: JOB_ID, enabled: true }),
  ];
  const each: number[] = [];
  for (const d of declare) {
    const before = pending.length;
    const resource = d();
    if (pending.length !== before + 1)
      throw new Error("bench: expected one provider serialization");
    each.push(await pending[before]);
    await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
  }
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  return each;
}

/** Runs one measurement in a fresh Node process loaded the way `npm run bench` loads TypeScript. */
export function runChild(variant: Variant, assignments: number): Promise<ProgramSample> {
  return child<ProgramSample>(["--child", variant, String(assignments)]);
}

function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", __filename, ...args],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH "));
      if (code !== 0 || !line) {
        reject(new Error(`bench child ${args.join(" ")} failed (exit ${code}):\n${err}`));
        return;
      }
      resolve(JSON.parse(line.slice("BENCH ".length)) as T);
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Assignment counts and how often each is measured (the 5,000 runs take ~30 s each, so 3). */
export const DEFAULT_PLAN: { assignments: number; repeats: number }[] = [
  { assignments: 10, repeats: 5 },
  { assignments: 1000, repeats: 5 },
  { assignments: 5000, repeats: 3 },
];

export async function benchProgram(
  plan = DEFAULT_PLAN,
  progress: (line: string) => void = () => undefined,
): Promise<ProgramBenchResult> {
  const results: ProgramSizeResult[] = [];
  const serialization: number[][] = [];
  for (let r = 0; r < 3; r++) serialization.push(await child<number[]>(["--serialize"]));
  progress(
    `  provider serialization: ${serialization.map((run) => run.map((ms) => ms.toFixed(0)).join(" + ")).join(", ")} ms`,
  );
  for (const { assignments: n, repeats } of plan) {
    const real: ProgramSample[] = [];
    const flat: ProgramSample[] = [];
    for (let r = 0; r < repeats; r++) {
      // Alternate which program goes first, so drift of the machine favours neither.
      const order: Variant[] = r % 2 === 0 ? ["real", "flat"] : ["flat", "real"];
      for (const v of order) {
        const s = await runChild(v, n);
        (v === "real" ? real : flat).push(s);
        progress(
          `  program ${v.padEnd(4)} N=${n} #${r + 1}: ${s.evalMs.toFixed(1)} ms, maxRSS ${(s.maxRssKb / 1024).toFixed(1)} MiB`,
        );
      }
    }
    const realMs = median(real.map((s) => s.evalMs));
    const flatMs = median(flat.map((s) => s.evalMs));
    const realRssKb = median(real.map((s) => s.maxRssKb));
    const flatRssKb = median(flat.map((s) => s.maxRssKb));
    results.push({
      assignments: n,
      real,
      flat,
      repeats,
      realMs,
      flatMs,
      realRssKb,
      flatRssKb,
      realBaselineKb: median(real.map((s) => s.baselineRssKb)),
      flatBaselineKb: median(flat.map((s) => s.baselineRssKb)),
      timeRatio: realMs / flatMs,
      memoryRatio: realRssKb / flatRssKb,
    });
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    sizes: results,
    providerSerializationMs: median(serialization.map(sum)),
    providerSerializationEachMs: serialization[0].map((_, i) =>
      median(serialization.map((r) => r[i])),
    ),
  };
}

if (require.main === module) {
  const [flag, variant, n] = process.argv.slice(2);
  const job =
    flag === "--serialize"
      ? serializeInChild()
      : flag === "--child" && (variant === "real" || variant === "flat")
        ? measureInChild(variant, Number(n))
        : undefined;
  if (job) {
    job.then(
      (s) => {
        process.stdout.write(`BENCH ${JSON.stringify(s)}\n`);
        // The SDK keeps handles open after a mocked run; the measurement is complete.
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  } else {
    const quick = [
      { assignments: 10, repeats: 1 },
      { assignments: 1000, repeats: 1 },
    ];
    benchProgram(quick, (l) => console.log(l)).then(
      (r) =>
        console.log(
          JSON.stringify(
            r.sizes.map(({ real: _r, flat: _f, ...m }) => m),
            null,
            2,
          ),
        ),
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
  }
}
