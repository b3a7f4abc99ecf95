/** @module bench/table — benchmark results printed as a Markdown table on stdout. */

/** Prints rows under a header, columns right-aligned. */
export function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(w[i]!)).join(" | ")} |`;
  process.stdout.write(`${line(head)}\n|${w.map((x) => "-".repeat(x + 2)).join("|")}|\n${rows.map(line).join("\n")}\n`);
}
