import { describe, expect, it } from "vitest";
import { catalog, hookEvent, inlinePipeline, match, objectEvent, pipeline } from "../../test/fixtures/render-fixtures.js";
import { renderWorkflow } from "../workflows/render.js";
import type { Match } from "../rules/types.js";
import { compactRecord, fullRecord, recordIds, recordMatches, type StoredFrame } from "./batch-record.js";

/** what the processor's rematch does: the stored event through the pipeline again (here: the same vars) */
const rematchFrom = (ms: Match[]) => (f: StoredFrame) => ms.find((m) => m.event.id === f.event.id);
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("batch records", () => {
  const p = inlinePipeline();
  const minio = ["gate-01/a.jpg", "gate-01/b.jpg", "gate-01/c.jpg"].map((k, i) => match(p, objectEvent(k, { etag: `t${i}` })));

  it("a compact record renders the same Workflow as the frames in full (minio)", () => {
    const rec = roundTrip(compactRecord("people-detect", "gate-01", minio));
    expect(rec.rest).toEqual([
      { id: minio[1]!.event.id, key: "gate-01/b.jpg" },
      { id: minio[2]!.event.id, key: "gate-01/c.jpg" },
    ]);
    const rebuilt = recordMatches(rec, new Set(recordIds(rec)), rematchFrom(minio));
    expect(renderWorkflow(rebuilt, catalog())).toEqual(renderWorkflow(minio, catalog()));
  });

  it("a compact record renders the same Workflow as the frames in full (webhook bodies naming objects, and one naming none)", () => {
    const hp = pipeline("motion", { steps: [{ name: "resize", service: "resize" }], parameters: { kind: "{body.kind}", keys: "{keys}" } }, { source: "webhook", hook: "motion-alerts" });
    const hooks = [
      match(hp, hookEvent({ kind: "motion", bucket: "raw", key: "gate-02/x.jpeg" }, "h-1"), "gate-02"),
      match(hp, hookEvent({ kind: "motion", bucket: "raw", key: "gate-02/y.jpeg", big: "x".repeat(10_000) }, "h-2"), "gate-02"),
      match(hp, hookEvent({ kind: "motion" }, "h-3"), "gate-02"),
    ];
    const rec = roundTrip(compactRecord("motion", "gate-02", hooks));
    expect(JSON.stringify(rec.rest)).not.toContain("xxxx");
    const rebuilt = recordMatches(rec, new Set(recordIds(rec)), rematchFrom(hooks));
    expect(renderWorkflow(rebuilt, catalog())).toEqual(renderWorkflow(hooks, catalog()));
  });

  it("a full record renders only the frames its batch owns; a compact one needs its head (its claim was all or nothing)", () => {
    const full = roundTrip(fullRecord("people-detect", "gate-01", minio));
    const owned = new Set([minio[1]!.event.id, minio[2]!.event.id]);
    expect(recordMatches(full, owned, rematchFrom(minio)).map((m) => m.event.id)).toEqual([...owned]);
    const compact = roundTrip(compactRecord("people-detect", "gate-01", minio));
    expect(recordMatches(compact, owned, rematchFrom(minio))).toEqual([]);
    // the pipeline no longer matches the head: nothing to render
    expect(recordMatches(compact, new Set(recordIds(compact)), () => undefined)).toEqual([]);
  });
});
