// `npm run plan` as a user runs it, and the project/stack files as the Pulumi CLI would check them.
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nameFragment } from "../model/names";
import { type Plan, mermaidText, parseArgs, renderMermaid } from "../scripts/plan";
import { ROOT, StackFileError, loadProject, loadStack, typeError } from "../scripts/stackFiles";

const run = promisify(execFile);
const PLAN = [
  path.join(ROOT, "node_modules/ts-node/dist/bin.js"),
  "--transpile-only",
  path.join(ROOT, "scripts/plan.ts"),
];

type Run = { code: number; stdout: string; stderr: string };

async function plan(...args: string[]): Promise<Run> {
  return exec(process.execPath, [...PLAN, ...args]);
}

async function exec(file: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: ROOT, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Pulumi's own schema for Pulumi.yaml ships with the team's shared reference material, not in the repo.
const SCHEMA =
  process.env.PULUMI_PROJECT_SCHEMA ??
  path.resolve(ROOT, "../shared/specs/pulumi-project.schema.json");

describe("Pulumi.yaml and the example stacks, checked as the CLI checks them", () => {
  it.skipIf(!existsSync(SCHEMA))("Pulumi.yaml is valid against Pulumi's project schema", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, "utf8")));
    const project = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(validate(project) ? [] : validate.errors).toEqual([]);
    // The same validator rejects a key typed as an object, which Pulumi cannot declare.
    expect(validate({ ...project, config: { assignments: { type: "object" } } })).toBe(false);
  });

  it("declares only typeable keys, each with a description and a default of its type", () => {
    const project = loadProject();
    expect(project.name).toBe("gotomeeting-provisioning");
    for (const [key, decl] of Object.entries(project.config ?? {})) {
      expect(typeof decl, key).toBe("object");
      const d = decl as {
        type: "string" | "integer" | "boolean";
        description?: string;
        default?: unknown;
      };
      expect(["string", "integer", "boolean"], key).toContain(d.type);
      expect(d.description, key).toMatch(/\S/);
      expect(typeError(d.default, d), key).toBeUndefined();
    }
    for (const structured of [
      "assignments",
      "notificationEmail",
      "attributeMappings",
      "gotoUsers",
      "monitoring",
      "adminPassword",
    ]) {
      expect(Object.keys(project.config ?? {})).not.toContain(structured);
    }
  });

  it.each(["dev", "prod"])(
    "Pulumi.%s.yaml fits the declared types and holds no secret",
    (stack) => {
      const s = loadStack(stack);
      expect(s.encrypted).toEqual([]);
      expect(s.config["gotomeeting-provisioning:connector"]).toBe("gotomeeting");
    },
  );

  it("typeError mirrors the CLI's type check", () => {
    expect(typeError("500", { type: "integer" })).toBeUndefined();
    expect(typeError(500, { type: "integer" })).toBeUndefined();
    expect(typeError("many", { type: "integer" })).toBe('expected an integer, found string "many"');
    expect(typeError("yes", { type: "boolean" })).toBe('expected a boolean, found string "yes"');
    expect(typeError(["a"], { type: "string" })).toBe("expected a string, found a list");
    expect(typeError(["a", 1], { type: "array", items: { type: "string" } })).toBe(
      "item 1 is number 1, expected string",
    );
  });

  it("rejects a stack value of the wrong declared type before the program runs", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stack-"));
    writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      "config:\n  gotomeeting-provisioning:deleteThreshold: lots\n  gotomeeting-provisioning:provisioningEnabled: [true]\n",
    );
    expect(() => loadStack("bad", ROOT, dir)).toThrow(StackFileError);
    try {
      loadStack("bad", ROOT, dir);
    } catch (err) {
      expect((err as StackFileError).problems).toEqual([
        'Pulumi.bad.yaml: deleteThreshold: expected an integer, found string "lots" (declared type in Pulumi.yaml: integer)',
        "Pulumi.bad.yaml: provisioningEnabled: expected a boolean, found a list (declared type in Pulumi.yaml: boolean)",
      ]);
    }
  });
});

