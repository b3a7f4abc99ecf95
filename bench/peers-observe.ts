/**
 * @module bench/peers-observe — what `npm run bench -- peers` measures, outside the systems measured: when each
 * MinIO notification went out on NATS, when a watch saw each Workflow, the Workflows per frame at the end (lost
 * and duplicated ones), and the CPU and memory of a system's processes from /proc.
 */
import { readFileSync } from "node:fs";
import { CustomObjectsApi, Watch, type KubeConfig } from "@kubernetes/client-node";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { parseMinioNotificationText } from "../src/triggers/minio-event.js";

const now = () => performance.timeOrigin + performance.now();

/** When a core NATS subscription on `subject` received each notification, by `bucket/key` (first time only). */
export function observeNotifications(nc: NatsConnection, subject: string): { seen: Map<string, number>; stop(): void } {
  const seen = new Map<string, number>();
  const sub: Subscription = nc.subscribe(subject, {
    callback: (err, m) => {
      if (err) return;
      const t = now();
      try {
        for (const e of parseMinioNotificationText(m.string())) if (!seen.has(`${e.bucket}/${e.key}`)) seen.set(`${e.bucket}/${e.key}`, t);
      } catch {
        /* not a notification: nothing to time */
      }
    },
  });
  return { seen, stop: () => sub.unsubscribe() };
}

type WorkflowMeta = { metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

/**
 * When a watch on `namespace`'s Workflows labelled `framegate.io/pipeline=<pipeline>` first saw one for each
 * frame (`framegate.io/key`); `npm run bench -- stack` uses it too. The API server closes a watch whose client
 * reads too slowly (the same process is also the camera fleet): it is then resumed from the last
 * resourceVersion seen, and `restarts` says how often (Workflows created meanwhile are seen late, which only
 * makes the measured latency worse).
 */
export async function observeWorkflows(kc: KubeConfig, namespace: string, pipeline: string): Promise<{ seen: Map<string, number>; failed(): unknown; restarts(): number; stop(): void }> {
  const seen = new Map<string, number>();
  let resourceVersion: string | undefined;
  let failed: unknown;
  let stopped = false;
  let restarts = 0;
  let ac: AbortController | undefined;
  const start = async (): Promise<void> => {
    ac = await new Watch(kc).watch(
      `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
      { labelSelector: `framegate.io/pipeline=${pipeline}`, ...(resourceVersion && { resourceVersion }) },
      (type: string, obj: WorkflowMeta & { code?: number }) => {
        if (type === "ERROR") {
          failed = new Error(`watch error ${obj.code ?? ""}: ${JSON.stringify(obj).slice(0, 300)}`);
          return;
        }
        resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
        const key = obj.metadata?.annotations?.["framegate.io/key"];
        if (type === "ADDED" && key && !seen.has(key)) seen.set(key, now());
      },
      (err: unknown) => {
        if (stopped || failed) return;
        restarts++;
        process.stderr.write(`  the Workflow watch ended (${err ? String(err) : "closed by the API server"}): resuming from resourceVersion ${resourceVersion}\n`);
        start().catch((e: unknown) => (failed = e));
      },
    );
  };
  await start();
  return {
    seen,
    failed: () => failed,
    restarts: () => restarts,
    stop: () => {
      stopped = true;
      ac?.abort();
    },
  };
}

/** The Workflows of `pipeline` per frame key, listed (not watched): the count that decides lost and duplicated. */
export async function workflowsPerKey(kc: KubeConfig, namespace: string, pipeline: string): Promise<Map<string, number>> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const perKey = new Map<string, number>();
  let _continue: string | undefined;
  do {
    const page = (await api.listNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace, plural: "workflows", labelSelector: `framegate.io/pipeline=${pipeline}`, limit: 500, _continue })) as {
      items: WorkflowMeta[];
      metadata?: { continue?: string };
    };
    for (const wf of page.items) {
      const key = wf.metadata?.annotations?.["framegate.io/key"];
      if (key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    _continue = page.metadata?.continue || undefined;
  } while (_continue);
  return perKey;
}

/** The Workflow of `pipeline` for frame `key`, as the API server returns it. */
export async function workflowOf(kc: KubeConfig, namespace: string, pipeline: string, key: string): Promise<unknown> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const page = (await api.listNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace, plural: "workflows", labelSelector: `framegate.io/pipeline=${pipeline}` })) as { items: WorkflowMeta[] };
  return page.items.find((wf) => wf.metadata?.annotations?.["framegate.io/key"] === key);
}

/** CPU seconds of a process and of its children it has waited for (`argo submit` runs), and its resident memory. */
function usage(pid: number): { cpuS: number; rssMb: number } | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // fields after the command: utime 11, stime 12, cutime 13, cstime 14, rss 21 (pages)
    return { cpuS: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100, rssMb: (Number(f[21]) * 4096) / 1e6 };
  } catch {
    return undefined; // gone (killed): its last reading stands
  }
}

/**
 * Samples the processes `pids()` names every `everyMs`: CPU used since the start (a killed process keeps
 * its last reading, a restarted one adds to it) and the peak of their summed resident memory.
 */
export function sampleUsage(pids: () => number[], everyMs = 200): { cpuS(): number; rssPeakMb(): number; stop(): void } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let peak = 0;
  const tick = () => {
    let rss = 0;
    for (const pid of pids()) {
      const u = usage(pid);
      if (!u) continue;
      if (!first.has(pid)) first.set(pid, u.cpuS);
      last.set(pid, u.cpuS);
      rss += u.rssMb;
    }
    peak = Math.max(peak, rss);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    cpuS: () => {
      tick();
      let s = 0;
      for (const [pid, c] of last) s += c - first.get(pid)!;
      return s;
    },
    rssPeakMb: () => peak,
    stop: () => clearInterval(timer),
  };
}
