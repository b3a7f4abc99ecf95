/**
 * @module rules/template — `{name}` templates used by parameters, `select.by` and step params.
 * `{{` and `}}` are literal braces.
 */

const TOKEN_RE = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** Names of the variables a template uses, in order of first use. */
export function templateVars(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(TOKEN_RE)) {
    if (m[1] !== undefined && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/**
 * Renders a template; an unknown variable renders as "" (validation at load makes sure none is unknown).
 * @example renderTemplate("{camera}/{file}", { camera: "gate-01", file: "a.jpg" }) // "gate-01/a.jpg"
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(TOKEN_RE, (tok, name: string | undefined) => {
    if (name === undefined) return tok[0]!;
    return vars[name] ?? "";
  });
}

/** Unbalanced braces and other template syntax errors, as a message for people; null when fine. */
export function templateSyntaxError(template: string): string | null {
  const stripped = template.replace(TOKEN_RE, "");
  const open = stripped.indexOf("{");
  if (open >= 0) return `"${template}" has an unclosed or invalid "{" — write {name} with letters, digits, '_', '.', '-', or escape it as "{{"`;
  const close = stripped.indexOf("}");
  if (close >= 0) return `"${template}" has a "}" with no "{" — escape it as "}}"`;
  return null;
}
