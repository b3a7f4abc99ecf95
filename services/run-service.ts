/**
 * @module services/run-service — test helper: run a processing service as a local process under the
 * service contract (env only, as Argo would), against the harness MinIO, and collect its JSON-line logs.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { MinioServer } from "../test/harness/minio.js";

/** How a service run ended. */
export interface ServiceRun {
  code: number | null;
  /** every stdout line that parsed as a JSON object */
  logs: Array<Record<string, unknown>>;
  /** stdout lines that were not JSON (the contract says there should be none) */
  strayStdout: string[];
  stderr: string;
  /** the process's peak resident memory in KiB (VmHWM, sampled every 5 ms until it exits) */
  peakRssKb: number;
  /** wall-clock milliseconds from spawn to exit */
  ms: number;
}

/** Inputs and outputs of one run; `params` become `FRAMEGATE_PARAM_<NAME>`. */
export interface ServiceRunSpec {
  command: string;
  args: string[];
  cwd: string;
  minio: Pick<MinioServer, "endpoint" | "accessKey" | "secretKey">;
  inputBucket?: string;
  inputKeys: string[];
  outputBucket?: string;
  outputKeys: string[];
  params?: Record<string, string>;
  /** extra variables, applied last (may override anything above) */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs the service to completion. Only PATH, HOME and TMPDIR come from the parent environment, so a
 * variable the service needs but the contract does not give it makes the test fail.
 */
export function runService(spec: ServiceRunSpec): Promise<ServiceRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    TMPDIR: process.env.TMPDIR ?? "/tmp",
    FRAMEGATE_INPUT_BUCKET: spec.inputBucket ?? "raw",
    FRAMEGATE_INPUT_KEYS: JSON.stringify(spec.inputKeys),
    FRAMEGATE_OUTPUT_BUCKET: spec.outputBucket ?? "processed",
    FRAMEGATE_OUTPUT_KEYS: JSON.stringify(spec.outputKeys),
    FRAMEGATE_PIPELINE: "test-pipeline",
    FRAMEGATE_STEP: "step",
    FRAMEGATE_CAMERA: "gate-1",
    MINIO_ENDPOINT: spec.minio.endpoint,
    MINIO_ACCESS_KEY: spec.minio.accessKey,
    MINIO_SECRET_KEY: spec.minio.secretKey,
  };
  for (const [k, v] of Object.entries(spec.params ?? {})) env[`FRAMEGATE_PARAM_${k.toUpperCase()}`] = v;
  Object.assign(env, spec.env);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    // VmHWM is the kernel's high-water mark of the process's RSS: it only grows, so the last sample
    // before exit is the peak up to then
    let peakRssKb = 0;
    const sample = () => {
      try {
        const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
        if (kb) peakRssKb = Math.max(peakRssKb, Number(kb));
      } catch {
        // gone already
      }
    };
    const sampler = setInterval(sample, 5);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => {
      clearInterval(sampler);
      child.kill("SIGKILL");
      reject(new Error(`${spec.command} ${spec.args.join(" ")} did not finish within ${spec.timeoutMs ?? 60_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, spec.timeoutMs ?? 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      clearInterval(sampler);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      clearInterval(sampler);
      const logs: Array<Record<string, unknown>> = [];
      const strayStdout: string[] = [];
      for (const line of stdout.split("\n").filter((l) => l.trim())) {
        try {
          const v: unknown = JSON.parse(line);
          if (v && typeof v === "object" && !Array.isArray(v)) logs.push(v as Record<string, unknown>);
          else strayStdout.push(line);
        } catch {
          strayStdout.push(line);
        }
      }
      resolve({ code, logs, strayStdout, stderr, peakRssKb, ms: Math.round(performance.now() - started) });
    });
  });
}

/** Reads a whole object into a Buffer. */
export async function readObject(minio: Pick<MinioServer, "client">, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await minio.client.getObject(bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** True when the object exists. */
export async function objectExists(minio: Pick<MinioServer, "client">, bucket: string, key: string): Promise<boolean> {
  try {
    await minio.client.statObject(bucket, key);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "NotFound" || (e as { code?: string }).code === "NoSuchKey") return false;
    throw e;
  }
}

/** A one-line summary of a run for assertion messages. */
export function describeRun(r: ServiceRun): string {
  return `exit ${r.code}\nlogs:\n${r.logs.map((l) => JSON.stringify(l)).join("\n")}\nstray stdout: ${r.strayStdout.join("\n")}\nstderr:\n${r.stderr.slice(-4000)}`;
}
