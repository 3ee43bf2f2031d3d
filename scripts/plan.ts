// `npm run plan -- <stack> [--json] [--against <stack>]`: what `pulumi up` would create for a stack,
// computed offline by running index.ts under Pulumi's mocks with the stack file's config. Nothing
// is contacted and no credential is needed; what only the tenant knows is shown as unknown.
import { createHash } from "node:crypto";
import * as path from "node:path";
import { ConfigError } from "../config/schema";
import {
  ProgramError,
  RecordedResource,
  RunResult,
  isSecretEnvelope,
  isUnknownValue,
  runProgram,
  UNKNOWN,
} from "./mockRuntime";
import {
  ROOT,
  SECRET_PLACEHOLDER,
  StackConfig,
  StackFileError,
  loadProject,
  loadStack,
} from "./stackFiles";

export const KNOWN_AFTER_DEPLOY = "(known after deploy)";

export interface PlannedResource {
  type: string;
  name: string;
  parent?: string;
  /** A cloud (custom) resource, or false for a component that only groups others. */
  custom: boolean;
  dependsOn: string[];
  inputs: Record<string, unknown>;
  /**
   * Per input holding a secret: a digest of the hidden value, so two plans can say "differs"
   * without showing it. Kept out of printed output. Offline plans never hold a decrypted stack
   * secret (those are placeholders), so the digest covers config text and placeholders only.
   */
  secretDigests?: Record<string, string>;
}

export interface Plan {
  stack: string;
  project: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  notes: string[];
}

/** Mocks for an offline preview: ids and every value not derived from config are unknown. */
const previewMocks = {
  newResource: () => ({}),
  call: (args: { token: string; inputs: Record<string, unknown> }) => {
    switch (args.token) {
      case "azuread:index/getApplicationTemplate:getApplicationTemplate":
        return { ...args.inputs, templateId: UNKNOWN, id: UNKNOWN };
      case "azuread:index/getUser:getUser":
      case "azuread:index/getGroup:getGroup":
        return { ...args.inputs, objectId: UNKNOWN, id: UNKNOWN };
      case "azuread:index/getServicePrincipal:getServicePrincipal":
        return { ...args.inputs, appRoles: UNKNOWN, id: UNKNOWN };
      default:
        throw new Error(`plan: no offline answer for ${args.token}`);
    }
  },
};

/** Evaluates the program for one stack. */
export async function plan(stack: string, root = ROOT, stackDir = root): Promise<Plan> {
  const project = loadProject(root);
  const stackConfig = loadStack(stack, root, stackDir);
  const notes = [...stackConfig.notes, ...placeholderSecrets(stackConfig, project.name, stack)];
  const result: RunResult = await runProgram({
    project: project.name,
    stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    preview: true,
    mocks: previewMocks,
    load: () => {
      // A fresh evaluation per stack: the program registers its resources when it is loaded.
      const entry = require.resolve(path.join(root, "index.ts"));
      delete require.cache[entry];
      return require(entry) as Record<string, unknown>;
    },
  });
  return {
    stack,
    project: project.name,
    resources: result.resources.map(toPlanned),
    outputs: Object.fromEntries(
      Object.entries(result.outputs).map(([k, v]) => [
        k,
        !v.known ? KNOWN_AFTER_DEPLOY : v.secret ? SECRET_PLACEHOLDER : display(v.value),
      ]),
    ),
    notes,
  };
}

/**
 * The example stacks hold no secrets (they are set per environment with `pulumi config set
 * --secret`). A plan still needs a value to evaluate the program, so a required secret the stack
 * file lacks is planned as [secret] and named in the notes; `pulumi up` would stop on it.
 */
function placeholderSecrets(s: StackConfig, project: string, stack: string): string[] {
  const key = `${project}:adminPassword`;
  const connector = s.config[`${project}:connector`] ?? "gotomeeting";
  const enabled = (s.config[`${project}:provisioningEnabled`] ?? "true") !== "false";
  if (connector !== "gotomeeting" || !enabled || key in s.config) return [];
  s.config[key] = SECRET_PLACEHOLDER;
  s.secretKeys.push(key);
  return [
    `adminPassword is not in Pulumi.${stack}.yaml (secrets are set per stack): planned as [secret]; before pulumi up run: pulumi config set --secret adminPassword <password> --stack ${stack}`,
  ];
}

function toPlanned(r: RecordedResource): PlannedResource {
  const inputs: Record<string, unknown> = {};
  const secretDigests: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.inputs)) {
    if (k === "__provider") continue;
    inputs[k] = display(v);
    if (JSON.stringify(inputs[k]).includes(SECRET_PLACEHOLDER)) {
      secretDigests[k] = createHash("sha256").update(JSON.stringify(v)).digest("hex");
    }
  }
  return {
    type: r.type,
    name: r.name,
    parent: r.parent,
    custom: r.custom,
    dependsOn: r.dependsOn,
    inputs,
    secretDigests,
  };
}

/** JSON for people and tools: everything but the internal secret digests. */
export function planJson(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) => (k === "secretDigests" ? undefined : v), 2);
}

/** Secrets become [secret], unknowns (known after deploy): the plan never shows a secret value. */
export function display(v: unknown): unknown {
  if (isSecretEnvelope(v)) return SECRET_PLACEHOLDER;
  if (isUnknownValue(v)) return KNOWN_AFTER_DEPLOY;
  if (Array.isArray(v)) return v.map(display);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, display(x)]),
    );
  }
  return v;
}

