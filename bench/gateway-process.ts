/** @module bench/gateway-process — the gateway as its own process for benchmarks, and /proc readings of it. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../test/harness/util.js";

/** CPU seconds (user + system) and resident memory of a process. */
export function procStat(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { cpuS: ticks / 100, rssMb: (Number(stat[21]) * 4096) / 1e6 };
}

/**
 * Starts `framegate serve` with the given FRAMEGATE_* settings (plus KUBECONFIG), from the build in
 * `dist/` as production runs it (`make bench` builds first; tsx's on-the-fly transpiling and source-mapped
 * stacks would be measured otherwise). `cpuProfDir`: write a V8 CPU profile there when it exits.
 */
export function startGatewayProcess(env: Record<string, string>, opts: { cpuProfDir?: string } = {}): ChildProcess {
  const built = join(REPO_ROOT, "dist/cli/main.js");
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` (make bench does) before benchmarking the gateway`);
  // the heap cap the Deployment sets (k8s/base/gateway/deployment.yaml NODE_OPTIONS)
  const prof = opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  return spawn(process.execPath, ["--max-old-space-size=192", ...prof, built, "serve"], {
    cwd: REPO_ROOT,
    env: { ...process.env, FRAMEGATE_HTTP_PORT: "0", FRAMEGATE_LOG_LEVEL: "warn", FRAMEGATE_WATCH_RULES: "false", FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"), ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}
