/**
 * @module flow/sampler — at most one event per partition per interval, by event time (so a backlog
 * drained late samples the same as it would have live). The winner's id is kept, so its redelivery is
 * admitted again; the state lives in the shared store, with a local cache so most losers never ask it.
 */
import { stateKey } from "./keys.js";
import type { StateStore } from "./state-store.js";

interface Clock {
  at: number;
  id: string;
}

export class Sampler {
  readonly #local = new Map<string, Clock>();
  constructor(private readonly store: StateStore, private readonly maxLocal = 200_000) {}

  async admit(pipeline: string, partition: string, eventId: string, intervalMs: number, eventTime: number): Promise<boolean> {
    const key = stateKey.sample(pipeline, partition);
    const cached = this.#local.get(key);
    if (cached && cached.id !== eventId && Math.abs(eventTime - cached.at) < intervalMs) return false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const e = await this.store.get<Clock>(key);
      if (e) {
        if (e.value.id === eventId) return this.remember(key, e.value);
        if (Math.abs(eventTime - e.value.at) < intervalMs) {
          this.remember(key, e.value);
          return false;
        }
      }
      const clock = { at: eventTime, id: eventId };
      const rev = e ? await this.store.update(key, clock, e.revision) : await this.store.create(key, clock);
      if (rev !== null) return this.remember(key, clock);
    }
    return false;
  }

  private remember(key: string, c: Clock): true {
    if (this.#local.size >= this.maxLocal) this.#local.delete(this.#local.keys().next().value!);
    this.#local.set(key, c);
    return true;
  }
}
