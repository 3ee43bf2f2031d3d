// The package as other Pulumi programs use it: the example consumer (examples/two-apps) under
// Pulumi's mocks, importing the package by name; then the real package, built and packed with npm,
// installed into a temporary project where Node resolves it for real. Proves: the components work
// with typed arguments and no stack config of this project; opts reach the children
// (retainOnDelete); the tarball holds everything a consumer needs and nothing of the stack program;
// its type declarations check the example; and a dynamic resource's stored shim finds its provider
// from the consumer's node_modules (the state's `__provider`, loaded as Pulumi's provider host does).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { vi } from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSecretEnvelope, runProgram, type RunResult } from "../scripts/mockRuntime";
import { APP_ID, APP_OBJECT_ID, APP_ROLES, SP_OBJECT_ID } from "./helpers/program";

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples/two-apps");
const PROJECT = "platform-identity";

/** Tenant-like answers for the example's azuread resources and invokes. */
const mocks = {
  newResource(args: { type: string; name: string; inputs: Record<string, unknown> }) {
    if (args.type === "azuread:index/applicationFromTemplate:ApplicationFromTemplate") {
      return {
        id: `/applications/${APP_OBJECT_ID}`,
        state: {
          applicationId: `/applications/${APP_OBJECT_ID}`,
          applicationObjectId: APP_OBJECT_ID,
          servicePrincipalId: `/servicePrincipals/${SP_OBJECT_ID}`,
          servicePrincipalObjectId: SP_OBJECT_ID,
        },
      };
    }
    if (args.type === "azuread:index/synchronizationJob:SynchronizationJob") {
      return {
        id: `/servicePrincipals/${SP_OBJECT_ID}/synchronization/jobs/gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.${APP_ID}`,
      };
    }
    return {};
  },
  call(args: { token: string; inputs: Record<string, unknown> }) {
    switch (args.token) {
      case "azuread:index/getApplicationTemplate:getApplicationTemplate":
        return {
          ...args.inputs,
          templateId: `template-of-${String(args.inputs.displayName)}`,
          supportedProvisioningTypes: ["sync"],
        };
      case "azuread:index/getServicePrincipal:getServicePrincipal":
        return { ...args.inputs, clientId: APP_ID, appRoles: APP_ROLES };
      case "azuread:index/getUser:getUser":
      case "azuread:index/getGroup:getGroup":
        return { ...args.inputs, objectId: "0a0b0c0d-1111-4222-8333-444455556666" };
      default:
        throw new Error(`unmocked call ${args.token}`);
    }
  },
};

const config = {
  [`${PROJECT}:gotoAdminPassword`]: "example-Secret-0f3c",
};

describe("the example consumer under Pulumi's mocks (package imported by name)", () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runProgram({
      project: PROJECT,
      stack: "dev",
      config,
      secretKeys: Object.keys(config),
      preview: false,
      mocks,
      load: async () => {
        vi.resetModules();
        return (await import(path.join(EXAMPLE, "index.ts"))) as Record<string, unknown>;
      },
    });
  });

  it("declares two provisioning procedures side by side, one per gallery app", () => {
    const apps = run.resources.filter(
      (r) => r.type === "azuread:index/applicationFromTemplate:ApplicationFromTemplate",
    );
    expect(apps.map((a) => [a.name, a.parent, a.inputs.displayName]).sort()).toEqual([
      ["goto-gallery-app", "goto-gallery", "GoTo"],
      ["meetings-gallery-app", "meetings-gallery", "GoToMeeting (platform)"],
    ]);
    const templates = run.resources.filter(
      (r) => r.type === "pulumi-nodejs:dynamic/gotomeeting:SynchronizationTemplate",
    );
    expect(
      templates
        .map((t) => [t.name, t.inputs.connector, t.inputs.galleryApp, t.inputs.credentialKeys])
        .sort(),
    ).toEqual([
      ["goto-provisioning-template", "goto", "GoTo", []],
      ["meetings-provisioning-template", "gotomeeting", "GoToMeeting", ["UserName", "Password"]],
    ]);
  });

  it("gives each connector its own way to save settings: secrets with credentials, or the guard", () => {
    expect(
      run.resources
        .filter((r) => r.type === "azuread:index/synchronizationSecret:SynchronizationSecret")
        .map((r) => r.name),
    ).toEqual(["meetings-provisioning-secrets"]);
    expect(
      run.resources
        .filter((r) => r.type === "pulumi-nodejs:dynamic/gotomeeting:GuardedSynchronizationSecret")
        .map((r) => r.name),
    ).toEqual(["goto-provisioning-settings"]);
    expect(
      run.resources
        .filter((r) => r.type === "pulumi-nodejs:dynamic/gotomeeting:ProvisionOnDemand")
        .map((r) => r.name),
    ).toEqual(["meetings-provisioning-pilot"]);
  });

  it("keeps the consumer's secret a secret and exports the client ids", () => {
    const secrets = run.resources.find((r) => r.name === "meetings-provisioning-secrets")!;
    // Under mocks a secret arrives wrapped in Pulumi's secret envelope, the password inside it.
    expect(isSecretEnvelope(secrets.inputs.credentials)).toBe(true);
    expect(JSON.stringify({ ...secrets.inputs, credentials: undefined })).not.toContain(
      "example-Secret-0f3c",
    );
    expect(run.outputs.meetingsAppId).toEqual({ known: true, secret: false, value: APP_ID });
  });
});

