/**
 * @module test/e2e/demo.int.test — smoke test of `make demo` (scripts/demo.ts): with a short `--duration`
 * it starts the stack, runs `framegate setup` and `framegate serve` with pipelines/, uploads frames from a
 * small fleet, shows progress as plain lines (stdout is not a TTY), stops by itself, and leaves no process
 * and no temp dir behind. With `--simulated` (kwok) some Workflows must have Succeeded in the real API server;
 * by default the pod runner runs the steps for real and some must have exited 0, none failed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/util.js";

interface Summary {
  uploaded: number;
  uploadErrors: number;
  received: number;
  deadLettered: number;
  pipelines: Record<string, { matched: number; submitted: number; succeeded: number; failed: number }>;
  steps?: { started: number; succeeded: number; failed: number; peakRunning: number };
  /** frames in the gateway's results index at the end */
  results?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("make demo", () => {
  it("--simulated (kwok): runs the fleet for --duration seconds, reports Workflows that Succeeded, and cleans up after itself", async () => {
    // its own TMPDIR: every temp dir the demo makes must be gone when it exits
    const tmp = mkdtempSync(join(tmpdir(), "framegate-demo-test-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--simulated", "--cameras", "3", "--fps", "2", "--duration", "25", "--interval", "2000"], {
        cwd: REPO_ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code, out.slice(-6000)).toBe(0);

      // plain progress lines (not a TTY: no cursor movement)
      expect(out).not.toContain("\x1b[");
      expect(out).toMatch(/^\[00:\d\d\] uploaded=\d+ received=\d+ .*people-detect matched=\d+/m);
      expect(out).toContain("framegate setup: minio: bucket raw -> arn:minio:sqs::PRIMARY:nats");
      // the steps and the cameras run with their own MinIO identities, not the root user
      expect(out).toMatch(/framegate setup: minio: identity steps: user framegate-steps, policy framegate-steps: read models, raw; read\+write processed/);
      expect(out).toMatch(/3 camera identities \(MinIO users with policy framegate-camera-<id>/);

      const line = out.split("\n").find((l) => l.startsWith("demo summary: "));
      expect(line, out.slice(-4000)).toBeDefined();
      const s = JSON.parse(line!.slice("demo summary: ".length)) as Summary;
      expect(s.uploaded).toBeGreaterThan(100); // 3 cameras × 2 frames/s × 25 s = 150 (less on a loaded machine)
      expect(s.uploadErrors).toBe(0);
      expect(s.received).toBe(s.uploaded);
      expect(s.deadLettered).toBe(0);
      expect(Object.keys(s.pipelines).sort()).toEqual(["gate-cameras", "lobby-image-processing", "masked-thumbnails", "motion-alerts", "people-detect", "privacy-detect"]);
      expect(s.pipelines["people-detect"]!.matched).toBe(s.uploaded);
      expect(s.pipelines["people-detect"]!.succeeded).toBeGreaterThan(0);
      expect(s.pipelines["lobby-image-processing"]!.succeeded, "the WorkflowTemplate pipeline ran").toBeGreaterThan(0);
      for (const [name, p] of Object.entries(s.pipelines)) expect(p.failed, `${name} failed Workflows`).toBe(0);

      // cleaned up: the gateway is gone, and so are the stack's temp dirs
      expect(out).toContain("done (temp dirs removed)");
      const pid = Number(/framegate serve at \S+ \(pid (\d+)\)/.exec(out)?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(isAlive(pid)).toBe(false);
      expect(readdirSync(tmp).filter((f) => f.startsWith("framegate-"))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
  it("by default runs the steps for real: the pod runner starts resize and detect processes that exit 0, never more than 2 at once", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "framegate-demo-test-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--cameras", "2", "--fps", "0.5", "--duration", "20", "--interval", "2000"], {
        cwd: REPO_ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code, out.slice(-6000)).toBe(0);
      expect(out).toContain("steps run for real on node framegate-runner (2 processes at once)");
      expect(out).toMatch(/\| steps started=\d+ succeeded=\d+ failed=0 running=\d+/);
      const line = out.split("\n").find((l) => l.startsWith("demo summary: "));
      expect(line, out.slice(-4000)).toBeDefined();
      const s = JSON.parse(line!.slice("demo summary: ".length)) as Summary;
      expect(s.steps, line).toBeDefined();
      expect(s.steps!.succeeded, line).toBeGreaterThan(0);
      expect(s.steps!.failed, line).toBe(0);
      expect(s.steps!.peakRunning).toBeLessThanOrEqual(2);
      // the frames processed for real are in the Results view's index
      expect(out).toMatch(/Results view \(processed frames with their detections\): http:\/\/127\.0\.0\.1:\d+\/#\/results/);
      expect(s.results, line).toBeGreaterThan(0);
      for (const [name, p] of Object.entries(s.pipelines)) expect(p.failed, `${name} failed Workflows`).toBe(0);
      expect(out).toContain("done (temp dirs removed)");
      expect(readdirSync(tmp).filter((f) => f.startsWith("framegate-"))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
});
