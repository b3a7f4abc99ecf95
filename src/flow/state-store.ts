/**
 * @module flow/state-store — the small key-value state that flow control shares across restarts and
 * replicas (dedupe marks, sample clocks, batch membership). Production: JetStream KV; tests: memory.
 */
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type StreamInfo } from "@nats-io/jetstream";
import { FramegateError, RetryAfterError } from "../lib/errors.js";

export interface StateEntry<T> {
  value: T;
  revision: number;
}

export interface StateStore {
  get<T>(key: string): Promise<StateEntry<T> | null>;
  /** creates the key; null when it already exists */
  create<T>(key: string, value: T): Promise<number | null>;
  /** compare-and-set on `revision`; null when someone else wrote first */
  update<T>(key: string, value: T, revision: number): Promise<number | null>;
  put<T>(key: string, value: T): Promise<number>;
  /** writes without waiting for the store's acknowledgement (best effort: a lost write is tolerable) */
  putUnacked<T>(key: string, value: T): void;
  /**
   * Creates every key of `keys` (with `value`) and writes `commit`, all or nothing: true when all of it was
   * written. False when a key already existed (then none of it was written) or when the store could not say
   * (it cannot write atomically, or the answer was lost): the caller finds out key by key with `create` and
   * `get`, which also covers a write that happened but whose answer was lost.
   */
  createAll<T, C>(keys: readonly string[], value: T, commit: { key: string; value: C }): Promise<boolean>;
}

import { turnBatchOf } from "../lib/turn-batch.js";

const enc = new TextEncoder();

/** JetStream KV; a failure to reach it is retryable (the message waits in the stream). */
export class KvStateStore implements StateStore {
  readonly #js: JetStreamClient;
  private constructor(
    private readonly kv: KV,
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    /** the bucket's stream takes atomic batches (`allow_atomic`, nats-server 2.12+; `framegate setup` turns it on) */
    readonly atomic: boolean,
  ) {
    this.#js = jetstream(nc);
  }

  /**
   * Opens the bucket; `ttlMs` bounds how long any mark is kept, `maxBytes` how much they take together (a
   * full bucket refuses writes: the messages needing them wait in the intake). An existing bucket keeps its
   * settings; `framegate setup` changes them. With `create: false` (the gateway, whose NATS user may not
   * create streams) a missing bucket is an error that says to run `framegate setup`.
   */
  static async open(nc: NatsConnection, bucket: string, ttlMs: number, maxBytes?: number, o: { create?: boolean; replicas?: number } = {}): Promise<KvStateStore> {
    const stream = `KV_${bucket}`;
    let info: StreamInfo | undefined;
    if (o.create === false) {
      const jsm = await jetstreamManager(nc);
      info = await jsm.streams.info(stream).catch((e: Error) => {
        if (!/not found/i.test(e.message)) throw e;
        throw new FramegateError(`JetStream is missing the key-value bucket ${bucket}: run \`framegate setup\` (same FRAMEGATE_* settings) to create it`, { cause: e });
      });
    }
    // creating (setup) waits for the cluster as long as setup does (SETUP_API_TIMEOUT_MS); serve keeps the 5 s default
    const js = o.create === false ? jetstream(nc) : jetstream(nc, { timeout: 30_000 });
    const kvm = new Kvm(js);
    // an existing bucket is opened as it is; `framegate setup` changes its limit and replicas afterwards
    const kv = await kvm.create(bucket, { ttl: ttlMs, history: 1, replicas: o.replicas ?? 1, ...(maxBytes ? { max_bytes: maxBytes } : {}) });
    if (o.create !== false) {
      // batch membership is claimed with one atomic batch per batch Workflow (flow/batch-claim.ts)
      const jsm = await js.jetstreamManager();
      info = await jsm.streams.info(stream);
      if (info.config.allow_atomic !== true) info = await jsm.streams.update(stream, { ...info.config, allow_atomic: true });
    }
    return new KvStateStore(kv, nc, bucket, info?.config.allow_atomic === true);
  }

