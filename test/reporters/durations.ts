/**
 * @module test/reporters/durations — the suite's time budget: after a run of more than one test file, a
 * table of the slowest files (import + tests and hooks, which is where a file's real servers start) and
 * the sum over every file, so a file that grows shows up in `make test`'s last lines.
 */
import { relative } from "node:path";
import { performance } from "node:perf_hooks";
import type { Reporter, TestModule, Vitest } from "vitest/node";

/** One test file's times, in milliseconds. */
export interface FileDuration {
  file: string;
  state: string;
  /** importing the file and running its suite callbacks */
  importMs: number;
  /** every test and hook of the file (beforeAll stack start-ups included) */
  testsMs: number;
}

export interface DurationTableOptions {
  /** rows shown, slowest first (default 25) */
  top?: number;
  /** wall time of the whole run, when known */
  wallMs?: number;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/**
 * The table the reporter prints: one line per file, slowest first, at most `top` of them, then a total
 * over all files (a sum across the worker processes, so it can exceed the wall time).
 *
 * @example
 * formatDurations([{ file: "a.int.test.ts", state: "passed", importMs: 200, testsMs: 41_800 }]);
 * // ["test files by duration (slowest first, 1 of 1):", "    42.0 s  ...  a.int.test.ts", "    42.0 s  total ..."]
 */
export function formatDurations(files: readonly FileDuration[], opts: DurationTableOptions = {}): string[] {
  const top = opts.top ?? 25;
  const total = (f: FileDuration): number => f.importMs + f.testsMs;
  const sorted = [...files].sort((a, b) => total(b) - total(a) || a.file.localeCompare(b.file));
  const shown = sorted.slice(0, top);
  const width = Math.max(6, ...shown.map((f) => seconds(total(f)).length + 2));
  const cell = (ms: number): string => `${seconds(ms)} s`.padStart(width);
  const lines = [`test files by duration (slowest first, ${shown.length} of ${files.length}):`];
  lines.push(`  ${["total", "tests", "import"].map((h) => h.padStart(width)).join("  ")}  file`);
  for (const f of shown) {
    const mark = f.state === "passed" ? "" : `  [${f.state}]`;
    lines.push(`  ${[total(f), f.testsMs, f.importMs].map(cell).join("  ")}  ${f.file}${mark}`);
  }
  const sum = files.reduce((acc, f) => acc + total(f), 0);
  const rest = files.length - shown.length;
  const wall = opts.wallMs === undefined ? "" : `, wall time ${seconds(opts.wallMs)} s`;
  lines.push(
    `  ${cell(sum)}  total of ${files.length} files${rest > 0 ? ` (${rest} not shown)` : ""}${wall}`,
  );
  return lines;
}

/** A module's times as the table wants them. */
export function fileDuration(module: TestModule, root: string): FileDuration {
  const d = module.diagnostic();
  return {
    file: relative(root, module.moduleId),
    state: module.state(),
    importMs: d.collectDuration + d.setupDuration + d.prepareDuration + d.environmentSetupDuration,
    testsMs: d.duration,
  };
}

/**
 * Prints {@link formatDurations} at the end of a run that had more than one test file (a single file's
 * time is already on the default reporter's last line). Used beside the default reporter.
 */
export class DurationsReporter implements Reporter {
  #vitest?: Vitest;
  #startedAt = 0;
  constructor(private readonly top = 25) {}

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunStart(): void {
    this.#startedAt = performance.now();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const vitest = this.#vitest;
    if (!vitest || modules.length < 2) return;
    const files = modules.map((m) => fileDuration(m, vitest.config.root));
    const lines = formatDurations(files, { top: this.top, wallMs: performance.now() - this.#startedAt });
    vitest.logger.log(lines.join("\n"));
  }
}
