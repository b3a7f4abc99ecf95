import { describe, expect, it } from "vitest";
import type { RecentEvent } from "../api/types.js";
import { camerasFromEvents } from "./cameras-from-events.js";

const ev = (camera: string | undefined, at: string, key: string, matches: RecentEvent["matches"] = [], error?: string): RecentEvent => ({
  receivedAt: at,
  source: "minio",
  id: `raw/${key}@1`,
  bucket: "raw",
  key,
  ...(camera && { camera }),
  matches,
  ...(error && { error }),
});

describe("camera rows from recent events (gateways without /api/cameras)", () => {
  it("counts frames, frames in the last minute, Workflows and failures per camera, latest first", () => {
    const now = Date.parse("2026-01-01T12:10:00Z");
    const rows = camerasFromEvents(
      [
        ev("gate-1", "2026-01-01T12:09:30Z", "gate-1/b.jpg", [{ pipeline: "p", workflow: "w1", outcome: "created" }]),
        ev("lobby", "2026-01-01T12:09:50Z", "lobby/a.jpg", [{ pipeline: "p", outcome: "failed" }]),
        ev("gate-1", "2026-01-01T12:00:00Z", "gate-1/a.jpg", [{ pipeline: "p", outcome: "sampled" }]),
        ev(undefined, "2026-01-01T12:09:59Z", "x.jpg"),
        ev("lobby", "2026-01-01T12:09:40Z", "lobby/0.jpg", [], "dead-lettered"),
      ],
      now,
    );
    expect(rows).toEqual([
      { camera: "lobby", firstSeen: "2026-01-01T12:09:40Z", lastSeen: "2026-01-01T12:09:50Z", frames: 2, framesPerMinute: 2, workflows: 0, failures: 2, lastKey: "lobby/a.jpg" },
      { camera: "gate-1", firstSeen: "2026-01-01T12:00:00Z", lastSeen: "2026-01-01T12:09:30Z", frames: 2, framesPerMinute: 1, workflows: 1, failures: 0, lastKey: "gate-1/b.jpg" },
    ]);
  });
});
