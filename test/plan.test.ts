// `npm run plan` as a user runs it, and the project/stack files as the Pulumi CLI would check them.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ROOT, StackFileError, loadProject, loadStack, typeError } from "../scripts/stackFiles";

const run = promisify(execFile);
const PLAN = [
  path.join(ROOT, "node_modules/ts-node/dist/bin.js"),
  "--transpile-only",
  path.join(ROOT, "scripts/plan.ts"),
];

async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...PLAN, ...args], {
      cwd: ROOT,
      timeout: 120_000,
    });
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

describe("npm run plan", () => {
  it("prints what pulumi up would create for dev, with secrets hidden and tenant values unknown", async () => {
    const r = await plan("dev");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan for stack "dev" of gotomeeting-provisioning: offline');
    expect(r.stdout).toContain(
      "+ gotomeeting-gallery-app  (azuread:index/applicationFromTemplate:ApplicationFromTemplate)",
    );
    expect(r.stdout).toContain('displayName: "GoToMeeting (dev)"');
    // The credentials (password included) are one secret input: shown only as [secret].
    expect(r.stdout).toMatch(
      /\+ gotomeeting-provisioning-secrets {2}\(azuread:index\/synchronizationSecret:SynchronizationSecret\)\n {14}credentials: "\[secret\]"/,
    );
    expect(r.stdout).toContain('principalObjectId: "(known after deploy)"');
    expect(r.stdout).toContain(
      "+ gotomeeting-provisioning-pilot  (azuread:index/synchronizationJobProvisionOnDemand:SynchronizationJobProvisionOnDemand)",
    );
    expect(r.stdout).toContain(
      "+ gotomeeting-provisioning-user-mappings  (pulumi-nodejs:dynamic/gotomeeting:AttributeMappings)",
    );
    expect(r.stdout).toContain(
      "+ goto-users-breakglass-admin-contoso-com  (pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser)",
    );
    expect(r.stdout).toContain("adminPassword is not in Pulumi.dev.yaml");
  });

  it("prints the same plan as JSON for prod", async () => {
    const r = await plan("prod", "--json");
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as {
      stack: string;
      resources: { type: string; name: string; parent?: string; inputs: Record<string, unknown> }[];
    };
    expect(p.stack).toBe("prod");
    const names = p.resources.map((x) => x.name).sort();
    expect(names).toEqual(
      [
        "gotomeeting",
        "gotomeeting-gallery",
        "gotomeeting-gallery-app",
        "gotomeeting-assignments",
        "gotomeeting-assignments-group-gotomeeting-users",
        "gotomeeting-assignments-group-gotomeeting-admins",
        "gotomeeting-assignments-user-6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10",
        "gotomeeting-provisioning",
        "gotomeeting-provisioning-template",
        "gotomeeting-provisioning-job",
        "gotomeeting-provisioning-test-connection",
        "gotomeeting-provisioning-secrets",
        "gotomeeting-provisioning-user-mappings",
        "gotomeeting-provisioning-status",
        "goto-users",
        "goto-users-breakglass-admin-contoso-com",
        "goto-users-boardroom-contoso-com",
        ...extraProdResources,
      ].sort(),
    );
    const assignment = p.resources.find(
      (x) => x.name === "gotomeeting-assignments-user-6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10",
    )!;
    expect(assignment.parent).toBe("gotomeeting-assignments");
    expect(assignment.inputs.principalObjectId).toBe("6f1c9a52-3d4e-4b8a-9c21-0a7e5b3d2f10");
    expect(JSON.stringify(p)).not.toMatch(/__provider/);
  });

  it("shows what promoting dev's configuration to prod changes", async () => {
    const r = await plan("prod", "--against", "dev");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Promotion dev → prod: how the desired state of "prod" differs from "dev".',
    );
    expect(r.stdout).toContain(
      "- gotomeeting-provisioning-pilot  (azuread:index/synchronizationJobProvisionOnDemand:SynchronizationJobProvisionOnDemand)  only in dev",
    );
    expect(r.stdout).toContain(
      "+ gotomeeting-assignments-group-gotomeeting-users  (azuread:index/appRoleAssignment:AppRoleAssignment)  only in prod",
    );
    expect(r.stdout).toContain('      displayName: "GoToMeeting (dev)" → "GoToMeeting"');
    expect(r.stdout).toContain(
      "~ gotomeeting-provisioning-secrets  (azuread:index/synchronizationSecret:SynchronizationSecret)\n      credentials: differs (secret; values not shown)",
    );
  });

  it("exits non-zero with every validation error for a bad stack file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stack-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      [
        "config:",
        "  gotomeeting-provisioning:adminUserName: admin@contoso.com",
        "  gotomeeting-provisioning:adminPassword: hunter2-plaintext",
        "  gotomeeting-provisioning:notificationEmail: ops@contoso.com",
        "  gotomeeting-provisioning:assignments:",
        "    - user: a@contoso.com",
        "    - user: b@contoso.com",
        "      role: Default Access",
        "    - group: G",
        "      user: c@contoso.com",
      ].join("\n"),
    );
    const r = await plan("bad", "--stack-dir", dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Invalid stack configuration (2 problems):");
    expect(r.stderr).toContain(
      "  - adminPassword: is stored in plaintext; remove it from the stack file and set it as a secret: pulumi config set --secret adminPassword <value>",
    );
    expect(r.stderr).toContain(
      "  - assignments[2]: set exactly one of user or group (found both); use two entries to assign both",
    );
    expect(r.stderr).not.toContain("hunter2-plaintext");
  });

  it("names a missing stack file", async () => {
    const r = await plan("nosuch");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Pulumi.nosuch.yaml: no such stack file in");
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
