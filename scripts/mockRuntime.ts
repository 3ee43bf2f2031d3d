// Runs the Pulumi program under Pulumi's own mock monitor and records what it registers: the
// engine of `npm run plan` and of the program tests. It subclasses the SDK's MockMonitor only to
// see the parent and dependencies of each registration, which the public Mocks API does not pass.
import * as pulumi from "@pulumi/pulumi";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** Name of the parent resource; undefined for top-level resources. */
  parent?: string;
  custom: boolean;
  /** Inputs as the monitor received them: secrets as the secret envelope, unknowns as a marker. */
  inputs: Record<string, unknown>;
  dependsOn: string[];
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
}

export interface MockBehaviour {
  /** Outputs beyond the inputs (ids, generated values). Omitted keys are unknown in preview. */
  newResource(args: pulumi.runtime.MockResourceArgs): {
    id?: string;
    state?: Record<string, unknown>;
  };
  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown>;
}

export interface RunResult {
  resources: RecordedResource[];
  calls: RecordedCall[];
  outputs: Record<string, OutputValue>;
}

export type OutputValue = { known: false } | { known: true; secret: boolean; value: unknown };

interface Req {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}

type Registrar = {
  registerResource(req: Req, callback: (err: unknown, res: unknown) => void): Promise<void>;
};

/**
 * Sets the config, installs the mocks, evaluates `load()` (which registers the program's
 * resources), waits for every registration, and returns what was recorded.
 */
export async function runProgram(options: {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  preview: boolean;
  mocks: MockBehaviour;
  load: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}): Promise<RunResult> {
  const resources: Omit<RecordedResource, "parent" | "dependsOn" | "urn">[] = [];
  const calls: RecordedCall[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        resources.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
        });
        const result = options.mocks.newResource(args);
        return {
          id: result.id ?? (options.preview ? "" : `${args.name}-id`),
          state: { ...args.inputs, ...result.state },
        };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        calls.push({ token: args.token, inputs: args.inputs });
        return options.mocks.call(args);
      },
    },
    options.project,
    options.stack,
    options.preview,
  );
  // setMocks installs the SDK's MockMonitor with every feature the real engine offers (secrets
  // included); wrapping its registerResource is the one way to see parents and dependencies.
  const monitor = pulumi.runtime.getMonitor() as unknown as Registrar;
  const parents = new Map<string, { parent: string; deps: string[] }>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    parents.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      deps: req.getDependenciesList(),
    });
    return register(req, callback);
  };
  // After setMocks, which resets the runtime's options.
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);

  // Errors thrown inside apply() surface as unhandled rejections, and the registrations waiting on
  // them never finish; collect the errors and stop waiting, so the caller reports every one.
  const failures: Error[] = [];
  let failed: () => void = () => undefined;
  const failure = new Promise<void>((resolve) => (failed = resolve));
  const onRejection = (err: unknown) => {
    failures.push(err instanceof Error ? err : new Error(String(err)));
    failed();
  };
  process.on("unhandledRejection", onRejection);
  const outputs: Record<string, OutputValue> = {};
  try {
    const exports = await options.load();
    await Promise.race([
      (async () => {
        await waitForRegistrations();
        for (const [k, v] of Object.entries(exports)) outputs[k] = await readOutput(v);
        await waitForRegistrations();
      })(),
      failure,
    ]);
    // Let sibling failures of the same evaluation arrive before reporting.
    if (failures.length > 0) await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  if (failures.length > 0) throw new ProgramError(failures);

  const nameOfUrn = new Map<string, string>();
  const recorded = resources.map((r) => {
    const meta = parents.get(`${r.type}::${r.name}`);
    return { ...r, meta };
  });
  // URNs are derived the way the mock monitor derives them: stack::project::parentType$type::name.
  const urnOf = (type: string, name: string, parentUrn: string) => {
    const qualified = parentUrn ? `${parentUrn.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${options.stack}::${options.project}::${qualified}::${name}`;
  };
  const urns = new Map<string, string>();
  for (const r of recorded) {
    const urn = urnOf(r.type, r.name, r.meta?.parent ?? "");
    urns.set(`${r.type}::${r.name}`, urn);
    nameOfUrn.set(urn, r.name);
  }
  return {
    calls,
    outputs,
    resources: recorded.map((r) => ({
      type: r.type,
      name: r.name,
      urn: urns.get(`${r.type}::${r.name}`)!,
      parent: r.meta?.parent ? nameOfUrn.get(r.meta.parent) : undefined,
      custom: r.custom,
      inputs: r.inputs,
      dependsOn: (r.meta?.deps ?? []).map((u) => nameOfUrn.get(u) ?? u),
    })),
  };
}

export class ProgramError extends Error {
  constructor(readonly failures: Error[]) {
    super(failures.map((f) => f.message).join("\n"));
    this.name = "ProgramError";
  }
}

async function waitForRegistrations(): Promise<void> {
  // The SDK's own drain loop (what `pulumi up` awaits before exiting); internal in its typings.
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
}

async function readOutput(v: unknown): Promise<OutputValue> {
  if (!pulumi.Output.isInstance(v)) return { known: true, secret: false, value: v };
  // isKnown and promise() are the SDK's internal view of an Output; a plan must show unknowns
  // without running apply callbacks, which never run on unknown values.
  const o = v as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
  if (!(await o.isKnown)) return { known: false };
  return { known: true, secret: await pulumi.isSecret(v), value: await o.promise() };
}

/** True for the envelope the SDK wraps secret values in when it serializes them. */
export function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] !== undefined
  );
}

/** Deserialized unknowns are the SDK's `unknown` marker object. */
export function isUnknownValue(v: unknown): boolean {
  return (
    v === UNKNOWN || (typeof v === "object" && v !== null && v.constructor?.name === "Unknown")
  );
}
