// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI does for config: the project's
// declared types and defaults, then the stack's values, each checked against its declaration.
// No CLI runs here, so this is where a wrong type in a stack file is caught before `pulumi up` would.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { SECRET_KEYS } from "../config/schema";
import { didYouMean, nearestKey } from "../config/suggest";

export const ROOT = path.resolve(__dirname, "..");

type Declared = {
  type: "string" | "integer" | "boolean" | "array";
  items?: { type: string };
  default?: unknown;
  secret?: boolean;
  description?: string;
};

export interface ProjectFile {
  name: string;
  runtime: unknown;
  description?: string;
  config?: Record<string, Declared | string | number | boolean>;
}

export interface StackConfig {
  /** Runtime config map: "project:key" → string (structured values JSON-encoded). */
  config: Record<string, string>;
  /** Keys (fully qualified) whose values are `secure:` in the stack file. */
  secretKeys: string[];
  /** Values the stack file holds as `secure:` ciphertext: never decrypted here. */
  encrypted: string[];
  /** Non-fatal remarks for the reader (e.g. a secret the stack file does not hold). */
  notes: string[];
  /** ESC environments the stack file imports (`environment:`); the offline plan cannot open them. */
  environments: string[];
  /** The stack file's path. */
  file: string;
}

/** A stack file as read, with every problem found in it (empty when it is valid). */
export interface StackRead extends StackConfig {
  problems: string[];
  /** Keys whose value failed its declared type (the program's own check would repeat it). */
  badKeys: string[];
  /** Fully qualified keys the stack file sets itself (not filled in from Pulumi.yaml defaults). */
  fileKeys: string[];
}

export class StackFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "StackFileError";
  }
}

/**
 * Parses a YAML file; a syntax error becomes a StackFileError that names the file, line and column
 * (yaml's own positions), not a stack trace. The offending line is not echoed: it may hold a secret.
 */
export function readYaml(file: string, shown = path.basename(file)): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new StackFileError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        return `${shown}:${pos.line}:${pos.col}: not valid YAML: ${reason}`;
      }),
    );
  }
  return doc.toJS();
}

export function loadProject(root = ROOT): ProjectFile {
  const project = readYaml(path.join(root, "Pulumi.yaml"));
  if (
    !project ||
    typeof project !== "object" ||
    typeof (project as ProjectFile).name !== "string"
  ) {
    throw new StackFileError(["Pulumi.yaml: must be a mapping with at least name and runtime"]);
  }
  return project as ProjectFile;
}

/**
 * The stack file for a stack name (`dev` → `<dir>/Pulumi.dev.yaml`), or a path to a stack file
 * as given (`test/fixtures/Pulumi.scopeall.yaml`).
 */
export function stackFilePath(stack: string, dir = ROOT): string {
  return isStackPath(stack) ? path.resolve(stack) : path.join(dir, `Pulumi.${stack}.yaml`);
}

/** Whether a stack argument is a path to a stack file rather than a stack name. */
export function isStackPath(stack: string): boolean {
  return stack.includes("/") || stack.includes(path.sep) || /\.ya?ml$/.test(stack);
}

/** The stack name of a stack argument: the name itself, or `<name>` of `Pulumi.<name>.yaml`. */
export function stackName(stack: string): string {
  if (!isStackPath(stack)) return stack;
  const base = path.basename(stack);
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(base);
  return m ? m[1] : base.replace(/\.ya?ml$/, "");
}

/** Top-level keys of a stack file, as the Pulumi CLI reads them. */
const STACK_FILE_KEYS = [
  "config",
  "environment",
  "secretsprovider",
  "encryptedkey",
  "encryptionsalt",
];

/** Namespaces whose keys belong to a provider or to Pulumi itself, not to this program. */
const OTHER_NAMESPACES = ["pulumi", "azuread", "azure-native", "azure"];

/** The placeholder a plan uses for a secret it cannot or must not read. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * Loads a stack file into the runtime config map, applying the project's declared defaults and
 * checking each declared key's value type, as `pulumi up` does before running the program.
 */
export function loadStack(stack: string, root = ROOT, stackDir = root): StackConfig {
  const read = readStack(stack, root, stackDir);
  if (read.problems.length > 0) throw new StackFileError(read.problems);
  return read;
}

/**
 * Reads a stack file and lists every problem it has instead of stopping at the first. Throws only
 * when there is nothing to read: no such file, or YAML that does not parse.
 */
