/**
 * @module web/composer/step-diagram — the steps' DAG drawn left to right: the uploaded object, then
 * each step in the column after the latest step it runs after. Decorative (the list says the same), so
 * it is hidden from screen readers.
 */
import type { DraftStep } from "./draft.js";

const COL = 150;
const ROW = 38;
const W = 120;
const H = 26;

/** Column of every step: 1 + the deepest step it runs after (0 is the upload). */
export function stepColumns(steps: readonly DraftStep[]): Map<string, number> {
  const col = new Map<string, number>();
  for (const s of steps) col.set(s.name, 1 + Math.max(0, ...s.after.map((a) => col.get(a) ?? 0)));
  return col;
}

/** The diagram. */
export function StepDiagram({ steps }: { steps: readonly DraftStep[] }) {
  const col = stepColumns(steps);
  const rows = new Map<number, number>();
  const pos = new Map<string, { x: number; y: number }>();
  pos.set("", { x: 4, y: 4 });
  rows.set(0, 1);
  for (const s of steps) {
    const c = col.get(s.name) ?? 1;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    pos.set(s.name, { x: 4 + c * COL, y: 4 + r * ROW });
  }
  const width = 8 + Math.max(...[...col.values(), 0]) * COL + W;
  const height = 8 + Math.max(...rows.values()) * ROW - (ROW - H);
  const edges = steps.flatMap((s) => (s.after.length ? s.after.filter((a) => pos.has(a)) : [""]).map((from) => [from, s.name] as const));
  return (
    <svg class="dag" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true" focusable="false">
      <defs>
        <marker id="dag-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L8,4 L0,8 z" class="dag-arrowhead" />
        </marker>
      </defs>
      {edges.map(([from, to]) => {
        const a = pos.get(from)!;
        const b = pos.get(to)!;
        return <path key={`${from}->${to}`} data-edge={`${from || "upload"}->${to}`} class="dag-edge" d={`M${a.x + W},${a.y + H / 2} C${a.x + W + 20},${a.y + H / 2} ${b.x - 20},${b.y + H / 2} ${b.x},${b.y + H / 2}`} marker-end="url(#dag-arrow)" />;
      })}
      <g class="dag-node upload">
        <rect x={4} y={4} width={W} height={H} rx={5} />
        <text x={4 + W / 2} y={4 + H / 2 + 4}>
          uploaded frame
        </text>
      </g>
      {steps.map((s) => {
        const p = pos.get(s.name)!;
        return (
          <g key={s.id} class="dag-node" data-node={s.name} data-column={col.get(s.name)}>
            <rect x={p.x} y={p.y} width={W} height={H} rx={5} />
            <text x={p.x + W / 2} y={p.y + H / 2 + 4}>
              {s.name.length > 16 ? `${s.name.slice(0, 15)}…` : s.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
