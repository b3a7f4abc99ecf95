/**
 * @module results/results-stream — the results index's durable copy: a JetStream stream with one subject per
 * camera (`framegate.results.<hash of the camera>`) and `max_msgs_per_subject` = the per-camera limit, a byte
 * limit and a max age, oldest dropped first. Every replica writes the results of the Workflows it sees succeed
 * (`Nats-Msg-Id` = the entry's id, so two replicas store one copy) and follows the whole stream with an ordered
 * consumer into its in-memory {@link ResultsIndex}; a restarted replica reads it back.
 */
import { createHash } from "node:crypto";
import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { FramegateError } from "../lib/errors.js";
import { applyStream, streamInfo } from "../triggers/jetstream-setup.js";
import { resultEntrySchema, type ResultEntry } from "./result-entry.js";
import type { ResultsLimits } from "./results-index.js";

export const RESULTS_SUBJECT_PREFIX = "framegate.results";
const NS_PER_MS = 1_000_000;
/** Two replicas see a Workflow succeed within seconds of each other; 10 minutes covers a slow one. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** The subject of a camera's results: its id hashed (subjects allow few characters), "" for no camera. */
export function resultsSubject(camera: string): string {
  return `${RESULTS_SUBJECT_PREFIX}.${createHash("sha256").update(camera).digest("hex").slice(0, 32)}`;
}

/** The stream's configuration: the index's limits, enforced by nats-server itself; `replicas` FRAMEGATE_STREAM_REPLICAS. */
export function resultsStreamConfig(name: string, limits: ResultsLimits, replicas = 1) {
  return {
    name,
    num_replicas: replicas,
    subjects: [`${RESULTS_SUBJECT_PREFIX}.*`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: limits.perCamera,
    max_bytes: limits.maxBytes,
    max_age: limits.maxAgeMs * NS_PER_MS,
    duplicate_window: Math.min(DUPLICATE_WINDOW_MS, limits.maxAgeMs) * NS_PER_MS,
  };
}

/** `framegate setup`: creates or updates the stream; returns the line to print. */
export async function ensureResultsStream(nc: NatsConnection, name: string, limits: ResultsLimits, replicas = 1): Promise<string> {
  // a lower limit than it holds is fine here: nats-server drops the oldest results, as it does at the limit
  return applyStream(await jetstreamManager(nc), resultsStreamConfig(name, limits, replicas), `results index, ${limits.perCamera} per camera`, true);
}

/** A result as it is published: the JSON and its length, which the index counts as the entry's bytes. */
export function encodeResult(entry: ResultEntry): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entry));
}

/**
 * The stream, opened by `serve`.
 * @example
 * const results = await ResultsStream.open(nc, "FRAMEGATE_RESULTS", log);
 * const follow = results.follow((entry, bytes) => index.add(entry, bytes));
 * await follow.caughtUp;
 */
export class ResultsStream {
  private constructor(
    private readonly js: JetStreamClient,
    readonly name: string,
    private readonly log: Logger,
  ) {}

  /** @throws FramegateError when the stream does not exist (`framegate setup` creates it) */
  static async open(nc: NatsConnection, name: string, log: Logger): Promise<ResultsStream> {
    const info = await streamInfo(await jetstreamManager(nc), name);
    if (!info) throw new FramegateError(`stream ${name} (the results index) not found: run \`framegate setup\` with this version of framegate`);
    return new ResultsStream(jetstream(nc), name, log.child({ component: "results-stream" }));
  }

  /** Stores one entry; "duplicate" when JetStream already had its id (another replica wrote it). */
  async publish(entry: ResultEntry): Promise<"stored" | "duplicate"> {
    const ack = await this.js.publish(resultsSubject(entry.camera), encodeResult(entry), { msgID: entry.id, timeout: 10_000 });
    return ack.duplicate ? "duplicate" : "stored";
  }

  /**
   * Delivers every stored entry, then new ones as they come, until `stop()`. `caughtUp` resolves once what the
   * stream held at the start has been delivered. An entry that fails the schema is logged and skipped.
   */
  follow(onEntry: (entry: ResultEntry, bytes: number) => void): { caughtUp: Promise<void>; stop(): Promise<void> } {
    let stopped = false;
    let markCaughtUp!: () => void;
    const caughtUp = new Promise<void>((r) => (markCaughtUp = r));
    let messages: { close(): Promise<void | Error> } | undefined;
    const run = async () => {
      const consumer = await this.js.consumers.get(this.name, { deliver_policy: DeliverPolicy.All, inactive_threshold: 60_000 * NS_PER_MS });
      const info = await consumer.info(true);
      if (info.num_pending === 0) markCaughtUp();
      const iter = await consumer.consume({ max_messages: 256 });
      messages = iter;
      if (stopped) await iter.close();
      for await (const m of iter) {
        try {
          onEntry(resultEntrySchema.parse(m.json()), m.data.length);
        } catch (err) {
          this.log.warn({ err, seq: m.seq }, "a results stream message is not a result entry; skipped");
        }
        if (m.info.pending === 0) markCaughtUp();
      }
    };
    const done = run().catch((err: unknown) => {
      this.log.error({ err, stream: this.name }, "following the results stream failed; this replica's results index stops updating");
      markCaughtUp();
    });
    return {
      caughtUp,
      async stop() {
        stopped = true;
        await messages?.close();
        await done;
      },
    };
  }
}
