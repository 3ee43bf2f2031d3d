// What Pulumi serializes into the state for each dynamic resource. Serializing a provider captures
// every local function it reaches by value, with a wrapper per function: ours came to 30–55 KB
// each, stored again with every resource (40 MB of state for 1,000 GoTo users). This shim holds
// only the implementation's path (relative to the project directory, which is where the engine
// starts the provider host) and its export name, and loads the implementation when called.
//
// Consequences, on purpose: `pulumi refresh` and `destroy` run the project's current provider code
// rather than the copy frozen in the state, so a fix reaches existing resources; and moving or
// renaming a provider file needs an alias-free transition (keep the old path exporting it until
// every stack has run `pulumi up` once).
import type * as pulumi from "@pulumi/pulumi";

export function providerShim<I, O>(
  implementation: pulumi.dynamic.ResourceProvider<I, O>,
  file: string,
  exportName: string,
): pulumi.dynamic.ResourceProvider<I, O> {
  const path = require("node:path") as typeof import("node:path");
  const target = path.relative(process.cwd(), file).split(path.sep).join("/");

  const load = (): Record<string, (...args: unknown[]) => unknown> => {
    const p = require("node:path") as typeof import("node:path");
    // The provider host is plain Node: TypeScript sources need ts-node, as the program itself does.
    if (target.endsWith(".ts") && !require.extensions[".ts"]) {
      require("ts-node").register({ transpileOnly: true });
    }
    const mod = require(p.resolve(target));
    const provider = mod[exportName];
    if (!provider) {
      throw new Error(
        `${target} no longer exports ${exportName}; restore it or run pulumi up from the version that created this resource`,
      );
    }
    return provider;
  };

  const shim: Record<string, (...args: unknown[]) => unknown> = {};
  for (const method of Object.keys(implementation)) {
    shim[method] = (...args: unknown[]) => load()[method](...args);
  }
  return shim as unknown as pulumi.dynamic.ResourceProvider<I, O>;
}
