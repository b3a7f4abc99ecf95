/** @module lib/metrics — every Prometheus metric framegate exports, on one registry per process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Why a message is dead-lettered (flow/dead-letter's DeadLetterKind): every reason's series starts at 0. */
export const DEAD_LETTER_REASONS = ["bad-event", "rejected", "exhausted"] as const;

/** Why a sweep failed (sweep/sweeper.ts): every reason's series starts at 0. */
export const SWEEP_ERROR_REASONS = ["list", "publish", "state", "metadata-hidden"] as const;

/**
 * Creates the registry and the metrics; one instance per gateway (tests make their own). Counters an alert
 * reads with increase() exist at 0 from the start: a series born at 1 would hide its first event from increase().
 */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const m = defineMetrics(opts);
  for (const reason of DEAD_LETTER_REASONS) m.deadLettered.inc({ reason }, 0);
  for (const reason of SWEEP_ERROR_REASONS) m.sweepErrors.inc({ reason }, 0);
  for (const outcome of ["fetched", "gone", "failed", "dropped"]) m.workflowStatusFetches.inc({ outcome }, 0);
  for (const path of ["fast", "durable"]) for (const outcome of ["first", "duplicate"]) m.intakeCopies.inc({ path, outcome }, 0);
  for (const result of ["hit", "miss"]) m.recentDoneLookups.inc({ result }, 0);
  m.recentDoneEvictions.inc(0);
  return m;
}

