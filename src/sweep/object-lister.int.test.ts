/**
 * @module sweep/object-lister.int.test — the contract the sweep rests on, against the real MinIO: for an
 * object MinIO notified, the notification the sweep builds from a listing parses to the same event (id
 * `bucket/key@etag`, size, content type, user metadata, so the same Workflow name and the same dedupe
 * key), for a plain PUT, a multipart upload and a key that needs escaping; and listing resumes after a key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "minio";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { parseMinioNotificationText } from "../triggers/minio-event.js";
import type { ObjectEvent } from "../triggers/event.js";
import { sweptMessage, type ListedObject } from "../triggers/swept-object.js";
import { setBucketNotification } from "../../test/harness/minio.js";
import { startStack, type MinioStack } from "../../test/harness/stack.js";
import { MinioObjectLister, ObjectStoreError } from "./object-lister.js";

describe("MinioObjectLister against MinIO", () => {
  let stack: MinioStack;

  beforeAll(async () => {
    stack = await startStack({ level: "minio" });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  const lister = () => new MinioObjectLister({ endpoint: stack.minio.endpoint, accessKey: stack.minio.accessKey, secretKey: stack.minio.secretKey });

  it("a swept notification is the event MinIO's own notification is: same id, size, content type and metadata", async () => {
    const { minio, nats, streams } = stack;
    await setBucketNotification(minio.client, "raw", { prefix: "lister-" });
    const small = Buffer.from("not really a jpeg");
    const big = Buffer.alloc(6 * 1024 * 1024, 7); // over a 5 MiB part size: a multipart upload
    const multipart = new Client({ endPoint: minio.host, port: minio.port, useSSL: false, accessKey: minio.accessKey, secretKey: minio.secretKey, partSize: 5 * 1024 * 1024 });
    const keys = ["lister-gate-01/2026/12/01/100000-1.jpg", "lister-gate-01/2026/12/01/100000 2+b.jpg", "lister-gate-01/2026/12/01/100001-3.jpg"];
    await minio.client.putObject("raw", keys[0]!, small, small.length, { "Content-Type": "image/jpeg", "X-Amz-Meta-Motion": "true", "X-Amz-Meta-Camera": "gate-01" });
    await minio.client.putObject("raw", keys[1]!, small, small.length, { "Content-Type": "image/png" });
    await multipart.putObject("raw", keys[2]!, big, big.length, { "Content-Type": "image/jpeg", "X-Amz-Meta-Motion": "false" });

    const live = new Map<string, ObjectEvent>();
    // setup makes the consumer, the gateway reads from it: neither NATS user may do both
    const setup = await nats.connectAs("setup");
    await (await jetstreamManager(setup)).consumers.add(streams.stream, { durable_name: "lister", ack_policy: AckPolicy.Explicit });
    await setup.close();
    const nc = await nats.connectAs("gateway");
    try {
      const consumer = await jetstream(nc).consumers.get(streams.stream, "lister");
      while (live.size < keys.length) {
        const m = await consumer.next({ expires: 15_000 });
        expect(m, `MinIO's notifications: got ${live.size} of ${keys.length} within 15 s`).not.toBeNull();
        const [ev] = parseMinioNotificationText(m!.string()) as ObjectEvent[];
        live.set(ev!.key, ev!);
        m!.ack();
      }
    } finally {
      await nc.close();
    }

    const listed: ListedObject[] = [];
    for await (const o of lister().list("raw", "lister-", "")) listed.push(o);
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());
    expect(live.get(keys[2]!)!.etag, "a multipart upload's ETag").toMatch(/-\d+$/);
    for (const o of listed) {
      const [swept] = parseMinioNotificationText(new TextDecoder().decode(sweptMessage(o, "test").data)) as ObjectEvent[];
      const real = live.get(o.key)!;
      expect({ ...swept, eventTime: undefined, sequencer: undefined }, o.key).toEqual({ ...real, eventTime: undefined, sequencer: undefined });
      // MinIO's event time and the object's Last-Modified are the same instant, give or take the request
      expect(Math.abs(Date.parse(swept!.eventTime) - Date.parse(real.eventTime)), o.key).toBeLessThan(2_000);
    }
  });

  it("lists in key order after a key, and names the bucket when listing fails", async () => {
    const { minio } = stack;
    for (const k of ["after-a.jpg", "after-b.jpg", "after-c.jpg"]) await minio.client.putObject("raw", k, Buffer.from(k));
    const keys: string[] = [];
    for await (const o of lister().list("raw", "after-", "after-a.jpg")) keys.push(o.key);
    expect(keys).toEqual(["after-b.jpg", "after-c.jpg"]);

    const failing = async () => {
      for await (const o of lister().list("no-such-bucket", "", "")) void o;
    };
    await expect(failing()).rejects.toThrow(ObjectStoreError);
    await expect(failing()).rejects.toThrow(/listing bucket "no-such-bucket".*NoSuchBucket|does not exist/);
  });
});
