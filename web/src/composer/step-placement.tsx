/**
 * @module web/composer/step-placement — where one step's pod runs: nodeSelector, tolerations and
 * resources (requests/limits, e.g. `nvidia.com/gpu=1`), merged over the service's own by the renderer.
 */
import type { ApiIssue } from "../api/types.js";
import { TextAreaField, TextField } from "../ui/field.js";
import type { DraftStep } from "./draft.js";
import { stepPath } from "./field-paths.js";

/** Props: the step, its index, the issues by path and the step updater. */
export interface StepPlacementProps {
  step: DraftStep;
  index: number;
  issuesAt(path: string): readonly ApiIssue[] | undefined;
  setStep(fn: (s: DraftStep) => DraftStep): void;
}

/** The placement fields of a step, folded away until opened (or while set). */
export function StepPlacement({ step, index, issuesAt, setStep }: StepPlacementProps) {
  const set = (k: "nodeSelector" | "tolerations" | "requests" | "limits") => (v: string) => setStep((s) => ({ ...s, [k]: v }));
  const resources = issuesAt(stepPath(index, "resources"));
  const used = [step.nodeSelector, step.tolerations, step.requests, step.limits].some((v) => v.trim() !== "");
  return (
    <details class="placement" open={used || undefined}>
      <summary>Placement{used ? " (set)" : ""}</summary>
      <div class="grid-2">
        <TextField label="Node selector" path={stepPath(index, "nodeSelector")} issues={issuesAt(stepPath(index, "nodeSelector"))} placeholder="hardware=gpu" help="key=value, comma-separated." value={step.nodeSelector} spellcheck={false} onValue={set("nodeSelector")} />
        <TextAreaField label="Tolerations" path={stepPath(index, "tolerations")} issues={issuesAt(stepPath(index, "tolerations"))} placeholder="nvidia.com/gpu:NoSchedule" help="One per line: key=value:Effect, or key:Effect to tolerate any value; @300 adds tolerationSeconds." value={step.tolerations} onValue={set("tolerations")} />
        <TextField label="Requests" path={stepPath(index, "resources")} issues={resources} placeholder="cpu=500m, memory=1Gi" value={step.requests} spellcheck={false} onValue={set("requests")} />
        <TextField label="Limits" placeholder="memory=2Gi, nvidia.com/gpu=1" help="Replace the service's own requests or limits, each as a whole." value={step.limits} spellcheck={false} onValue={set("limits")} />
      </div>
    </details>
  );
}
