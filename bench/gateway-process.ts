/** @module bench/gateway-process — the gateway as its own process for benchmarks, and /proc readings of it. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "../test/harness/util.js";

/** NODE_OPTIONS of the gateway's Deployment, so the benchmarks run the heap settings production runs. */
export function deploymentNodeOptions(file = join(REPO_ROOT, "k8s/base/gateway/deployment.yaml")): string[] {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const d = doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } };
    if (d?.kind !== "Deployment") continue;
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      const v = c.env?.find((e) => e.name === "NODE_OPTIONS")?.value;
      if (v) return v.split(/\s+/).filter(Boolean);
    }
  }
  throw new Error(`${file}: no NODE_OPTIONS in the gateway Deployment's env — the benchmarks run the gateway with the Deployment's heap settings`);
}

/** CPU seconds (user + system) and resident memory of a process. */
export function procStat(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { cpuS: ticks / 100, rssMb: (Number(stat[21]) * 4096) / 1e6 };
}

/**
 * Starts `framegate serve` with the given FRAMEGATE_* settings (plus KUBECONFIG), from the build in
 * `dist/` as production runs it (`make bench` builds first; tsx's on-the-fly transpiling and source-mapped
 * stacks would be measured otherwise). `cpuProfDir`: write a V8 CPU profile there when it exits; `root`: run
 * another checkout's build (an earlier commit, for a before/after in one run).
 */
export function startGatewayProcess(env: Record<string, string>, opts: { cpuProfDir?: string; root?: string } = {}): ChildProcess {
  const built = join(opts.root ?? REPO_ROOT, "dist/cli/main.js");
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` (make bench does) before benchmarking the gateway`);
  // the heap settings the Deployment sets (k8s/base/gateway/deployment.yaml NODE_OPTIONS)
  const prof = opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const nodeOptions = deploymentNodeOptions(join(opts.root ?? REPO_ROOT, "k8s/base/gateway/deployment.yaml"));
  return spawn(process.execPath, [...nodeOptions, ...prof, built, "serve"], {
    cwd: opts.root ?? REPO_ROOT,
    env: { ...process.env, FRAMEGATE_HTTP_PORT: "0", FRAMEGATE_LOG_LEVEL: "warn", FRAMEGATE_WATCH_RULES: "false", FRAMEGATE_SERVICES_DIR: join(opts.root ?? REPO_ROOT, "services"), ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}
