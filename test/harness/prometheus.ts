/**
 * @module test/harness/prometheus — a real Prometheus server (scripts/tools.sh prometheus) scraping given targets
 * every `scrapeInterval` (default 1s), with a fresh TSDB in a temp dir and optional rule files, and the parts of
 * its HTTP API the tests read: instant queries, the metric names it has seen, targets' health and rules' health.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { HarnessError, ManagedProcess } from "./process.js";
import { waitFor } from "./wait.js";
import { HOST, freePort, httpStatus, makeTempDir, progress, retryOnPortRace, since, toolPath } from "./util.js";

/** One scrape job. */
export interface ScrapeJob {
  job: string;
  /** host:port */
  targets: string[];
  path?: string;
  scheme?: "http" | "https";
  /** HTTPS with a self-signed certificate (Argo's controller) */
  insecureSkipVerify?: boolean;
}

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  jobs: ScrapeJob[];
  /** rule files Prometheus loads and evaluates (absolute paths) */
  ruleFiles?: string[];
  /** default "1s" (also the rule evaluation interval) */
  scrapeInterval?: string;
  deadlineMs?: number;
}

/** A vector sample of an instant query. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A running Prometheus. */
export interface PrometheusServer extends AsyncDisposable {
  readonly url: string;
  /** instant query; throws with Prometheus's error text when the expression is refused */
  query(expr: string): Promise<VectorSample[]>;
  /** every metric name in the TSDB (`/api/v1/label/__name__/values`) */
  metricNames(): Promise<Set<string>>;
  /** each target's job, health and last error */
  targets(): Promise<{ job: string; health: string; lastError: string }[]>;
  /**
   * Resolves once every target was scraped and is up. Prometheus hands new targets to its scrapers in batches
   * (every 5 s), so a counter that grows before the first scrape never shows in rate(): start the load after this.
   */
  whenScraping(deadlineMs?: number): Promise<void>;
  /** each loaded rule's name, health and last error */
  rules(): Promise<{ name: string; health: string; lastError?: string }[]>;
  output(): string;
  stop(): Promise<void>;
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new HarnessError(`Prometheus ${url}: ${body.error ?? res.status}`);
  return body.data;
}

/**
 * Starts Prometheus on a free port.
 * @example await using prom = await startPrometheus({ jobs: [{ job: "framegate-gateway", targets: ["127.0.0.1:8080"] }] });
 */
export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusServer> {
  const bin = toolPath("PROMETHEUS");
  const dir = makeTempDir("prometheus");
  const interval = o.scrapeInterval ?? "1s";
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: o.ruleFiles ?? [],
    scrape_configs: o.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.path ?? "/metrics",
      scheme: j.scheme ?? "http",
      ...(j.insecureSkipVerify && { tls_config: { insecure_skip_verify: true } }),
      static_configs: [{ targets: j.targets }],
    })),
  };
  const configFile = join(dir.path, "prometheus.yml");
  writeFileSync(configFile, stringify(config));
  let port = 0;
  let proc: ManagedProcess | undefined;
  const t0 = Date.now();
  try {
    await retryOnPortRace("prometheus", async () => {
      port = await freePort();
      proc = await ManagedProcess.start(
        {
          name: "prometheus",
          command: bin,
          args: [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir.path, "data")}`, `--web.listen-address=${HOST}:${port}`, "--log.level=warn"],
          outputBytes: 64 * 1024,
        },
        async () => (await httpStatus(`http://${HOST}:${port}/-/ready`)) === 200,
        o.deadlineMs ?? 30_000,
      );
    });
  } catch (e) {
    dir.remove();
    throw e;
  }
  progress(`prometheus ready on ${HOST}:${port} in ${since(t0)}`);
  const url = `http://${HOST}:${port}`;
  const stop = async () => {
    await proc?.stop();
    dir.remove();
  };
  const targets = async () =>
    (await api<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>(`${url}/api/v1/targets`)).activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
    }));
  return {
    url,
    query: async (expr) => {
      const data = await api<{ resultType: string; result: VectorSample[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (data.resultType !== "vector") throw new HarnessError(`Prometheus answered ${data.resultType} for ${expr}, not a vector`);
      return data.result;
    },
    metricNames: async () => new Set(await api<string[]>(`${url}/api/v1/label/__name__/values`)),
    targets,
    whenScraping: async (deadlineMs = 20_000) => {
      let last: { job: string; health: string; lastError: string }[] = [];
      await waitFor("every Prometheus target scraped and up", async () => {
        last = await targets();
        return last.length === o.jobs.length && last.every((t) => t.health === "up");
      }, deadlineMs, () => JSON.stringify(last));
    },
    rules: async () =>
      (await api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>(`${url}/api/v1/rules`)).groups.flatMap((g) =>
        g.rules.map((r) => ({ name: r.name, health: r.health, ...(r.lastError && { lastError: r.lastError }) })),
      ),
    output: () => proc?.output.toString() ?? "",
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
