/** @module triggers/jetstream-quorum.test — the readiness verdict over the RAFT groups of the intake stream and the consumer. */
import { describe, expect, it } from "vitest";
import { judgeGroups } from "./jetstream-quorum.js";

const S = 1_000_000_000;
const peer = (name: string, o: { current?: boolean; offline?: boolean; activeS?: number } = {}) => ({
  name,
  current: o.current ?? true,
  offline: o.offline ?? false,
  active: (o.activeS ?? 0.5) * S,
  lag: 0,
});
const three = (n2: ReturnType<typeof peer>, n3: ReturnType<typeof peer>) => ({ leader: "n1", replicas: [n2, n3] });
const groups = (stream: object, consumer: object = stream) => [
  { what: "stream FRAMEGATE", cluster: stream },
  { what: "consumer FRAMEGATE/framegate", cluster: consumer },
];

describe("judgeGroups", () => {
  it("is ready when every replica answered within the window, and on a single server", () => {
    expect(judgeGroups(groups(three(peer("n2"), peer("n3"))), 3 * S)).toEqual({ ok: true, detail: "every replica up" });
    expect(judgeGroups(groups({ leader: "nats-0" }), 3 * S)).toEqual({ ok: true, detail: "single replica" });
    expect(judgeGroups([{ what: "stream X" }], 3 * S).ok).toBe(true);
  });

  it("is ready with a warning at 2 of 3, naming the server that is down", () => {
    const r = judgeGroups(groups(three(peer("n2"), peer("n3", { offline: true })), three(peer("n2"), peer("n3", { activeS: 8 }))), 3 * S);
    expect(r).toMatchObject({ ok: true, warn: true });
    expect(r.detail).toBe(
      "degraded: stream FRAMEGATE: 2 of 3 replicas up (n3 offline); consumer FRAMEGATE/framegate: 2 of 3 replicas up (n3 not heard from for 8 s): the loss of one more NATS server stops the intake",
    );
  });

  it("is not ready at 1 of 3, even while nats-server still calls the silent replicas current", () => {
    const r = judgeGroups(groups(three(peer("n2", { activeS: 4 }), peer("n3", { activeS: 4 }))), 3 * S);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^no JetStream quorum: stream FRAMEGATE: no quorum, 1 of 3 replicas up \(leader n1; n2 not heard from for 4 s, n3 not heard from for 4 s\)/);
  });

  it("is not ready without a leader, or with a replica that is behind", () => {
    expect(judgeGroups(groups({ replicas: [peer("n2"), peer("n3")] }), 3 * S)).toMatchObject({ ok: false, detail: expect.stringMatching(/no leader \(an election runs/) });
    const behind = judgeGroups(groups(three(peer("n2", { current: false }), peer("n3", { offline: true }))), 3 * S);
    expect(behind.ok).toBe(false);
  });
});
