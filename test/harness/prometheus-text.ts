/**
 * @module test/harness/prometheus-text — reads the Prometheus text format that the gateway's `/metrics` and
 * kube-apiserver's `/metrics` serve, enough for tests, the demo and benchmarks: samples with labels, sums.
 */

/** One sample line: `name{label="value",...} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the text exposition format (comments and blank lines skipped; label values unescaped).
 * @example parsePrometheusText('framegate_workflows_total{pipeline="a",outcome="created"} 3')
 */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
    const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/**
 * Sum of the samples named `name` whose labels include every pair of `where` (0 when there is none).
 * @example sumOf(samples, "framegate_workflows_total", { outcome: "created" })
 */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/**
 * Sums by the value of one label: `{ pipeline-a: 3, pipeline-b: 5 }`.
 * @example byLabel(samples, "framegate_events_matched_total", "pipeline")
 */
export function byLabel(samples: readonly Sample[], name: string, label: string, where: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name || s.labels[label] === undefined) continue;
    if (!Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    out[s.labels[label]!] = (out[s.labels[label]!] ?? 0) + s.value;
  }
  return out;
}

/**
 * Mean of a histogram or summary (`<name>_sum / <name>_count`) over the samples matching `where`, in the
 * metric's unit; NaN when nothing was observed.
 */
export function histogramMean(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  const count = sumOf(samples, `${name}_count`, where);
  return count > 0 ? sumOf(samples, `${name}_sum`, where) / count : NaN;
}

/**
 * The `q` quantile (0..1) of a histogram, interpolated linearly inside the bucket it falls in, as
 * Prometheus' `histogram_quantile` does; buckets of every series matching `where` are added up. NaN when
 * nothing was observed; the highest finite bound when it falls in the `+Inf` bucket.
 */
export function histogramQuantile(samples: readonly Sample[], name: string, q: number, where: Record<string, string> = {}): number {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    if (!Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = count - prevCount;
      return inBucket > 0 ? prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket : le;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** `after - before` for every series of `after` (counters and histograms between two scrapes). */
export function subtractSamples(after: readonly Sample[], before: readonly Sample[]): Sample[] {
  const key = (s: Sample) => `${s.name}{${Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(",")}}`;
  const prev = new Map(before.map((s) => [key(s), s.value]));
  return after.map((s) => ({ ...s, value: s.value - (prev.get(key(s)) ?? 0) }));
}
