import { describe, expect, it } from "vitest";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";

describe("GET /api/stats", () => {
  it("groups the processor's counters and gauges by pipeline", async () => {
    const deps = makeDeps();
    const m = deps.metrics;
    m.eventsReceived.inc({ source: "minio" }, 7);
    m.eventsMatched.inc({ pipeline: "people-detect" }, 5);
    m.eventsSkipped.inc({ pipeline: "people-detect", reason: "sampled" }, 3);
    m.eventsSkipped.inc({ pipeline: "people-detect", reason: "duplicate" });
    m.eventsWaiting.set({ pipeline: "gate-cameras", reason: "batch" }, 4);
    m.workflows.inc({ pipeline: "people-detect", outcome: "created" }, 2);
    m.workflows.inc({ pipeline: "people-detect", outcome: "failed" });
    m.eventsUnmatched.inc(2);
    const res = await createGatewayApp(deps).request("/api/stats");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      pipelines: {
        "people-detect": { matched: 5, skipped: { sampled: 3, duplicate: 1 }, waiting: {}, batched: 0, workflows: { created: 2, failed: 1 } },
        "gate-cameras": { matched: 0, skipped: {}, waiting: { batch: 4 }, batched: 0, workflows: {} },
      },
      received: { minio: 7 },
      unmatched: 2,
      deadLettered: 0,
      inFlight: 0,
    });
  });
});
