// `npm run plan -- <stack> [options]` (`--help` lists them): what `pulumi up` would create for a
// stack, computed offline by running index.ts under Pulumi's mocks with the stack file's config.
// Nothing is contacted and no credential is needed; what only the tenant knows is shown as
// unknown, the provisioning settings as config decides them, and secrets never.
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { rawConfigFromMap } from "../config/load";
import {
  ConfigError,
  DEFAULT_URLS,
  type ProvisioningConfig,
  URL_KEYS,
  validateConfig,
} from "../config/schema";
import { nearestKey } from "../config/suggest";
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
  StackRead,
  loadProject,
  readStack,
  readYaml,
  stackName,
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

/** A provisioning setting as a reviewer reads it: the value, and what it means. */
export interface Setting {
  key: string;
  /** As config decides it; secrets as [secret], unset as null. */
  value: unknown;
  /** The value in words, e.g. "off (0): accidental-deletion prevention is off". */
  text: string;
}

export interface Plan {
  stack: string;
  project: string;
  /** The provisioning settings from the validated config (the same the program gets). */
  settings: Setting[];
  /** What a reviewer must know that is not an error (normalizeProvisioning's warnings and more). */
  warnings: string[];
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  notes: string[];
}

/** Settings the README ("Environment promotion") says should be the same in every stack. */
export const SAME_IN_EVERY_STACK = ["connector", "scope", "deleteThreshold", "attributeMappings"];

/**
 * Bad input for a plan: every problem of one stack file (its YAML, the declared types, the
 * program's config rules), each naming its key and the fix.
 */
export class PlanInputError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "PlanInputError";
  }
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

/**
 * The stack file read and validated as `pulumi up` would, with every problem in one list. Throws
 * PlanInputError when there is any; returns the settings otherwise.
 */
export function checkStack(
  stack: string,
  root = ROOT,
  stackDir = root,
): { read: StackRead; config: ProvisioningConfig; notes: string[] } {
  const read = readStack(stack, root, stackDir);
  const shown = path.basename(read.file);
  const project = loadProject(root).name;
  const notes = placeholderSecrets(read, project, stackName(stack), shown);
  const problems = read.problems.map((p) => p.replace(`${shown}: `, ""));

  // Keys already reported for their declared type are left to their defaults here, so one
  // mistake is reported once.
  const prefix = `${project}:`;
  const values = Object.fromEntries(
    Object.entries(read.config).filter(
      ([k]) => !(k.startsWith(prefix) && read.badKeys.includes(k.slice(prefix.length))),
    ),
  );
  const secret = new Set(read.secretKeys);
  let config: ProvisioningConfig | undefined;
  try {
    config = validateConfig(rawConfigFromMap(values, (k) => secret.has(k)));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }

  if (read.environments.length > 0) {
    const lacking = escKeys(read, root, project);
    const required = problems.filter((p) => /^(\w+): required\b/.test(p));
    const missing = required.map((p) => p.slice(0, p.indexOf(":")));
    const names = read.environments.join(", ");
    const lacks = [...new Set([...lacking, ...missing])];
    const explain =
      `environment: ${shown} imports the ESC environment${read.environments.length === 1 ? "" : "s"} ${names}, ` +
      "and the offline plan does not resolve ESC environments: it reads the stack file alone" +
      (lacks.length > 0 ? `, so it lacks ${lacks.join(", ")}` : "") +
      ". To plan offline, set those keys in the stack file too; pulumi preview opens the environment.";
    if (problems.length > 0) {
      // The "required" problems are what the environment would have supplied: one explanation.
      const rest = problems.filter((p) => !required.includes(p));
      throw new PlanInputError(shown, [explain, ...rest]);
    }
    notes.push(explain);
  }
  if (problems.length > 0 || !config) throw new PlanInputError(shown, problems);
  return { read, config, notes };
}

