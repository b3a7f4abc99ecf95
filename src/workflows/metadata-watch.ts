/**
 * @module workflows/metadata-watch — the informer's watch asks for each Workflow's metadata only
 * (`as=PartialObjectMetadata`), so a watch event is the object's labels and annotations, not its spec and
 * `status.nodes` (most of its size, sent again with every status update Argo's controller makes). The phase
 * is in the metadata: Argo's controller labels every Workflow with it (`workflows.argoproj.io/phase`) at each
 * change. What only `status` has (start, finish, message, and the whole object the results feeder reads) is
 * fetched once per finished Workflow (workflows/status-fetch.ts).
 */
import { KubeConfig, Watch } from "@kubernetes/client-node";
import type { WatchedWorkflow } from "./workflow-row.js";
import { isFinished, normalizePhase, type WorkflowRow } from "./workflow-status.js";

/** Watch events as meta.k8s.io/v1 PartialObjectMetadata (kube-apiserver converts custom resources too). */
export const METADATA_WATCH_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

/** The label Argo's controller keeps equal to `status.phase`. */
export const PHASE_LABEL = "workflows.argoproj.io/phase";

/**
 * A client-node Watch whose requests carry {@link METADATA_WATCH_ACCEPT}: the kubeconfig's own credentials and
 * TLS, with the Accept header added (client-node's Watch takes its request options from the KubeConfig only).
 */
export function metadataWatch(kc: KubeConfig): Watch {
  const withAccept = Object.create(kc) as KubeConfig;
  withAccept.applyToFetchOptions = async (opts) => {
    const init = await kc.applyToFetchOptions(opts);
    // client-node builds a WHATWG Headers here
    (init.headers as unknown as Headers).set("Accept", METADATA_WATCH_ACCEPT);
    return init;
  };
  return new Watch(withAccept);
}

/** Whether the API server sent metadata only (a watch event), not the whole Workflow (a list, a GET). */
export function isMetadataOnly(obj: WatchedWorkflow): boolean {
  return obj.kind === "PartialObjectMetadata";
}

/**
 * Gives a metadata-only Workflow the status the index reads, in place: the phase from Argo's label, and the
 * start, finish and message of the row known before while the phase is the same (a later label change, an
 * archive flag, must not wipe them). Returns whether its status still has to be fetched: it is finished and
 * its finish time is not known yet.
 * @example withLabelledPhase({ kind: "PartialObjectMetadata", metadata: { labels: { [PHASE_LABEL]: "Succeeded" } } }, undefined) // true
 */
export function withLabelledPhase(obj: WatchedWorkflow, prev: WorkflowRow | undefined): boolean {
  const phase = normalizePhase(obj.metadata?.labels?.[PHASE_LABEL]);
  const status: NonNullable<WatchedWorkflow["status"]> = { phase };
  if (prev?.startedAt) status.startedAt = prev.startedAt;
  const same = prev?.phase === phase;
  if (same && prev.finishedAt) status.finishedAt = prev.finishedAt;
  if (same && prev.message) status.message = prev.message;
  obj.status = status;
  return isFinished(phase) && !status.finishedAt;
}
