/**
 * @module test/harness/util — what every harness server needs: a free loopback port, a fresh temp dir,
 * the path of its binary (with the install command when it is missing), and small HTTP probes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HarnessError, trackTempDir, untrackTempDir } from "./process.js";

/** Root of the repository (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Loopback address every harness server binds to. */
export const HOST = "127.0.0.1";

/**
 * Finds a free TCP port on 127.0.0.1 by binding port 0, then verifies it by binding that port again.
 * Servers can still lose a race for it; the components retry their start on "address already in use".
 */
export async function freePort(host = HOST): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(0, host);
    if (port && (await listenOnce(port, host)) === port) return port;
  }
  throw new HarnessError(`could not find a free TCP port on ${host} after 20 attempts`);
}

function listenOnce(port: number, host = HOST): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === "object" && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** True when the output of a server says it lost a port race. */
export function isAddressInUse(output: string): boolean {
  return /address already in use|EADDRINUSE|bind: address/i.test(output);
}

/** A fresh temp dir, removed by `remove()` or (if the process dies first) by the watchdog. */
export interface TempDir {
  path: string;
  remove(): void;
}

/**
 * Makes a fresh temp dir under `base` (default: the OS temp dir). Set FRAMEGATE_KEEP_TMP=1 to keep the
 * dirs of a run for inspection.
 */
export function makeTempDir(prefix: string, base = tmpdir()): TempDir {
  const path = mkdtempSync(join(base, `framegate-${prefix}-`));
  const keep = process.env.FRAMEGATE_KEEP_TMP === "1";
  if (!keep) trackTempDir(path);
  return {
    path,
    remove() {
      if (keep) {
        process.stderr.write(`[harness] kept ${path} (FRAMEGATE_KEEP_TMP=1)\n`);
        return;
      }
      rmSync(path, { recursive: true, force: true });
      untrackTempDir(path);
    },
  };
}

/** The tools `scripts/tools.sh` provides, by the suffix of their FRAMEGATE_<TOOL> variable. */
export type Tool =
  | "NATS_SERVER"
  | "MINIO"
  | "ETCD"
  | "KUBE_APISERVER"
  | "KUBE_SCHEDULER"
  | "KUBECTL"
  | "ARGO"
  | "WORKFLOW_CONTROLLER"
  | "KWOK"
  | "PROMTOOL"
  | "PROMETHEUS"
  | "NATS_EXPORTER"
  | "ARGO_EVENTS";

/** `scripts/tools.sh` argument that installs each tool. */
const INSTALL_ARG: Record<Tool, string> = {
  NATS_SERVER: "nats",
  MINIO: "minio",
  ETCD: "etcd",
  KUBE_APISERVER: "kube",
  KUBE_SCHEDULER: "kube",
  KUBECTL: "kube",
  ARGO: "argo",
  WORKFLOW_CONTROLLER: "argo",
  KWOK: "kwok",
  PROMTOOL: "promtool",
  PROMETHEUS: "prometheus",
  NATS_EXPORTER: "nats-exporter",
  ARGO_EVENTS: "argo-events",
};

let cachePaths: Record<string, string> | undefined;

/** The paths `scripts/tools.sh env` prints (the one place versions and cache layout are defined). */
function toolsEnv(): Record<string, string> {
  if (cachePaths) return cachePaths;
  const out = execFileSync("bash", [join(REPO_ROOT, "scripts/tools.sh"), "env"], { encoding: "utf8" });
  cachePaths = {};
  for (const m of out.matchAll(/^export (FRAMEGATE_[A-Z_]+)=(.*)$/gm)) cachePaths[m[1]!] = m[2]!;
  return cachePaths;
}

/**
 * Path of a tool's binary: `$FRAMEGATE_<TOOL>` if set, else where `scripts/tools.sh` caches it.
 * Throws (never skips) with the command that installs it when the file is not there.
 */
export function toolPath(tool: Tool): string {
  const name = `FRAMEGATE_${tool}`;
  const fromEnv = process.env[name];
  const path = fromEnv || toolsEnv()[name];
  if (!path) throw new HarnessError(`scripts/tools.sh env does not print ${name}: add it there`);
  if (!existsSync(path) || !statSync(path).isFile()) {
    const source = fromEnv ? `${name}=${fromEnv}` : `the tools cache (${name} unset)`;
    throw new HarnessError(
      `${tool.toLowerCase().replace(/_/g, "-")} is not installed: ${path} does not exist (from ${source}). ` +
        `Install it with \`scripts/tools.sh ${INSTALL_ARG[tool]}\` (or \`${tool === "ARGO_EVENTS" ? "make bench" : "make tools"}\`, which builds it), ` +
        `then run the tests through \`make test\` or with the env of \`scripts/tools.sh env\`.`,
    );
  }
  return path;
}

/** GET `url` and resolve the status (0 when the connection failed); never throws. */
export async function httpStatus(url: string, init: RequestInit = {}, timeoutMs = 2_000): Promise<number> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Resolves the milliseconds since `start` (for progress lines). */
export function since(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}

/** Writes a progress line to stderr when FRAMEGATE_HARNESS_VERBOSE=1. */
export function progress(msg: string): void {
  if (process.env.FRAMEGATE_HARNESS_VERBOSE === "1") process.stderr.write(`[harness] ${msg}\n`);
}

/** Runs `start` up to `attempts` times while it fails on a lost port race. */
export async function retryOnPortRace<T>(what: string, start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (e) {
      const out = e instanceof HarnessError ? e.output : "";
      if (i >= attempts || !isAddressInUse(out)) throw e;
      progress(`${what}: port taken between check and bind, retrying (${i}/${attempts})`);
    }
  }
}
