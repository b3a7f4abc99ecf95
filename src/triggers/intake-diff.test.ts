import { describe, expect, it } from "vitest";
import { diffIntake, formatDiff, type IntakeSeen } from "./intake-diff.js";
import { DEFAULT_INTAKE_LIMITS, consumerConfig, dlqStreamConfig, historyStreamConfig, streamConfig } from "./jetstream-config.js";

const n = { stream: "FG", dlqStream: "FG_DLQ", consumer: "gw", minioSubject: "minio.events" };
const consumer = { ackWaitMs: 30_000, maxAckPending: 10_000 };
const limits = DEFAULT_INTAKE_LIMITS;

/** What `framegate setup` makes with these settings. */
function asSetUp(): Required<IntakeSeen> {
  return { stream: streamConfig(n, limits), history: historyStreamConfig(n, limits), dlq: dlqStreamConfig(n, limits), consumer: consumerConfig(n, consumer) };
}

describe("diffIntake", () => {
  it("finds nothing when the server has exactly what setup makes", () => {
    expect(diffIntake(asSetUp(), n, limits, consumer)).toEqual([]);
  });

  it("calls an intake from an older framegate (limits retention, no byte limit, max_deliver 10) breaking, and names the migration", () => {
    const seen = asSetUp();
    seen.stream = { ...seen.stream, retention: "limits", discard: "old", max_bytes: -1, max_age: 7 * 86_400_000 * 1e6 };
    seen.consumer = { ...seen.consumer, max_deliver: 10 };
    const d = diffIntake(seen, n, limits, consumer);
    const breaking = d.filter((x) => x.severity === "breaks").map((x) => `${x.object} ${x.setting}`);
    expect(breaking).toEqual(["stream FG retention", "stream FG max_age", "consumer FG/gw max_deliver"]);
    expect(d.find((x) => x.setting === "max_bytes")).toMatchObject({ severity: "harmless", actual: "unlimited", wanted: "1 GiB" });
    expect(formatDiff(d[0]!)).toMatch(/^stream FG: retention is limits, want workqueue — .*framegate setup --migrate/);
    expect(formatDiff(d.find((x) => x.setting === "max_deliver")!)).toMatch(/max_deliver is 10, want -1 — .*never seen again/);
  });

  it("calls fewer (or more) replicas than FRAMEGATE_STREAM_REPLICAS harmless, on every stream and the consumer: setup changes them in place", () => {
    const three = { ...limits, replicas: 3 };
    const d = diffIntake(asSetUp(), n, three, { ...consumer, replicas: 3 });
    expect(d.map((x) => [x.object, x.setting, x.actual, x.wanted, x.severity])).toEqual([
      ["stream FG", "num_replicas", "1", "3", "harmless"],
      ["consumer FG/gw", "num_replicas", "1", "3", "harmless"],
      ["stream FG_HISTORY", "num_replicas", "1", "3", "harmless"],
      ["stream FG_DLQ", "num_replicas", "1", "3", "harmless"],
    ]);
    expect(formatDiff(d[0]!)).toMatch(/the loss of its one server stops it; setup changes it in place/);
    // a consumer with num_replicas 0 has the stream's
    const seen = asSetUp();
    for (const k of ["stream", "history", "dlq"] as const) seen[k] = { ...seen[k], num_replicas: 3 };
    seen.consumer = { ...seen.consumer, num_replicas: 0 };
    expect(diffIntake(seen, n, three, { ...consumer, replicas: 3 })).toEqual([]);
    expect(diffIntake(seen, n, limits, consumer).map((x) => x.why)).toEqual(Array(4).fill(expect.stringMatching(/^more copies than FRAMEGATE_STREAM_REPLICAS/)));
  });

  it("breaks on discard old with a limit: a full intake would delete unprocessed messages", () => {
    const seen = asSetUp();
    seen.stream = { ...seen.stream, discard: "old" };
    expect(diffIntake(seen, n, limits, consumer)).toEqual([expect.objectContaining({ object: "stream FG", setting: "discard", severity: "breaks" })]);
  });

  it("tells a shorter ack_wait (breaks: redelivery while working) from a longer one (harmless)", () => {
    const seen = asSetUp();
    seen.consumer = { ...seen.consumer, ack_wait: 5_000 * 1e6 };
    expect(diffIntake(seen, n, limits, consumer)).toEqual([expect.objectContaining({ setting: "ack_wait", actual: "5000ms", wanted: "30000ms", severity: "breaks" })]);
    seen.consumer = { ...seen.consumer, ack_wait: 60_000 * 1e6 };
    expect(diffIntake(seen, n, limits, consumer)).toEqual([expect.objectContaining({ setting: "ack_wait", severity: "harmless" })]);
  });

  it("warns on max_ack_pending and limits that differ from the settings", () => {
    const seen = asSetUp();
    seen.consumer = { ...seen.consumer, max_ack_pending: 500 };
    seen.dlq = { ...seen.dlq, max_bytes: 1024 ** 2 };
    const d = diffIntake(seen, n, limits, consumer);
    expect(d.map((x) => [x.object, x.setting, x.severity])).toEqual([
      ["consumer FG/gw", "max_ack_pending", "harmless"],
      ["stream FG_DLQ", "max_bytes", "harmless"],
    ]);
  });

  it("breaks on filter subjects that leave a subject out, warns on ones that cover all", () => {
    const seen = asSetUp();
    seen.consumer = { ...seen.consumer, filter_subjects: ["minio.events"] };
    expect(diffIntake(seen, n, limits, consumer)[0]).toMatchObject({ setting: "filter_subjects", severity: "breaks" });
    // one leaving out the fast path's subject would strand MinIO's fast copies in the work queue
    seen.consumer = { ...seen.consumer, filter_subjects: ["minio.events", "framegate.hooks.>"] };
    expect(diffIntake(seen, n, limits, consumer)[0]).toMatchObject({ setting: "filter_subjects", severity: "breaks" });
    seen.consumer = { ...seen.consumer, filter_subjects: ["minio.events", "minio.fast", "framegate.hooks.>"] };
    expect(diffIntake(seen, n, limits, consumer)[0]).toMatchObject({ setting: "filter_subjects", severity: "harmless" });
  });

  it("an intake without the fast path's subject (made before it) is harmless: MinIO's durable copies still come", () => {
    const seen = asSetUp();
    seen.stream = { ...seen.stream, subjects: ["minio.events", "framegate.hooks.>"] };
    const d = diffIntake(seen, n, limits, consumer);
    expect(d).toEqual([expect.objectContaining({ object: "stream FG", setting: "subjects", severity: "harmless", wanted: "minio.events,minio.fast,framegate.hooks.>" })]);
    expect(formatDiff(d[0]!)).toMatch(/copies on minio\.fast are not stored.*durable target only.*framegate setup/);
    seen.stream = { ...seen.stream, subjects: ["minio.fast", "framegate.hooks.>"] };
    expect(diffIntake(seen, n, limits, consumer)[0]).toMatchObject({ setting: "subjects", severity: "breaks" });
  });

  it("breaks on a consumer backoff step shorter than ack_wait", () => {
    const seen = asSetUp();
    seen.consumer = { ...seen.consumer, backoff: [1_000 * 1e6, 60_000 * 1e6] };
    expect(diffIntake(seen, n, limits, consumer)[0]).toMatchObject({ setting: "backoff", actual: "1000ms,60000ms", severity: "breaks" });
  });

  it("says what is missing: the consumer and dead letters break, the replay window is harmless", () => {
    const seen: IntakeSeen = { stream: streamConfig(n, limits) };
    expect(diffIntake(seen, n, limits, consumer).map((x) => [x.object, x.severity])).toEqual([
      ["consumer FG/gw", "breaks"],
      ["stream FG_DLQ", "breaks"],
      ["stream FG_HISTORY", "harmless"],
    ]);
    expect(diffIntake({}, n, limits, consumer)[0]).toMatchObject({ object: "stream FG", setting: "existence", severity: "breaks" });
  });
});