const FIXTURES = path.join(ROOT, "test", "fixtures");
const fixture = (name: string) => ["--stack-dir", FIXTURES, name];

/** A directory with the given stack files (copied from the root or fixtures, or written as text). */
const TEMP: string[] = [];
afterAll(() => TEMP.forEach((d) => rmSync(d, { recursive: true, force: true })));

function stackDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "stacks-"));
  TEMP.push(dir);
  for (const [name, source] of Object.entries(files)) {
    const target = path.join(dir, `Pulumi.${name}.yaml`);
    if (source.startsWith("text:")) writeFileSync(target, source.slice(5));
    else copyFileSync(source, target);
  }
  return dir;
}

const BROKEN_DIR = stackDir({
  broken: [
    "text:config:",
    "  gotomeeting-provisioning:notificationEmail: ops@contoso.com",
    "  gotomeeting-provisioning:assignments: [",
    "    - group: G",
    "",
  ].join("\n"),
  typed: [
    "text:config:",
    "  gotomeeting-provisioning:adminUserName: admin@contoso.com",
    "  gotomeeting-provisioning:notificationEmail: ops@contoso.com",
    "  gotomeeting-provisioning:deleteThreshold: lots",
    "  gotomeeting-provisioning:scope: everyone",
    "  gotomeeting-provisioning:adminPassword: hunter2-plaintext",
    "  gotomeeting-provisioning:assignments:",
    "    - user: a@contoso.com",
    "    - user: b@contoso.com",
    "      role: Default Access",
    "    - group: G",
    "      user: c@contoso.com",
    "",
  ].join("\n"),
});
const OUT = path.join(stackDir({}), "dev.json");

// Every run the tests below read, started together (two at a time: the machine has two cores).
const RUNS: Record<string, string[]> = {
  dev: ["dev"],
  devJson: ["dev", "--json"],
  devMermaid: ["dev", "--format", "mermaid"],
  devMermaidAgain: ["dev", "--format=mermaid"],
  prodJson: ["prod", "--json"],
  prodAgainstDev: ["prod", "--against", "dev"],
  prodAgainstDevJson: ["prod", "--against", "dev", "--json"],
  noemail: fixture("noemail"),
  threshold0: fixture("threshold0"),
  scopeall: fixture("scopeall"),
  scopeallAgainstDev: ["scopeall", "--against", "dev", "--stack-dir", FIXTURES],
  scopeallPathAgainstDev: [path.join(FIXTURES, "Pulumi.scopeall.yaml"), "--against", "dev"],
  disabled: [...fixture("disabled"), "--json"],
  massdeletion: fixture("massdeletion"),
  fourerrors: fixture("fourerrors"),
  broken: ["broken", "--stack-dir", BROKEN_DIR],
  typed: ["typed", "--stack-dir", BROKEN_DIR],
  namecollisions: [...fixture("namecollisions"), "--json"],
  priorities: fixture("priorities"),
  pilotdefaultaccess: fixture("pilotdefaultaccess"),
  pilotmissing: fixture("pilotmissing"),
  passwordonly: fixture("passwordonly"),
  httpgraph: fixture("httpgraph"),
  loopback: fixture("loopback"),
  graphnoversion: fixture("graphnoversion"),
  esc: fixture("esc"),
  planted: fixture("planted"),
  secrets: fixture("secrets"),
  secretsJson: [...fixture("secrets"), "--json"],
  secretsMermaid: [...fixture("secrets"), "--format", "mermaid"],
  secretsAgainst: [...fixture("secrets"), "--against", "noemail"],
  nosuch: ["nosuch"],
  help: ["--help"],
  h: ["-h"],
  unknownFlag: ["dev", "--jsno"],
  twoStacks: ["dev", "prod"],
  noStack: [],
  noValue: ["dev", "--against"],
};
const r: Record<string, Run> = {};

beforeAll(async () => {
  const queue = Object.entries(RUNS);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) r[next[0]] = await plan(...next[1]);
  };
  // The documented way to clean JSON through npm itself, whose banner goes to stdout.
  const npm = exec("npm", ["run", "plan", "--", "dev", "--json", "--out", OUT]).then((x) => {
    r.npmOut = x;
  });
  await Promise.all([worker(), worker(), npm]);
}, 900_000);

