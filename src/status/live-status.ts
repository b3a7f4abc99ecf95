/**
 * @module status/live-status — the gateway's live status, wired in one place: the Workflow informer, the camera
 * registry fed by the processor's reports and the informer's changes, and the feed `GET /api/stream`
 * reads. `serve` creates it with {@link createStatus}; tests link fakes with {@link linkStatus}.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { WorkflowInformer, type WorkflowInformerOptions } from "../workflows/informer.js";
import type { WorkflowStatus } from "../workflows/workflow-status.js";
import { CameraRegistry } from "./cameras.js";
import type { ProcessedEvent } from "./processed-event.js";
import { StatusFeed } from "./status-feed.js";

/** The camera registry and the feed, linked to a {@link WorkflowStatus}. */
export interface LinkedStatus {
  cameras: CameraRegistry;
  feed: StatusFeed;
  /** give it every `ProcessedEvent` (the processor's `onEvent`): updates the camera and publishes both */
  recordEvent(e: ProcessedEvent): void;
  /** stops following the Workflow changes */
  unlink(): void;
}

/**
 * Links Workflow changes and processed events to the camera registry and the feed.
 * @example
 * const s = linkStatus(fakeWorkflows, new CameraRegistry(), new StatusFeed());
 * s.recordEvent(report); // -> feed: event, camera
 */
export function linkStatus(workflows: Pick<WorkflowStatus, "onChange">, cameras: CameraRegistry, feed: StatusFeed): LinkedStatus {
  const offCameras = cameras.onChange((row) => feed.publish({ type: "camera", data: row }));
  const offWorkflows = workflows.onChange((change) => {
    feed.publish({ type: "workflow", data: change });
    cameras.recordWorkflow(change);
  });
  return {
    cameras,
    feed,
    recordEvent(e) {
      feed.publish({ type: "event", data: e });
      cameras.recordEvent(e);
    },
    unlink() {
      offWorkflows();
      offCameras();
    },
  };
}

/** Options of {@link createStatus}. */
export interface StatusOptions {
  kc: KubeConfig;
  /** `FRAMEGATE_ALLOWED_NAMESPACES`: where framegate's Workflows live */
  namespaces: string[];
  log: Logger;
  /** finished Workflows whose rows are kept for `GET /api/workflows` (default 10,000) */
  maxFinishedWorkflows?: number;
  /** cameras kept (default 100,000) */
  maxCameras?: number;
  /** every Workflow seen Succeeded, whole (the results feeder) */
  onSucceeded?: WorkflowInformerOptions["onSucceeded"];
  /** how each GET of a finished Workflow ended (the metric) */
  onStatusFetch?: WorkflowInformerOptions["onStatusFetch"];
}

/** Everything `serve` wires: {@link WorkflowStatus} for the processor's maxInFlight, the registry and feed for the API. */
export interface Status extends LinkedStatus {
  workflows: WorkflowInformer;
  /** starts the informer; resolves after the first list (or first failure: it keeps retrying); never rejects */
  start(): Promise<void>;
  /** ends every `/api/stream` (call it before closing the HTTP server, which otherwise waits for them) and stops the informer */
  stop(): Promise<void>;
}

/**
 * Creates the informer for `namespaces`, the camera registry and the feed, linked.
 * @example
 * const status = createStatus({ kc, namespaces: cfg.FRAMEGATE_ALLOWED_NAMESPACES, log });
 * await status.start();
 * new Processor({ ..., onEvent: (e) => { recent.push(e); status.recordEvent(e); } });
 */
export function createStatus(opts: StatusOptions): Status {
  const workflows = new WorkflowInformer({ kc: opts.kc, namespaces: opts.namespaces, log: opts.log, maxFinished: opts.maxFinishedWorkflows, onSucceeded: opts.onSucceeded, onStatusFetch: opts.onStatusFetch });
  const linked = linkStatus(workflows, new CameraRegistry({ capacity: opts.maxCameras }), new StatusFeed());
  return {
    ...linked,
    workflows,
    start: () => workflows.start(),
    async stop() {
      linked.unlink();
      linked.feed.close();
      await workflows.stop();
    },
  };
}
