/** @module bench/table — benchmark results printed as a Markdown table on stdout, and their percentiles. */

/** Prints rows under a header, columns right-aligned. */
export function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(w[i]!)).join(" | ")} |`;
  process.stdout.write(`${line(head)}\n|${w.map((x) => "-".repeat(x + 2)).join("|")}|\n${rows.map(line).join("\n")}\n`);
}

/** The `p`th percentile of ascending `sorted` by nearest rank (NaN when empty). */
export function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