/** Runs a command and returns stdout; the error carries stderr, never a secret (none is used). */
function sh(cmd: string, args: string[], cwd: string, timeout = 180_000): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describe("the packed tarball installed into a new project", { timeout: 300_000 }, () => {
  let work: string;
  let files: string[];
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), "gotomeeting-pack-"));
    sh("npm", ["run", "--silent", "build"], ROOT);
    const packed = JSON.parse(
      sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = packed[0].files.map((f) => f.path).sort();
    const consumer = path.join(work, "consumer");
    cpSync(EXAMPLE, consumer, { recursive: true });
    const pkg = JSON.parse(readFileSync(path.join(consumer, "package.json"), "utf8"));
    pkg.dependencies["gotomeeting-provisioning"] = `file:${path.join(work, packed[0].filename)}`;
    writeFileSync(path.join(consumer, "package.json"), JSON.stringify(pkg, null, 2));
    // The registry's metadata may be needed for the dependencies; the tarballs come from npm's cache.
    sh(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev"],
      consumer,
      280_000,
    );
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("holds the components, providers, rules and clients, and nothing of the stack program or tests", () => {
    expect(files).toContain("dist/components/index.js");
    expect(files).toContain("dist/components/index.d.ts");
    for (const p of [
      "attributeMappings",
      "goToMeetingUser",
      "provisionOnDemand",
      "provisioningStatus",
      "synchronizationSettings",
      "synchronizationTemplate",
      "testConnection",
    ]) {
      expect(files).toContain(`dist/providers/${p}/provider.js`);
    }
    expect(files).toContain("LICENSE");
    const unwanted = files.filter(
      (f) =>
        /^(index\.ts|config\/|scripts\/|test\/|bench\/|policy\/|examples\/|Pulumi\.)|\.test\./.test(
          f,
        ) ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    expect(unwanted).toEqual([]);
  });

  it("type-checks the example against the installed declarations", () => {
    const consumer = path.join(work, "consumer");
    // The example's own tsconfig; TypeScript from this repository (the consumer need not have it).
    expect(() =>
      sh(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", consumer], consumer),
    ).not.toThrow();
  });

  it("runs the example under mocks, and a stored shim finds its provider in the consumer's node_modules", () => {
    const consumer = path.join(work, "consumer");
    const ts = require("typescript") as typeof import("typescript");
    const js = ts.transpileModule(readFileSync(path.join(consumer, "index.ts"), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    writeFileSync(path.join(consumer, "index.js"), js);
    writeFileSync(path.join(consumer, "mock-run.js"), MOCK_RUNNER);
    const out = JSON.parse(sh(process.execPath, ["mock-run.js"], consumer)) as {
      resources: { type: string; name: string }[];
      check: { property: string; reason: string }[];
    };
    expect(
      out.resources
        .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/gotomeeting:"))
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "break-glass-breakglass-admin@contoso.com",
      "goto-provisioning-settings",
      "goto-provisioning-status",
      "goto-provisioning-template",
      "goto-provisioning-test-connection",
      "meetings-provisioning-pilot",
      "meetings-provisioning-status",
      "meetings-provisioning-template",
      "meetings-provisioning-test-connection",
      "meetings-provisioning-user-mappings",
    ]);
    // The shim stored for TestConnection, loaded from its text as the provider host loads it, ran
    // the installed package's check: the bad job id is refused with the package's own message.
    expect(out.check).toEqual([
      {
        property: "jobId",
        reason: expect.stringContaining('jobId is "..", which names no object but a path step'),
      },
    ]);
  });
});

// Plain JavaScript run inside the consumer: everything it requires resolves from there.
const MOCK_RUNNER = String.raw`
const pulumi = require("@pulumi/pulumi");
const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }));
const registered = [];
pulumi.runtime.setMocks({
  newResource(args) {
    registered.push({ type: args.type, name: args.name, provider: args.inputs.__provider });
    if (args.type === "azuread:index/synchronizationJob:SynchronizationJob") {
      return { id: "/servicePrincipals/5a1e7c1d-0000-4000-8000-00000000a5b0/synchronization/jobs/gotomeeting.x.y", state: args.inputs };
    }
    return { id: args.name + "-id", state: { ...args.inputs, servicePrincipalObjectId: "5a1e7c1d-0000-4000-8000-00000000a5b0" } };
  },
  call(args) {
    if (args.token.endsWith("getApplicationTemplate")) return { ...args.inputs, templateId: "t", supportedProvisioningTypes: ["sync"] };
    if (args.token.endsWith("getServicePrincipal")) return { ...args.inputs, clientId: "c", appRoles: [{ id: "a1b2c3d4-1111-4222-8333-444455556666", value: "User", displayName: "User", enabled: true, allowedMemberTypes: ["User"] }] };
    return { ...args.inputs, objectId: "0a0b0c0d-1111-4222-8333-444455556666" };
  },
}, "platform-identity", "dev", false);
pulumi.runtime.setAllConfig({ "platform-identity:gotoAdminPassword": "example-Secret-0f3c" }, ["platform-identity:gotoAdminPassword"]);
require("./index.js");
const started = Date.now();
const poll = setInterval(async () => {
  const found = registered.find((r) => r.type === "pulumi-nodejs:dynamic/gotomeeting:TestConnection" && r.provider);
  if (!found && Date.now() - started < 20000) return;
  clearInterval(poll);
  if (!found) throw new Error("TestConnection was never registered with its provider");
  const stored = found.provider;
  const provider = requireFromString(stored).handler();
  const checked = await provider.check({}, { servicePrincipalId: "5a1e7c1d-0000-4000-8000-00000000a5b0", jobId: "..", connector: "goto" });
  // Registrations go on for a moment after the first dynamic resource; let them finish.
  await new Promise((r) => setTimeout(r, 1000));
  process.stdout.write(JSON.stringify({ resources: registered.map(({ type, name }) => ({ type, name })), check: checked.failures }));
}, 100);
`;
