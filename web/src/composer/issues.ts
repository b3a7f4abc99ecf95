/**
 * @module web/composer/issues — puts each validation issue on the form field it is about, by its
 * `path` (`spec.workflow.steps[1].params.width`): the field registered under that exact path, else under
 * the nearest enclosing path (`...after[0]` lands on `...after`). Issues no field claims are listed apart.
 */
import type { ApiIssue } from "../api/types.js";


/** The enclosing path: the last `.key`, `[n]` or `["key"]` removed; "" at the top. */
export function parentPath(path: string): string {
  const m = /^(.*?)(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])$/.exec(path);
  return m ? m[1]! : "";
}

/** Issues grouped by the field path that shows them, and those no field claims. */
export interface PlacedIssues {
  byField: Map<string, ApiIssue[]>;
  unplaced: ApiIssue[];
}

/** Places every issue on the closest registered field path. */
export function placeIssues(issues: readonly ApiIssue[], fields: ReadonlySet<string>): PlacedIssues {
  const byField = new Map<string, ApiIssue[]>();
  const unplaced: ApiIssue[] = [];
  for (const issue of issues) {
    let p = issue.path;
    while (p !== "" && !fields.has(p)) p = parentPath(p);
    if (p === "") unplaced.push(issue);
    else byField.set(p, [...(byField.get(p) ?? []), issue]);
  }
  return { byField, unplaced };
}