/** Keys the repository's copy of an imported ESC environment (esc/<name>.yaml) sets and the stack file does not. */
function escKeys(read: StackRead, root: string, project: string): string[] {
  const keys: string[] = [];
  for (const env of read.environments) {
    const file = path.join(root, "esc", `${env.split("/").pop()}.yaml`);
    if (!existsSync(file)) continue;
    const doc = readYaml(file, path.relative(root, file)) as {
      values?: { pulumiConfig?: Record<string, unknown> };
    };
    for (const k of Object.keys(doc?.values?.pulumiConfig ?? {})) {
      const full = k.includes(":") ? k : `${project}:${k}`;
      if (full.startsWith(`${project}:`) && !read.fileKeys.includes(full))
        keys.push(full.split(":")[1]);
    }
  }
  return keys;
}

/** Evaluates the program for one stack. */
export async function plan(stack: string, root = ROOT, stackDir = root): Promise<Plan> {
  const project = loadProject(root);
  const name = stackName(stack);
  const { read, config, notes } = checkStack(stack, root, stackDir);
  let result: RunResult;
  try {
    result = await runProgram({
      project: project.name,
      stack: name,
      config: read.config,
      secretKeys: read.secretKeys,
      preview: true,
      mocks: previewMocks,
      load: () => {
        // A fresh evaluation per stack: the program registers its resources when it is loaded.
        const entry = require.resolve(path.join(root, "index.ts"));
        delete require.cache[entry];
        return require(entry) as Record<string, unknown>;
      },
    });
  } catch (err) {
    if (err instanceof ProgramError) throw err;
    // A throw while index.ts loads (a component rejecting its arguments) is a message too.
    throw new ProgramError([err instanceof Error ? err : new Error(String(err))]);
  }
  const resources = result.resources.map(toPlanned);
  const clash = duplicateUrns(result.resources);
  if (clash.length > 0) {
    throw new ProgramError(
      clash.map(
        (u) =>
          new Error(
            `two resources would share the URN ${u}; Pulumi refuses that at deploy time (report it: names are meant to be unique by construction)`,
          ),
      ),
    );
  }
  return {
    stack: name,
    project: project.name,
    settings: settingsOf(config),
    warnings: config.warnings,
    resources,
    outputs: Object.fromEntries(
      Object.entries(result.outputs).map(([k, v]) => [
        k,
        !v.known ? KNOWN_AFTER_DEPLOY : v.secret ? SECRET_PLACEHOLDER : display(v.value),
      ]),
    ),
    notes,
  };
}

function duplicateUrns(resources: RecordedResource[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) (seen.has(r.urn) ? dup : seen).add(r.urn);
  return [...dup];
}

/**
 * The example stacks hold no secrets (they are set per environment with `pulumi config set
 * --secret`). A plan still needs a value to evaluate the program, so a required secret the stack
 * file lacks is planned as [secret] and named in the notes; `pulumi up` would stop on it.
 */