const json = <T>(name: string): T => {
  expect(r[name].code, r[name].stderr).toBe(0);
  return JSON.parse(r[name].stdout) as T;
};
type JsonPlan = Pick<Plan, "stack" | "settings" | "warnings" | "notes" | "outputs"> & {
  resources: { type: string; name: string; parent?: string; inputs: Record<string, unknown> }[];
};
const setting = (p: JsonPlan, key: string) => p.settings.find((s) => s.key === key)?.value;
const byName = (p: JsonPlan, name: string) => p.resources.find((x) => x.name === name)!;

describe("npm run plan: what pulumi up would create", () => {
  it("prints the dev plan: settings as values, resources, secrets hidden, tenant values unknown", () => {
    const out = r.dev.stdout;
    expect(r.dev.code, r.dev.stderr).toBe(0);
    expect(out).toContain('Plan for stack "dev" of gotomeeting-provisioning: offline');
    expect(out).toContain(
      [
        "Provisioning settings (from the validated config):",
        "  connector: gotomeeting",
        "  galleryApp: GoToMeeting",
        "  appDisplayName: GoToMeeting (dev)",
        "  scope: assigned (only the assigned users and groups are provisioned)",
        "  deleteThreshold: 500 (accidental-deletion prevention holds a cycle that would delete more than 500 accounts)",
        "  notificationEmail: provisioning-dev@contoso.com",
        "  provisioningEnabled: on (the job starts once Test Connection passed)",
        "  pilotUser: pilot.user@contoso.com (only this user is assigned and provisioned on demand; 1 other entry waits for the rollout: pulumi config rm pilotUser)",
        "  assignments: 2 entries: user pilot.user@contoso.com (role User), group GoToMeeting Pilot (the app's role)",
        "  adminUserName: gotomeeting-admin@contoso.com",
        "  adminPassword: [secret]",
      ].join("\n"),
    );
    expect(out).toContain(
      "+ gotomeeting-gallery-app  (azuread:index/applicationFromTemplate:ApplicationFromTemplate)",
    );
    expect(out).toMatch(
      /\+ gotomeeting-provisioning-secrets {2}\(azuread:index\/synchronizationSecret:SynchronizationSecret\)\n {14}credentials: "\[secret\]"/,
    );
    expect(out).toContain('principalObjectId: "(known after deploy)"');
    expect(out).toContain("+ gotomeeting-provisioning-pilot  (");
    expect(out).toContain(
      "+ gotomeeting-provisioning-user-mappings  (pulumi-nodejs:dynamic/gotomeeting:AttributeMappings)",
    );
    expect(out).toContain(
      `+ goto-users-${nameFragment("breakglass-admin@contoso.com")}  (pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser)`,
    );
    expect(out).toContain("adminPassword is not in Pulumi.dev.yaml");
  });

  it("hands SynchronizationTemplate the gallery app's name, not the app's display name", () => {
    const p = json<JsonPlan>("devJson");
    expect(byName(p, "gotomeeting-gallery-app").inputs.displayName).toBe("GoToMeeting (dev)");
    expect(byName(p, "gotomeeting-provisioning-template").inputs.galleryApp).toBe("GoToMeeting");
  });

  it("prints the same plan as JSON for prod, settings included", () => {
    const p = json<JsonPlan>("prodJson");
    expect(p.stack).toBe("prod");
    const names = p.resources.map((x) => x.name).sort();
    const assignment = (kind: string, text: string) =>
      `gotomeeting-assignments-${kind}-${nameFragment(text)}`;
    expect(names).toEqual(
      [
        "gotomeeting",
        "gotomeeting-gallery",
        "gotomeeting-gallery-app",
        "gotomeeting-assignments",
        assignment("group", "GoToMeeting Users"),
        assignment("group", "GoToMeeting Admins"),
        assignment("user", "6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10"),
        "gotomeeting-provisioning",
        "gotomeeting-provisioning-template",
        "gotomeeting-provisioning-job",
        "gotomeeting-provisioning-test-connection",
        "gotomeeting-provisioning-secrets",
        "gotomeeting-provisioning-user-mappings",
        "gotomeeting-provisioning-status",
        "goto-users",
        `goto-users-${nameFragment("breakglass-admin@contoso.com")}`,
        `goto-users-${nameFragment("boardroom@contoso.com")}`,
        ...extraProdResources,
      ].sort(),
    );
    const a = byName(p, assignment("user", "6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10"));
    expect(a.parent).toBe("gotomeeting-assignments");
    expect(a.inputs.principalObjectId).toBe("6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10");
    expect(JSON.stringify(p)).not.toMatch(/__provider|secretDigests/);
    expect(setting(p, "notificationEmail")).toEqual([
      "provisioning-alerts@contoso.com",
      "identity-team@contoso.com",
    ]);
    expect(setting(p, "pilotUser")).toBeNull();
    expect(setting(p, "deleteThreshold")).toBe(500);
  });

  it("names a missing stack file", () => {
    expect(r.nosuch.code).toBe(1);
    expect(r.nosuch.stderr).toContain("Pulumi.nosuch.yaml: no such stack file in");
  });
});