  async createAll<T, C>(keys: readonly string[], value: T, commit: { key: string; value: C }): Promise<boolean> {
    if (!this.atomic || keys.length === 0) return false;
    const data = enc.encode(JSON.stringify(value));
    const subject = (key: string) => `$KV.${this.bucket}.${key}`;
    // a KV create is a publish expecting no earlier message on the key's subject; in an atomic batch the server
    // checks every expectation before it stores any message of the batch
    const absent = { expect: { lastSubjectSequence: 0 } };
    try {
      const batch = await this.#js.startBatch(subject(keys[0]!), data, absent);
      for (let i = 1; i < keys.length; i++) batch.add(subject(keys[i]!), data, absent);
      await batch.commit(subject(commit.key), enc.encode(JSON.stringify(commit.value)));
      return true;
    } catch {
      // a key that exists, a batch the server refused (too many at once), or no answer: key by key decides
      return false;
    }
  }

  /** A KV bucket is a stream on `$KV.<bucket>.>`: a plain publish stores the value with no ack round trip. */
  putUnacked<T>(key: string, value: T): void {
    const data = enc.encode(JSON.stringify(value));
    // with the message's ack, in the turn's one write; lost with the connection, as the ack is (the redelivery writes it again)
    turnBatchOf(this.nc).run(() => this.nc.publish(`$KV.${this.bucket}.${key}`, data));
  }

  async get<T>(key: string): Promise<StateEntry<T> | null> {
    const e = await this.wrap("read", key, () => this.kv.get(key));
    if (!e || e.operation !== "PUT" || e.length === 0) return null;
    return { value: e.json<T>(), revision: e.revision };
  }

  async create<T>(key: string, value: T): Promise<number | null> {
    try {
      return await this.kv.create(key, enc.encode(JSON.stringify(value)));
    } catch (e) {
      if (isConflict(e)) return null;
      throw unavailable("create", key, e);
    }
  }

  async update<T>(key: string, value: T, revision: number): Promise<number | null> {
    try {
      return await this.kv.update(key, enc.encode(JSON.stringify(value)), revision);
    } catch (e) {
      if (isConflict(e)) return null;
      throw unavailable("update", key, e);
    }
  }

  put<T>(key: string, value: T): Promise<number> {
    return this.wrap("write", key, () => this.kv.put(key, enc.encode(JSON.stringify(value))));
  }

  private async wrap<R>(what: string, key: string, f: () => Promise<R>): Promise<R> {
    try {
      return await f();
    } catch (e) {
      throw unavailable(what, key, e);
    }
  }
}

function isConflict(e: unknown): boolean {
  return /wrong last sequence|key exists|10071/i.test((e as Error)?.message ?? "");
}

function unavailable(what: string, key: string, e: unknown): RetryAfterError {
  return new RetryAfterError(`state store ${what} of ${key} failed: ${(e as Error).message}`, undefined, { cause: e, reason: "state-store" });
}

/** In-process store with the same semantics, for tests and the dry run. */
export class MemoryStateStore implements StateStore {
  readonly data = new Map<string, StateEntry<unknown>>();
  #rev = 0;

  async get<T>(key: string): Promise<StateEntry<T> | null> {
    return (this.data.get(key) as StateEntry<T> | undefined) ?? null;
  }
  async create<T>(key: string, value: T): Promise<number | null> {
    if (this.data.has(key)) return null;
    return this.set(key, value);
  }
  async update<T>(key: string, value: T, revision: number): Promise<number | null> {
    if (this.data.get(key)?.revision !== revision) return null;
    return this.set(key, value);
  }
  async put<T>(key: string, value: T): Promise<number> {
    return this.set(key, value);
  }
  putUnacked<T>(key: string, value: T): void {
    this.set(key, value);
  }
  async createAll<T, C>(keys: readonly string[], value: T, commit: { key: string; value: C }): Promise<boolean> {
    if (keys.some((k) => this.data.has(k))) return false;
    for (const k of keys) this.set(k, value);
    this.set(commit.key, commit.value);
    return true;
  }
  private set(key: string, value: unknown): number {
    this.#rev += 1;
    this.data.set(key, { value: structuredClone(value), revision: this.#rev });
    return this.#rev;
  }
}
