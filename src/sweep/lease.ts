/**
 * @module sweep/lease — one holder at a time across replicas, kept in the shared state store: a key whose
 * value names the holder and when its claim runs out. Taken with an atomic create, renewed and taken over
 * with a compare-and-set on the revision, so two replicas can never both believe they hold it. A holder
 * that dies is replaced once its claim has run out (the claim's time is the holder's clock: the TTL must
 * be far larger than the replicas' clock skew).
 */
import type { StateStore } from "../flow/state-store.js";

interface LeaseValue {
  holder: string;
  /** ms since the epoch when the claim runs out */
  until: number;
}

export class KvLease {
  constructor(
    private readonly store: StateStore,
    readonly key: string,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes the lease, or renews it when this holder has it. False when another holder's claim is still
   * running or another replica won the race. Errors of the store propagate (treat as "not held").
   */
  async acquire(now = Date.now()): Promise<boolean> {
    const claim: LeaseValue = { holder: this.holder, until: now + this.ttlMs };
    const e = await this.store.get<LeaseValue>(this.key);
    if (!e) return (await this.store.create(this.key, claim)) !== null;
    if (e.value.holder !== this.holder && e.value.until > now) return false;
    return (await this.store.update(this.key, claim, e.revision)) !== null;
  }

  /** Who holds it now (and until when), or null when nobody does. */
  async current(now = Date.now()): Promise<LeaseValue | null> {
    const e = await this.store.get<LeaseValue>(this.key);
    return e && e.value.until > now ? e.value : null;
  }

  /** Gives the lease up (shutdown), so another replica takes over at its next tick instead of after the TTL. */
  async release(): Promise<void> {
    const e = await this.store.get<LeaseValue>(this.key);
    if (e?.value.holder === this.holder) await this.store.update(this.key, { holder: this.holder, until: 0 }, e.revision);
  }
}
