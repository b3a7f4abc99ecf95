/**
 * @module status/camera-activity-kv — the camera-activity records in a JetStream KV bucket of their own: one key
 * per camera (hashed: KV keys allow few characters), history 1, a TTL that forgets decommissioned cameras and a
 * byte limit (~100 bytes a camera: 10,000 cameras take about 1 MB). A write leaves with the turn's other NATS
 * writes (lib/turn-batch.ts): a batch of frames from cameras not written for a while would otherwise cost
 * one socket write each.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { hashId } from "../lib/hash-id.js";
import { turnBatchOf } from "../lib/turn-batch.js";
import type { CameraActivityStore, CameraSeen } from "./camera-activity.js";

const enc = new TextEncoder();

export class KvCameraActivityStore implements CameraActivityStore {
  private constructor(
    private readonly kv: KV,
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  /**
   * Opens (creating if missing) the bucket. `ttlMs`: a camera silent that long is forgotten (its alert has fired
   * long before); `maxBytes`: past it, writes are refused and counted as failed.
   */
  static async open(nc: NatsConnection, bucket: string, ttlMs: number, maxBytes: number, log: Logger, setup?: { replicas: number }): Promise<KvCameraActivityStore> {
    // `framegate setup` creates it with its replicas and waits for the cluster as long as setup does; serve keeps the 5 s default
    const kvm = new Kvm(setup ? jetstream(nc, { timeout: 30_000 }) : nc);
    const kv = await kvm.create(bucket, { ttl: ttlMs, history: 1, max_bytes: maxBytes, replicas: setup?.replicas ?? 1 });
    return new KvCameraActivityStore(kv, nc, log);
  }

  put(rec: CameraSeen): Promise<void> {
    const key = `cam.${hashId(rec.camera)}`;
    const data = enc.encode(JSON.stringify(rec));
    // the client writes the publish into its buffer synchronously; run at the end of the turn, it joins the acks'
    return new Promise<void>((resolve, reject) => turnBatchOf(this.nc).run(() => void this.kv.put(key, data).then(() => resolve(), reject), reject));
  }

  async watch(onRecord: (rec: CameraSeen) => void): Promise<{ stop(): void }> {
    const it = await this.kv.watch({ key: "cam.>" });
    void (async () => {
      for await (const e of it) {
        if (e.operation !== "PUT" || e.length === 0) continue;
        try {
          const rec = e.json<CameraSeen>();
          if (typeof rec.camera === "string" && Number.isFinite(rec.t) && Number.isFinite(rec.gap)) onRecord(rec);
          else this.log.warn({ key: e.key }, "camera-activity record without camera/t/gap ignored");
        } catch (err) {
          this.log.warn({ err, key: e.key }, "camera-activity record is not JSON; ignored");
        }
      }
    })();
    return { stop: () => it.stop() };
  }
}
