// The throwaway world one real-engine test run works in, all under one temporary folder:
//
//   <root>/home           PULUMI_HOME: the stand-in plugins and the policy analyzer shim, installed
//                         with `pulumi plugin install … --file` (no network)
//   <root>/state          the file backend (PULUMI_BACKEND_URL=file://…)
//   <root>/project        a copy of the program (index.ts, Pulumi.yaml, package.json, components/,
//                         config/, lib/, model/, providers/) with node_modules linked to the
//                         repository's: the repository's Pulumi.<stack>.yaml files are never touched
//   <root>/policy-pack    runtime nodejspolicy wrapper around the repository's policy/index.ts
//   <root>/standins       the stand-in providers, transpiled from test/e2e/standins/*.ts, and their
//                         launchers
//   <root>/azure.json     the azure-native stand-in's resource store
//   <root>/commands.log   every command with its output, for debugging a failed run
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { REPO, POLICY_SHIM, type RunResult, describeRun, run } from "./cli";

/** The program files a stack needs (what Pulumi.yaml's main: index.ts imports, and the shims load). */
const PROJECT_FILES = ["index.ts", "Pulumi.yaml", "package.json", "tsconfig.json"];
const PROJECT_DIRS = ["components", "config", "lib", "model", "providers"];

export const PLUGIN_VERSIONS = {
  azuread: readPluginVersion("@pulumi/azuread"),
  "azure-native": readPluginVersion("@pulumi/azure-native"),
} as const;

function readPluginVersion(pkg: string): string {
  const json = JSON.parse(
    fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8"),
  );
  return String(json.pulumi?.version ?? json.version);
}

export interface Timing {
  label: string;
  ms: number;
}

export class Workspace {
  readonly home: string;
  readonly state: string;
  readonly project: string;
  readonly policyPack: string;
  readonly standins: string;
  readonly azureStore: string;
  readonly standinLog: string;
  /** Every command run, in order (their output is scanned for planted secrets). */
  readonly runs: RunResult[] = [];
  readonly timings: Timing[] = [];
  /** Environment added to every command (the fakes' URLs and token, set per stack). */
  extraEnv: Record<string, string> = {};

  private constructor(
    readonly root: string,
    readonly cli: string,
  ) {
    this.home = path.join(root, "home");
    this.state = path.join(root, "state");
    this.project = path.join(root, "project");
    this.policyPack = path.join(root, "policy-pack");
    this.standins = path.join(root, "standins");
    this.azureStore = path.join(root, "azure.json");
    this.standinLog = path.join(root, "standins.log");
  }

