// What Pulumi serializes into the state for each dynamic resource. Serializing a provider captures
// every local function it reaches by value, with a wrapper per function: ours came to 30–55 KB
// each, stored again with every resource (40 MB of state for 1,000 GoTo users). This shim holds
// only a module id ("providers/attributeMappings/provider") and an export name, and loads the
// implementation in the provider host when called. The engine starts that host in the project
// directory, so the id is resolved from there:
//   1. in this repository's own source tree (package.json names this package and the `.ts` file
//      exists): the TypeScript source through ts-node, so a stale build can never shadow the code
//      being edited;
//   2. anywhere else (a consumer's project): the installed package, `gotomeeting-provisioning/<id>`,
//      through its package.json `exports` (compiled JavaScript, no ts-node needed).
// Consequences, on purpose: `pulumi refresh` and `destroy` run the project's current provider code
// rather than a copy frozen in the state, so a fix reaches existing resources; and a provider's
// module id and export name are a contract with every existing state (the old paths under
// components/ forward to the new ones for that reason).
import type * as pulumi from "@pulumi/pulumi";

export function providerShim<I, O>(
  implementation: pulumi.dynamic.ResourceProvider<I, O>,
  moduleId: string,
  exportName: string,
): pulumi.dynamic.ResourceProvider<I, O> {
  const load = (): Record<string, (...args: unknown[]) => unknown> => {
    const pkg = "gotomeeting-provisioning";
    // One load per provider host process: the host calls the shim for every operation.
    const g = globalThis as { __gotomeetingProviders?: Map<string, unknown> };
    const cache = (g.__gotomeetingProviders ??= new Map());
    const key = `${moduleId}#${exportName}`;
    if (cache.has(key)) return cache.get(key) as Record<string, (...args: unknown[]) => unknown>;

    const fs = require("node:fs") as typeof import("node:fs");
    const p = require("node:path") as typeof import("node:path");
    const cwd = process.cwd();
    const source = p.join(cwd, `${moduleId}.ts`);
    let ownTree = false;
    try {
      ownTree = JSON.parse(fs.readFileSync(p.join(cwd, "package.json"), "utf8")).name === pkg;
    } catch {
      ownTree = false;
    }
    let mod: Record<string, unknown>;
    let where: string;
    if (ownTree && fs.existsSync(source)) {
      where = `${moduleId}.ts`;
      if (!require.extensions[".ts"]) {
        let tsNode: { register(o: object): void };
        try {
          tsNode = require(require.resolve("ts-node", { paths: [cwd] }));
        } catch {
          throw new Error(
            `The ${exportName} of ${pkg} is TypeScript source (${where}) and needs ts-node, which is not ` +
              `installed in ${cwd}. Fix: run npm ci in the project directory (ts-node is a runtime dependency; ` +
              "do not install with --omit=prod).",
          );
        }
        tsNode.register({ transpileOnly: true });
      }
      mod = require(source);
    } else {
      where = `${pkg}/${moduleId}`;
      let resolved: string;
      try {
        resolved = require.resolve(where, { paths: [cwd] });
      } catch {
        throw new Error(
          `Cannot load the ${exportName} that manages this resource: neither ${moduleId}.ts in this ` +
            `project (${cwd}) nor the package ${where} is there. Pulumi runs providers in the project ` +
            `directory, so run pulumi there; if the project uses ${pkg} as a library, install it ` +
            `(npm install ${pkg}); if ${moduleId} was moved or renamed in a newer version, go back to the ` +
            "version that created this resource, run pulumi up once, then upgrade.",
        );
      }
      mod = require(resolved);
    }
    const provider = mod[exportName] as Record<string, (...args: unknown[]) => unknown> | undefined;
    if (!provider || typeof provider !== "object") {
      throw new Error(
        `${where} no longer exports ${exportName}, which manages this resource. Fix: go back to the ` +
          "version that created it, run pulumi up once (which stores the new location), then upgrade.",
      );
    }
    cache.set(key, provider);
    return provider;
  };

  const shim: Record<string, (...args: unknown[]) => unknown> = {};
  for (const method of Object.keys(implementation)) {
    shim[method] = (...args: unknown[]) => load()[method](...args);
  }
  return shim as unknown as pulumi.dynamic.ResourceProvider<I, O>;
}
