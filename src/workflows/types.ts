/** @module workflows/types — the Argo Workflow object framegate renders and the port it is submitted through. */

export interface WorkflowMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** An `argoproj.io/v1alpha1` Workflow as framegate renders it (spec kept loose: Argo validates it). */
export interface Workflow {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "Workflow";
  metadata: WorkflowMetadata;
  spec: Record<string, unknown>;
}

/** Outcome of a create: created now, or it already existed (a redelivery of work already done). */
export type SubmitOutcome = "created" | "exists";

/** Creates Workflows; the Kubernetes implementation lives in workflows/k8s-submitter.ts. */
export interface WorkflowSubmitter {
  create(wf: Workflow, signal?: AbortSignal): Promise<SubmitOutcome>;
}
