/**
 * @module bench/matcher — rule matching throughput (events/s, one core) at 10, 100, 1,000 and 10,000
 * pipelines: the indexed matcher next to the naive one (every pipeline tried in turn), same run.
 *
 * Rule mix at every size, spread over 10 buckets: 70% on one camera's literal prefix
 * (`cam-0042/` + `**` + `/*.jpg`), 20% on `{camera}/` + `**` with `where.camera` globs shaped like
 * `gate-*` and `lobby-0?` (each glob covering ~10 cameras), 10% suffix-only on a frame-number suffix
 * (`-123.jpg`); see generatePipelines in bench/matcher-workload.ts for how targets are drawn. Events come
 * from 10,000 cameras with date paths (`cam-0042/2026/11/28/120000-17.jpg`); two thirds are drawn from what some pipeline matches, one third matches nothing.
 * Targets: >= 200,000 events/s at 1,000 pipelines; 10,000 pipelines at most 2x slower than 10.
 *
 *   npm run bench -- matcher [--seconds 3] [--rounds 5] [--sizes 10,100,1000,10000] [--events 60000] [--no-naive]
 *     [--baseline <checkout>] [--workload mix|distinct|both]
 *   (--seconds: measured time per size and matcher, split into --rounds interleaved rounds; --baseline: also
 *   time that checkout's src/rules/matcher.ts on the same pipelines and events, interleaved, instead of
 *   the naive matcher)
 * Matches per event grow with the size (more glob and suffix pipelines share a bucket), so the table
 * also gives ns per event and ns per match: the second is the matching cost with that growth taken out.
 * A second workload, `distinct` (see matcher-workload.ts), keeps one match per matching event at every
 * size and gets its own table after the headline's; the targets are read from the headline (`mix`).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { compileMatcher, compileNaiveMatcher } from "../src/rules/matcher.js";
import type { Matcher } from "../src/rules/types.js";
import type { ObjectEvent } from "../src/triggers/event.js";
import { generateEvents, generatePipelines, type Workload } from "./matcher-workload.js";
import { printTable } from "./table.js";
import { rng } from "../test/fixtures/rng.js";

/** A matcher under test: its events and the best round measured so far. */
interface Subject {
  matcher: Matcher;
  events: readonly ObjectEvent[];
  next: number;
  best: number;
  matches: number;
  measured: number;
}

/**
 * One round: events per second of CPU time used by this process for `ms` of wall time. CPU time
 * rather than wall time keeps other work on a shared machine out of the numbers; the best of several
 * rounds (interleaved across sizes) keeps out what remains (cache and frequency noise).
 */
function round(s: Subject, ms: number): void {
  let n = 0;
  let matches = 0;
  const { matcher, events } = s;
  let i = s.next;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let k = 0; k < 256; k++) {
      matches += matcher.match(events[i]!).length;
      if (++i === events.length) i = 0;
    }
    n += 256;
  }
  const cpu = process.cpuUsage(cpu0);
  s.next = i;
  s.best = Math.max(s.best, (n / ((cpu.user + cpu.system) / 1000)) * 1000);
  s.matches += matches;
  s.measured += n;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

type Sized = { n: number; workload: Workload; indexed: Subject; naive: Subject; buildMs: number };

