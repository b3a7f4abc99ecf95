import { describe, expect, it } from "vitest";
import { classify, mergeNotification, type NotificationEntry } from "./bucket-notifications.js";

const ARN = "arn:minio:sqs::PRIMARY:nats";
const FAST = "arn:minio:sqs::FAST:nats";
const durableOnly = { arn: ARN };
const withFast = { arn: ARN, fast: { arn: FAST, on: true } };
const fastOff = { arn: ARN, fast: { arn: FAST, on: false } };
const want = { bucket: "raw", prefix: "cams/", suffix: ".jpg", events: ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"], pipelines: ["p"] };
const audit: NotificationEntry = { kind: "queue", arn: "arn:minio:sqs::AUDIT:nats", id: "audit-1", events: ["s3:ObjectRemoved:*"], prefix: "audit/", suffix: "" };
const lambda: NotificationEntry = { kind: "cloudFunction", arn: "arn:minio:lambda::X:webhook", events: ["s3:ObjectCreated:*"], prefix: "x/", suffix: "" };

describe("mergeNotification", () => {
  it("replaces framegate's entries (its target) with the one wanted and keeps every other entry as it is", () => {
    const old1: NotificationEntry = { kind: "queue", arn: ARN, id: "1", events: ["s3:ObjectCreated:*"], prefix: "old/", suffix: "" };
    const old2: NotificationEntry = { ...old1, id: "2", prefix: "older/" };
    const r = mergeNotification([audit, old1, lambda, old2], want, durableOnly);
    expect(r.changed).toBe(true);
    expect(r.entries).toEqual([audit, lambda, { kind: "queue", arn: ARN, id: "framegate", events: ["s3:ObjectCreated:Copy", "s3:ObjectCreated:Put"], prefix: "cams/", suffix: ".jpg" }]);
  });

  it("reports no change when framegate's one entry already says the same, whatever the order of its events or its Id", () => {
    const same: NotificationEntry = { kind: "queue", arn: ARN, id: "made-by-an-older-setup", events: ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"], prefix: "cams/", suffix: ".jpg" };
    expect(mergeNotification([audit, same], want, durableOnly).changed).toBe(false);
    expect(mergeNotification([audit, { ...same, suffix: "" }], want, durableOnly).changed).toBe(true);
    expect(mergeNotification([audit, same, same], want, durableOnly).changed).toBe(true);
    expect(mergeNotification([audit], want, durableOnly).changed).toBe(true);
  });

  it("with the fast path on adds the fast target's entry beside the durable one, same events and filter; off removes it", () => {
    const durable: NotificationEntry = { kind: "queue", arn: ARN, id: "framegate", events: ["s3:ObjectCreated:Copy", "s3:ObjectCreated:Put"], prefix: "cams/", suffix: ".jpg" };
    const fast: NotificationEntry = { ...durable, arn: FAST, id: "framegate-fast" };
    const on = mergeNotification([audit, durable], want, withFast);
    expect(on).toEqual({ entries: [audit, durable, fast], changed: true });
    expect(mergeNotification([audit, durable, fast], want, withFast).changed).toBe(false);
    expect(mergeNotification([audit, durable, { ...fast, prefix: "" }], want, withFast).changed).toBe(true);
    expect(mergeNotification([audit, durable, fast, fast], want, withFast).changed).toBe(true);
    // off: the fast entry goes, the durable one stays
    expect(mergeNotification([audit, durable, fast], want, fastOff)).toEqual({ entries: [audit, durable], changed: true });
    expect(mergeNotification([audit, durable], want, fastOff).changed).toBe(false);
  });
});

describe("classify", () => {
  it("turns MinIO's answers into a reason and a message that says what to fix", () => {
    const denied = classify(Object.assign(new Error("Access Denied."), { code: "AccessDenied" }), "dock", ARN);
    expect(denied.reason).toBe("AccessDenied");
    expect(denied.message).toMatch(/s3:GetBucketNotification and s3:PutBucketNotification on arn:aws:s3:::dock — run framegate setup/);
    expect(classify(Object.assign(new Error("The specified bucket does not exist"), { code: "NoSuchBucket" }), "dock", ARN).reason).toBe("BucketMissing");
    const arn = classify(Object.assign(new Error("A specified destination ARN does not exist or is not well-formed. Verify the destination ARN."), { code: "InvalidArgument" }), "raw", "arn:minio:sqs::NOPE:nats");
    expect(arn.reason).toBe("TargetUnknown");
    expect(arn.message).toMatch(/^MinIO has no notification target arn:minio:sqs::NOPE:nats .*FRAMEGATE_MINIO_NOTIFY_ARN/);
    expect(classify(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }), "raw", ARN).reason).toBe("MinioUnavailable");
    expect(classify(Object.assign(new Error("An object key name filtering rule defined with overlapping prefixes"), { code: "InvalidArgument" }), "raw", ARN).reason).toBe("Conflict");
    expect(classify(new Error("something else"), "raw", ARN)).toMatchObject({ reason: "MinioError", bucket: "raw" });
  });
});