  /** Creates the folders, the project copy, the policy-pack wrapper, and installs the plugins. */
  static async create(cli: string): Promise<Workspace> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "gotomeeting-e2e-"));
    const ws = new Workspace(root, cli);
    for (const dir of [ws.home, ws.state, ws.project, ws.policyPack, ws.standins]) {
      fs.mkdirSync(dir, { recursive: true });
    }
    ws.copyProject();
    ws.writePolicyPack();
    ws.transpileStandins();
    await ws.installPlugins();
    return ws;
  }

  /** The environment of every pulumi command: nothing from the developer's own Pulumi or cloud
   *  credentials, only this workspace. */
  env(): NodeJS.ProcessEnv {
    const cliDir = path.dirname(this.cli);
    return {
      PATH: [cliDir, path.dirname(process.execPath), process.env.PATH ?? "/usr/bin:/bin"].join(
        path.delimiter,
      ),
      HOME: this.root,
      TMPDIR: os.tmpdir(),
      LANG: process.env.LANG ?? "C.UTF-8",
      PULUMI_HOME: this.home,
      PULUMI_BACKEND_URL: `file://${this.state}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-state-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      // The policy pack is type-checked by ts-node otherwise (run-policy-pack reads this).
      TS_NODE_TRANSPILE_ONLY: "true",
      NO_COLOR: "1",
      E2E_AZURE_STORE: this.azureStore,
      E2E_STANDIN_LOG: this.standinLog,
      E2E_AZUREAD_VERSION: PLUGIN_VERSIONS.azuread,
      E2E_AZURE_NATIVE_VERSION: PLUGIN_VERSIONS["azure-native"],
      ...this.extraEnv,
    };
  }

  /** Runs pulumi in the project (or `cwd`); records the run and its time under `label`. */
  async pulumi(
    args: string[],
    options: {
      label?: string;
      cwd?: string;
      timeoutMs?: number;
      expect?: "ok" | "fail" | "any";
    } = {},
  ): Promise<RunResult> {
    const all = [...args, ...(args.includes("--non-interactive") ? [] : ["--non-interactive"])];
    const colorless =
      all.includes("--color") || args[0] === "version" ? all : [...all, "--color", "never"];
    const r = await run(this.cli, colorless, {
      cwd: options.cwd ?? this.project,
      env: this.env(),
      timeoutMs: options.timeoutMs,
    });
    this.runs.push(r);
    this.timings.push({ label: options.label ?? `pulumi ${args.slice(0, 2).join(" ")}`, ms: r.ms });
    fs.appendFileSync(path.join(this.root, "commands.log"), `${describeRun(r)}\n\n`);
    const expect = options.expect ?? "ok";
    if (expect === "ok" && r.code !== 0) throw new Error(describeRun(r));
    if (expect === "fail" && r.code === 0) {
      throw new Error(`expected a failure, but it succeeded:\n${describeRun(r)}`);
    }
    return r;
  }

  /** Removes everything (kept when E2E_KEEP is set, for a post-mortem). */
  dispose(): void {
    if (process.env.E2E_KEEP) return;
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private copyProject(): void {
    for (const f of PROJECT_FILES) fs.copyFileSync(path.join(REPO, f), path.join(this.project, f));
    for (const d of PROJECT_DIRS) {
      fs.cpSync(path.join(REPO, d), path.join(this.project, d), {
        recursive: true,
        filter: (src) => !/\.test\.ts$/.test(src),
      });
    }
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.project, "node_modules"), "dir");
  }

  private writePolicyPack(): void {
    // The v3.68.0 language host cannot start `runtime: nodejs` packs; `nodejspolicy` routes the
    // pack to the analyzer shim (tools/pulumi-cli/README.md, "Policy packs").
    fs.writeFileSync(
      path.join(this.policyPack, "PulumiPolicy.yaml"),
      "runtime: nodejspolicy\ndescription: The repository's policy pack (policy/), run by the real-engine tests.\n",
    );
    fs.writeFileSync(
      path.join(this.policyPack, "index.ts"),
      `import ${JSON.stringify(path.join(REPO, "policy", "index"))};\n`,
    );
    fs.writeFileSync(
      path.join(this.policyPack, "package.json"),
      JSON.stringify({
        name: "e2e-policy-pack",
        version: "0.0.1",
        private: true,
        main: "index.ts",
      }),
    );
    fs.writeFileSync(
      path.join(this.policyPack, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "commonjs",
          target: "ES2022",
          esModuleInterop: true,
          skipLibCheck: true,
          strict: true,
        },
      }),
    );
    fs.symlinkSync(
      path.join(REPO, "node_modules"),
      path.join(this.policyPack, "node_modules"),
      "dir",
    );
  }

  /** test/e2e/standins/*.ts → <root>/standins/*.js (transpile only), plus one launcher per plugin. */
  private transpileStandins(): void {
    const src = path.join(__dirname, "standins");
    for (const file of fs.readdirSync(src).filter((f) => f.endsWith(".ts"))) {
      const out = ts.transpileModule(fs.readFileSync(path.join(src, file), "utf8"), {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
        fileName: file,
      });
      fs.writeFileSync(path.join(this.standins, file.replace(/\.ts$/, ".js")), out.outputText);
    }
    const launcher = (script: string) =>
      // The engine reads the port from the plugin's stdout: nothing else may be printed there. The
      // script is named by absolute path: --file copies only this launcher into PULUMI_HOME.
      `#!/bin/sh\nNODE_PATH=${shellQuote(path.join(REPO, "node_modules"))} exec ${shellQuote(process.execPath)} ${shellQuote(path.join(this.standins, script))} "$@"\n`;
    for (const [name, script] of [
      ["azuread", "azuread.js"],
      ["azure-native", "azureNative.js"],
    ] as const) {
      const file = path.join(this.standins, `pulumi-resource-${name}`);
      fs.writeFileSync(file, launcher(script), { mode: 0o755 });
    }
    const shim = path.join(this.standins, "pulumi-analyzer-policy-nodejspolicy");
    if (fs.existsSync(POLICY_SHIM)) {
      fs.copyFileSync(POLICY_SHIM, shim);
    } else {
      // A developer's own CLI (PULUMI_E2E_CLI or PATH) without the repository's build: the same
      // two lines scripts/build-pulumi-cli.sh writes.
      fs.writeFileSync(
        shim,
        '#!/bin/sh\nrun_policy_pack="$(node -e "process.stdout.write(require.resolve(\'@pulumi/pulumi/cmd/run-policy-pack\'))")" || exit 1\nexec node "$run_policy_pack" "$@"\n',
      );
    }
    fs.chmodSync(shim, 0o755);
  }

  private async installPlugins(): Promise<void> {
    for (const [name, version] of Object.entries(PLUGIN_VERSIONS)) {
      await this.pulumi(
        [
          "plugin",
          "install",
          "resource",
          name,
          version,
          "--file",
          path.join(this.standins, `pulumi-resource-${name}`),
        ],
        { label: `pulumi plugin install resource ${name} ${version} --file …`, cwd: this.root },
      );
    }
    await this.pulumi(
      [
        "plugin",
        "install",
        "analyzer",
        "policy-nodejspolicy",
        "1.0.0",
        "--file",
        path.join(this.standins, "pulumi-analyzer-policy-nodejspolicy"),
      ],
      {
        label: "pulumi plugin install analyzer policy-nodejspolicy 1.0.0 --file …",
        cwd: this.root,
      },
    );
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
