/**
 * @module triggers/jetstream-quorum — can JetStream store and deliver the intake right now? Reads the
 * intake stream's and the consumer's RAFT groups (their leader and which replicas answered lately) for the
 * gateway's `/readyz`: every replica up is ready; a majority up (2 of 3) is ready with a warning (one more
 * lost server stops the intake); less than a majority, no leader, or no answer at all (no meta leader) is
 * not ready, with the reason. A single server (one replica) is ready whenever it answers.
 */
import type { ClusterInfo, JetStreamManager } from "@nats-io/jetstream";
import { NS_PER_MS } from "./jetstream-config.js";

/** The `/readyz` check: `ok` false only without quorum; `warn` when degraded. */
export interface QuorumCheck {
  ok: boolean;
  warn?: boolean;
  detail: string;
}

/** Options of {@link checkQuorum}. */
export interface QuorumOptions {
  /**
   * a replica counts as up when its leader heard from it this recently. Leaders and followers exchange
   * heartbeats every second; nats-server itself calls a replica behind only after 10 s of silence, too late
   * for a readiness probe. Default 3 s.
   */
  activeWithinMs?: number;
}

interface Group {
  what: string;
  cluster?: ClusterInfo;
}

/**
 * Asks JetStream about the intake stream and the consumer. Errors (timeouts included) are a result, not a throw.
 * @example const c = await checkQuorum(jsm, "FRAMEGATE", "framegate"); // { ok: true, warn: true, detail: "degraded: ..." }
 */
export async function checkQuorum(jsm: JetStreamManager, stream: string, consumer: string, o: QuorumOptions = {}): Promise<QuorumCheck> {
  let groups: Group[];
  try {
    const [si, ci] = await Promise.all([jsm.streams.info(stream), jsm.consumers.info(stream, consumer)]);
    groups = [
      { what: `stream ${stream}`, cluster: si.cluster },
      { what: `consumer ${stream}/${consumer}`, cluster: ci.cluster },
    ];
  } catch (e) {
    return {
      ok: false,
      detail: `no JetStream quorum: stream ${stream} or consumer ${consumer} did not answer (${(e as Error).message}): without a JetStream meta leader or a stream leader nothing is stored or delivered; bring back the NATS servers that are down (a majority of the cluster must run)`,
    };
  }
  return judgeGroups(groups, (o.activeWithinMs ?? 3_000) * NS_PER_MS);
}

/** The verdict over the groups' cluster info (exported for unit tests). */
export function judgeGroups(groups: Group[], activeWithinNs: number): QuorumCheck {
  const lines: string[] = [];
  let ok = true;
  let degraded = false;
  for (const g of groups) {
    if (!g.cluster) continue; // no cluster info at all: a server that is no cluster member answered
    const replicas = g.cluster.replicas ?? [];
    const size = 1 + replicas.length;
    if (!g.cluster.leader) {
      ok = false;
      lines.push(`${g.what}: no leader (an election runs, or a majority of its ${size} servers is down)`);
      continue;
    }
    if (size === 1) continue;
    const down = replicas.filter((r) => !r.current || r.offline || r.active > activeWithinNs);
    const up = size - down.length;
    const quorum = Math.floor(size / 2) + 1;
    const who = down.map((r) => `${r.name} ${r.offline ? "offline" : r.active > activeWithinNs ? `not heard from for ${Math.round(r.active / NS_PER_MS / 1000)} s` : "behind"}`).join(", ");
    if (up < quorum) {
      ok = false;
      lines.push(`${g.what}: no quorum, ${up} of ${size} replicas up (leader ${g.cluster.leader}; ${who})`);
    } else if (down.length) {
      degraded = true;
      lines.push(`${g.what}: ${up} of ${size} replicas up (${who})`);
    }
  }
  if (!ok) return { ok: false, detail: `no JetStream quorum: ${lines.join("; ")}: nothing is stored or delivered until a majority of the NATS servers runs again` };
  if (degraded) return { ok: true, warn: true, detail: `degraded: ${lines.join("; ")}: the loss of one more NATS server stops the intake` };
  const replicated = groups.some((g) => (g.cluster?.replicas?.length ?? 0) > 0);
  return { ok: true, detail: replicated ? "every replica up" : "single replica" };
}
