/**
 * @module status/camera-activity-kv — the camera-activity records in a JetStream KV bucket of their own: one key
 * per camera (hashed: KV keys allow few characters), history 1, a TTL that forgets decommissioned cameras and a
 * byte limit (~100 bytes a camera: 10,000 cameras take about 1 MB).
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { hashId } from "../lib/hash-id.js";
import type { CameraActivityStore, CameraSeen } from "./camera-activity.js";

const enc = new TextEncoder();

export class KvCameraActivityStore implements CameraActivityStore {
  private constructor(
    private readonly kv: KV,
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
    return new KvCameraActivityStore(kv, log);
  }

  async put(rec: CameraSeen): Promise<void> {
    await this.kv.put(`cam.${hashId(rec.camera)}`, enc.encode(JSON.stringify(rec)));
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
