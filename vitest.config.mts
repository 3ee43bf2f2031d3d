import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policy/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Pulumi's mock runtime is process-global state: one file per worker keeps tests isolated.
    pool: "forks",
  },
});