function defineMetrics(opts: { defaultMetrics?: boolean }) {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "framegate_process_" });
  const r = [registry];
  return {
    registry,
    eventsReceived: new Counter({ name: "framegate_events_received_total", help: "Events taken from the stream, by source (minio, webhook)", labelNames: ["source"], registers: r }),
    hookRequests: new Counter({ name: "framegate_hook_requests_total", help: "HTTP webhook requests by hook and status code", labelNames: ["hook", "code"], registers: r }),
    eventsMatched: new Counter({ name: "framegate_events_matched_total", help: "Events that matched a pipeline, by pipeline", labelNames: ["pipeline"], registers: r }),
    eventsUnmatched: new Counter({ name: "framegate_events_unmatched_total", help: "Events that matched no pipeline", registers: r }),
    eventsSkipped: new Counter({ name: "framegate_events_skipped_total", help: "Events intentionally not processed, by pipeline and reason (duplicate, sampled)", labelNames: ["pipeline", "reason"], registers: r }),
    eventsReleased: new Counter({ name: "framegate_events_released_total", help: "Events that waited for a pipeline's maxInFlight or rate limit and were let go, skipped and acked, because the pipeline was suspended or deleted, by pipeline and reason (suspended, deleted)", labelNames: ["pipeline", "reason"], registers: r }),
    eventsWaiting: new Gauge({ name: "framegate_events_waiting", help: "Events held back (batch being filled, in-flight or rate limit), by pipeline and reason", labelNames: ["pipeline", "reason"], registers: r }),
    eventsBatched: new Counter({ name: "framegate_events_batched_total", help: "Events that went into a batch Workflow, by pipeline", labelNames: ["pipeline"], registers: r }),
    batchClaims: new Counter({ name: "framegate_batch_claims_total", help: "Batches whose frames were claimed, by path: atomic (one JetStream atomic batch for every frame and the record) or per-frame (the fallback: a frame already claimed, a stream without allow_atomic, no answer)", labelNames: ["pipeline", "path"], registers: r }),
    workflows: new Counter({ name: "framegate_workflows_total", help: "Workflow submissions by pipeline and outcome (created, exists, failed)", labelNames: ["pipeline", "outcome"], registers: r }),
    workflowStatusFetches: new Counter({ name: "framegate_workflow_status_fetches_total", help: "GETs of Workflows the metadata watch reported finished (their times, message and results), by outcome (fetched, gone: deleted first, failed: after 3 attempts, dropped: 10,000 already waiting)", labelNames: ["outcome"], registers: r }),
    kubeStreams: new Gauge({ name: "framegate_kube_http2_streams", help: "Workflow creates on the HTTP/2 session to the API server, by state (active: streams open, at most FRAMEGATE_MAX_IN_FLIGHT capped at 256 or the server's limit; queued: waiting for one, at most 4,096, past which a create fails and is retried)", labelNames: ["state"], registers: r }),
    kubeSessions: new Counter({ name: "framegate_kube_http2_sessions_total", help: "HTTP/2 session events of the create path, by event (connected, goaway, error, ping-timeout, closed)", labelNames: ["event"], registers: r }),
    workflowFailures: new Counter({ name: "framegate_workflow_failures_total", help: "Failed Workflow submissions by pipeline and reason", labelNames: ["pipeline", "reason"], registers: r }),
    deadLettered: new Counter({ name: "framegate_dead_lettered_total", help: "Messages terminated and copied to the dead-letter subject, by reason", labelNames: ["reason"], registers: r }),
    redelivered: new Counter({ name: "framegate_messages_naked_total", help: "Messages handed back to JetStream for a later retry, by reason", labelNames: ["reason"], registers: r }),
    statusReportsDropped: new Counter({ name: "framegate_status_reports_dropped_total", help: "Status bus reports dropped because they were not JSON or not a valid report, by reason (json, schema)", labelNames: ["reason"], registers: r }),
    inFlight: new Gauge({ name: "framegate_messages_in_flight", help: "Messages being processed now", registers: r }),
    latency: new Histogram({
      name: "framegate_event_to_workflow_seconds",
      help: "Time from the event (stream timestamp) to its Workflow existing",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: r,
    }),
    pickup: new Histogram({
      name: "framegate_event_pickup_seconds",
      help: "Time from the event entering the stream to the consumer starting on it (first deliveries only): the backlog in JetStream and in the consumer",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: r,
    }),
    streamBytes: new Gauge({ name: "framegate_jetstream_stream_bytes", help: "Bytes a JetStream stream of framegate holds (intake, history, dead letters, the KV bucket's stream), by stream", labelNames: ["stream"], registers: r }),
    streamLimitBytes: new Gauge({ name: "framegate_jetstream_stream_limit_bytes", help: "The stream's max_bytes (-1: unlimited); at the limit the intake refuses input, the history drops its oldest, dead letters and KV writes are refused", labelNames: ["stream"], registers: r }),
    streamMessages: new Gauge({ name: "framegate_jetstream_stream_messages", help: "Messages a JetStream stream of framegate holds (the intake: not yet processed), by stream", labelNames: ["stream"], registers: r }),
    consumerPending: new Gauge({ name: "framegate_jetstream_consumer_pending_messages", help: "Messages of the intake the durable consumer has not delivered yet (its backlog), from the consumer's info; every replica reports the same value: aggregate with max", labelNames: ["consumer"], registers: r }),
    consumerAckPending: new Gauge({ name: "framegate_jetstream_consumer_ack_pending_messages", help: "Messages delivered to a replica and not acknowledged yet (in processing, or waiting in a batch or rate limit), from the consumer's info", labelNames: ["consumer"], registers: r }),
    consumerRedelivered: new Gauge({ name: "framegate_jetstream_consumer_redelivered_messages", help: "Unacknowledged messages delivered more than once (retries in progress), from the consumer's info", labelNames: ["consumer"], registers: r }),
    consumerBound: new Gauge({ name: "framegate_consumer_bound", help: "1 while this replica is bound to the durable consumer and pulling, 0 when it is not (starting, stopping or lost)", registers: r }),
    camerasTracked: new Gauge({ name: "framegate_cameras_tracked", help: "Cameras with a last-frame time in the camera-activity bucket (JetStream KV, shared by replicas, kept across restarts)", registers: r }),
    camerasSilent: new Gauge({ name: "framegate_cameras_silent", help: "Cameras silent for longer than their usual interval allows (FRAMEGATE_CAMERA_SILENCE_FACTOR times their usual gap between frames, at least FRAMEGATE_CAMERA_SILENCE_MIN)", registers: r }),
    cameraLastFrame: new Gauge({ name: "framegate_camera_last_frame_timestamp_seconds", help: "When each camera's last frame was processed (Unix time); one series per camera, at most FRAMEGATE_CAMERA_SERIES_MAX cameras (the most recently seen), nothing else carries a camera label", labelNames: ["camera"], registers: r }),
    cameraWrites: new Counter({ name: "framegate_camera_activity_writes_total", help: "Writes of cameras' last-frame times into the camera-activity bucket, by result (ok, failed)", labelNames: ["result"], registers: r }),
    rulesLoaded: new Gauge({ name: "framegate_rules_pipelines", help: "Pipelines in the active rule set", registers: r }),
    rulesReloads: new Counter({ name: "framegate_rules_reloads_total", help: "Rule reloads by result (ok, invalid)", labelNames: ["result"], registers: r }),
    rulesValid: new Gauge({ name: "framegate_rules_last_reload_valid", help: "1 when the rules are valid in full, 0 while a change is refused: a rule file change on disk (the last good rules keep running), or with FRAMEGATE_RULES_SOURCE=kubernetes any Pipeline or ProcessingService refused", registers: r }),
    bucketNotifications: new Counter({ name: "framegate_bucket_notifications_total", help: "Bucket notification checks by the status-writing replica (kubernetes mode), by outcome (unchanged, updated, failed); a failure is retried every 30 s and shown as NotificationsReady=False on the Pipelines of the bucket", labelNames: ["outcome"], registers: r }),
    semaphoreSyncs: new Counter({ name: "framegate_semaphore_syncs_total", help: "Writes of the catalog's concurrency caps into a namespace's ConfigMap framegate-semaphores, by outcome (written, unchanged, failed)", labelNames: ["outcome"], registers: r }),
    pipelineWrites: new Counter({
      name: "framegate_pipeline_writes_total",
      help: "Writes of Pipeline resources from the dashboard's composer, by action (create, replace, delete, suspend, resume) and outcome (saved, deleted, conflict, invalid, exists, not-found, disabled, ...)",
      labelNames: ["action", "outcome"],
      registers: r,
    }),
    ruleResources: new Gauge({ name: "framegate_rule_resources", help: "Pipeline and ProcessingService resources read from the API server (FRAMEGATE_RULES_SOURCE=kubernetes), by kind and whether they are accepted", labelNames: ["kind", "accepted"], registers: r }),
    sweepListed: new Counter({ name: "framegate_sweep_objects_listed_total", help: "Objects the reconciliation sweep listed, by bucket", labelNames: ["bucket"], registers: r }),
    sweepPublished: new Counter({ name: "framegate_sweep_objects_published_total", help: "Objects the sweep published into the intake (modified in its window and wanted by a rule), by bucket", labelNames: ["bucket"], registers: r }),
    sweepEvents: new Counter({
      name: "framegate_sweep_events_total",
      help: "Swept events by pipeline and what they turned out to be: late (not processed before: found by the sweep), seen (already processed), sampled, rejected",
      labelNames: ["pipeline", "outcome"],
      registers: r,
    }),
    intakeCopies: new Counter({
      name: "framegate_intake_copies_total",
      help: "With the fast path on: MinIO events by the path their copy came (fast: MinIO's store-less NATS target, durable: its NATS target with queue_dir) and what it was (first: it did the work, duplicate: the other copy had, absorbed); events matching no pipeline are not counted",
      labelNames: ["path", "outcome"],
      registers: r,
    }),
    recentDoneLookups: new Counter({
      name: "framegate_recent_done_lookups_total",
      help: "With the fast path on: durable copies looked up among the Workflows this replica made for fast copies in the last 30 s (hit: absorbed without a state read; miss: the done mark is read)",
      labelNames: ["result"],
      registers: r,
    }),
    recentDoneEvictions: new Counter({ name: "framegate_recent_done_evictions_total", help: "Entries of the recent-done set dropped at FRAMEGATE_RECENT_DONE_LIMIT before they were 30 s old (their durable copies read the state bucket instead)", registers: r }),
    recentDoneEntries: new Gauge({ name: "framegate_recent_done_entries", help: "Entries in the recent-done set (at most FRAMEGATE_RECENT_DONE_LIMIT)", registers: r }),
    sweepDuration: new Histogram({ name: "framegate_sweep_duration_seconds", help: "Time one sweep took (all targets)", buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900], registers: r }),
    sweepLastSuccess: new Gauge({ name: "framegate_sweep_last_success_timestamp_seconds", help: "When the last sweep without errors ended (Unix time)", registers: r }),
    sweepBehind: new Gauge({ name: "framegate_sweep_behind_seconds", help: "Age of the oldest time a target's sweep has not finished yet (grows when sweeps run out of pages), by bucket/prefix", labelNames: ["target"], registers: r }),
    resultsEntries: new Gauge({ name: "framegate_results_index_entries", help: "Processed frames in this replica's results index (a mirror of the results stream, FRAMEGATE_RESULTS_PER_CAMERA per camera and FRAMEGATE_RESULTS_MAX_BYTES in all)", registers: r }),
    resultsBytes: new Gauge({ name: "framegate_results_index_bytes", help: "Bytes of the entries in the results index, counted as their JSON; at FRAMEGATE_RESULTS_MAX_BYTES the oldest entries are dropped", registers: r }),
    resultsEvicted: new Counter({ name: "framegate_results_evicted_total", help: "Entries dropped from the results index at a limit, by reason (camera: past FRAMEGATE_RESULTS_PER_CAMERA, bytes: past FRAMEGATE_RESULTS_MAX_BYTES, age: past FRAMEGATE_RESULTS_MAX_AGE)", labelNames: ["reason"], registers: r }),
    resultsPublished: new Counter({ name: "framegate_results_published_total", help: "Results of succeeded Workflows written to the results stream, by outcome (stored, duplicate: another replica wrote it first, failed)", labelNames: ["outcome"], registers: r }),
    frameCacheBytes: new Gauge({ name: "framegate_results_frame_cache_bytes", help: "Bytes of frames and thumbnails the gateway keeps in memory (at most FRAMEGATE_RESULTS_FRAME_CACHE_BYTES; least recently used dropped first)", registers: r }),
    frameRequests: new Counter({ name: "framegate_results_frame_requests_total", help: "Frames served through GET /api/results/frame, by result (hit: from the cache, miss: read from MinIO, error)", labelNames: ["result"], registers: r }),
    sweepErrors: new Counter({ name: "framegate_sweep_errors_total", help: "Sweep failures by reason (list, publish, state, metadata-hidden)", labelNames: ["reason"], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
