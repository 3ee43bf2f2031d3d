import * as os from "node:os";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The example consumer (examples/) imports the package by name; inside this repository that
    // name means the package's source entry point. test/library.test.ts also installs the packed
    // tarball, where Node resolves the name for real.
    alias: [
      {
        find: /^gotomeeting-provisioning$/,
        replacement: path.resolve("components/index.ts"),
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "policy/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Pulumi's mock runtime is process-global state: one file per worker keeps tests isolated.
    pool: "forks",
    // At least two files at a time, also on two cores: the real-engine file spends much of its time
    // waiting on the CLI and its plugins, so overlapping it with the rest shortens the run.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
