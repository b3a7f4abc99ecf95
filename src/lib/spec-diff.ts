/**
 * @module lib/spec-diff — what changed between two versions of a document: the changed fields by path
 * (`spec.workflow.steps[1].params.confidence`) and a line diff of their YAML. Imports nothing but
 * format-path: the gateway's save (a conflict report) and the dashboard's diff view share it.
 */
import { formatPath, type PathKey } from "./format-path.js";

/** One changed field: added (no `before`), removed (no `after`) or changed. */
export interface FieldChange {
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** One line of a line diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/**
 * Most lines a side may have for a line-by-line diff. The diff is a longest common subsequence over
 * the lines (time and memory `a x b`); past this the lines are shown as replaced in full, and
 * {@link lineDiff} says so (`truncated`). A pipeline is tens of lines, a request body at most 1 MiB.
 */
export const MAX_DIFF_LINES = 2000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function walk(a: unknown, b: unknown, path: PathKey[], out: FieldChange[]): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) return void out.push({ path: formatPath(path), kind: "added", after: b });
  if (b === undefined) return void out.push({ path: formatPath(path), kind: "removed", before: a });
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) walk(a[k], b[k], [...path, k], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], [...path, i], out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: formatPath(path), kind: "changed", before: a, after: b });
}

/**
 * The fields that differ between `before` and `after` (objects by key, lists by index), in document order.
 * @example fieldChanges({ a: 1, b: [1] }, { a: 2, b: [1, 2] }) // [{path:"a",kind:"changed",...}, {path:"b[1]",kind:"added",...}]
 */
export function fieldChanges(before: unknown, after: unknown, prefix: PathKey[] = []): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, prefix, out);
  return out;
}

/** Whether path `a` is `b`, or one holds the other (`spec.select` and `spec.select.sample`). */
export function pathsOverlap(a: string, b: string): boolean {
  const within = (x: string, y: string) => x === y || (y.startsWith(x) && (y[x.length] === "." || y[x.length] === "["));
  return within(a, b) || within(b, a);
}

/**
 * A line diff of two texts (longest common subsequence). Beyond {@link MAX_DIFF_LINES} lines on a side,
 * every line of `a` is removed and every line of `b` added, with `truncated: true`.
 */
export function lineDiff(a: string, b: string, maxLines = MAX_DIFF_LINES): { lines: DiffLine[]; truncated: boolean } {
  const x = a === "" ? [] : a.replace(/\n$/, "").split("\n");
  const y = b === "" ? [] : b.replace(/\n$/, "").split("\n");
  if (x.length > maxLines || y.length > maxLines) {
    return { lines: [...x.map((text) => ({ op: "-" as const, text })), ...y.map((text) => ({ op: "+" as const, text }))], truncated: true };
  }
  // common prefix and suffix first: most edits touch a few lines
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let end = 0;
  while (end < x.length - start && end < y.length - start && x[x.length - 1 - end] === y[y.length - 1 - end]) end++;
  const xs = x.slice(start, x.length - end);
  const ys = y.slice(start, y.length - end);
  const n = xs.length;
  const m = ys.length;
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = xs[i] === ys[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const lines: DiffLine[] = x.slice(0, start).map((text) => ({ op: " ", text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) {
      lines.push({ op: " ", text: xs[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
      lines.push({ op: "-", text: xs[i++]! });
    } else {
      lines.push({ op: "+", text: ys[j++]! });
    }
  }
  for (const text of x.slice(x.length - end)) lines.push({ op: " ", text });
  return { lines, truncated: false };
}