/** One table per workload, and for the headline (`mix`) the targets. */
function report(subjects: Sized[], workload: Workload, other: string, naive: boolean): void {
  const rows = subjects.filter((s) => s.workload === workload);
  if (rows.length === 0) return;
  const perEvent = (s: Subject) => 1e9 / s.best;
  const perMatch = (s: Subject) => perEvent(s) / (s.matches / s.measured);
  process.stdout.write(
    workload === "mix"
      ? "workload mix (the headline; matches per event grow with the size):\n\n"
      : "\nworkload distinct (one match per matching event at every size: no shared globs, suffix frames never drawn by other events):\n\n",
  );
  printTable(
    ["pipelines", "indexed events/s", `${other} events/s`, `indexed/${other}`, "matches/event", "ns/event", "ns/match", "index build ms"],
    rows.map((s) => [
      fmt(s.n),
      fmt(s.indexed.best),
      naive ? fmt(s.naive.best) : "-",
      naive ? `${(s.indexed.best / s.naive.best).toFixed(2)}x` : "-",
      (s.indexed.matches / s.indexed.measured).toFixed(2),
      fmt(perEvent(s.indexed)),
      fmt(perMatch(s.indexed)),
      s.buildMs.toFixed(1),
    ]),
  );
  const at = (n: number) => rows.find((s) => s.n === n)?.indexed;
  const s1k = at(1000);
  const s10 = at(10);
  const s10k = at(10000);
  if (workload === "mix" && s1k !== undefined) {
    process.stdout.write(`\ntarget >= 200,000 events/s at 1,000 pipelines: ${s1k.best >= 200_000 ? "met" : "MISSED"} (${fmt(s1k.best)})\n`);
  }
  if (s10 !== undefined && s10k !== undefined) {
    const slowdown = s10.best / s10k.best;
    const perMatchSlowdown = `per match ${(perMatch(s10k) / perMatch(s10)).toFixed(2)}x`;
    process.stdout.write(
      workload === "mix"
        ? `target: 10,000 pipelines at most 2x slower than 10 (per event): ${slowdown <= 2 ? "met" : "MISSED"} (${slowdown.toFixed(2)}x; ${perMatchSlowdown})\n`
        : `10,000 pipelines vs 10 (per event): ${slowdown.toFixed(2)}x slower (${perMatchSlowdown})\n`,
    );
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: "string", default: "3" },
      rounds: { type: "string", default: "5" },
      sizes: { type: "string", default: "10,100,1000,10000" },
      events: { type: "string", default: "60000" },
      /** mix (the headline), distinct, or both (the default: mix's table first) */
      workload: { type: "string", default: "both" },
      /** --no-naive: time only the indexed matcher (for profiling it) */
      naive: { type: "boolean", default: true },
      baseline: { type: "string" },
    },
    allowNegative: true,
  });
  const seconds = Number(values.seconds);
  const rounds = Math.max(1, Number(values.rounds));
  const sizes = values.sizes.split(",").map(Number);
  if (!["mix", "distinct", "both"].includes(values.workload)) {
    throw new Error(`--workload ${values.workload}: unknown — use mix (the headline), distinct (one match per matching event) or both`);
  }
  const workloads: Workload[] = values.workload === "both" ? ["mix", "distinct"] : [values.workload as Workload];
  const baseFile = values.baseline === undefined ? undefined : resolve(values.baseline, "src/rules/matcher.ts");
  if (baseFile !== undefined && !existsSync(baseFile)) {
    throw new Error(`--baseline ${values.baseline}: no ${baseFile} — pass the root of a framegate checkout (or a copy of its src/ with node_modules beside it)`);
  }
  const base = baseFile === undefined ? undefined : ((await import(pathToFileURL(baseFile).href)) as { compileMatcher: typeof compileMatcher });
  const subjects: Sized[] = [];
  for (const workload of workloads) {
    for (const n of sizes) {
      const rand = rng(n);
      const gen = generatePipelines(n, rand, workload);
      const pipelines = gen.map((g) => g.pipeline);
      const t0 = performance.now();
      const indexed = compileMatcher(pipelines);
      const buildMs = performance.now() - t0;
      // the baseline compiles its own key patterns (its pattern.ts), so it shares no code with the build under test
      const naive = base ? base.compileMatcher(pipelines.map((p) => ({ ...p, pattern: undefined }))) : compileNaiveMatcher(pipelines);
      const events = generateEvents(gen, indexed, rand, Number(values.events));
      // sanity: both agree on a sample before either is timed
      for (const e of events.slice(0, 300)) {
        const a = indexed.match(e).map((x) => x.pipeline.name).join();
        const b = naive.match(e).map((x) => x.pipeline.name).join();
        if (a !== b) throw new Error(`indexed and ${base ? "baseline" : "naive"} matchers disagree on ${e.bucket}/${e.key}: [${a}] vs [${b}]`);
      }
      const subject = (matcher: Matcher): Subject => ({ matcher, events, next: 0, best: 0, matches: 0, measured: 0 });
      subjects.push({ n, workload, indexed: subject(indexed), naive: subject(naive), buildMs });
    }
  }
  const ms = (seconds * 1000) / rounds;
  for (const s of subjects) {
    round(s.indexed, Math.min(500, ms)); // warm-up
    if (values.naive) round(s.naive, Math.min(500, ms));
    s.indexed.best = s.naive.best = s.indexed.matches = s.indexed.measured = 0;
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of subjects) {
      // alternate which goes first: the second of a pair measured ~5% faster in a run of one build against itself
      if (values.naive && r % 2 === 1) round(s.naive, ms);
      round(s.indexed, ms);
      if (values.naive && r % 2 === 0) round(s.naive, ms);
    }
  }
  process.stdout.write(
    `matcher: ${fmt(Number(values.events))} pre-generated events per size (1/3 match nothing); events per CPU-second of one process, ` +
      `best of ${rounds} rounds of ${(ms / 1000).toFixed(2)}s, sizes and workloads interleaved; node ${process.version}` +
      (base ? `; baseline: ${values.baseline}` : "") +
      "\n\n",
  );
  for (const w of workloads) report(subjects, w, base ? "baseline" : "naive", values.naive);
}
