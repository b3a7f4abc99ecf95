/**
 * @module web/composer/param-field — one service parameter as a form control generated from its
 * `service.yaml` declaration: integer and number as numeric text, boolean as a checkbox, enum as a
 * select, string as text; the default is pre-filled and the description is the help text.
 */
import type { ApiIssue, ServiceParamSummary } from "../api/types.js";
import { CheckField, SelectField, TextField } from "../ui/field.js";

/** Props: the parameter, its current value (undefined = default) and the issues placed on it. */
export interface ParamFieldProps {
  param: ServiceParamSummary;
  value: string | undefined;
  issues: readonly ApiIssue[] | undefined;
  path: string;
  onValue(v: string): void;
}

function help(p: ServiceParamSummary) {
  const desc = p.description ? p.description.replace(/([^.!?])$/, "$1.") : undefined;
  const def = p.default === undefined ? undefined : p.default === "" ? "Default: empty." : `Default: ${p.default}.`;
  return [desc, def].filter(Boolean).join(" ") || undefined;
}

/** The control for one parameter. */
export function ParamField({ param, value, issues, path, onValue }: ParamFieldProps) {
  const current = value ?? param.default ?? "";
  const label = `${param.name}${param.required ? " (required)" : ""}`;
  const common = { label, help: help(param), issues, path, class: `param type-${param.type}` };
  switch (param.type) {
    case "boolean":
      return <CheckField {...common} checked={current === "true"} onChecked={(c) => onValue(c ? "true" : "false")} />;
    case "enum":
      return (
        <SelectField
          {...common}
          value={current}
          options={[...(param.values?.includes(current) ? [] : [[current, current || "(choose)"] as const]), ...(param.values ?? []).map((v) => [v, v === param.default ? `${v} (default)` : v] as const)]}
          onValue={onValue}
        />
      );
    case "integer":
    case "number":
      return <TextField {...common} inputMode={param.type === "integer" ? "numeric" : "decimal"} autocomplete="off" spellcheck={false} value={current} onValue={onValue} />;
    default:
      return <TextField {...common} autocomplete="off" spellcheck={false} value={current} onValue={onValue} />;
  }
}
