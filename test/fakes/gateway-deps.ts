/** @module test/fakes/gateway-deps — a recording EventPublisher and GatewayDeps for `app.request()` tests. */
import { pino } from "pino";
import { createMetrics } from "../../src/lib/metrics.js";
import type { GatewayDeps } from "../../src/gateway/deps.js";
import { parseHookSecrets } from "../../src/gateway/hook-secrets.js";
import { RecentEvents } from "../../src/status/recent-events.js";
import type { EventPublisher } from "../../src/triggers/stream.js";

export interface Published {
  subject: string;
  data: Uint8Array;
  msgId: string;
  headers: Record<string, string>;
}

/** Stores what it is given and, like JetStream, reports a repeated msgId as a duplicate. */
export class FakePublisher implements EventPublisher {
  readonly published: Published[] = [];
  readonly #seen = new Map<string, number>();
  /** when set, every publish throws it */
  failWith: Error | undefined;

  async publish(subject: string, data: Uint8Array, opts: { msgId: string; headers?: Record<string, string> }) {
    if (this.failWith) throw this.failWith;
    const prior = this.#seen.get(opts.msgId);
    if (prior !== undefined) return { seq: prior, duplicate: true };
    this.published.push({ subject, data, msgId: opts.msgId, headers: opts.headers ?? {} });
    const seq = this.published.length;
    this.#seen.set(opts.msgId, seq);
    return { seq, duplicate: false };
  }
}

export const HMAC_SECRET = "motion-secret-0123456789";
export const BEARER_TOKEN = "vms-token-abcdef";

/** Deps with a fake publisher, hooks `motion` (hmac) and `vms` (bearer), no tokens; override anything. */
export function makeDeps(overrides: Partial<GatewayDeps> = {}): GatewayDeps & { publisher: FakePublisher; recentEvents: RecentEvents } {
  const base = {
    publisher: new FakePublisher(),
    hooks: parseHookSecrets(`motion: hmac:${HMAC_SECRET}\nvms: bearer:${BEARER_TOKEN}\n`),
    log: pino({ level: "silent" }),
    metrics: createMetrics({ defaultMetrics: false }),
    rules: () => ({ issues: [] }),
    match: () => ({ events: [], matches: [] }),
    recentEvents: new RecentEvents(50),
    readiness: async () => ({ ready: true, checks: {} }),
  };
  return { ...base, ...overrides } as GatewayDeps & { publisher: FakePublisher; recentEvents: RecentEvents };
}

/** A notification exactly as MinIO's webhook target POSTs it (one record; key query-escaped). */
export function minioNotification(key = "gate-1/2024/05/01/120000-1.jpg", bucket = "raw"): string {
  const escaped = encodeURIComponent(key).replace(/%20/g, "+");
  return JSON.stringify({
    EventName: "s3:ObjectCreated:Put",
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventVersion: "2.0",
        eventSource: "minio:s3",
        awsRegion: "",
        eventTime: "2024-05-01T12:00:00.123Z",
        eventName: "s3:ObjectCreated:Put",
        userIdentity: { principalId: "minioadmin" },
        requestParameters: { principalId: "minioadmin", region: "", sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-id-2": "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8", "x-amz-request-id": "17C4B4B4B7E5D0A1", "x-minio-deployment-id": "1b0b4c4e-1a1a-4b4b-8c8c-0d0d0d0d0d0d", "x-minio-origin-endpoint": "http://127.0.0.1:9000" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "Config",
          bucket: { name: bucket, ownerIdentity: { principalId: "minioadmin" }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: escaped, size: 48213, eTag: "5d41402abc4b2a76b9719d911017c592", contentType: "image/jpeg", userMetadata: { "content-type": "image/jpeg" }, sequencer: "17C4B4B4B8A3F2C0" },
        },
        source: { host: "127.0.0.1", port: "", userAgent: "MinIO (linux; amd64) minio-go/v7.0.70" },
      },
    ],
  });
}
