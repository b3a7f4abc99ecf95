/**
 * @module k8s/monitoring/promql-names — the metric names a PromQL expression reads, for the tests that check the
 * alert rules and dashboards against the gateway's registry. A small lexer, not a parser: it drops strings, label
 * matchers, ranges and grouping clauses, then keeps identifiers that are not functions, keywords or numbers.
 */

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan"]);

/**
 * @example metricNames('sum by (pipeline) (rate(x_total{a="b"}[5m])) / y > 0') // ["x_total", "y"]
 */
export function metricNames(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
  const names = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const after = text.slice(m.index + name.length).trimStart();
    if (after.startsWith("(")) continue; // a function
    if (KEYWORDS.has(name.toLowerCase())) continue;
    const before = text[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // the unit of a number such as 1e3 or 5m
    names.add(name);
  }
  return [...names];
}
