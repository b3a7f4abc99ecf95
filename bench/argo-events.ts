/**
 * @module bench/argo-events — Argo Events v1.9.11 (the peer of `npm run bench -- peers`) as processes on the
 * harness stack, configured the way its controller configures the pods it runs: the EventSource or Sensor
 * object as base64 JSON in `EVENTSOURCE_OBJECT` / `SENSOR_OBJECT`, the bus in `EVENTBUS_CONFIG`, the subject
 * prefix `eventbus-<namespace>` in `EVENTBUS_SUBJECT`, `POD_NAME`. The EventBus is JetStream on the harness's
 * nats-server; no Argo Events controller or CRDs are needed, since the processes read only those variables
 * (the controller would only turn the CRD objects into these Deployments).
 *
 * Differences from a cluster, none on the event path: the bus credentials are in its URL (in a cluster the
 * controller mounts them at /etc/eventbus/auth, a fixed path), and each process gets its own metrics address
 * (`ARGO_EVENTS_METRICS_ADDR`, the build's adaptation in scripts/tools.sh: in a pod all use :7777).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ManagedProcess } from "../test/harness/process.js";
import { HOST, freePort, toolPath } from "../test/harness/util.js";

/** The bus every process of one run shares: the harness's JetStream, as a peer user. */
export interface EventBus {
  /** `nats://user:pass@127.0.0.1:port` */
  url: string;
  namespace: string;
}

/** Stream settings as Argo Events' controller config passes them (one replica: the harness runs one server). */
const STREAM_CONFIG = "maxMsgs: 1000000\nmaxAge: 1h\nmaxBytes: 1073741824\nreplicas: 1\nduplicates: 300s\nretention: 0\ndiscard: 0\n";

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64");

/** A started Argo Events process; `kill()` is SIGKILL to its process group. */
export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly proc: ManagedProcess;
}

async function startPeer(name: string, subcommand: string, bus: EventBus, env: Record<string, string>, readyLine: string): Promise<PeerProcess> {
  const bin = toolPath("ARGO_EVENTS");
  const metrics = `${HOST}:${await freePort()}`;
  const proc = await ManagedProcess.start(
    {
      name: `argo-events ${subcommand} ${name}`,
      command: bin,
      args: [subcommand],
      env: {
        EVENTBUS_CONFIG: b64({ jetstream: { url: bus.url, streamConfig: STREAM_CONFIG } }),
        EVENTBUS_SUBJECT: `eventbus-${bus.namespace}`,
        POD_NAME: `${name}-0`,
        ARGO_EVENTS_METRICS_ADDR: metrics,
        ...env,
      },
      outputBytes: 256 * 1024,
    },
    async (p) => p.output.toString().includes(readyLine),
    60_000,
  );
  return { name, pid: proc.pid!, proc };
}

/**
 * An EventSource with one NATS event source `frames` on `subject` (MinIO's notification subject), JSON
 * bodies, publishing to the bus as `default.<name>.frames`. Ready once it subscribed.
 */
export function startNatsEventSource(bus: EventBus, o: { name: string; natsUrl: string; subject: string }): Promise<PeerProcess> {
  const eventSource = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "EventSource",
    metadata: { name: o.name, namespace: bus.namespace },
    spec: { eventBusName: "default", nats: { frames: { url: o.natsUrl, subject: o.subject, jsonBody: true } } },
  };
  return startPeer(o.name, "eventsource-service", bus, { EVENTSOURCE_OBJECT: b64(eventSource) }, "subscribing to messages on the subject");
}

/**
 * An EventSource with one MinIO event source `frames` on `bucket` (ListenBucketNotification, object-created
 * events), its access keys in Secret files under `secretsDir` (`ARGO_EVENTS_SECRETS_DIR`, the build's
 * adaptation: in a pod they are the volume /argo-events/secrets). Ready once it listens.
 */
export function startMinioEventSource(
  bus: EventBus,
  o: { name: string; endpoint: string; bucket: string; accessKey: string; secretKey: string; secretsDir: string },
): Promise<PeerProcess> {
  const secret = join(o.secretsDir, "minio-keys");
  mkdirSync(secret, { recursive: true });
  writeFileSync(join(secret, "accesskey"), o.accessKey, { mode: 0o600 });
  writeFileSync(join(secret, "secretkey"), o.secretKey, { mode: 0o600 });
  const eventSource = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "EventSource",
    metadata: { name: o.name, namespace: bus.namespace },
    spec: {
      eventBusName: "default",
      minio: {
        frames: {
          endpoint: o.endpoint,
          insecure: true,
          bucket: { name: o.bucket },
          events: ["s3:ObjectCreated:*"],
          accessKey: { name: "minio-keys", key: "accesskey" },
          secretKey: { name: "minio-keys", key: "secretkey" },
        },
      },
    },
  };
  return startPeer(o.name, "eventsource-service", bus, { EVENTSOURCE_OBJECT: b64(eventSource), ARGO_EVENTS_SECRETS_DIR: o.secretsDir }, "started listening to bucket notifications");
}

/** How the Sensor creates the Workflow: the standard Kubernetes trigger, or the argoWorkflow trigger (`argo submit`). */
export type TriggerKind = "k8s" | "argoWorkflow";

/** Where the MinIO records are in an event's data: the NATS event source's `body` (MinIO's notification), or the MinIO event source's `notification`. */
export type EventRecords = "body.Records" | "notification";

/** One trigger parameter: `dest` (an sjson path in the Workflow) set from a Go template over the event. */
export interface TriggerParameter {
  src: { dependencyName: string; dataTemplate: string };
  dest: string;
}

/**
 * A Sensor with one dependency (`eventSourceName`/`frames`, filtered to `bucket` as framegate's rule matches
 * it, the bucket read from the event's `records`) and one trigger creating `workflow` with `parameters` applied. `atLeastOnce`: the trigger's message is
 * acknowledged after the Workflow was created (Argo Events' default acknowledges first and may lose it).
 * Runs with `kubeconfigPath` (`KUBECONFIG`, which `argo submit` reads too) and `argo` on PATH.
 */
export function startSensor(
  bus: EventBus,
  o: { name: string; eventSourceName: string; bucket: string; trigger: TriggerKind; workflow: object; parameters: TriggerParameter[]; kubeconfigPath: string; records: EventRecords },
): Promise<PeerProcess> {
  const source = { resource: o.workflow };
  const template =
    o.trigger === "k8s"
      ? { name: "workflow", k8s: { operation: "create", source, parameters: o.parameters } }
      : { name: "workflow", argoWorkflow: { operation: "submit", source, parameters: o.parameters } };
  const sensor = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Sensor",
    metadata: { name: o.name, namespace: bus.namespace },
    spec: {
      eventBusName: "default",
      dependencies: [
        {
          name: "frame",
          eventSourceName: o.eventSourceName,
          eventName: "frames",
          filters: { data: [{ path: `${o.records}.0.s3.bucket.name`, type: "string", value: [o.bucket] }] },
        },
      ],
      triggers: [{ template, atLeastOnce: true }],
    },
  };
  const argoDir = dirname(toolPath("ARGO"));
  return startPeer(o.name, "sensor-service", bus, { SENSOR_OBJECT: b64(sensor), KUBECONFIG: o.kubeconfigPath, PATH: `${argoDir}:${process.env.PATH ?? "/usr/bin:/bin"}` }, "started subscribing to events for trigger");
}
