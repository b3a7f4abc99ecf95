/**
 * @module web/ui/field — labelled form controls: every input has a <label>, its help text and its
 * validation issues are tied to it with aria-describedby, and an issue sets aria-invalid.
 */
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import type { ApiIssue } from "../api/types.js";

/** What every field takes: its label, optional help, the issues placed on it, and its document path. */
export interface FieldProps {
  label: string;
  help?: ComponentChildren;
  issues?: readonly ApiIssue[] | undefined;
  /** the document path issues are matched by; also `data-path` for tests and styling */
  path?: string;
  class?: string;
}

/** The help and issue lines of a field, and the attributes that tie them to its control. */
function describe(id: string, p: FieldProps) {
  const ids = [p.help ? `${id}-help` : "", p.issues?.length ? `${id}-issues` : ""].filter(Boolean).join(" ");
  const attrs: Record<string, string | boolean> = { id };
  if (ids) attrs["aria-describedby"] = ids;
  if (p.issues?.length) attrs["aria-invalid"] = "true";
  const below = (
    <>
      {p.help && (
        <p class="help" id={`${id}-help`}>
          {p.help}
        </p>
      )}
      {p.issues?.length ? (
        <ul class="field-issues" id={`${id}-issues`}>
          {p.issues.map((i) => (
            <li key={`${i.line}:${i.col}:${i.message}`}>
              <span class="pos">
                line {i.line}:{i.col}
              </span>{" "}
              {i.message}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
  return { attrs, below };
}

/** A text input's own settings. */
export interface TextInputProps {
  value: string;
  onValue: (v: string) => void;
  inputMode?: "text" | "numeric" | "decimal";
  placeholder?: string;
  autocomplete?: string;
  spellcheck?: boolean;
  required?: boolean;
}

/** A text input with its label (numbers too: typed text reaches the validator, which names the field). */
export function TextField({ label, help, issues, path, class: cls, value, onValue, inputMode, placeholder, autocomplete, spellcheck, required }: FieldProps & TextInputProps) {
  const id = useId();
  const d = describe(id, { label, help, issues, path });
  return (
    <div class={`field ${issues?.length ? "invalid" : ""} ${cls ?? ""}`} data-path={path}>
      <label for={id}>{label}</label>
      <input
        {...d.attrs}
        type="text"
        inputMode={inputMode}
        placeholder={placeholder}
        autocomplete={autocomplete}
        spellcheck={spellcheck}
        required={required}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
      {d.below}
    </div>
  );
}

/** A select with its label; `options` are [value, text] pairs. */
export function SelectField(p: FieldProps & { value: string; options: readonly (readonly [string, string])[]; onValue: (v: string) => void }) {
  const id = useId();
  const d = describe(id, p);
  return (
    <div class={`field ${p.issues?.length ? "invalid" : ""} ${p.class ?? ""}`} data-path={p.path}>
      <label for={id}>{p.label}</label>
      <select {...d.attrs} value={p.value} onChange={(e) => p.onValue(e.currentTarget.value)}>
        {p.options.map(([v, t]) => (
          <option key={v} value={v}>
            {t}
          </option>
        ))}
      </select>
      {d.below}
    </div>
  );
}

/** A checkbox with its label after it. */
export function CheckField(p: FieldProps & { checked: boolean; onChecked: (v: boolean) => void }) {
  const id = useId();
  const d = describe(id, p);
  return (
    <div class={`field check ${p.issues?.length ? "invalid" : ""} ${p.class ?? ""}`} data-path={p.path}>
      <input type="checkbox" {...d.attrs} checked={p.checked} onChange={(e) => p.onChecked(e.currentTarget.checked)} />
      <label for={id}>{p.label}</label>
      {d.below}
    </div>
  );
}

/** A multi-line text input with its label (one entry per line). */
export function TextAreaField(p: FieldProps & { value: string; onValue: (v: string) => void; rows?: number; placeholder?: string }) {
  const id = useId();
  const d = describe(id, p);
  return (
    <div class={`field ${p.issues?.length ? "invalid" : ""} ${p.class ?? ""}`} data-path={p.path}>
      <label for={id}>{p.label}</label>
      <textarea {...d.attrs} rows={p.rows ?? 2} placeholder={p.placeholder} spellcheck={false} value={p.value} onInput={(e) => p.onValue(e.currentTarget.value)} />
      {d.below}
    </div>
  );
}
