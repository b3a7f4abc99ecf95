/**
 * @module rules/rule-store — the active rule set and its hot reload.
 * A change under the rules or services directory (including a mounted ConfigMap, which swaps a `..data`
 * symlink) is loaded and validated in full, then swapped in with one assignment; an invalid change is
 * refused and the last good rules keep running, with the issues kept for /readyz, /api and metrics.
 * Listeners ({@link RuleStore.onSwap}) hear of every swap with the rule sets before and after it.
 */
import { watch, type FSWatcher } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "pino";
import { RuleError, formatIssue, type Issue } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import { loadRules } from "./loader.js";
import { compileMatcher } from "./matcher.js";
import type { Catalog, Matcher, RuleSet } from "./types.js";

/** What the processor reads for one message: always a consistent pair. */
export interface ActiveRuleSet {
  ruleSet: RuleSet;
  matcher: Matcher;
  catalog: Catalog;
  loadedAt: string;
  /** content hash of the files it was loaded from */
  hash: string;
}

export interface RuleStoreOptions {
  rulesDir: string;
  servicesDir: string;
  log: Logger;
  metrics?: Metrics;
  /** poll interval for changes fs.watch misses (network filesystems, symlink swaps) */
  pollMs?: number;
}

export class RuleStore {
  #active: ActiveRuleSet;
  #issues: Issue[] = [];
  #watchers: FSWatcher[] = [];
  #timer?: NodeJS.Timeout;
  #debounce?: NodeJS.Timeout;
  #reloading?: Promise<unknown>;
  #external = false;
  readonly #listeners: ((before: RuleSet, after: RuleSet) => void)[] = [];
  readonly #o: RuleStoreOptions;

  private constructor(active: ActiveRuleSet, o: RuleStoreOptions) {
    this.#active = active;
    this.#o = o;
    o.metrics?.rulesLoaded.set(active.ruleSet.pipelines.length);
  }

  /**
   * A store fed by another source (the API server, kube-rule-source.ts): starts with `ruleSet` and
   * changes only through {@link replace}; {@link reload} and {@link watch} do nothing.
   */
  static fromRuleSet(ruleSet: RuleSet, o: { log: Logger; metrics?: Metrics }, hash = ""): RuleStore {
    const store = new RuleStore(activeOf(ruleSet, hash), { rulesDir: "", servicesDir: "", ...o });
    store.#external = true;
    return store;
  }

  /** Swaps in a rule set judged elsewhere, with one assignment (the processor reads one per message). */
  replace(ruleSet: RuleSet, hash: string): void {
    if (hash === this.#active.hash) return;
    this.#swap(activeOf(ruleSet, hash));
    this.#o.metrics?.rulesLoaded.set(ruleSet.pipelines.length);
    this.#o.metrics?.rulesReloads.inc({ result: "ok" });
    this.#o.log.info({ pipelines: ruleSet.pipelines.map((p) => p.name) }, "rules replaced");
  }

  /** Loads the rules; throws RuleError when they are invalid (the gateway must not start without rules). */
  static async open(o: RuleStoreOptions): Promise<RuleStore> {
    const r = await loadActive(o.rulesDir, o.servicesDir);
    if (!r.ok) throw new RuleError(r.issues);
    o.metrics?.rulesValid.set(1); // in kubernetes mode the rule source sets it (kube-rule-source.ts)
    return new RuleStore(r.active, o);
  }

  /**
   * Calls `listener` after every swap, with the rule sets before and after (the processor settles the
   * waiting work of pipelines that stopped running). A listener that throws is logged, not propagated.
   */
  onSwap(listener: (before: RuleSet, after: RuleSet) => void): void {
    this.#listeners.push(listener);
  }

  #swap(next: ActiveRuleSet): void {
    const before = this.#active;
    this.#active = next;
    for (const l of this.#listeners) {
      try {
        l(before.ruleSet, next.ruleSet);
      } catch (err) {
        this.#o.log.error({ err }, "a rule swap listener failed");
      }
    }
  }

  current(): ActiveRuleSet {
    return this.#active;
  }

  /** Issues of the last refused change; empty when the files on disk are what runs. */
  get issues(): Issue[] {
    return this.#issues;
  }

