/**
 * @module rules/storage-policies — the MinIO policies of framegate's identities, derived from the rules so
 * they stay in step with them: a pipeline that adds a trigger or output bucket widens the steps' and the
 * gateway's policy the next time `framegate setup` runs, and nothing else does. Pure: tested without MinIO.
 *
 * - steps (Secret `framegate-minio` of the Workflows' namespace): read the trigger buckets and `models`,
 *   read and write the output buckets (a step with `after` reads the output of the one before); no delete,
 *   no write outside the output buckets.
 * - gateway: the trigger buckets' notification configuration (both of framegate's entries, the fast path's
 *   included) and listing (the reconciliation sweep), and reading the output buckets (results); reading the objects of a trigger bucket only when a rule there
 *   needs their metadata (MinIO lists metadata only to identities that may read the object).
 * - artifacts: Argo's artifact repository and log archive, its bucket only.
 * - results: reading what the pipelines wrote, `<output bucket>/<pipeline>/` of each pipeline, for the Results
 *   view (frames, detection sidecars); no listing, no other prefix, no write.
 * Every identity may ask a bucket it uses for its location: the `minio` clients (JS and Python) do that
 * before the first request unless given a region.
 */
import { allow, bucketArn, objectsArn, policyOf, type PolicyDocument } from "../storage/policy.js";
import { needsObjectMetadata } from "./notification-filters.js";
import type { CompiledPipeline } from "./types.js";

/** Names of the policies (and default names of the users) `framegate setup` maintains. */
export const POLICY_NAMES = { steps: "framegate-steps", gateway: "framegate-gateway", artifacts: "framegate-artifacts", results: "framegate-results" } as const;

export type ServiceIdentity = keyof typeof POLICY_NAMES;

/** Buckets that are not in the rules. */
export interface StorageBuckets {
  /** models the steps read (detect's ONNX files), default `models` */
  models?: string;
  /** Argo's artifact repository, default `argo-artifacts` */
  artifacts?: string;
  /** always writable by the steps, default `processed` */
  processed?: string;
}

/** The policies, and the buckets they were derived from (for `framegate setup`'s report). */
export interface StoragePolicies {
  policies: Record<ServiceIdentity, PolicyDocument>;
  triggerBuckets: string[];
  outputBuckets: string[];
  readBuckets: string[];
  /** buckets whose objects the gateway may read: the output buckets, and trigger buckets whose metadata a rule needs */
  gatewayReadBuckets: string[];
  /** `<bucket>/<pipeline>/` prefixes the results identity may read */
  resultPrefixes: string[];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * @example storagePolicies(ruleSet.pipelines).policies.steps // read raw + models, write processed
 */
export function storagePolicies(pipelines: readonly CompiledPipeline[], buckets: StorageBuckets = {}): StoragePolicies {
  const models = buckets.models ?? "models";
  const artifacts = buckets.artifacts ?? "argo-artifacts";
  const triggerBuckets = sorted(pipelines.flatMap((p) => (p.spec.trigger.source === "minio" ? [p.spec.trigger.bucket] : [])));
  const outputBuckets = sorted([buckets.processed ?? "processed", ...pipelines.map((p) => p.spec.workflow.outputBucket)]);
  // and what webhook pipelines allow their bodies to name (spec.trigger.buckets)
  const webhookBuckets = pipelines.flatMap((p) => (p.spec.trigger.source === "webhook" ? (p.spec.trigger.buckets ?? []) : []));
  const readBuckets = sorted([...triggerBuckets, ...webhookBuckets, models]);
  // the sweep lists these with their metadata: a rule there filters on it or takes the camera from it
  const metadataBuckets = pipelines.flatMap((p) => (p.spec.trigger.source === "minio" && needsObjectMetadata(p) ? [p.spec.trigger.bucket] : []));
  const gatewayReadBuckets = sorted([...outputBuckets, ...metadataBuckets]);

  const steps = policyOf([
    allow(["s3:GetBucketLocation"], sorted([...readBuckets, ...outputBuckets]).map(bucketArn)),
    allow(["s3:ListBucket"], readBuckets.map(bucketArn)),
    allow(["s3:GetObject"], sorted([...readBuckets, ...outputBuckets]).map((b) => objectsArn(b))),
    allow(["s3:PutObject"], outputBuckets.map((b) => objectsArn(b))),
  ]);
  const gateway = policyOf([
    allow(["s3:GetBucketLocation"], sorted([...triggerBuckets, ...outputBuckets]).map(bucketArn)),
    allow(["s3:GetBucketNotification", "s3:PutBucketNotification", "s3:ListBucket"], triggerBuckets.map(bucketArn)),
    allow(["s3:ListBucket"], outputBuckets.map(bucketArn)),
    allow(["s3:GetObject"], gatewayReadBuckets.map((b) => objectsArn(b))),
  ]);
  const argo = policyOf([
    allow(["s3:GetBucketLocation", "s3:ListBucket"], [bucketArn(artifacts)]),
    // Argo's artifact garbage collection deletes what it archived
    allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [objectsArn(artifacts)]),
  ]);
  // a step writes `<pipeline>/<step>/...` into the output bucket (workflows/step-keys.ts)
  const resultPrefixes = sorted(pipelines.map((p) => `${p.spec.workflow.outputBucket}/${p.name}/`));
  const results = policyOf([allow(["s3:GetObject"], resultPrefixes.map((p) => `arn:aws:s3:::${p}*`))]);
  return { policies: { steps, gateway, artifacts: argo, results }, triggerBuckets, outputBuckets, readBuckets, gatewayReadBuckets, resultPrefixes };
}
