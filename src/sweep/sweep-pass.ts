/**
 * @module sweep/sweep-pass — one bucket prefix swept once: list it in key order from where the pass
 * stopped, keep the objects modified inside the pass's time window that some rule wants, publish them.
 * MinIO lists by key, not by time, so a pass reads the whole prefix; it spends at most the pages the
 * budget allows and records where it stopped, and the next sweep continues there with the same window.
 * The window only moves (`since` := the pass's `until`) when a pass has listed everything, so an object
 * is never skipped: at worst it is published twice, which dedupe and Workflow names make harmless.
 */
import { hashId } from "../lib/hash-id.js";
import type { ListedObject } from "../triggers/swept-object.js";
import { PAGE_SIZE, type ObjectLister } from "./object-lister.js";

/** A bucket and prefix the rules watch (one per bucket: `notificationFilters`), swept as one. */
export interface SweepTarget {
  bucket: string;
  prefix: string;
  suffix: string;
  /** a rule on the bucket needs the objects' metadata (`needsObjectMetadata`) */
  needsMetadata?: boolean;
}

/** Where sweeping a target stands; kept in the state store under {@link checkpointKey}. */
export interface Checkpoint {
  /** objects modified after this time (ms since the epoch) are not known to be swept yet */
  since: number;
  /** the pass in progress when the last sweep ran out of pages: its upper bound and the last key done */
  pass?: { until: number; after: string };
}

/** State-store key of a target's checkpoint (the KV bucket's TTL bounds keys of targets rules dropped). */
export function checkpointKey(t: SweepTarget): string {
  return `sweep.checkpoint.${hashId(`${t.bucket}/${t.prefix}`)}`;
}

/** What a pass uses; `budget.pages` is shared by every target of one sweep and counts down. */
export interface PassDeps {
  lister: ObjectLister;
  /** does any rule take this object (same parser and matcher as the processor)? */
  wanted(o: ListedObject): boolean;
  /** publishes one object's notification; throws when the intake did not store it */
  publish(o: ListedObject): Promise<void>;
  /** waits until the next list request is allowed (the rate limit) */
  pace(): Promise<void>;
  budget: { pages: number };
  /** publishes at once, per page (default 32) */
  concurrency?: number;
  /** true when the sweep must end early (shutdown, lease lost) */
  stopping?(): boolean;
}

/** The outcome of one pass; `checkpoint` is what to store whether or not it completed. */
export interface PassResult {
  checkpoint: Checkpoint;
  /** the listing reached the end of the prefix: the window moved on */
  complete: boolean;
  listed: number;
  /** listed objects modified inside the window */
  inWindow: number;
  published: number;
  pages: number;
  error?: Error;
}

/**
 * Sweeps `t` from checkpoint `cp`: a new pass covers (cp.since, now - marginMs]; a pass in progress keeps
 * its window and resumes after its last key. Never throws: a failure ends the pass at the last page whose
 * objects were all published (`error` set), and the next sweep lists that page again.
 */
export async function sweepTarget(t: SweepTarget, cp: Checkpoint, now: number, marginMs: number, d: PassDeps): Promise<PassResult> {
  const until = cp.pass?.until ?? now - marginMs;
  let after = cp.pass?.after ?? "";
  const r: PassResult = { checkpoint: cp, complete: false, listed: 0, inWindow: 0, published: 0, pages: 0 };
  const stopped = () => ({ ...r, checkpoint: { since: cp.since, pass: { until, after } } });
  if (until <= cp.since) return { ...r, complete: true };
  const concurrency = d.concurrency ?? 32;
  const page: ListedObject[] = [];

  const publishPage = async () => {
    const due = page.filter((o) => {
      const at = o.lastModified.getTime();
      return at > cp.since && at <= until && o.key.endsWith(t.suffix);
    });
    r.inWindow += due.length;
    const wanted = due.filter((o) => d.wanted(o));
    for (let i = 0; i < wanted.length; i += concurrency) {
      await Promise.all(wanted.slice(i, i + concurrency).map((o) => d.publish(o)));
      r.published += Math.min(concurrency, wanted.length - i);
    }
    if (page.length) after = page[page.length - 1]!.key;
    page.length = 0;
  };
  const nextPage = async () => {
    if (d.budget.pages <= 0 || d.stopping?.()) return false;
    await d.pace();
    d.budget.pages -= 1;
    r.pages += 1;
    return true;
  };

  try {
    if (!(await nextPage())) return stopped();
    for await (const o of d.lister.list(t.bucket, t.prefix, after)) {
      r.listed += 1;
      page.push(o);
      if (page.length < PAGE_SIZE) continue;
      await publishPage();
      if (!(await nextPage())) return stopped();
    }
    await publishPage();
    return { ...r, complete: true, checkpoint: { since: until } };
  } catch (e) {
    return { ...stopped(), error: e as Error };
  }
}