function placeholderSecrets(
  s: StackConfig,
  project: string,
  stack: string,
  shown: string,
): string[] {
  const key = `${project}:adminPassword`;
  const connector = s.config[`${project}:connector`] ?? "gotomeeting";
  const enabled = (s.config[`${project}:provisioningEnabled`] ?? "true") !== "false";
  const userName = (s.config[`${project}:adminUserName`] ?? "") !== "";
  // Required while provisioning is enabled, and together with adminUserName while it is not.
  if (connector !== "gotomeeting" || !(enabled || userName) || key in s.config) return [];
  s.config[key] = SECRET_PLACEHOLDER;
  s.secretKeys.push(key);
  return [
    `adminPassword is not in ${shown} (secrets are set per stack): planned as [secret]; before pulumi up run: pulumi config set --secret adminPassword <password> --stack ${stack}`,
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

// ---- Settings ---------------------------------------------------------------------------------

const MAX_LISTED = 10;

function listed(items: string[]): string {
  return items.length <= MAX_LISTED
    ? items.join(", ")
    : `${items.slice(0, MAX_LISTED).join(", ")} and ${items.length - MAX_LISTED} more`;
}

/**
 * The settings from the validated config, in the order a reviewer checks them. Secrets appear
 * only as whether they are set; their values never reach this function.
 */
export function settingsOf(c: ProvisioningConfig): Setting[] {
  const out: Setting[] = [];
  const add = (key: string, value: unknown, text: string) => out.push({ key, value, text });
  add("connector", c.connector, c.connector);
  add("galleryApp", c.galleryApp, c.galleryApp);
  add("appDisplayName", c.appDisplayName, c.appDisplayName);
  add(
    "scope",
    c.scope,
    c.scope === "all"
      ? "all (every user and group of the tenant is provisioned, assigned or not)"
      : "assigned (only the assigned users and groups are provisioned)",
  );
  add(
    "deleteThreshold",
    c.deleteThreshold,
    c.deleteThreshold === 0
      ? "off (0: accidental-deletion prevention is off; a cycle may delete any number of accounts)"
      : `${c.deleteThreshold} (accidental-deletion prevention holds a cycle that would delete more than ${c.deleteThreshold} accounts)`,
  );
  add(
    "notificationEmail",
    c.notification.enabled ? c.notification.recipients : "none",
    c.notification.enabled
      ? c.notification.recipients.join(", ")
      : "none (opted out: failures are e-mailed to nobody)",
  );
  add(
    "provisioningEnabled",
    c.provisioningEnabled,
    c.provisioningEnabled
      ? "on (the job starts once Test Connection passed)"
      : "off (the job is declared but not started: Provisioning Status Off)",
  );
  const waiting =
    c.allAssignments.length -
    (c.pilotUser && c.allAssignments.some((a) => a.path === c.pilotUser!.path) ? 1 : 0);
  add(
    "pilotUser",
    c.pilotUser?.principalText ?? null,
    c.pilotUser
      ? `${c.pilotUser.principalText} (only this user is assigned and provisioned on demand; ${waiting} other entr${waiting === 1 ? "y waits" : "ies wait"} for the rollout: pulumi config rm pilotUser)`
      : "none (every entry of assignments is assigned)",
  );
  const entries = c.allAssignments.map(
    (a) =>
      `${a.principalType.toLowerCase()} ${a.principalText} (${a.role ? `role ${a.role}` : "the app's role"})`,
  );
  add(
    "assignments",
    entries,
    entries.length === 0
      ? "none"
      : `${entries.length} entr${entries.length === 1 ? "y" : "ies"}: ${listed(entries)}`,
  );
  if (c.allowDefaultAccessRole) {
    add("allowDefaultAccessRole", true, "true (the Default Access role may be assigned)");
  }
  if (c.connector === "gotomeeting") {
    add("adminUserName", c.adminUserName ?? null, c.adminUserName ?? "not set");
    add(
      "adminPassword",
      c.hasAdminPassword ? SECRET_PLACEHOLDER : null,
      c.hasAdminPassword ? SECRET_PLACEHOLDER : "not set",
    );
  }
  if (c.allowMassDeletion) {
    add(
      "allowMassDeletion",
      true,
      "true (releases a TooManyDeletes quarantine on this run; unset it after one pulumi up)",
    );
  }
  const mappings = c.attributeMappings.flatMap((g) =>
    g.mappings.map((m) => {
      const from =
        m.source !== undefined
          ? m.source
          : m.expression !== undefined
            ? m.expression
            : JSON.stringify(m.constant);
      const extra = [
        m.matchingPriority ? `matchingPriority ${m.matchingPriority}` : "",
        m.flowType && m.flowType !== "Always" ? m.flowType : "",
        m.defaultValue !== undefined ? `default ${JSON.stringify(m.defaultValue)}` : "",
      ].filter(Boolean);
      return `${g.objectType} ${m.target} ← ${from}${extra.length ? ` (${extra.join(", ")})` : ""}`;
    }),
  );
  add(
    "attributeMappings",
    mappings,
    mappings.length === 0 ? "the template's (none declared)" : mappings.join("; "),
  );
  for (const key of URL_KEYS) {
    const value = c.endpoints[key];
    add(key, value, value === DEFAULT_URLS[key] ? `${value} (default)` : value);
  }
  for (const key of c.secretsSet) {
    if (key === "adminPassword") continue;
    add(key, SECRET_PLACEHOLDER, SECRET_PLACEHOLDER);
  }
  return out;
}

// ---- Text -------------------------------------------------------------------------------------

export function renderPlan(p: Plan): string {
  const lines: string[] = [
    `Plan for stack "${p.stack}" of ${p.project}: offline, under Pulumi's mocks; nothing was contacted.`,
    `Values only the tenant knows show as ${KNOWN_AFTER_DEPLOY}; secrets as ${SECRET_PLACEHOLDER}.`,
    "",
    "Provisioning settings (from the validated config):",
    ...p.settings.map((s) => `  ${s.key}: ${s.text}`),
  ];
  if (p.warnings.length > 0) {
    lines.push("", "Warnings:", ...p.warnings.map((w) => `  - ${w}`));
  }
  lines.push("", "Resources:");
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
  return JSON.stringify(v);
}

// ---- Mermaid ----------------------------------------------------------------------------------

/** Label text Mermaid shows as written: anything but letters, digits and plain punctuation as an entity code. */
export function mermaidText(text: string): string {
  return [...text]
    .map((ch) => (/[\p{L}\p{N} @._:/()+,=-]/u.test(ch) ? ch : `#${ch.codePointAt(0)};`))
    .join("");
}

/**
 * The resource graph as a Mermaid flowchart (GitHub renders it in a ```mermaid block): solid
 * arrows from parent to child, dotted ones from a resource to what it depends on. Deterministic:
 * resources sorted by name and type, ids r0…rN, labels escaped.
 */
export function renderMermaid(p: Plan): string {
  const sorted = [...p.resources].sort((a, b) =>
    a.name === b.name ? (a.type < b.type ? -1 : 1) : a.name < b.name ? -1 : 1,
  );
  // Parents and dependencies name resources; a name two types share resolves to the first.
  const id = new Map<string, string>();
  sorted.forEach((r, i) => id.has(r.name) || id.set(r.name, `r${i}`));
  const lines = ["flowchart LR"];
  sorted.forEach((r, i) => {
    const short = r.type.split(":").pop() ?? r.type;
    const label = `${mermaidText(r.name)}<br/>${mermaidText(short)}`;
    lines.push(r.custom ? `  r${i}["${label}"]` : `  r${i}(["${label}"])`);
  });
  sorted.forEach((r, i) => {
    if (r.parent && id.has(r.parent)) lines.push(`  ${id.get(r.parent)} --> r${i}`);
  });
  sorted.forEach((r, i) => {
    const deps = [...new Set(r.dependsOn)].filter((d) => d !== r.parent && id.has(d)).sort();
    for (const d of deps) lines.push(`  r${i} -.->|depends on| ${id.get(d)}`);
  });
  const components = sorted.flatMap((r, i) => (r.custom ? [] : [`r${i}`]));
  lines.push("  classDef component fill:#eef3ff,stroke:#5b6b9a");
  if (components.length > 0) lines.push(`  class ${components.join(",")} component`);
  return lines.join("\n");
}

// ---- Promotion --------------------------------------------------------------------------------

export interface SettingChange {
  key: string;
  from: unknown;
  to: unknown;
  fromText: string;
  toText: string;
  /** The README says this setting should not differ between stacks. */
  shouldNotDiffer: boolean;
}

export interface PlanDiff {
  from: string;
  to: string;
  /** Settings that differ, line by line. */
  settings: SettingChange[];
  /** Settings with the same value in both stacks (secrets excluded: they are never compared). */
  sameSettings: string[];
  /** The target stack's warnings. */
  warnings: string[];
  added: PlannedResource[];
  removed: PlannedResource[];
  changed: { name: string; type: string; inputs: { key: string; from: unknown; to: unknown }[] }[];
  /** Secret config keys set in either stack: encrypted per stack, so never compared here. */
  secretsNotCompared: string[];
}

/** What promoting `from`'s configuration to `to` changes, setting by setting and resource by resource. */
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

  const sa = new Map(from.settings.map((s) => [s.key, s]));
  const sb = new Map(to.settings.map((s) => [s.key, s]));
  const order = [
    ...new Set([...to.settings.map((s) => s.key), ...from.settings.map((s) => s.key)]),
  ];
  const settings: SettingChange[] = [];
  const sameSettings: string[] = [];
  const secrets = new Set(secretKeys);
  for (const k of order) {
    const x = sa.get(k);
    const y = sb.get(k);
    if (x?.value === SECRET_PLACEHOLDER && y?.value === SECRET_PLACEHOLDER) {
      secrets.add(k);
      continue;
    }
    if (JSON.stringify(x?.value ?? null) === JSON.stringify(y?.value ?? null)) {
      sameSettings.push(k);
      continue;
    }
    settings.push({
      key: k,
      from: x?.value ?? null,
      to: y?.value ?? null,
      fromText: x?.text ?? "not set",
      toText: y?.text ?? "not set",
      shouldNotDiffer: SAME_IN_EVERY_STACK.includes(k),
    });
  }
  return {
    from: from.stack,
    to: to.stack,
    settings,
    sameSettings,
    warnings: to.warnings,
    added: [...b].filter(([k]) => !a.has(k)).map(([, r]) => r),
    removed: [...a].filter(([k]) => !b.has(k)).map(([, r]) => r),
    changed,
    secretsNotCompared: [...secrets].sort(),
  };
}

export function renderDiff(d: PlanDiff): string {
  const lines = [
    `Promotion ${d.from} → ${d.to}: how the desired state of "${d.to}" differs from "${d.from}".`,
    "",
    "Settings:",
  ];
  for (const s of d.settings) {
    lines.push(`  ~ ${s.key}: ${s.fromText} → ${s.toText}`);
    if (s.shouldNotDiffer) {
      lines.push(
        `      ⚠ ${s.key} should be the same in every stack (README, "Environment promotion"): prove the change in ${d.from}, then promote it`,
      );
    }
  }
  if (d.settings.length === 0) lines.push("  No setting differs.");
  if (d.sameSettings.length > 0) lines.push(`  Same in both: ${d.sameSettings.join(", ")}.`);
  if (d.warnings.length > 0) {
    lines.push("", `Warnings for ${d.to}:`, ...d.warnings.map((w) => `  - ${w}`));
  }
  lines.push("", "Resources:");
  for (const r of d.added) lines.push(`+ ${r.name}  (${r.type})  only in ${d.to}`);
  for (const r of d.removed) lines.push(`- ${r.name}  (${r.type})  only in ${d.from}`);
  for (const c of d.changed) {
    lines.push(`~ ${c.name}  (${c.type})`);
    for (const i of c.inputs) {
      const secret = JSON.stringify([i.from, i.to]).includes(SECRET_PLACEHOLDER);
      lines.push(
        secret
          ? `      ${i.key}: differs (secret; values not shown; the settings it carries are compared under Settings)`
          : `      ${i.key}: ${inline(i.from)} → ${inline(i.to)}`,
      );
    }
  }
  if (d.added.length + d.removed.length + d.changed.length === 0)
    lines.push("No differences in resources or inputs.");
  if (d.secretsNotCompared.length > 0) {
    lines.push(
      "",
      `Not compared: ${d.secretsNotCompared.join(", ")} (secrets are set per stack, encrypted or outside the stack file); check them with pulumi config --stack <stack> --show-secrets where you may.`,
    );
  }
  return lines.join("\n");
}

// ---- Command line -----------------------------------------------------------------------------

export const USAGE = `usage: npm run plan -- <stack> [options]

Prints what \`pulumi up\` would create for a stack: offline, under Pulumi's mocks, no credentials.
<stack> is a stack name (reads Pulumi.<stack>.yaml) or a path to a stack file.

options:
  --against <stack>     compare: what promoting <stack>'s configuration to <stack> changes
                        (settings line by line, then resources and inputs)
  --format <format>     text (default), json, or mermaid (the resource graph as a Mermaid
                        flowchart; put it in a \`\`\`mermaid block for GitHub to render it)
  --json                the same as --format json
  --out <file>          write the output to <file> instead of stdout (clean JSON even where
                        npm prints its banner; or run npm run --silent plan -- …)
  --stack-dir <dir>     look stack files up by name in <dir> first, then in the project root
  -h, --help            this help

exit status: 0 planned, 1 invalid stack configuration or the program failed, 2 bad arguments.`;

export interface PlanArgs {
  stack: string;
  against?: string;
  format: "text" | "json" | "mermaid";
  out?: string;
  stackDir?: string;
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const VALUE_OPTIONS = ["--against", "--format", "--out", "--stack-dir"];
const FLAG_OPTIONS = ["--json", "--help", "-h"];

/** Parses the command line; throws UsageError naming the first argument it cannot take. */
export function parseArgs(argv: readonly string[]): PlanArgs {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_OPTIONS.includes(name)) {
      const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("-"))) {
        throw new UsageError(`${name} needs a value`);
      }
      if (name in values) throw new UsageError(`${name} is given twice`);
      values[name] = value;
    } else if (FLAG_OPTIONS.includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.add(name);
    } else {
      const near = nearestKey(
        name.replace(/^-+/, ""),
        [...VALUE_OPTIONS, ...FLAG_OPTIONS].map((o) => o.replace(/^-+/, "")),
      );
      throw new UsageError(`unknown option ${name}${near ? ` (did you mean --${near}?)` : ""}`);
    }
  }
  const help = flags.has("--help") || flags.has("-h");
  if (help) return { stack: positional[0] ?? "", format: "text", help };
  if (positional.length === 0)
    throw new UsageError("name the stack to plan, e.g. npm run plan -- dev");
  if (positional.length > 1) {
    throw new UsageError(
      `one stack at a time, got ${positional.map((p) => `"${p}"`).join(" and ")}; to compare two: npm run plan -- ${positional[0]} --against ${positional[1]}`,
    );
  }
  const format = values["--format"] ?? (flags.has("--json") ? "json" : "text");
  if (!["text", "json", "mermaid"].includes(format)) {
    throw new UsageError(`--format must be text, json or mermaid; got "${format}"`);
  }
  if (flags.has("--json") && format !== "json") {
    throw new UsageError(`--json contradicts --format ${format}; use one of them`);
  }
  if (format === "mermaid" && values["--against"]) {
    throw new UsageError("--format mermaid draws one stack; it cannot be combined with --against");
  }
  return {
    stack: positional[0],
    against: values["--against"],
    format: format as PlanArgs["format"],
    out: values["--out"],
    stackDir: values["--stack-dir"],
    help: false,
  };
}

