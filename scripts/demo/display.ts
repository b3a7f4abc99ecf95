/**
 * @module scripts/demo/display — the demo's progress on the terminal: a table redrawn in place (ANSI cursor
 * movement) when stdout is a TTY, one plain line per refresh otherwise (CI logs, pipes, tests).
 */
import type { DemoStatus, PipelineStatus } from "./status.js";

const CSI = "\x1b[";

/** Formats a count with thousands separators. */
const n = (x: number) => Math.round(x).toLocaleString("en-US");

/** `mm:ss`. */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** Pads cells into aligned columns: the first left-aligned, the rest right-aligned. */
function columns(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  "));
}

/** The full view, as lines (no trailing newline). */
export function renderView(s: DemoStatus, opts: { stopping?: boolean; gatewayUrl?: string } = {}): string[] {
  const lines: string[] = [];
  lines.push(
    `framegate demo — ${s.cameras} cameras × ${s.fps} frames/s — ${clock(s.elapsedMs)}${opts.stopping ? " — stopping…" : " — Ctrl-C to stop"}`,
  );
  if (opts.gatewayUrl) lines.push(`dashboard ${opts.gatewayUrl}/   metrics ${opts.gatewayUrl}/metrics`);
  lines.push("");
  lines.push(`frames uploaded   ${n(s.uploaded).padStart(7)}   (${s.uploadRate.toFixed(1)}/s)   upload errors ${n(s.uploadErrors)}`);
  lines.push(
    `events received   ${n(s.received).padStart(7)}   unmatched ${n(s.unmatched)}   dead-lettered ${n(s.deadLettered)}   retries ${n(s.retries)}   ` +
      `event→Workflow ${Number.isFinite(s.meanLatencyMs) ? `${s.meanLatencyMs.toFixed(0)} ms mean` : "–"}`,
  );
  lines.push("");
  const head = ["pipeline", "matched", "skipped", "waiting", "submitted", "pending", "running", "succeeded", "failed"];
  const row = (p: PipelineStatus) => [
    p.name,
    n(p.matched),
    n(p.skipped),
    n(p.waiting),
    n(p.submitted),
    n(p.phases.pending),
    n(p.phases.running),
    n(p.phases.succeeded),
    n(p.phases.failed),
  ];
  lines.push(...columns([head, ...s.pipelines.map(row)]));
  lines.push("  (matched/skipped/waiting/submitted: the gateway's /metrics; pending…failed: Workflows in the API server)");
  lines.push(stepsText(s));
  lines.push("");
  lines.push("latest events (GET /api/events)");
  for (const e of s.recent) lines.push(`  ${e.time}  ${e.key}  ${e.outcomes}`);
  for (let i = s.recent.length; i < 5; i++) lines.push("");
  if (s.lastWarning) lines.push(`gateway: ${s.lastWarning}`);
  for (const p of s.problems) lines.push(`! ${p}`);
  return lines;
}

/** One plain line per refresh: totals and per-pipeline submitted/succeeded. */
export function renderLine(s: DemoStatus): string {
  const per = s.pipelines
    .map((p) => `${p.name} matched=${p.matched} waiting=${p.waiting} submitted=${p.submitted} succeeded=${p.phases.succeeded} failed=${p.phases.failed}`)
    .join(" | ");
  const problems = s.problems.length ? ` | problems: ${s.problems.join("; ")}` : "";
  const steps = s.steps ? ` | steps started=${s.steps.started} succeeded=${s.steps.succeeded} failed=${s.steps.failed} running=${s.steps.running}` : "";
  return `[${clock(s.elapsedMs)}] uploaded=${s.uploaded} received=${s.received} unmatched=${s.unmatched} dead-lettered=${s.deadLettered} retries=${s.retries} | ${per}${steps}${problems}`;
}

/** Whether the steps ran for real (pod runner, results in processed/) or were simulated by kwok. */
function stepsText(s: DemoStatus): string {
  if (!s.steps) return "steps: simulated by kwok (nothing is processed; run without --simulated for real steps)";
  const { started, succeeded, failed, running } = s.steps;
  return `steps run for real: ${n(started)} started, ${n(succeeded)} exited 0, ${n(failed)} failed, ${n(running)} running — results in MinIO processed/<pipeline>/<step>/`;
}

/** Writes status updates: redraws in place on a TTY, appends plain lines otherwise. */
export class Display {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  #drawn = 0;

  constructor(out: NodeJS.WriteStream, opts: { plain?: boolean } = {}) {
    this.#out = out;
    this.#tty = !!out.isTTY && !opts.plain;
    if (this.#tty) out.write(`${CSI}?25l`); // hide the cursor while redrawing
  }

  get tty(): boolean {
    return this.#tty;
  }

  /** Shows `s`, replacing the previous view on a TTY. */
  show(s: DemoStatus, opts: { stopping?: boolean; gatewayUrl?: string } = {}): void {
    if (!this.#tty) {
      this.#out.write(`${renderLine(s)}\n`);
      return;
    }
    const width = Math.max(40, this.#out.columns ?? 120);
    const lines = renderView(s, opts).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    // back to the top of the previous view, clear it, draw the new one
    let text = this.#drawn ? `${CSI}${this.#drawn}F${CSI}J` : "";
    text += lines.join("\n") + "\n";
    this.#out.write(text);
    this.#drawn = lines.length;
  }

  /** Writes a message below the view (the next `show` draws below it). */
  note(text: string): void {
    this.#out.write(`${text}\n`);
    this.#drawn = 0;
  }

  /** Shows the cursor again. */
  close(): void {
    if (this.#tty) this.#out.write(`${CSI}?25h`);
  }
}
