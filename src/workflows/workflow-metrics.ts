/**
 * @module workflows/workflow-metrics — the metrics Argo's controller emits for every framegate Workflow when it
 * finishes (`spec.metrics`): its duration and outcome per pipeline. Argo counts, not the gateway: its
 * controller is one leader however many gateway replicas run, so nothing is counted twice, and a gateway
 * restart loses nothing (the Workflow carries its own metric definition).
 */

/** The name the Workflow declares; Argo's exporter prefixes every metric with `argo_workflows_`. */
export const WORKFLOW_DURATION_METRIC = "framegate_workflow_duration_seconds";
/** The name Prometheus scrapes from Argo's controller (`_bucket`, `_sum`, `_count` of a histogram). */
export const WORKFLOW_DURATION_SERIES = `argo_workflows_${WORKFLOW_DURATION_METRIC}`;

/** From a second to an hour: a resize takes seconds, a batch or a queued pod minutes. */
export const WORKFLOW_DURATION_BUCKETS = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

/**
 * The Workflow-level `metrics` block. Labels: `pipeline` (bounded by the rule set) and `status` (Argo's final
 * phase: Succeeded, Failed, Error); never the camera, so 10,000 cameras add no series.
 * Help and type must stay the same for every Workflow: Argo refuses a second definition with another help.
 * @example renderWorkflowMetrics("people-detect").prometheus[0].labels // [{ key: "pipeline", ... }, { key: "status", ... }]
 */
export function renderWorkflowMetrics(pipeline: string) {
  return {
    prometheus: [
      {
        name: WORKFLOW_DURATION_METRIC,
        help: "Duration of framegate Workflows from start to finish, by pipeline and final status (Succeeded, Failed, Error); _count is the number of finished Workflows",
        labels: [
          { key: "pipeline", value: pipeline },
          { key: "status", value: "{{workflow.status}}" },
        ],
        histogram: { value: "{{workflow.duration}}", buckets: [...WORKFLOW_DURATION_BUCKETS] },
      },
    ],
  };
}
