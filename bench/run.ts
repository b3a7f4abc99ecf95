/**
 * @module bench/run — runs one benchmark by name: `npm run bench -- <name> [options]`, or every one
 * in turn with their defaults: `npm run bench -- all` (what `make bench` does).
 * Each entry is a module exporting `run(argv)`; add new benchmarks to BENCHES.
 */

const BENCHES: Record<string, { about: string; load: () => Promise<{ run(argv: string[]): Promise<void> }> }> = {
  matcher: { about: "rule matching: events/s at 10..10,000 pipelines, indexed vs naive", load: () => import("./matcher.js") },
  fleet: { about: "1,000 cameras at 5 frames/s with batch and sample pipelines: rate, Workflows/s, CPU, RSS, lag", load: () => import("./fleet.js") },
  gateway: { about: "events/s and latency through real NATS into a Kubernetes API stand-in", load: () => import("./gateway.js") },
  results: { about: "the results index at 1,000 and 10,000 cameras: bytes per entry, stream size, index heap, query times", load: () => import("./results-index.js") },
  peers: { about: "framegate vs Argo Events v1.9.11 (k8s and argoWorkflow triggers) on the same stack: events/s, latency, CPU, RSS, SIGKILL losses", load: () => import("./peers.js") },
  shards: { about: "Argo's controller: Workflows completed/s with Argo's defaults, tuned (k8s/base/argo), and 2 controller shards", load: () => import("./shards.js") },
  stack: { about: "frames PUT into MinIO -> Workflows in a real kube-apiserver: throughput, latency and where the time goes at 1/10/100 cameras", load: () => import("./stack.js") },
};

const [name, ...argv] = process.argv.slice(2);
if (name === "all") {
  for (const [n, b] of Object.entries(BENCHES)) {
    process.stdout.write(`\n## ${n}: ${b.about}\n\n`);
    await (await b.load()).run([]);
  }
  process.exit(0);
}
const bench = name === undefined ? undefined : BENCHES[name];
if (!bench) {
  const list = Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(10)} ${b.about}`).join("\n");
  process.stderr.write(`${name === undefined ? "which benchmark?" : `unknown benchmark "${name}"`} — run: npm run bench -- <name> (or all)\n${list}\n`);
  process.exit(2);
}
await (await bench.load()).run(argv);
