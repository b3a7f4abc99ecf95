/**
 * @module test/harness/nats-exporter — prometheus-nats-exporter (scripts/tools.sh nats-exporter) beside a harness
 * nats-server, as k8s/base/nats runs it as a sidecar: the same flags, reading the server's monitoring port.
 */
import { ManagedProcess } from "./process.js";
import { HOST, freePort, httpStatus, progress, retryOnPortRace, since, toolPath } from "./util.js";

/** The flags of the sidecar in k8s/base/nats/statefulset.yaml, less the port and the server's URL. */
export const NATS_EXPORTER_FLAGS = ["-varz", "-connz", "-healthz", "-jsz=all", "-use_internal_server_name"];

/** A running exporter. */
export interface NatsExporter extends AsyncDisposable {
  /** host:port of its /metrics */
  readonly hostPort: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the exporter against `monitorUrl` (a NatsServer's `monitorUrl`) on a free port.
 * @example await using exporter = await startNatsExporter(stack.nats.monitorUrl);
 */
export async function startNatsExporter(monitorUrl: string, deadlineMs = 30_000): Promise<NatsExporter> {
  const bin = toolPath("NATS_EXPORTER");
  const t0 = Date.now();
  let port = 0;
  let proc: ManagedProcess | undefined;
  await retryOnPortRace("prometheus-nats-exporter", async () => {
    port = await freePort();
    proc = await ManagedProcess.start(
      { name: "prometheus-nats-exporter", command: bin, args: [`-port=${port}`, `-addr=${HOST}`, ...NATS_EXPORTER_FLAGS, monitorUrl], outputBytes: 32 * 1024 },
      async () => (await httpStatus(`http://${HOST}:${port}/metrics`)) === 200,
      deadlineMs,
    );
  });
  progress(`prometheus-nats-exporter ready on ${HOST}:${port} in ${since(t0)}`);
  const stop = async () => void (await proc?.stop());
  return { hostPort: `${HOST}:${port}`, output: () => proc?.output.toString() ?? "", stop, [Symbol.asyncDispose]: stop };
}