export async function main(
  argv: string[],
  io: { out: (text: string) => void; err: (text: string) => void } = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  },
): Promise<number> {
  let args: PlanArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`plan: ${err.message}\nRun npm run plan -- --help for the options.\n`);
    return 2;
  }
  if (args.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const stackDir = args.stackDir ? path.resolve(args.stackDir) : ROOT;
  const emit = (text: string) => {
    if (args.out) {
      writeFileSync(args.out, `${text}\n`);
      io.err(`plan: wrote ${args.out}\n`);
    } else {
      io.out(`${text}\n`);
    }
  };
  try {
    const p = await plan(args.stack, ROOT, stackDir);
    if (!args.against) {
      emit(
        args.format === "json"
          ? planJson(p)
          : args.format === "mermaid"
            ? renderMermaid(p)
            : renderPlan(p),
      );
      return 0;
    }
    const base = await plan(args.against, ROOT, stackDir);
    const secrets = [
      ...new Set(
        [readStack(args.stack, ROOT, stackDir), readStack(args.against, ROOT, stackDir)].flatMap(
          (s) => s.encrypted.map((k) => k.split(":").pop()!),
        ),
      ),
    ];
    const d = diffPlans(base, p, secrets);
    emit(args.format === "json" ? planJson(d) : renderDiff(d));
    return 0;
  } catch (err) {
    if (err instanceof PlanInputError || err instanceof StackFileError) {
      io.err(`${err.message}\n`);
      return 1;
    }
    if (err instanceof ProgramError) {
      io.err(`The program failed:\n${err.failures.map((f) => `  - ${f.message}`).join("\n")}\n`);
      return 1;
    }
    // Not bad input but a fault of this tool: still a message, the stack only on request.
    const e = err instanceof Error ? err : new Error(String(err));
    io.err(
      `plan: unexpected error: ${e.message}\n` +
        (process.env.PLAN_DEBUG ? `${e.stack}\n` : "(set PLAN_DEBUG=1 for the stack trace)\n"),
    );
    return 1;
  }
}

if (require.main === module) {
  // Exit explicitly: the mock runtime may keep handles open. Pipes are written synchronously.
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
