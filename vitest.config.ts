import { defineConfig } from "vitest/config";
import { DurationsReporter } from "./test/reporters/durations.js";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "services/**/*.test.ts", "web/**/*.test.ts", "k8s/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    // the default output, then the time budget: per-file durations, slowest first (test/reporters/durations.ts)
    reporters: ["default", new DurationsReporter(25)],
  },
});
