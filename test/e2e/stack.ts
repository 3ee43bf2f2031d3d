// A throwaway stack of the copied project: its config (the example stack file's plain values, the
// fakes' URLs, short timeouts, planted secrets), and the pulumi commands the scenarios run on it.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO, type RunResult } from "./cli";
import type { Workspace } from "./workspace";

export const PROJECT = "gotomeeting-provisioning";

/** Plain stack config, unqualified keys, values as the example stack file holds them. */
export type PlainConfig = Record<string, unknown>;

/** The `config:` of a repository stack file, project prefix removed. */
export function exampleConfig(file: string): PlainConfig {
  const doc = parseYaml(fs.readFileSync(path.join(REPO, file), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const out: PlainConfig = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    out[k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k] = v;
  }
  return out;
}

/** A resource as `pulumi preview --json` lists it, and as `npm run plan -- --json` does. */
export interface TypeName {
  type: string;
  name: string;
}

export const key = (r: TypeName) => `${r.type}::${r.name}`;

/** Type and name from a URN (urn:pulumi:<stack>::<project>::<parent types$>type::name). */
export function fromUrn(urn: string): TypeName {
  const parts = urn.split("::");
  const types = parts[2];
  return { type: types.split("$").pop()!, name: parts.slice(3).join("::") };
}

/** The program's resources in a `pulumi preview --json` answer (no stack, no provider resources). */
export function previewResources(json: string): TypeName[] {
  const doc = JSON.parse(json) as { steps?: { urn: string; op: string }[] };
  return (doc.steps ?? [])
    .map((s) => fromUrn(s.urn))
    .filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"));
}

/** What `npm run plan -- <stack file> --json` plans for the same stack file (run from the repository,
 *  offline, under mocks). */
export function planResources(
  stackFile: string,
  outFile: string,
): Promise<{ resources: TypeName[]; ms: number }> {
  const started = Date.now();
  const args = [
    path.join(REPO, "node_modules", "ts-node", "dist", "bin.js"),
    "--transpile-only",
    path.join(REPO, "scripts", "plan.ts"),
    stackFile,
    "--json",
    "--out",
    outFile,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`npm run plan -- ${stackFile} --json failed (exit ${code}):\n${output}`));
        return;
      }
      const doc = JSON.parse(fs.readFileSync(outFile, "utf8")) as { resources: TypeName[] };
      resolve({
        resources: doc.resources.map((x) => ({ type: x.type, name: x.name })),
        ms: Date.now() - started,
      });
    });
  });
}

export class Stack {
  constructor(
    readonly ws: Workspace,
    readonly name: string,
  ) {}

  get file(): string {
    return path.join(this.ws.project, `Pulumi.${this.name}.yaml`);
  }

  private label(what: string): string {
    return `${this.name}: pulumi ${what}`;
  }

  async init(plain: PlainConfig, secrets: Record<string, string>): Promise<void> {
    await this.ws.pulumi(["stack", "init", this.name], { label: this.label("stack init") });
    const json: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(plain)) {
      json[`${PROJECT}:${k}`] =
        typeof v === "object" && v !== null
          ? { value: JSON.stringify(v), objectValue: v, secret: false }
          : { value: String(v), secret: false };
    }
    await this.ws.pulumi(
      ["config", "set-all", "--json", JSON.stringify(json), "--stack", this.name],
      {
        label: this.label("config set-all (plain values)"),
      },
    );
    // `pulumi config set --secret` for every secret, in one call (set-all takes several).
    const pairs = Object.entries(secrets).flatMap(([k, v]) => ["--secret", `${k}=${v}`]);
    if (pairs.length > 0) {
      await this.ws.pulumi(["config", "set-all", ...pairs, "--stack", this.name], {
        label: this.label(`config set-all --secret ${Object.keys(secrets).join(" ")}`),
      });
    }
  }

  async setConfig(
    k: string,
    v: string,
    options: { secret?: boolean; plaintext?: boolean } = {},
  ): Promise<void> {
    const flag = options.secret ? ["--secret"] : options.plaintext ? ["--plaintext"] : [];
    await this.ws.pulumi(["config", "set", ...flag, k, v, "--stack", this.name], {
      label: this.label(`config set ${k}`),
    });
  }

  cmd(args: string[], what: string, expect: "ok" | "fail" | "any" = "ok"): Promise<RunResult> {
    return this.ws.pulumi([...args, "--stack", this.name], { label: this.label(what), expect });
  }

  preview(extra: string[] = [], what = "preview", expect: "ok" | "fail" | "any" = "ok") {
    return this.cmd(["preview", ...extra], what, expect);
  }

  up(what = "up --yes", expect: "ok" | "fail" | "any" = "ok") {
    // --skip-preview: `up --yes` would run the program twice (preview, then update); the preview
    // is its own scenario.
    return this.cmd(["up", "--yes", "--skip-preview"], what, expect);
  }

  refresh(what = "refresh --yes") {
    return this.cmd(["refresh", "--yes", "--skip-preview"], what);
  }

  destroy(what = "destroy --yes") {
    return this.cmd(["destroy", "--yes", "--skip-preview"], what);
  }

  async exportState(): Promise<{ text: string; doc: StateExport }> {
    const r = await this.cmd(["stack", "export"], "stack export");
    return { text: r.stdout, doc: JSON.parse(r.stdout) as StateExport };
  }

  async outputs(): Promise<Record<string, unknown>> {
    const r = await this.cmd(["stack", "output", "--json"], "stack output --json");
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  async remove(): Promise<void> {
    await this.ws.pulumi(["stack", "rm", this.name, "--yes", "--force"], {
      label: this.label("stack rm"),
    });
  }
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface StateExport {
  deployment: { resources?: StateResource[] };
}

export function resourcesOf(doc: StateExport): StateResource[] {
  return doc.deployment.resources ?? [];
}

export function byName(doc: StateExport, type: string, name?: string): StateResource {
  const found = resourcesOf(doc).filter(
    (r) => r.type === type && (name === undefined || fromUrn(r.urn).name === name),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name ? ` named ${name}` : ""} in the state, found ${found.length}`,
    );
  }
  return found[0];
}
