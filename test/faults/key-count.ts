/**
 * @module test/faults/key-count — which frames the Workflows in the API server processed: the keys of a
 * batch Workflow (its `keys` argument) or of a single-event one (its `framegate.io/key` annotation),
 * counted across every Workflow of a pipeline, and compared with the frames that should have been.
 */

/** The fields of an Argo Workflow the fault tests read. */
export interface WorkflowObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec: { arguments?: { parameters?: { name: string; value?: string }[] } };
  status?: { phase?: string };
}

/** The object keys one Workflow processes: its `keys` argument (a JSON array) when it has one, else its key annotation. */
export function keysOf(wf: WorkflowObject): string[] {
  const keys = wf.spec.arguments?.parameters?.find((p) => p.name === "keys")?.value;
  if (keys !== undefined) return JSON.parse(keys) as string[];
  const key = wf.metadata.annotations?.["framegate.io/key"];
  return key === undefined ? [] : [key];
}

/** key -> names of the Workflows that process it. */
export function countKeys(wfs: readonly WorkflowObject[]): Map<string, string[]> {
  const counts = new Map<string, string[]>();
  for (const wf of wfs) {
    for (const k of keysOf(wf)) counts.set(k, [...(counts.get(k) ?? []), wf.metadata.name]);
  }
  return counts;
}

/** How a pipeline's Workflows differ from "every expected frame exactly once". Empty lists: no difference. */
export interface OnceReport {
  /** expected frames no Workflow processes */
  missing: string[];
  /** frames in more than one Workflow (or twice in one), with the Workflows */
  duplicated: { key: string; workflows: string[] }[];
  /** frames processed that were neither expected nor allowed */
  unexpected: string[];
}

/**
 * Compares the counts with `expected` (must be processed once) and `allowed` (may be processed at most
 * once: an upload whose PUT failed although MinIO stored the object).
 */
export function exactlyOnce(counts: Map<string, string[]>, expected: Iterable<string>, allowed: Iterable<string> = []): OnceReport {
  const want = new Set(expected);
  const may = new Set(allowed);
  return {
    missing: [...want].filter((k) => !counts.has(k)).sort(),
    duplicated: [...counts].filter(([, w]) => w.length > 1).map(([key, workflows]) => ({ key, workflows })),
    unexpected: [...counts.keys()].filter((k) => !want.has(k) && !may.has(k)).sort(),
  };
}

/** A short text of a report for failure messages: counts and the first few keys of each kind. */
export function describeReport(r: OnceReport): string {
  const few = (xs: unknown[]) => JSON.stringify(xs.slice(0, 5)) + (xs.length > 5 ? ` and ${xs.length - 5} more` : "");
  return `missing ${r.missing.length} ${few(r.missing)}; duplicated ${r.duplicated.length} ${few(r.duplicated)}; unexpected ${r.unexpected.length} ${few(r.unexpected)}`;
}

/**
 * What is wrong with a pipeline's batch Workflows: a batch holding frames of more than one camera (the
 * camera is a key's first segment), more than `maxSize` frames, none, or a `framegate.io/count` that
 * disagrees with its keys. One line per problem; empty when every batch is sound.
 */
export function batchProblems(wfs: readonly WorkflowObject[], maxSize: number): string[] {
  const problems: string[] = [];
  for (const wf of wfs) {
    const keys = keysOf(wf);
    const cameras = new Set(keys.map((k) => k.slice(0, k.indexOf("/"))));
    const name = wf.metadata.name;
    if (keys.length === 0) problems.push(`${name}: no keys`);
    if (keys.length > maxSize) problems.push(`${name}: ${keys.length} frames, more than the batch size ${maxSize}`);
    if (cameras.size > 1) problems.push(`${name}: frames of ${cameras.size} cameras: ${[...cameras].join(", ")}`);
    const count = wf.metadata.annotations?.["framegate.io/count"];
    if (count !== String(keys.length)) problems.push(`${name}: framegate.io/count ${count} but ${keys.length} keys`);
  }
  return problems;
}