  /** Loads the files again; swaps them in when valid. Returns the issues (empty = applied or unchanged). */
  async reload(): Promise<{ changed: boolean; issues: Issue[] }> {
    if (this.#external) return { changed: false, issues: [] };
    const run = async () => {
      const { log, metrics } = this.#o;
      const hash = await hashDirs(this.#o.rulesDir, this.#o.servicesDir);
      if (hash === this.#active.hash && this.#issues.length === 0) return { changed: false, issues: [] };
      const r = await loadActive(this.#o.rulesDir, this.#o.servicesDir);
      if (!r.ok) {
        const changed = JSON.stringify(r.issues) !== JSON.stringify(this.#issues);
        this.#issues = r.issues;
        metrics?.rulesValid.set(0);
        if (changed) {
          metrics?.rulesReloads.inc({ result: "invalid" });
          log.error({ issues: r.issues.map(formatIssue) }, "rule change refused; the last good rules keep running");
        }
        return { changed: false, issues: r.issues };
      }
      if (r.active.hash === this.#active.hash) {
        this.#issues = [];
        metrics?.rulesValid.set(1);
        return { changed: false, issues: [] };
      }
      this.#swap(r.active);
      this.#issues = [];
      metrics?.rulesValid.set(1);
      metrics?.rulesLoaded.set(r.active.ruleSet.pipelines.length);
      metrics?.rulesReloads.inc({ result: "ok" });
      log.info({ pipelines: r.active.ruleSet.pipelines.map((p) => p.name) }, "rules reloaded");
      return { changed: true, issues: [] };
    };
    // one reload at a time; a change during a reload is picked up by the next poll
    const p = (this.#reloading ?? Promise.resolve()).then(run, run);
    this.#reloading = p.catch(() => undefined);
    return p;
  }

  /** Watches both directories (fs.watch plus a poll as a safety net) and reloads on change. */
  watch(): void {
    if (this.#external) return;
    const trigger = () => {
      clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => void this.reload().catch((err: unknown) => this.#o.log.error({ err }, "rule reload failed")), 250);
      this.#debounce.unref();
    };
    for (const dir of [this.#o.rulesDir, this.#o.servicesDir]) {
      try {
        const w = watch(dir, { recursive: true }, trigger);
        w.on("error", () => undefined);
        this.#watchers.push(w);
      } catch (e) {
        this.#o.log.warn({ dir, err: e }, "cannot watch directory; relying on polling");
      }
    }
    // the poll reloads directly (a hash check when nothing changed); routing it through the debounce
    // would starve the debounce whenever the poll interval is shorter than it
    this.#timer = setInterval(() => void this.reload().catch((err: unknown) => this.#o.log.error({ err }, "rule reload failed")), this.#o.pollMs ?? 5000);
    this.#timer.unref();
  }

  close(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
  }
}

function activeOf(ruleSet: RuleSet, hash: string): ActiveRuleSet {
  return { ruleSet, matcher: compileMatcher(ruleSet.pipelines), catalog: ruleSet.catalog, loadedAt: new Date().toISOString(), hash };
}

async function loadActive(rulesDir: string, servicesDir: string): Promise<{ ok: true; active: ActiveRuleSet } | { ok: false; issues: Issue[] }> {
  const hash = await hashDirs(rulesDir, servicesDir);
  const r = await loadRules({ rulesDir, servicesDir });
  if (!r.ok) return { ok: false, issues: r.issues };
  return { ok: true, active: activeOf(r.ruleSet, hash) };
}

/** Hash of every YAML file's path and content under the two directories (follows symlinks). */
export async function hashDirs(...dirs: string[]): Promise<string> {
  const h = createHash("sha256");
  for (const dir of dirs) {
    for (const f of await yamlFiles(dir)) {
      h.update(f).update("\0");
      h.update(await readFile(f).catch(() => Buffer.alloc(0))).update("\0");
    }
  }
  return h.digest("hex");
}

async function yamlFiles(dir: string, depth = 0): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (n.startsWith("..")) continue; // ConfigMap internals (..data, ..2024_...): the visible names link through them
    const p = join(dir, n);
    const s = await stat(p).catch(() => undefined);
    if (!s) continue;
    if (s.isDirectory() && depth < 2) out.push(...(await yamlFiles(p, depth + 1)));
    else if (s.isFile() && /\.ya?ml$/.test(n)) out.push(p);
  }
  return out;
}
