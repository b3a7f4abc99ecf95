/**
 * @module test/harness/jetstream-snapshot — a stream's backup and restore through JetStream's own API, the
 * calls `nats stream backup --consumers` and `nats stream restore` make (natscli, which docs/deploy.md uses
 * for moving from one server to the cluster): `$JS.API.STREAM.SNAPSHOT.<stream>` streams the stream's files,
 * consumers and their positions included, in chunks that are acked one by one; `$JS.API.STREAM.RESTORE.<stream>`
 * takes them back on another server or cluster. The snapshot is kept in memory (test-sized streams).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { createInbox, headers as natsHeaders } from "@nats-io/transport-node";
import { HarnessError } from "./process.js";

/** What a backup holds: the stream's config and state as the server reported them, and the archive. */
export interface StreamSnapshot {
  config: Record<string, unknown>;
  state: Record<string, unknown>;
  chunks: Uint8Array[];
}

const dec = new TextDecoder();
const json = (d: Uint8Array) => JSON.parse(dec.decode(d)) as { error?: { description: string } } & Record<string, unknown>;

/** Backs up `stream` with its consumers. `inboxPrefix`: the connection's (the user may only subscribe there). */
export async function snapshotStream(nc: NatsConnection, stream: string, inboxPrefix: string, timeoutMs = 30_000): Promise<StreamSnapshot> {
  const deliver = createInbox(inboxPrefix);
  const chunks: Uint8Array[] = [];
  const sub = nc.subscribe(deliver);
  const done = (async () => {
    for await (const m of sub) {
      if (m.data.length === 0) {
        // the end: "NATS/1.0 204" in the header, or an error status (408 No Flow Response, 500 ...)
        const code = m.headers?.code ?? 204;
        if (code !== 204) throw new HarnessError(`snapshot of ${stream} ended with status ${code} ${m.headers?.description ?? ""}`);
        return;
      }
      chunks.push(m.data.slice());
      if (m.reply) nc.publish(m.reply); // the ack that lets the server send the next chunk
    }
  })();
  const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
  try {
    const r = json((await nc.request(`$JS.API.STREAM.SNAPSHOT.${stream}`, JSON.stringify({ deliver_subject: deliver, no_consumers: false }), { timeout: 10_000 })).data);
    if (r.error) throw new HarnessError(`snapshot of ${stream} refused: ${r.error.description}`);
    await done;
    if (!chunks.length) throw new HarnessError(`snapshot of ${stream} delivered nothing within ${timeoutMs} ms`);
    return { config: r.config as Record<string, unknown>, state: r.state as Record<string, unknown>, chunks };
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}

/** Restores a snapshot (stream and consumers) where `nc` points, with `config` changes such as `num_replicas`. */
export async function restoreStream(nc: NatsConnection, snap: StreamSnapshot, config: Record<string, unknown> = {}): Promise<void> {
  const cfg = { ...snap.config, ...config };
  const name = cfg.name as string;
  // In a cluster the stream's new leader answers with the subject to send the chunks to, from whichever server
  // it is on: the reply inbox's interest must have reached it over the routes, or the answer is dropped and the
  // restore stalls. A round trip first creates the connection's reply subscription and lets it spread.
  await nc.request("$JS.API.INFO", "", { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 500));
  const r = json((await nc.request(`$JS.API.STREAM.RESTORE.${name}`, JSON.stringify({ config: cfg, state: snap.state }), { timeout: 10_000 })).data);
  if (r.error) throw new HarnessError(`restore of ${name} refused: ${r.error.description}`);
  const to = r.deliver_subject as string;
  for (const chunk of snap.chunks) {
    const ack = await nc.request(to, chunk, { timeout: 30_000 });
    if (ack.data.length) {
      const a = json(ack.data);
      if (a.error) throw new HarnessError(`restore of ${name}: a chunk was refused: ${a.error.description}`);
    }
  }
  const end = json((await nc.request(to, new Uint8Array(0), { timeout: 60_000, headers: natsHeaders() })).data);
  if (end.error) throw new HarnessError(`restore of ${name} failed: ${end.error.description}`);
}
