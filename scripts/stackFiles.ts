// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI does for config: the project's
// declared types and defaults, then the stack's values, each checked against its declaration.
// No CLI runs here, so this is where a wrong type in a stack file is caught before `pulumi up` would.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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
}

export class StackFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "StackFileError";
  }
}

export function loadProject(root = ROOT): ProjectFile {
  return parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

export function stackFilePath(stack: string, dir = ROOT): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** The placeholder a plan uses for a secret it cannot or must not read. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * Loads a stack file into the runtime config map, applying the project's declared defaults and
 * checking each declared key's value type, as `pulumi up` does before running the program.
 */
export function loadStack(stack: string, root = ROOT, stackDir = root): StackConfig {
  const file = stackFilePath(stack, stackDir);
  if (!existsSync(file)) {
    throw new StackFileError([
      `Pulumi.${stack}.yaml: no such stack file in ${stackDir}; create it with pulumi stack init ${stack}`,
    ]);
  }
  const project = loadProject(root);
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw = doc.config ?? {};
  const problems: string[] = [];
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const encrypted: string[] = [];
  const notes: string[] = [];

  const qualify = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
  for (const [key, value] of Object.entries(raw)) {
    const full = qualify(key);
    if (isSecure(value)) {
      config[full] = SECRET_PLACEHOLDER;
      secretKeys.push(full);
      encrypted.push(full);
      continue;
    }
    config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }

  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = qualify(key);
    const d: Declared = typeof decl === "object" ? decl : { type: typeOf(decl), default: decl };
    const value = raw[key] ?? raw[full];
    if (value === undefined) {
      if (d.default === undefined) {
        problems.push(
          `${key}: declared in Pulumi.yaml without a default, so every stack must set it; Pulumi.${stack}.yaml does not`,
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
      problems.push(
        `${key}: declared secret in Pulumi.yaml but stored in plaintext; pulumi config set --secret ${key} <value>`,
      );
    }
    const err = typeError(value, d);
    if (err)
      problems.push(
        `${key}: ${err} (declared type in Pulumi.yaml: ${d.type}${d.items ? ` of ${d.items.type}` : ""})`,
      );
  }
  if (problems.length > 0)
    throw new StackFileError(problems.map((p) => `Pulumi.${stack}.yaml: ${p}`));
  return { config, secretKeys, encrypted, notes };
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