export function renderPlan(p: Plan): string {
  const lines: string[] = [
    `Plan for stack "${p.stack}" of ${p.project}: offline, under Pulumi's mocks; nothing was contacted.`,
    `Values only the tenant knows show as ${KNOWN_AFTER_DEPLOY}; secrets as ${SECRET_PLACEHOLDER}.`,
    "",
  ];
  const children = new Map<string | undefined, PlannedResource[]>();
  for (const r of p.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const pad = "    ".repeat(depth);
      lines.push(`${pad}+ ${r.name}  (${r.type})`);
      for (const [k, v] of Object.entries(r.inputs)) lines.push(`${pad}      ${k}: ${inline(v)}`);
      walk(r.name, depth + 1);
    }
  };
  walk(undefined, 0);
  lines.push("", "Stack outputs:");
  for (const [k, v] of Object.entries(p.outputs)) lines.push(`  ${k}: ${inline(v)}`);
  if (p.notes.length > 0) {
    lines.push("", "Notes:");
    for (const n of p.notes) lines.push(`  - ${n}`);
  }
  const custom = p.resources.filter((r) => r.custom);
  lines.push(
    "",
    `${p.resources.length} resources (${custom.length} cloud resources, ${p.resources.length - custom.length} components) to create.`,
  );
  return lines.join("\n");
}

function inline(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
}

export interface PlanDiff {
  from: string;
  to: string;
  added: PlannedResource[];
  removed: PlannedResource[];
  changed: { name: string; type: string; inputs: { key: string; from: unknown; to: unknown }[] }[];
  /** Secret config keys set in either stack: encrypted per stack, so never compared here. */
  secretsNotCompared: string[];
}

/** What promoting `from`'s configuration to `to` changes, resource by resource. */
export function diffPlans(from: Plan, to: Plan, secretKeys: string[] = []): PlanDiff {
  const key = (r: PlannedResource) => `${r.type}::${r.name}`;
  const a = new Map(from.resources.map((r) => [key(r), r]));
  const b = new Map(to.resources.map((r) => [key(r), r]));
  const changed: PlanDiff["changed"] = [];
  for (const [k, rb] of b) {
    const ra = a.get(k);
    if (!ra) continue;
    const keys = new Set([...Object.keys(ra.inputs), ...Object.keys(rb.inputs)]);
    const same = (i: string) =>
      JSON.stringify(ra.inputs[i]) === JSON.stringify(rb.inputs[i]) &&
      ra.secretDigests?.[i] === rb.secretDigests?.[i];
    const inputs = [...keys]
      .filter((i) => !same(i))
      .map((i) => ({ key: i, from: ra.inputs[i], to: rb.inputs[i] }));
    if (inputs.length > 0) changed.push({ name: rb.name, type: rb.type, inputs });
  }
  return {
    from: from.stack,
    to: to.stack,
    added: [...b].filter(([k]) => !a.has(k)).map(([, r]) => r),
    removed: [...a].filter(([k]) => !b.has(k)).map(([, r]) => r),
    changed,
    secretsNotCompared: secretKeys,
  };
}

export function renderDiff(d: PlanDiff): string {
  const lines = [
    `Promotion ${d.from} → ${d.to}: how the desired state of "${d.to}" differs from "${d.from}".`,
    "",
  ];
  for (const r of d.added) lines.push(`+ ${r.name}  (${r.type})  only in ${d.to}`);
  for (const r of d.removed) lines.push(`- ${r.name}  (${r.type})  only in ${d.from}`);
  for (const c of d.changed) {
    lines.push(`~ ${c.name}  (${c.type})`);
    for (const i of c.inputs) {
      const secret = JSON.stringify([i.from, i.to]).includes(SECRET_PLACEHOLDER);
      lines.push(
        secret
          ? `      ${i.key}: differs (secret; values not shown)`
          : `      ${i.key}: ${inline(i.from)} → ${inline(i.to)}`,
      );
    }
  }
  if (d.added.length + d.removed.length + d.changed.length === 0)
    lines.push("No differences in resources or inputs.");
  if (d.secretsNotCompared.length > 0) {
    lines.push(
      "",
      `Secrets ${d.secretsNotCompared.join(", ")} are encrypted per stack and not compared; check them with pulumi config --stack <stack> --show-secrets where you may.`,
    );
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const json = args.includes("--json");
  const valueOf = (flag: string) => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const against = valueOf("--against");
  const stackDir = valueOf("--stack-dir") ?? ROOT;
  const flagValues = new Set(
    ["--against", "--stack-dir"].map((f) => args.indexOf(f) + 1).filter((i) => i > 0),
  );
  const positional = args.filter((a, i) => !a.startsWith("--") && !flagValues.has(i));
  const stack = positional[0];
  if (!stack || (args.includes("--against") && !against)) {
    process.stderr.write(
      "usage: npm run plan -- <stack> [--json] [--against <other-stack>] [--stack-dir <dir>]\n",
    );
    return 2;
  }
  try {
    const p = await plan(stack, ROOT, stackDir);
    if (!against) {
      process.stdout.write((json ? planJson(p) : renderPlan(p)) + "\n");
      return 0;
    }
    const base = await plan(against, ROOT, stackDir);
    const secrets = [
      ...new Set(
        [loadStack(stack, ROOT, stackDir), loadStack(against, ROOT, stackDir)].flatMap((s) =>
          s.encrypted.map((k) => k.split(":").pop()!),
        ),
      ),
    ];
    const d = diffPlans(base, p, secrets);
    process.stdout.write((json ? planJson(d) : renderDiff(d)) + "\n");
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StackFileError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    if (err instanceof ProgramError) {
      process.stderr.write(`The program failed:\n${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
