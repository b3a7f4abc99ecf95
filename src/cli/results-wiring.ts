/**
 * @module cli/results-wiring — the results index as `framegate setup` and `serve` take it from the configuration:
 * its limits (the stream's and every replica's index's), its MinIO reader (the results identity), and `serve`'s
 * wiring of stream, index, feeder and frame cache.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import type { Metrics } from "../lib/metrics.js";
import type { RuleSet } from "../rules/types.js";
import { FrameCache } from "../results/frame-cache.js";
import { MinioObjectReader } from "../results/object-reader.js";
import { ResultsFeeder } from "../results/results-feeder.js";
import { ResultsIndex, type ResultsLimits } from "../results/results-index.js";
import { ResultsStream } from "../results/results-stream.js";

/** FRAMEGATE_RESULTS_PER_CAMERA, _MAX_BYTES and _MAX_AGE. */
export function resultsLimits(cfg: Config): ResultsLimits {
  return { perCamera: cfg.FRAMEGATE_RESULTS_PER_CAMERA, maxBytes: cfg.FRAMEGATE_RESULTS_MAX_BYTES, maxAgeMs: cfg.FRAMEGATE_RESULTS_MAX_AGE };
}

/** The reader with the results identity, or undefined when its credentials (or MinIO's endpoint) are not set. */
export function resultsReader(cfg: Config): MinioObjectReader | undefined {
  const { FRAMEGATE_MINIO_ENDPOINT: endpoint, FRAMEGATE_MINIO_RESULTS_ACCESS_KEY: accessKey, FRAMEGATE_MINIO_RESULTS_SECRET_KEY: secretKey } = cfg;
  if (!endpoint || !accessKey || !secretKey) return undefined;
  return new MinioObjectReader({ endpoint, accessKey, secretKey });
}

/** The suffix of the detections sidecar of a pipeline's step: its service's `detections` in the catalog. */
export function detectionsSuffixOf(ruleSet: RuleSet, pipeline: string, step: string): string | undefined {
  const service = ruleSet.pipelines.find((p) => p.name === pipeline)?.spec.workflow.steps?.find((s) => s.name === step)?.service;
  return service === undefined ? undefined : ruleSet.catalog.get(service)?.spec.detections;
}

/** What `serve` runs for the results. */
export interface OpenResults {
  index: ResultsIndex;
  feeder: ResultsFeeder;
  frames?: FrameCache;
  stop(): Promise<void>;
}

/**
 * Opens the stream and starts following it into the index; the feeder writes once the index has caught up.
 * Undefined (with a warning) when the stream does not exist yet: the gateway runs, `/api/results` answers 503.
 */
export async function openResults(cfg: Config, nc: NatsConnection, metrics: Metrics, log: Logger, ruleSet: () => RuleSet): Promise<OpenResults | undefined> {
  let stream: ResultsStream;
  try {
    stream = await ResultsStream.open(nc, cfg.FRAMEGATE_RESULTS_STREAM, log);
  } catch (err) {
    log.warn({ err, stream: cfg.FRAMEGATE_RESULTS_STREAM }, "results index off: its stream is missing — run `framegate setup`; GET /api/results answers 503 meanwhile");
    return undefined;
  }
  const index = new ResultsIndex(resultsLimits(cfg), {
    size: (entries, bytes) => (metrics.resultsEntries.set(entries), metrics.resultsBytes.set(bytes)),
    evicted: (reason, n) => metrics.resultsEvicted.inc({ reason }, n),
  });
  for (const reason of ["camera", "bytes", "age"] as const) metrics.resultsEvicted.inc({ reason }, 0);
  const follow = stream.follow((entry, bytes) => index.add(entry, bytes));
  const reader = resultsReader(cfg);
  if (!reader) log.warn("results without frames or detections: FRAMEGATE_MINIO_RESULTS_ACCESS_KEY/_SECRET_KEY (the results identity `framegate setup` makes) are not set");
  const feeder = new ResultsFeeder({
    index,
    publish: (e) => stream.publish(e),
    sidecars: reader,
    detectionsSuffix: (pipeline, step) => detectionsSuffixOf(ruleSet(), pipeline, step),
    ready: follow.caughtUp,
    log,
    metrics,
  });
  const frames = reader ? new FrameCache({ reader, maxBytes: cfg.FRAMEGATE_RESULTS_FRAME_CACHE_BYTES, metrics }) : undefined;
  return {
    index,
    feeder,
    ...(frames && { frames }),
    async stop() {
      feeder.close();
      await follow.stop();
    },
  };
}
