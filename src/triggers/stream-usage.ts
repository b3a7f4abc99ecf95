/**
 * @module triggers/stream-usage — how full framegate's JetStream streams are (intake, replay window,
 * dead letters, the KV bucket's stream): Prometheus gauges and the `/readyz` detail, warning from 80 %.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { formatBytes } from "../lib/bytes.js";
import type { Metrics } from "../lib/metrics.js";

/** What a full stream means, said in the readiness detail. */
export type StreamRole = "intake" | "history" | "dead-letters" | "state" | "cameras";

export interface StreamUsage {
  stream: string;
  role: StreamRole;
  bytes: number;
  /** max_bytes; -1 when unlimited */
  limitBytes: number;
  messages: number;
  /** missing: the stream does not exist */
  missing?: boolean;
}

/** From this fraction of its limit a stream is reported as a warning. */
export const WARN_FRACTION = 0.8;

const AT_LIMIT: Record<StreamRole, string> = {
  intake: "new input is refused (webhooks 503, MinIO keeps events in its queue_dir) until the gateway processes what it holds",
  history: "the oldest messages of the replay window are dropped",
  "dead-letters": "failed messages wait in the intake instead of being dead-lettered: replay or purge the dead letters",
  cameras: "cameras' last-frame times are not written (framegate_camera_activity_writes_total{result=\"failed\"}), so a restart sees them older than they are: raise FRAMEGATE_CAMERA_MAX_BYTES or shorten FRAMEGATE_CAMERA_TTL",
  state: "dedupe, sample and batch marks cannot be written and messages that need them wait: raise FRAMEGATE_KV_MAX_BYTES or shorten FRAMEGATE_STATE_TTL",
};

/** Reads the streams' state at most every `maxAgeMs` and mirrors it into the gauges. */
export class StreamUsageMonitor {
  #cache?: { at: number; rows: Promise<StreamUsage[]> };

  constructor(
    private readonly nc: NatsConnection,
    private readonly streams: { stream: string; role: StreamRole }[],
    private readonly metrics: Pick<Metrics, "streamBytes" | "streamLimitBytes" | "streamMessages">,
    private readonly log: Logger,
    private readonly maxAgeMs = 5000,
  ) {}

  read(): Promise<StreamUsage[]> {
    if (this.#cache && Date.now() - this.#cache.at < this.maxAgeMs) return this.#cache.rows;
    const rows = this.fetch();
    this.#cache = { at: Date.now(), rows };
    rows.catch(() => (this.#cache = undefined));
    return rows;
  }

  private async fetch(): Promise<StreamUsage[]> {
    const jsm = await jetstreamManager(this.nc);
    return Promise.all(
      this.streams.map(async ({ stream, role }): Promise<StreamUsage> => {
        try {
          const i = await jsm.streams.info(stream);
          const row = { stream, role, bytes: i.state.bytes, limitBytes: i.config.max_bytes, messages: i.state.messages };
          this.metrics.streamBytes.set({ stream }, row.bytes);
          this.metrics.streamLimitBytes.set({ stream }, row.limitBytes);
          this.metrics.streamMessages.set({ stream }, row.messages);
          return row;
        } catch (err) {
          if (!/not found/i.test((err as Error).message)) throw err;
          this.log.debug({ err, stream }, "stream not found for usage");
          return { stream, role, bytes: 0, limitBytes: -1, messages: 0, missing: true };
        }
      }),
    );
  }
}

/**
 * The readiness check: always ok (a full intake still drains, and a not-ready gateway would only turn
 * webhooks' clear 503 into connection errors); `warn` and the detail say what is near or at its limit.
 */
export function usageCheck(rows: StreamUsage[]): { ok: boolean; warn: boolean; detail: string } {
  const parts: string[] = [];
  let warn = false;
  for (const r of rows) {
    if (r.missing) {
      warn = true;
      parts.push(`${r.stream} (${r.role}): missing — run \`framegate setup\``);
      continue;
    }
    if (r.limitBytes <= 0) {
      warn = true;
      parts.push(`${r.stream} (${r.role}): ${formatBytes(r.bytes)}, no limit — run \`framegate setup\``);
      continue;
    }
    const f = r.bytes / r.limitBytes;
    const base = `${r.stream} (${r.role}): ${formatBytes(r.bytes)} of ${formatBytes(r.limitBytes)} (${Math.floor(f * 100)}%), ${r.messages} messages`;
    if (f >= WARN_FRACTION) {
      warn = true;
      parts.push(`${base} — warning: ${f >= 0.99 ? "at" : "near"} its limit; when full, ${AT_LIMIT[r.role]}`);
    } else parts.push(base);
  }
  return { ok: true, warn, detail: parts.join("; ") };
}
