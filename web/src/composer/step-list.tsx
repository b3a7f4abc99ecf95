/**
 * @module web/composer/step-list — the Workflow's steps as an ordered list: add a catalog service,
 * name it, tick the steps it runs after (only steps above it, so the order is always valid and there is
 * no cycle), set its parameters, move or remove it. A small diagram draws the resulting DAG.
 */
import { useId, useState } from "preact/hooks";
import type { ApiIssue } from "../api/types.js";
import { TextField } from "../ui/field.js";
import { addStep, moveStep, removeStep, renameStep, type CatalogService, type Draft, type DraftStep } from "./draft.js";
import { PATHS, stepPath } from "./field-paths.js";
import { ParamField } from "./param-field.js";
import { StepDiagram } from "./step-diagram.js";
import { StepPlacement } from "./step-placement.js";

/** Props: the draft, the catalog, the issues by field path and the draft updater. */
export interface StepListProps {
  draft: Draft;
  catalog: readonly CatalogService[];
  issuesAt(path: string): readonly ApiIssue[] | undefined;
  update(fn: (d: Draft) => Draft): void;
}

function FieldIssues({ issues, id }: { issues: readonly ApiIssue[] | undefined; id: string }) {
  if (!issues?.length) return null;
  return (
    <ul class="field-issues" id={id}>
      {issues.map((i) => (
        <li key={`${i.line}:${i.col}:${i.message}`}>
          <span class="pos">
            line {i.line}:{i.col}
          </span>{" "}
          {i.message}
        </li>
      ))}
    </ul>
  );
}

function StepCard({ step, index, props }: { step: DraftStep; index: number; props: StepListProps }) {
  const { draft, catalog, issuesAt, update } = props;
  const id = useId();
  const service = catalog.find((s) => s.name === step.service);
  const above = draft.steps.slice(0, index);
  const setStep = (fn: (s: DraftStep) => DraftStep) => update((d) => ({ ...d, steps: d.steps.map((s) => (s.id === step.id ? fn(s) : s)) }));
  const afterIssues = issuesAt(stepPath(index, "after"));
  const serviceIssues = issuesAt(stepPath(index, "service"));
  const paramIssues = issuesAt(stepPath(index, "params"));
  return (
    <li class="step" data-step={step.name} aria-labelledby={`${id}-title`}>
      <div class="step-head">
        <h3 id={`${id}-title`}>
          <span class="step-no">{index + 1}</span> {step.name || "(unnamed)"}
          {step.name !== step.service && <span class="muted"> · service {step.service}</span>}
          {service && <span class={`tag cat-${service.category}`}>{service.category}</span>}
        </h3>
        <div class="step-actions">
          <button type="button" class="icon" aria-label={`Move step ${step.name} up`} disabled={index === 0} onClick={() => update((d) => moveStep(d, step.id, -1))}>
            ↑
          </button>
          <button type="button" class="icon" aria-label={`Move step ${step.name} down`} disabled={index === draft.steps.length - 1} onClick={() => update((d) => moveStep(d, step.id, 1))}>
            ↓
          </button>
          <button type="button" class="icon danger" aria-label={`Remove step ${step.name}`} onClick={() => update((d) => removeStep(d, step.id))}>
            ✕
          </button>
        </div>
      </div>
      {service?.description && <p class="help">{service.description}</p>}
      <FieldIssues issues={serviceIssues} id={`${id}-service-issues`} />
      <div class="step-grid">
        <TextField
          label="Step name"
          path={stepPath(index, "name")}
          issues={issuesAt(stepPath(index, "name"))}
          value={step.name}
          autocomplete="off"
          spellcheck={false}
          onValue={(v) => update((d) => renameStep(d, step.id, v))}
        />
        <fieldset class={`after ${afterIssues?.length ? "invalid" : ""}`} data-path={stepPath(index, "after")} aria-describedby={afterIssues?.length ? `${id}-after-issues` : undefined}>
          <legend>Runs after</legend>
          {above.length === 0 && <p class="help">First step: reads the uploaded object.</p>}
          {above.map((a) => (
            <label key={a.id} class="check-inline">
              <input
                type="checkbox"
                checked={step.after.includes(a.name)}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  setStep((s) => ({ ...s, after: on ? [...s.after, a.name] : s.after.filter((x) => x !== a.name) }));
                }}
              />
              {a.name}
            </label>
          ))}
          <FieldIssues issues={afterIssues} id={`${id}-after-issues`} />
        </fieldset>
      </div>
      <StepPlacement step={step} index={index} issuesAt={issuesAt} setStep={setStep} />
      {service && service.params.length > 0 && (
        <fieldset class="params" data-path={stepPath(index, "params")}>
          <legend>Parameters of {step.service}</legend>
          <FieldIssues issues={paramIssues} id={`${id}-param-issues`} />
          <div class="param-grid">
            {service.params.map((param) => (
              <ParamField
                key={param.name}
                param={param}
                value={step.params[param.name]}
                path={stepPath(index, "params", param.name)}
                issues={issuesAt(stepPath(index, "params", param.name))}
                onValue={(v) => setStep((s) => ({ ...s, params: { ...s.params, [param.name]: v } }))}
              />
            ))}
          </div>
        </fieldset>
      )}
    </li>
  );
}

/** The steps section. */
export function StepList(props: StepListProps) {
  const { draft, catalog, issuesAt, update } = props;
  const [pick, setPick] = useState("");
  const chosen = pick || catalog[0]?.name || "";
  const categories = [...new Set(catalog.map((s) => s.category))];
  const stepsIssues = issuesAt(PATHS.steps);
  return (
    <div class="steps" data-path={PATHS.steps}>
      {draft.steps.length > 0 && <StepDiagram steps={draft.steps} />}
      <ol class="step-list">
        {draft.steps.map((s, i) => (
          <StepCard key={s.id} step={s} index={i} props={props} />
        ))}
      </ol>
      <div class={`add-step ${stepsIssues?.length ? "invalid" : ""}`}>
        <label for="add-step-service">Add a step</label>
        <select id="add-step-service" value={chosen} onChange={(e) => setPick(e.currentTarget.value)} aria-describedby={stepsIssues?.length ? "steps-issues" : undefined}>
          {categories.map((c) => (
            <optgroup key={c} label={c}>
              {catalog
                .filter((s) => s.category === c)
                .map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name}
                    {s.description ? ` — ${s.description}` : ""}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
        <button type="button" disabled={!chosen} onClick={() => update((d) => addStep(d, chosen))}>
          Add step
        </button>
        <FieldIssues issues={stepsIssues} id="steps-issues" />
      </div>
    </div>
  );
}
