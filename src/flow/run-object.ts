/**
 * @module flow/run-object — on-demand runs (`framegate run`, `POST /api/pipelines/:name/run`): look a stored
 * object up and publish the notification MinIO would have sent for it into the intake (the sweep's builder),
 * so the Workflow gets the name, dedupe and limits an upload gets. Only the named pipeline considers it
 * (header `Framegate-Run-Pipeline`); `force` gives it a new identity (header `Framegate-Run-Force`, event id
 * `<id>#run-<nonce>`), hence a new Workflow name that dedupe does not collapse.
 */
import { randomBytes } from "node:crypto";
import { FramegateError } from "../lib/errors.js";
import { needsObjectMetadata } from "../rules/notification-filters.js";
import type { Matcher, RuleSet } from "../rules/types.js";
import { parseMinioNotificationText } from "../triggers/minio-event.js";
import type { EventPublisher } from "../triggers/stream.js";
import { objectNotification, type ListedObject } from "../triggers/swept-object.js";
import { forcedEventId, HEADERS } from "../triggers/wire.js";
import { workflowName } from "../workflows/name.js";

/** What to run: a pipeline on one stored object. */
export interface RunRequest {
  pipeline: string;
  bucket: string;
  key: string;
  /** run again under a new name, even if the object was processed */
  force?: boolean;
}

/** What was published. `workflow` is the name the Workflow gets unless dedupe says the object ran already. */
export interface RunResult {
  pipeline: string;
  bucket: string;
  key: string;
  etag: string;
  eventId: string;
  workflow: string;
  force: boolean;
  /** JetStream dropped the message as a repeat inside its duplicate window (a double click) */
  duplicate: boolean;
}

/** A run that cannot be published as asked; `status` is the HTTP answer (404 unknown, 422 no match). */
export class RunError extends FramegateError {
  constructor(message: string, readonly status: 404 | 422) {
    super(message);
  }
}

/** What a run needs: the object's stat, the intake, and the active rules. */
export interface RunObjectDeps {
  stat(bucket: string, key: string): Promise<ListedObject | undefined>;
  publisher: EventPublisher;
  minioSubject: string;
  rules(): { ruleSet: RuleSet; matcher: Matcher };
  /** "cli" or "api", in the notification's user agent */
  origin: string;
  now?: () => Date;
}

/**
 * Publishes one on-demand run. The event time is the request's, not the upload's, so a pipeline's
 * `sample` judges the run by when it was asked for.
 * @throws RunError for an unknown pipeline or object, or an object the pipeline's trigger does not match
 * @example await runObject(deps, { pipeline: "people-detect", bucket: "raw", key: "gate-01/a.jpg" })
 */
export async function runObject(d: RunObjectDeps, req: RunRequest): Promise<RunResult> {
  const { ruleSet, matcher } = d.rules();
  const pipeline = ruleSet.pipelines.find((p) => p.name === req.pipeline);
  if (!pipeline) {
    throw new RunError(`no pipeline "${req.pipeline}" in the active rules (there are: ${ruleSet.pipelines.map((p) => p.name).join(", ") || "none"})`, 404);
  }
  const o = await d.stat(req.bucket, req.key);
  if (!o) throw new RunError(`object ${req.bucket}/${req.key} does not exist: check the bucket and the key (no leading "/")`, 404);
  if (o.metadataHidden && needsObjectMetadata(pipeline)) {
    throw new RunError(`pipeline "${req.pipeline}" matches on object metadata, which the gateway's identity may not read in bucket ${req.bucket} (it lacks s3:GetObject there): run framegate setup, which grants it for such buckets`, 422);
  }
  const data = objectNotification(o, `framegate run (${d.origin})`, (d.now ?? (() => new Date()))());
  const event = parseMinioNotificationText(new TextDecoder().decode(data))[0]!;
  const match = matcher.match(event).find((m) => m.pipeline.name === req.pipeline);
  if (!match) {
    throw new RunError(`${req.bucket}/${req.key} does not match the trigger of pipeline "${req.pipeline}" (its bucket, key pattern, size or metadata filters): an upload of it would not run the pipeline either`, 422);
  }
  const force = req.force === true;
  const nonce = force ? `${Date.now().toString(36)}${randomBytes(3).toString("hex")}` : undefined;
  const eventId = nonce ? forcedEventId(event.id, nonce) : event.id;
  const headers: Record<string, string> = { [HEADERS.runPipeline]: req.pipeline, ...(nonce ? { [HEADERS.runForce]: nonce } : {}) };
  const r = await d.publisher.publish(d.minioSubject, data, { msgId: `run:${req.pipeline}:${eventId}`, headers });
  const camera = match.camera || match.vars.camera || "";
  return { pipeline: req.pipeline, bucket: o.bucket, key: o.key, etag: o.etag, eventId, workflow: workflowName(req.pipeline, [eventId], camera), force, duplicate: r.duplicate };
}
