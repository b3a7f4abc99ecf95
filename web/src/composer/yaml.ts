/**
 * @module web/composer/yaml — a small YAML writer for the composer's pipeline objects (maps, lists,
 * strings, numbers, booleans). Strings that YAML could read as something else are written as JSON
 * strings, which are valid YAML double-quoted scalars; lists of scalars use flow style (`[a, b]`).
 * Server-side validation parses the result with the real YAML parser, so what is shown is what is checked.
 */

/** What the writer takes: plain data, no cycles; `undefined` entries are left out. */
export type YamlValue = string | number | boolean | null | undefined | YamlValue[] | { [k: string]: YamlValue };

// plain scalars: no indicators at the start, no ": " or " #", nothing YAML 1.1/1.2 reads as non-string
const PLAIN_RE = /^[A-Za-z0-9_./][A-Za-z0-9_./ +-]*$/;
// booleans and nulls of YAML 1.1 and 1.2, and anything number-like (decimal, .5, 1e3, 1_000, 12:30, 0x1F, 0o17, 0b101)
const SPECIAL_RE = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?\.(?:inf|nan)|[-+]?\.?[0-9][0-9_.:eE+-]*|0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+)$/i;
// inside a flow list commas and brackets end a plain scalar, and a leading space or trailing one is lost
const FLOW_PLAIN_RE = /^[A-Za-z0-9_./][A-Za-z0-9_./+-]*$/;

/** A string as a YAML scalar: plain when that reads back as the same string, else double-quoted. */
export function scalar(s: string, flow = false): string {
  const plain = flow ? FLOW_PLAIN_RE : PLAIN_RE;
  if (plain.test(s) && !SPECIAL_RE.test(s) && !s.endsWith(" ")) return s;
  return JSON.stringify(s);
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) && !SPECIAL_RE.test(k) ? k : JSON.stringify(k);
}

function isScalar(v: YamlValue): v is string | number | boolean | null {
  return v === null || typeof v !== "object";
}

function inline(v: string | number | boolean | null, flow = false): string {
  if (v === null) return "null";
  if (typeof v === "string") return scalar(v, flow);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  return String(v);
}

function lines(v: YamlValue, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item === undefined) continue;
      if (isScalar(item)) out.push(`${indent}- ${inline(item)}`);
      else {
        const sub: string[] = [];
        lines(item, `${indent}  `, sub);
        if (sub.length === 0) out.push(`${indent}- ${Array.isArray(item) ? "[]" : "{}"}`);
        else out.push(`${indent}- ${sub[0]!.slice(indent.length + 2)}`, ...sub.slice(1));
      }
    }
    return;
  }
  if (v === null || typeof v !== "object") return;
  for (const [k, item] of Object.entries(v)) {
    if (item === undefined) continue;
    if (isScalar(item)) out.push(`${indent}${key(k)}: ${inline(item)}`);
    else if (Array.isArray(item) && item.every((x) => isScalar(x))) {
      out.push(`${indent}${key(k)}: [${item.map((x) => inline(x as string | number | boolean | null, true)).join(", ")}]`);
    } else {
      const sub: string[] = [];
      lines(item, `${indent}  `, sub);
      out.push(sub.length === 0 ? `${indent}${key(k)}: ${Array.isArray(item) ? "[]" : "{}"}` : `${indent}${key(k)}:`, ...sub);
    }
  }
}

/**
 * Writes `doc` as a YAML document (block style, two-space indent, trailing newline).
 * @example toYaml({ spec: { trigger: { key: "{camera}/**\/*.jpg" } } }) // 'spec:\n  trigger:\n    key: "{camera}/**\/*.jpg"\n'
 */
export function toYaml(doc: { [k: string]: YamlValue }, header?: string): string {
  const out: string[] = header ? header.split("\n").map((l) => `# ${l}`.trimEnd()) : [];
  lines(doc, "", out);
  return `${out.join("\n")}\n`;
}
