import { defineConfig } from "vitest/config";
import type { Reporter } from "vitest/reporters";
import type { RunnerTestFile, RunnerTask } from "vitest";

/** Prints a plain "N passed, N failed, N skipped" closing line that any CI can read. */
class PlainSummary implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const walk = (t: RunnerTask) => {
      if (t.type === "test") {
        const s = t.result?.state;
        if (s === "pass") passed++;
        else if (s === "fail") failed++;
        else skipped++;
      } else if ("tasks" in t) t.tasks.forEach(walk);
      if (t.type === "suite" && t.result?.state === "fail" && t.tasks.length === 0) failed++;
    };
    files.forEach(walk);
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}

// The whole suite runs once per backend: "wasm" (the default, compiled kernels) and
// "interpret" (the reference oracle). Tests of one backend's internals, and the browser test
// (which drives its own bundle), run once.
const backendOnly = ["test/backends/**", "test/compiler/**", "test/browser/**"];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    pool: "forks",
    reporters: ["default", new PlainSummary()],
    projects: [
      {
        extends: true,
        test: { name: "wasm", include: ["test/**/*.test.ts"], env: { JAXTS_BACKEND: "wasm" } },
      },
      {
        extends: true,
        test: {
          name: "interpret",
          include: ["test/**/*.test.ts"],
          exclude: [...backendOnly, "test/readme.test.ts"],
          env: { JAXTS_BACKEND: "interpret" },
        },
      },
    ],
  },
});
