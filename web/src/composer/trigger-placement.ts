/**
 * @module web/composer/trigger-placement — the text forms of the composer's trigger and placement fields
 * and their document shapes, both ways: `key=value, ...` maps (nodeSelector, resources), tolerations one
 * per line as `kubectl taint` writes taints (`key=value:Effect`, `key:Effect` for Exists, `@300` for
 * tolerationSeconds), and webhook field conditions one per line (`body.path = glob, glob`). Nothing is
 * validated here: what does not parse is passed on as typed, and the gateway names the field.
 */
import type { Draft, DraftStep } from "./draft.js";
import { list, num } from "./draft.js";
import type { YamlValue } from "./yaml.js";

type Obj = { [k: string]: YamlValue };

/** `a=1, b=2` -> `{a: "1", b: "2"}`; undefined when empty. */
export function parsePairs(text: string): Record<string, string> | undefined {
  const entries = list(text).map((kv) => {
    const i = kv.indexOf("=");
    return i < 0 ? [kv, ""] : [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** `{a: "1"}` -> `a=1`. */
export function pairsText(m: Record<string, unknown> | undefined): string {
  return Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}

/** One toleration from `key=value:Effect@seconds` (every part optional but one). */
export function parseToleration(line: string): Obj {
  const m = /^([^=:@]*)(?:=([^:@]*))?(?::([^@]*))?(?:@(\d+))?$/.exec(line.trim());
  if (!m) return { key: line.trim() };
  const [, key = "", value, effect, seconds] = m;
  const t: Obj = {};
  if (key.trim()) t.key = key.trim();
  t.operator = value !== undefined ? "Equal" : "Exists";
  if (value !== undefined) t.value = value.trim();
  if (effect?.trim()) t.effect = effect.trim();
  if (seconds) t.tolerationSeconds = Number(seconds);
  return t;
}

/** A toleration as its line. */
export function tolerationText(t: { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }): string {
  const equal = t.operator === "Equal" || (t.operator === undefined && t.value !== undefined);
  return `${t.key ?? ""}${equal ? `=${t.value ?? ""}` : ""}${t.effect ? `:${t.effect}` : ""}${t.tolerationSeconds !== undefined ? `@${t.tolerationSeconds}` : ""}`;
}

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/** The placement of a step as document fields (only those set). */
export function placementOf(s: DraftStep): Obj {
  const out: Obj = {};
  const nodeSelector = parsePairs(s.nodeSelector);
  if (nodeSelector) out.nodeSelector = nodeSelector;
  const tolerations = lines(s.tolerations).map(parseToleration);
  if (tolerations.length) out.tolerations = tolerations;
  const requests = parsePairs(s.requests);
  const limits = parsePairs(s.limits);
  if (requests || limits) out.resources = { requests, limits };
  return out;
}

/** The text fields of a step's placement. */
export function placementText(s: { nodeSelector?: Record<string, string>; tolerations?: Parameters<typeof tolerationText>[0][]; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }) {
  return {
    nodeSelector: pairsText(s.nodeSelector),
    tolerations: (s.tolerations ?? []).map(tolerationText).join("\n"),
    requests: pairsText(s.resources?.requests),
    limits: pairsText(s.resources?.limits),
  };
}

/** `where.fields` from `path = glob, glob` lines. */
export function parseFields(text: string): Record<string, string[]> | undefined {
  const entries = lines(text).map((l) => {
    const i = l.indexOf("=");
    return i < 0 ? [l, []] : [l.slice(0, i).trim(), list(l.slice(i + 1))];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** `where.fields` as lines. */
export function fieldsText(f: Record<string, string[]> | undefined): string {
  return Object.entries(f ?? {})
    .map(([k, v]) => `${k} = ${v.join(", ")}`)
    .join("\n");
}

/** The minio trigger of the draft; `source` is written unless the opened document left it to its default. */
export function minioTrigger(d: Draft, sourceSpelled = true): Obj {
  const cameras = list(d.cameras);
  const contentTypes = list(d.contentType);
  const where = {
    camera: cameras.length ? cameras : undefined,
    contentType: contentTypes.length ? contentTypes : undefined,
    minSize: num(d.minSize),
    maxSize: num(d.maxSize),
    metadata: parsePairs(d.objectMetadata),
  };
  const events = list(d.events);
  return {
    source: sourceSpelled ? "minio" : undefined,
    bucket: d.bucket.trim(),
    key: d.key || undefined,
    prefix: d.prefix || undefined,
    suffix: d.suffix || undefined,
    events: events.length ? events : undefined,
    where: Object.values(where).some((v) => v !== undefined) ? where : undefined,
  };
}

/** The webhook trigger of the draft. */
export function webhookTrigger(d: Draft): Obj {
  const fields = parseFields(d.fields);
  const buckets = list(d.buckets);
  return { source: "webhook", hook: d.hook.trim(), where: fields ? { fields } : undefined, buckets: buckets.length ? buckets : undefined };
}
