/** The fetcher of finished Workflows: one GET per Workflow while queued, bounded, retried, 404 as gone. */
import { describe, expect, it } from "vitest";
import { StatusFetcher, type FetchOutcome } from "./status-fetch.js";
import type { WatchedWorkflow } from "./workflow-row.js";

const wf = (name: string): WatchedWorkflow => ({ metadata: { name, namespace: "argo" }, status: { phase: "Succeeded" } });
const settle = () => new Promise((r) => setTimeout(r, 20));

function rig(get: (ns: string, name: string) => Promise<WatchedWorkflow>, o: { concurrency?: number; maxQueued?: number } = {}) {
  const fetched: string[] = [];
  const outcomes: [FetchOutcome, string][] = [];
  const f = new StatusFetcher({ get, onFetched: (w) => fetched.push(w.metadata!.name!), onOutcome: (out, _ns, name) => outcomes.push([out, name]), retryMs: 1, ...o });
  return { f, fetched, outcomes };
}

describe("StatusFetcher", () => {
  it("fetches each Workflow once while it is queued, a few at a time", async () => {
    let open = 0;
    let most = 0;
    const calls: string[] = [];
    const { f, fetched } = rig(
      async (_ns, name) => {
        calls.push(name);
        most = Math.max(most, ++open);
        await settle();
        open--;
        return wf(name);
      },
      { concurrency: 2 },
    );
    for (const n of ["a", "b", "a", "c", "d", "c"]) f.want("argo", n);
    expect(f.pending).toBe(4);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toEqual(["a", "b", "c", "d"]);
    expect(fetched.sort()).toEqual(["a", "b", "c", "d"]);
    expect(most).toBe(2);
    expect(f.pending).toBe(0);
  });

  it("drops what comes past maxQueued, and says so", async () => {
    const { f, outcomes } = rig(() => new Promise(() => undefined), { concurrency: 1, maxQueued: 2 });
    f.want("argo", "a");
    f.want("argo", "b");
    f.want("argo", "c");
    expect(f.pending).toBe(2);
    expect(outcomes).toEqual([["dropped", "c"]]);
    f.stop();
  });

  it("retries a failure up to 3 attempts, and reads 404 as gone at once", async () => {
    const tries = new Map<string, number>();
    const { f, fetched, outcomes } = rig(async (_ns, name) => {
      tries.set(name, (tries.get(name) ?? 0) + 1);
      if (name === "deleted") throw Object.assign(new Error("not found"), { code: 404 });
      if (name === "flaky" && tries.get(name)! < 2) throw Object.assign(new Error("boom"), { code: 500 });
      if (name === "down") throw new Error("ECONNREFUSED");
      return wf(name);
    });
    for (const n of ["deleted", "flaky", "down"]) f.want("argo", n);
    await new Promise((r) => setTimeout(r, 200));
    expect(Object.fromEntries(tries)).toEqual({ deleted: 1, flaky: 2, down: 3 });
    expect(fetched).toEqual(["flaky"]);
    expect(outcomes.sort()).toEqual([["failed", "down"], ["fetched", "flaky"], ["gone", "deleted"]]);
  });
});
