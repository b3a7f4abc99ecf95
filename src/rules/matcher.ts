/**
 * @module rules/matcher — finds the pipelines an event matches without trying every pipeline.
 *
 * Object events: pipelines are indexed per bucket in a prefix tree on the literal text their keys must
 * start with (`cam-0042/**` -> "cam-0042/"). A pattern that starts with a `{camera}` capture and has
 * `where.camera` globs is indexed under each glob's literal prefix instead (`{camera}/**` with
 * `gate-*` -> "gate-"), since the camera is then the key's start. Pipelines with no literal prefix
 * go in a suffix tree on their literal suffix (`suffix: .png`, `**` + "/thumb.jpg"), and only the
 * rest (no literal start or end at all) is tried for every event of the bucket. Webhook events are
 * indexed by hook. The index compares the text it finds exactly, so each rule is told once, when it is
 * indexed, what its index proves (bucket or hook, literal prefix or suffix) and then checks only the
 * rest (event name, the pattern past its literal prefix, `where:`), from fields copied into the rule
 * (see rules/key-shape.ts). Suspended pipelines (`spec.suspend: true`) are left out of both matchers.
 */
import type { NormalizedEvent } from "../triggers/event.js";
import { isSuspended } from "./compile-pipeline.js";
import { CompiledRule, EventContext, PROVEN_CAMERA, PROVEN_CHANNEL, PROVEN_PREFIX, PROVEN_SUFFIX } from "./compiled-rule.js";
import { globLiteralPrefix } from "./glob.js";
import { PrefixIndex } from "./prefix-index.js";
import type { CompiledPattern, CompiledPipeline, Match, Matcher } from "./types.js";

interface BucketIndex {
  prefixes: PrefixIndex<CompiledRule>;
  suffixes: PrefixIndex<CompiledRule>;
  /** rules with nothing literal to index on: tried for every event of the bucket */
  rest: CompiledRule[];
}

/**
 * Sorts candidates into load order and drops repeats (a rule indexed under two globs' prefixes can be
 * collected twice). Insertion sort: candidate lists are short, and it beats a comparator-based sort.
 */
function inLoadOrder(cand: CompiledRule[]): CompiledRule[] {
  for (let i = 1; i < cand.length; i++) {
    const r = cand[i]!;
    let j = i - 1;
    while (j >= 0 && cand[j]!.index > r.index) {
      cand[j + 1] = cand[j]!;
      j--;
    }
    cand[j + 1] = r;
  }
  let w = 1;
  for (let i = 1; i < cand.length; i++) if (cand[i] !== cand[w - 1]) cand[w++] = cand[i]!;
  if (w < cand.length) cand.splice(w);
  return cand;
}

/**
 * Whether finding a rule under its camera globs' literal starts proves `where.camera`: so when the
 * camera is the whole text from the literal prefix to the next "/" and every glob is a plain start
 * followed by one "*" (`gate-*`), no "/" in it. (`gate-0?` still needs its glob; so does an exact
 * `gate-01`, which a longer camera id starts with too.)
 */
function provesCamera(pattern: CompiledPattern, globs: readonly string[]): boolean {
  if (pattern.leadingCaptureToSlash !== true) return false;
  return globs.every((g) => g.endsWith("*") && globLiteralPrefix(g) === g.slice(0, -1) && !g.includes("/"));
}

class IndexedMatcher implements Matcher {
  readonly #buckets = new Map<string, BucketIndex>();
  readonly #hooks = new Map<string, CompiledRule[]>();

  constructor(pipelines: readonly CompiledPipeline[]) {
    pipelines.forEach((p, i) => {
      if (!isSuspended(p)) this.#add(new CompiledRule(p, i));
    });
  }

  #add(rule: CompiledRule): void {
    if (rule.source === "webhook") {
      rule.indexedBy(PROVEN_CHANNEL);
      const list = this.#hooks.get(rule.channel) ?? [];
      list.push(rule);
      this.#hooks.set(rule.channel, list);
      return;
    }
    let b = this.#buckets.get(rule.channel);
    if (!b) {
      b = { prefixes: new PrefixIndex(), suffixes: new PrefixIndex({ fromEnd: true }), rest: [] };
      this.#buckets.set(rule.channel, b);
    }
    const pattern = rule.pattern!;
    const globs = rule.cameraGlobs;
    // the prefix index compares what it finds exactly, so its rules need not check their literal prefix again
    if (pattern.leadingCapture === "camera" && globs) {
      // the camera is the text right after the literal prefix, so the globs' literal starts extend it
      for (const g of new Set(globs.map(globLiteralPrefix))) b.prefixes.add(pattern.literalPrefix + g, rule);
      rule.indexedBy(PROVEN_CHANNEL | PROVEN_PREFIX | (provesCamera(pattern, globs) ? PROVEN_CAMERA : 0));
    } else if (pattern.literalPrefix !== "") {
      b.prefixes.add(pattern.literalPrefix, rule);
      rule.indexedBy(PROVEN_CHANNEL | PROVEN_PREFIX);
    } else if (pattern.literalSuffix) {
      b.suffixes.add(pattern.literalSuffix, rule);
      rule.indexedBy(PROVEN_CHANNEL | PROVEN_SUFFIX);
    } else {
      b.rest.push(rule);
      rule.indexedBy(PROVEN_CHANNEL);
    }
  }

  match(event: NormalizedEvent): Match[] {
    let rules: readonly CompiledRule[];
    if (event.source === "minio") {
      const b = this.#buckets.get(event.bucket);
      if (!b) return [];
      const cand: CompiledRule[] = [];
      b.prefixes.collect(event.key, cand);
      b.suffixes.collect(event.key, cand);
      for (const r of b.rest) cand.push(r);
      rules = cand.length > 1 ? inLoadOrder(cand) : cand;
    } else {
      rules = this.#hooks.get(event.hook) ?? [];
    }
    const out: Match[] = [];
    if (rules.length === 0) return out;
    const ctx = new EventContext(event);
    for (const r of rules) {
      const m = r.match(ctx);
      if (m !== null) out.push(m);
    }
    return out;
  }
}

/**
 * Compiles pipelines into an indexed {@link Matcher}; matches come back in the pipelines' order.
 * A MinIO pipeline without a compiled `pattern` gets one from its trigger (an invalid key pattern
 * throws PatternError; pipelines from the loader never have one).
 * @example compileMatcher(ruleSet.pipelines).match(event) // [{ pipeline, event, vars, camera }]
 */
export function compileMatcher(pipelines: readonly CompiledPipeline[]): Matcher {
  return new IndexedMatcher(pipelines);
}

/**
 * A matcher that tries every pipeline in turn: the baseline for the benchmark and the reference the
 * indexed matcher is tested against. Same results, O(pipelines) per event; its rules check every
 * condition and match keys through their patterns (no shapes), so the tests compare the fast paths
 * with the general one.
 */
export function compileNaiveMatcher(pipelines: readonly CompiledPipeline[]): Matcher {
  const rules = pipelines.flatMap((p, i) => (isSuspended(p) ? [] : [new CompiledRule(p, i, { shapes: false })]));
  return {
    match(event) {
      const ctx = new EventContext(event);
      const out: Match[] = [];
      for (const r of rules) {
        const m = r.match(ctx);
        if (m !== null) out.push(m);
      }
      return out;
    },
  };
}