export function readStack(stack: string, root = ROOT, stackDir = root): StackRead {
  // By name: the stack directory first, then the project root (fixtures planned against dev).
  const inDir = stackFilePath(stack, stackDir);
  const inRoot = stackFilePath(stack, root);
  const file = existsSync(inDir) || isStackPath(stack) || !existsSync(inRoot) ? inDir : inRoot;
  const shown = path.basename(file);
  if (!existsSync(file)) {
    throw new StackFileError([
      isStackPath(stack)
        ? `${stack}: no such stack file`
        : `${shown}: no such stack file in ${stackDir}; create it with pulumi stack init ${stack}`,
    ]);
  }
  const project = loadProject(root);
  const parsed = readYaml(file, shown) ?? {};
  const problems: string[] = [];
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const encrypted: string[] = [];
  const notes: string[] = [];
  const badKeys: string[] = [];
  const environments: string[] = [];
  const fileKeys: string[] = [];
  const at = (p: string) => problems.push(`${shown}: ${p}`);

  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    at("must be a mapping with a config: section");
    return {
      config,
      secretKeys,
      encrypted,
      notes,
      environments,
      file,
      problems,
      badKeys,
      fileKeys,
    };
  }
  const doc = parsed as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!STACK_FILE_KEYS.includes(key)) {
      at(
        `${key}: not a stack file key` +
          (didYouMean(key, STACK_FILE_KEYS) || `; the keys are ${STACK_FILE_KEYS.join(", ")}`),
      );
    }
  }
  if (doc.environment !== undefined) {
    const env = doc.environment;
    const list = Array.isArray(env)
      ? env
      : typeof env === "object" && env
        ? Object.values(env)
        : [env];
    environments.push(...list.flat().map((e) => String(e)));
  }
  const rawConfig = doc.config ?? {};
  if (typeof rawConfig !== "object" || rawConfig === null || Array.isArray(rawConfig)) {
    at("config: must be a mapping of keys to values");
    return {
      config,
      secretKeys,
      encrypted,
      notes,
      environments,
      file,
      problems,
      badKeys,
      fileKeys,
    };
  }
  const raw = rawConfig as Record<string, unknown>;

  const qualify = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
  const credentials = new Set<string>(SECRET_KEYS);
  for (const [key, value] of Object.entries(raw)) {
    const full = qualify(key);
    fileKeys.push(full);
    const [namespace, name] = [full.slice(0, full.indexOf(":")), full.slice(full.indexOf(":") + 1)];
    if (namespace !== project.name && !OTHER_NAMESPACES.includes(namespace)) {
      const near = nearestKey(namespace, [project.name]);
      if (near)
        at(`${key}: namespace "${namespace}" is not this project's; did you mean ${near}:${name}?`);
    }
    if (isSecure(value)) {
      config[full] = SECRET_PLACEHOLDER;
      secretKeys.push(full);
      encrypted.push(full);
      if (namespace === project.name && !credentials.has(name)) {
        // Its text is needed to check and evaluate the stack, and this plan decrypts nothing.
        at(
          `${key}: is encrypted (secure:), and the offline plan decrypts nothing, so it can neither check nor evaluate it; ` +
            `keep settings that are not credentials in plaintext (pulumi config set ${name} <value>), or use pulumi preview`,
        );
        badKeys.push(name);
      }
      continue;
    }
    if (value === null) {
      at(`${key}: has no value; set one, or remove the key (pulumi config rm ${name})`);
      badKeys.push(name);
      continue;
    }
    config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }

  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = qualify(key);
    const d: Declared = typeof decl === "object" ? decl : { type: typeOf(decl), default: decl };
    const value = raw[key] ?? raw[full];
    if (value === undefined || value === null) {
      if (value === null) continue;
      if (d.default === undefined) {
        at(
          `${key}: declared in Pulumi.yaml without a default, so every stack must set it; ${shown} does not`,
        );
      } else {
        config[full] = typeof d.default === "string" ? d.default : JSON.stringify(d.default);
      }
      continue;
    }
    if (isSecure(value)) {
      continue;
    }
    if (d.secret) {
      at(
        `${key}: declared secret in Pulumi.yaml but stored in plaintext; pulumi config set --secret ${key} <value>`,
      );
    }
    const err = typeError(value, d);
    if (err) {
      at(
        `${key}: ${err} (declared type in Pulumi.yaml: ${d.type}${d.items ? ` of ${d.items.type}` : ""})`,
      );
      badKeys.push(key);
    }
  }
  return { config, secretKeys, encrypted, notes, environments, file, problems, badKeys, fileKeys };
}

function isSecure(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { secure?: unknown }).secure === "string"
  );
}

function typeOf(v: unknown): Declared["type"] {
  return typeof v === "number" ? "integer" : typeof v === "boolean" ? "boolean" : "string";
}

/** Mirrors the CLI's check of a stack value against a declared config type. */
export function typeError(value: unknown, d: Pick<Declared, "type" | "items">): string | undefined {
  const is = (v: unknown, t: string): boolean =>
    t === "string"
      ? typeof v === "string"
      : t === "integer"
        ? Number.isInteger(v) || (typeof v === "string" && /^-?\d+$/.test(v))
        : t === "boolean"
          ? typeof v === "boolean" || v === "true" || v === "false"
          : false;
  if (d.type === "array") {
    if (!Array.isArray(value)) return `expected a list, found ${describe(value)}`;
    const bad = value.findIndex((v) => !is(v, d.items?.type ?? "string"));
    return bad >= 0
      ? `item ${bad} is ${describe(value[bad])}, expected ${d.items?.type}`
      : undefined;
  }
  return is(value, d.type)
    ? undefined
    : `expected ${d.type === "integer" ? "an integer" : `a ${d.type}`}, found ${describe(value)}`;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}
