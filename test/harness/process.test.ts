/**
 * @module test/harness/process.test — the harness's process handling with throwaway shell processes:
 * failures carry the output, the buffer is capped, stop() kills the whole group, a missing tool names
 * its install command.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { HarnessError, ManagedProcess, RingBuffer } from "./process.js";
import { toolPath } from "./util.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("RingBuffer", () => {
  it("keeps the last maxBytes and says how much it dropped", () => {
    const b = new RingBuffer(10);
    for (const s of ["aaaa", "bbbb", "cccc", "dddd"]) b.push(s);
    const text = b.toString();
    expect(text.endsWith("ccccdddd")).toBe(true);
    expect(text).toMatch(/^\[\.\.\. 8 earlier characters dropped\]/);
  });

  it("cuts a single chunk larger than the cap", () => {
    const b = new RingBuffer(4);
    b.push("0123456789");
    expect(b.toString()).toBe("[... 6 earlier characters dropped]\n6789");
  });
});

describe("ManagedProcess", () => {
  it("fails with the exit status and the output when the server exits before it is ready", async () => {
    const err = await ManagedProcess.start(
      { name: "dies", command: "sh", args: ["-c", "echo starting; echo 'boom: bad flag' >&2; exit 3"] },
      async () => false,
      10_000,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).message).toContain("dies exited (exit code 3) while the harness waited for it to become ready");
    expect((err as HarnessError).output).toContain("boom: bad flag");
    expect((err as HarnessError).message).toContain("boom: bad flag");
  });

  it("fails after the deadline, kills the process and names the last readiness error", async () => {
    const started = Date.now();
    let pid = 0;
    const err = await ManagedProcess.start(
      { name: "slow", command: "sh", args: ["-c", "echo waiting; sleep 60"] },
      async (p) => {
        pid = p.pid!;
        throw new Error("connection refused");
      },
      700,
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((err as HarnessError).message).toMatch(/slow did not manage to become ready within 700 ms \(last check: connection refused\)/);
    expect((err as HarnessError).output).toContain("waiting");
    expect(alive(pid)).toBe(false);
  });

  it("stop() kills the whole process group, children included", async () => {
    const p = await ManagedProcess.start(
      { name: "parent", command: "sh", args: ["-c", "sleep 300 & echo child=$!; wait"] },
      async (q) => /child=\d+/.test(q.output.toString()),
      10_000,
    );
    const child = Number(/child=(\d+)/.exec(p.output.toString())![1]);
    expect(alive(child)).toBe(true);
    await p.stop({ graceMs: 2_000 });
    expect(p.exitStatus).toBeDefined();
    // killed with its group; in a container without an init that reaps orphans it may linger as a zombie
    await new Promise((r) => setTimeout(r, 200));
    expect(!alive(child) || psState(child).startsWith("Z")).toBe(true);
  });
});

describe("toolPath", () => {
  it("names the install command when a binary is missing, instead of skipping", () => {
    const before = process.env.FRAMEGATE_NATS_SERVER;
    process.env.FRAMEGATE_NATS_SERVER = "/nonexistent/nats-server";
    try {
      expect(() => toolPath("NATS_SERVER")).toThrow(/nats-server is not installed: \/nonexistent\/nats-server does not exist.*scripts\/tools\.sh nats.*make tools/);
    } finally {
      if (before === undefined) delete process.env.FRAMEGATE_NATS_SERVER;
      else process.env.FRAMEGATE_NATS_SERVER = before;
    }
  });
});

function psState(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}
