/**
 * @module web/composer/yaml-preview — the generated YAML, live, with line numbers; lines with a
 * validation issue are marked and carry the message.
 */
import type { ApiIssue } from "../api/types.js";

/** The preview; `issues` lines refer to `text`. */
export function YamlPreview({ text, issues }: { text: string; issues: readonly ApiIssue[] }) {
  const byLine = new Map<number, string[]>();
  for (const i of issues) byLine.set(i.line, [...(byLine.get(i.line) ?? []), `${i.col}: ${i.message}`]);
  const lines = text.replace(/\n$/, "").split("\n");
  return (
    <pre class="yaml" tabIndex={0} aria-label="Generated pipeline YAML" data-testid="yaml-preview">
      <code>
        {lines.map((l, n) => {
          const problems = byLine.get(n + 1);
          return (
            <span key={n} class={`line ${problems ? "has-issue" : ""}`} title={problems?.join("\n")}>
              <span class="ln" aria-hidden="true">
                {n + 1}
              </span>
              {l.startsWith("#") ? <span class="comment">{l}</span> : l}
              {"\n"}
            </span>
          );
        })}
      </code>
    </pre>
  );
}
