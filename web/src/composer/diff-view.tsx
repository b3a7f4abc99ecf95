/**
 * @module web/composer/diff-view — a line diff of two pipeline YAMLs (removed lines red, added green, the
 * rest folded to three lines of context) and the changed fields by path.
 */
import type { DiffLine, FieldChange } from "../api/types.js";

const CONTEXT = 3;

/** The lines worth showing: every change with up to three unchanged lines around it. */
export function visibleLines(lines: readonly DiffLine[]): (DiffLine | { op: "…"; text: string })[] {
  const near = lines.map((_, i) => lines.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((l) => l.op !== " "));
  const out: (DiffLine | { op: "…"; text: string })[] = [];
  lines.forEach((l, i) => {
    if (near[i]) out.push(l);
    else if (out.at(-1)?.op !== "…") out.push({ op: "…", text: "" });
  });
  return out;
}

const show = (v: unknown) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** The diff; `label` names it for screen readers and tests. */
export function DiffView({ lines, changes, label, truncated }: { lines: readonly DiffLine[]; changes?: readonly FieldChange[] | null; label: string; truncated?: boolean }) {
  return (
    <div class="diff-view" aria-label={label} role="group">
      {changes && changes.length > 0 && (
        <ul class="changes">
          {changes.map((c) => (
            <li key={c.path} data-change={c.path}>
              <code class="path">{c.path}</code> {c.kind === "added" ? <ins>{show(c.after)}</ins> : c.kind === "removed" ? <del>{show(c.before)}</del> : <><del>{show(c.before)}</del> → <ins>{show(c.after)}</ins></>}
            </li>
          ))}
        </ul>
      )}
      {changes?.length === 0 && <p class="muted">No changes.</p>}
      <pre class="diff">
        {visibleLines(lines).map((l, i) => (
          <span key={i} class={l.op === "+" ? "diff-add" : l.op === "-" ? "diff-del" : l.op === "…" ? "diff-fold" : "diff-same"}>
            {l.op === "…" ? "  ⋯\n" : `${l.op} ${l.text}\n`}
          </span>
        ))}
      </pre>
      {truncated && <p class="muted">Too long to diff line by line: shown as replaced in full.</p>}
    </div>
  );
}