describe("Why 1: the settings a reviewer must see", () => {
  it("dev, notificationEmail: none, deleteThreshold: 0 and scope: all plan differently", () => {
    const plans = ["dev", "noemail", "threshold0", "scopeall"].map((k) => {
      expect(r[k].code, r[k].stderr).toBe(0);
      // The stack name in the first line aside, the plans must still differ.
      return r[k].stdout.split("\n").slice(1).join("\n");
    });
    expect(new Set(plans).size).toBe(4);
    expect(r.noemail.stdout).toContain(
      "  notificationEmail: none (opted out: failures are e-mailed to nobody)",
    );
    expect(r.threshold0.stdout).toContain(
      "  deleteThreshold: off (0: accidental-deletion prevention is off; a cycle may delete any number of accounts)",
    );
    expect(r.scopeall.stdout).toContain(
      "  scope: all (every user and group of the tenant is provisioned, assigned or not)",
    );
  });

  it("plan -- scopeall --against dev names the scope change and flags it", () => {
    for (const k of ["scopeallAgainstDev", "scopeallPathAgainstDev"]) {
      expect(r[k].code, r[k].stderr).toBe(0);
      expect(r[k].stdout).toContain(
        [
          "Settings:",
          "  ~ scope: assigned (only the assigned users and groups are provisioned) → all (every user and group of the tenant is provisioned, assigned or not)",
          '      ⚠ scope should be the same in every stack (README, "Environment promotion"): prove the change in dev, then promote it',
        ].join("\n"),
      );
      expect(r[k].stdout).toContain(
        "credentials: differs (secret; values not shown; the settings it carries are compared under Settings)",
      );
    }
  });

  it("prod against dev: the settings that may differ, none of those that should not", () => {
    const out = r.prodAgainstDev.stdout;
    expect(r.prodAgainstDev.code, r.prodAgainstDev.stderr).toBe(0);
    expect(out).toContain(
      'Promotion dev → prod: how the desired state of "prod" differs from "dev".',
    );
    expect(out).toContain(
      "  ~ notificationEmail: provisioning-dev@contoso.com → provisioning-alerts@contoso.com, identity-team@contoso.com",
    );
    expect(out).toContain("  ~ appDisplayName: GoToMeeting (dev) → GoToMeeting");
    expect(out).toMatch(/ {2}~ pilotUser: pilot\.user@contoso\.com \(.*\) → none \(/);
    expect(out).not.toContain("⚠");
    expect(out).toMatch(
      /Same in both: connector, galleryApp, scope, deleteThreshold, .*attributeMappings/,
    );
    expect(out).toContain("- gotomeeting-provisioning-pilot  (");
    expect(out).toContain(
      `+ gotomeeting-assignments-group-${nameFragment("GoToMeeting Users")}  (azuread:index/appRoleAssignment:AppRoleAssignment)  only in prod`,
    );
    expect(out).toContain('      displayName: "GoToMeeting (dev)" → "GoToMeeting"');
    const d = json<{ settings: { key: string; shouldNotDiffer: boolean }[] }>("prodAgainstDevJson");
    expect(d.settings.map((s) => [s.key, s.shouldNotDiffer])).toEqual([
      ["appDisplayName", false],
      ["notificationEmail", false],
      ["pilotUser", false],
      ["assignments", false],
    ]);
  });

  it("provisioningEnabled: false plans the status as false, not as unknown", () => {
    const p = json<JsonPlan>("disabled");
    expect(byName(p, "gotomeeting-provisioning-status").inputs.enabled).toBe(false);
    expect(setting(p, "provisioningEnabled")).toBe(false);
    expect(p.outputs.testConnectionPassed).toBe(false);
    expect(p.settings.find((x) => x.key === "provisioningEnabled")?.text).toBe(
      "off (the job is declared but not started: Provisioning Status Off)",
    );
    expect(p.warnings).toEqual([
      "adminUserName, adminPassword: not set while provisioningEnabled is false, so Test Connection and the saved settings (notification e-mail, deletion threshold, scope) wait; set both before turning provisioning on",
    ]);
  });

  it("shows allowMassDeletion when true, with the warning that it is for one run", () => {
    expect(r.massdeletion.code, r.massdeletion.stderr).toBe(0);
    expect(r.massdeletion.stdout).toContain(
      "  allowMassDeletion: true (releases a TooManyDeletes quarantine on this run; unset it after one pulumi up)",
    );
    expect(r.massdeletion.stdout).toContain(
      "Warnings:\n  - allowMassDeletion: true releases a TooManyDeletes quarantine on this run",
    );
    expect(r.dev.stdout).not.toContain("allowMassDeletion: true");
  });
});

describe("Why 2: every error at once, and never a stack trace", () => {
  it("a stack file with four independent errors prints four", () => {
    expect(r.fourerrors.code).toBe(1);
    expect(r.fourerrors.stdout).toBe("");
    expect(r.fourerrors.stderr).toBe(
      [
        "Pulumi.fourerrors.yaml: invalid stack configuration (4 problems):",
        "  - asignments: unknown key in the gotomeeting-provisioning namespace; did you mean assignments?",
        "  - deleteThreshold: must be ≥ 0 (0 turns accidental-deletion prevention off)",
        '  - scope: must be "assigned" or "all"',
        '  - graphApiUrl: "http://graph.microsoft.com/v1.0" uses plain http; it must be https (http is accepted only for a loopback test address such as http://127.0.0.1:8080), e.g. pulumi config set graphApiUrl https://graph.microsoft.com/v1.0',
        "",
      ].join("\n"),
    );
  });

  it("declared types, plaintext secrets and the program's rules in one list, no secret shown", () => {
    expect(r.typed.code).toBe(1);
    expect(r.typed.stderr).toBe(
      [
        "Pulumi.typed.yaml: invalid stack configuration (5 problems):",
        '  - deleteThreshold: expected an integer, found string "lots" (declared type in Pulumi.yaml: integer)',
        "  - adminPassword: is stored in plaintext; remove it from the stack file and set it as a secret: pulumi config set --secret adminPassword <value>",
        '  - scope: must be "assigned" or "all"',
        `  - assignments[1].role: "Default Access" is the Default Access role (msiam_access), which the GoToMeeting provisioning tutorial says does not work for provisioning; pick another app role. Microsoft changed this for provisioning configurations created after 2020-04-16 (Default Access is then evaluated like any role); if yours is such a configuration, set allowDefaultAccessRole: true`,
        "  - assignments[2]: set exactly one of user or group (found both); use two entries to assign both",
        "",
      ].join("\n"),
    );
    expect(r.typed.stderr).not.toContain("hunter2");
  });

  it("a YAML syntax error names the file, line and column", () => {
    expect(r.broken.code).toBe(1);
    expect(r.broken.stderr).toBe(
      [
        "Pulumi.broken.yaml:4:5: not valid YAML: Block collections are not allowed within flow collections",
        "Pulumi.broken.yaml:5:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
        "",
      ].join("\n"),
    );
  });

  it("no bad stack file prints a stack frame or the tool's internals", () => {
    const bad = Object.keys(RUNS).filter((k) => r[k].code !== 0);
    expect(bad.length).toBeGreaterThanOrEqual(15);
    for (const k of bad) {
      expect({ k, frame: /^\s+at .+[:(]\d+:\d+\)?$/m.test(r[k].stderr) }).toEqual({
        k,
        frame: false,
      });
      expect({ k, internals: /node_modules|YAMLParseError|\bError:/.test(r[k].stderr) }).toEqual({
        k,
        internals: false,
      });
    }
  });
});

describe("Why 3: offline what can be known offline", () => {
  it("two mappings with the lowest matchingPriority", () => {
    expect(r.priorities.code).toBe(1);
    expect(r.priorities.stderr).toContain(
      '  - attributeMappings (User): "userName" and "displayName" share the lowest matchingPriority 1; exactly one mapping may have the lowest matchingPriority',
    );
  });

  it("Default Access on an entry that is not the pilot, while pilotUser is set", () => {
    expect(r.pilotdefaultaccess.code).toBe(1);
    expect(r.pilotdefaultaccess.stderr).toContain(
      '  - assignments[1].role: "Default Access" is the Default Access role (msiam_access)',
    );
  });

  it("a pilot who is not in assignments: planned, with a warning about the rollout", () => {
    expect(r.pilotmissing.code, r.pilotmissing.stderr).toBe(0);
    expect(r.pilotmissing.stdout).toContain(
      'Warnings:\n  - pilotUser: "pilot.user@contoso.com" is not in assignments, so removing pilotUser at rollout removes this user\'s assignment (and GoToMeeting deprovisions the account); add it to assignments to keep it',
    );
  });

  it("provisioning off: a password without the admin user name is rejected", () => {
    expect(r.passwordonly.code).toBe(1);
    expect(r.passwordonly.stderr).toBe(
      [
        "Pulumi.passwordonly.yaml: invalid stack configuration (1 problem):",
        "  - adminUserName: required together with adminPassword, since Test Connection needs both (step 5a); set it: pulumi config set adminUserName admin@yourcompany.com",
        "",
      ].join("\n"),
    );
  });

  it("names that collided in 0.1 become distinct resources, readable where they can be", () => {
    const p = json<JsonPlan>("namecollisions");
    const names = p.resources.map((x) => x.name);
    expect(new Set(names).size).toBe(names.length);
    const children = (parent: string) =>
      p.resources.filter((x) => x.parent === parent).map((x) => x.name);
    expect(children("gotomeeting-assignments")).toHaveLength(6);
    expect(children("goto-users")).toHaveLength(4);
    expect(names).toContain("gotomeeting-assignments-user-a.b@contoso.com");
    expect(names).toContain("gotomeeting-assignments-user-a-b@contoso.com");
    expect(names.some((n) => n.startsWith("gotomeeting-assignments-group-продажи"))).toBe(true);
    expect(names).toContain("goto-users-zo@contoso.com");
    expect(names).toContain(`goto-users-${nameFragment("zoë@contoso.com")}`);
  });

  it("https for every API URL; graphApiUrl with its version; loopback http only for tests", () => {
    expect(r.httpgraph.code).toBe(1);
    expect(r.httpgraph.stderr).toContain("(3 problems)");
    for (const key of ["graphApiUrl", "gotoApiUrl", "gotoAuthUrl"]) {
      expect(r.httpgraph.stderr).toMatch(new RegExp(`  - ${key}: "http://[^"]+" uses plain http`));
    }
    expect(r.graphnoversion.code).toBe(1);
    expect(r.graphnoversion.stderr).toContain(
      '  - graphApiUrl: "https://graph.microsoft.com" names no API version',
    );
    expect(r.loopback.code, r.loopback.stderr).toBe(0);
    expect(r.loopback.stdout).toContain(
      "  - graphApiUrl: plain http to the loopback address 127.0.0.1:8080 is accepted for tests against local fakes only; a real stack uses https",
    );
  });
});

describe("Why 5: the command line", () => {
  it("--help and -h print usage with every option and exit 0", () => {
    for (const k of ["help", "h"]) {
      expect(r[k].code).toBe(0);
      for (const option of ["--against", "--format", "--json", "--out", "--stack-dir", "--help"]) {
        expect(r[k].stdout).toContain(option);
      }
    }
    expect(r.h.stdout).toBe(r.help.stdout);
  });

  it("unknown flags, a second stack, a missing value or no stack are errors (exit 2)", () => {
    const usage = (k: string) => {
      expect(r[k].code).toBe(2);
      expect(r[k].stdout).toBe("");
      return r[k].stderr;
    };
    expect(usage("unknownFlag")).toBe(
      "plan: unknown option --jsno (did you mean --json?)\nRun npm run plan -- --help for the options.\n",
    );
    expect(usage("twoStacks")).toContain(
      'plan: one stack at a time, got "dev" and "prod"; to compare two: npm run plan -- dev --against prod',
    );
    expect(usage("noValue")).toContain("plan: --against needs a value");
    expect(usage("noStack")).toContain("plan: name the stack to plan");
  });

  it("--out writes clean JSON, even through npm run and its banner", () => {
    expect(r.npmOut.code, r.npmOut.stderr).toBe(0);
    expect(r.npmOut.stdout).toContain("> gotomeeting-provisioning@");
    expect(JSON.parse(readFileSync(OUT, "utf8"))).toEqual(JSON.parse(r.devJson.stdout));
  });

  it("a stack file with environment: says ESC is not resolved offline and what it lacks", () => {
    expect(r.esc.code).toBe(1);
    expect(r.esc.stderr).toBe(
      [
        "Pulumi.esc.yaml: invalid stack configuration (1 problem):",
        "  - environment: Pulumi.esc.yaml imports the ESC environment gotomeeting-shared, and the offline plan does not resolve ESC environments: it reads the stack file alone, so it lacks connector, scope, deleteThreshold, graphApiUrl, adminUserName, notificationEmail, adminPassword. To plan offline, set those keys in the stack file too; pulumi preview opens the environment.",
        "",
      ].join("\n"),
    );
  });

  it("parses options in both forms and refuses contradictions", () => {
    expect(parseArgs(["dev", "--format=json", "--out", "x.json"])).toEqual({
      stack: "dev",
      against: undefined,
      format: "json",
      out: "x.json",
      stackDir: undefined,
      help: false,
    });
    expect(() => parseArgs(["dev", "--json", "--format", "mermaid"])).toThrow(
      "--json contradicts --format mermaid",
    );
    expect(() => parseArgs(["dev", "--format", "mermaid", "--against", "prod"])).toThrow(
      "cannot be combined with --against",
    );
    expect(() => parseArgs(["dev", "--format", "yaml"])).toThrow(
      '--format must be text, json or mermaid; got "yaml"',
    );
  });
});

describe("--format mermaid", () => {
  it("draws the dev stack's graph, the same every run", () => {
    expect(r.devMermaid.code, r.devMermaid.stderr).toBe(0);
    const out = r.devMermaid.stdout;
    expect(out).toBe(r.devMermaidAgain.stdout);
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe("flowchart LR");
    // Every line is a node, an edge or a style, with ids Mermaid takes as they are.
    for (const line of lines.slice(1)) {
      expect(line).toMatch(
        /^ {2}(r\d+(\["[^"]*"\]|\(\["[^"]*"\]\))|r\d+ --> r\d+|r\d+ -\.->\|depends on\| r\d+|classDef .+|class (r\d+,?)+ component)$/,
      );
    }
    const p = json<JsonPlan>("devJson");
    expect(lines.filter((l) => /^ {2}r\d+[[(]/.test(l))).toHaveLength(p.resources.length);
    expect(out).toContain("gotomeeting-gallery-app<br/>ApplicationFromTemplate");
    expect(out).toMatch(/r\d+ -\.->\|depends on\| r\d+/);
  });

  it("escapes labels and keeps ids safe", () => {
    expect(mermaidText('a "b" <c> & d#e`[f]|{g};')).toBe(
      "a #34;b#34; #60;c#62; #38; d#35;e#96;#91;f#93;#124;#123;g#125;#59;",
    );
    expect(mermaidText("продажи zoë@x.com")).toBe("продажи zoë@x.com");
    const p: Plan = {
      stack: "s",
      project: "p",
      settings: [],
      warnings: [],
      outputs: {},
      notes: [],
      resources: [
        {
          type: "t:m:B",
          name: 'b"]; click r0 call x()',
          custom: true,
          dependsOn: ["end"],
          inputs: {},
          parent: "end",
        },
        { type: "t:m:C", name: "end", custom: false, dependsOn: [], inputs: {} },
      ],
    };
    expect(renderMermaid(p)).toBe(
      [
        "flowchart LR",
        '  r0["b#34;#93;#59; click r0 call x()<br/>B"]',
        '  r1(["end<br/>C"])',
        "  r1 --> r0",
        "  classDef component fill:#eef3ff,stroke:#5b6b9a",
        "  class r1 component",
      ].join("\n"),
    );
  });
});

describe("no secret value is ever printed", () => {
  it("planted plaintext secrets are reported by key only", () => {
    expect(r.planted.code).toBe(1);
    expect(r.planted.stderr).toContain(
      "adminPasword: unknown key in the gotomeeting-provisioning namespace; did you mean adminPassword?",
    );
    for (const key of ["adminPassword", "graphAccessToken", "gotoClientSecret"]) {
      expect(r.planted.stderr).toContain(`  - ${key}: is stored in plaintext`);
    }
  });

  it("in no output of any run, text, JSON, Mermaid or comparison", () => {
    expect(r.secrets.code, r.secrets.stderr).toBe(0);
    expect(r.secrets.stdout).toContain("  graphAccessToken: [secret]");
    expect(r.secretsAgainst.stdout).toContain(
      "Not compared: adminPassword, graphAccessToken (secrets are set per stack, encrypted or outside the stack file)",
    );
    for (const [k, x] of Object.entries(r)) {
      expect({ k, leaked: /PLANTED|hunter2/.test(x.stdout + x.stderr) }).toEqual({
        k,
        leaked: false,
      });
    }
  });
});

describe("the docs agree with the code", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const headings = [...readme.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].trim());

  it('every section the README points to ("See …") exists', () => {
    const refs = [...readme.matchAll(/[Ss]ee "([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    // A heading may go on after the words that point to it ("Known limits" → "Known limits and decisions").
    expect(refs.filter((ref) => !headings.some((h) => h.startsWith(ref)))).toEqual([]);
  });

  it("the README's Configuration example and both stacks agree on the settings that should not differ", () => {
    const dev = loadStack("dev").config;
    const prod = loadStack("prod").config;
    for (const key of ["connector", "scope", "deleteThreshold", "attributeMappings"]) {
      expect({ key, dev: dev[`gotomeeting-provisioning:${key}`] }).toEqual({
        key,
        dev: prod[`gotomeeting-provisioning:${key}`],
      });
    }
  });

  it("every option of the plan is in the README's Quick start", () => {
    const quick = readme.slice(
      readme.indexOf("## Quick start"),
      readme.indexOf("## Prerequisites"),
    );
    for (const option of ["--against", "--format", "--json", "--out", "--stack-dir", "--help"]) {
      expect({ option, documented: quick.includes(option) }).toEqual({ option, documented: true });
    }
  });

  it("a LICENSE file matches package.json", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      license: string;
    };
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(path.join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
  });

  it("every stack file in test/fixtures is planned by a test here", () => {
    const files = readdirSync(FIXTURES).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    const planned = new Set(
      Object.values(RUNS).flatMap((args) =>
        args.map((a) => path.basename(a).replace(/^Pulumi\.(.+)\.yaml$/, "$1")),
      ),
    );
    expect(files.map((f) => f.slice(7, -5)).filter((s) => !planned.has(s))).toEqual([]);
  });
});

/** Resources the prod example adds when later features are configured there (e.g. monitoring). */
const extraProdResources: string[] = [
  "monitoring",
  "monitoring-workspace",
  "monitoring-entra-diagnostics",
  "monitoring-action-group",
  "monitoring-failure-alert",
];
