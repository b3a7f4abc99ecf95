/**
 * @module rules/yaml-source — YAML files parsed with source positions (several documents per file),
 * so that every problem found later can point at the exact node: `FILE:LINE:COL`.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { Issue } from "../lib/errors.js";
import type { PathKey } from "../lib/format-path.js";

/** 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** One non-empty document of a YAML file, its plain data and a way back to source positions. */
export interface YamlDoc {
  file: string;
  /** 0-based index of the document in its file */
  index: number;
  /** the document as plain JavaScript data */
  data: unknown;
  /** where the document's content starts */
  start: Position;
  /**
   * Position of the node at `path`: its value (default) or its key (`at: "key"`, for unknown fields).
   * A path that does not exist resolves to the key of its deepest existing ancestor, so a missing
   * field points at the mapping that lacks it.
   */
  pos(path: readonly PathKey[], at?: "key" | "value"): Position;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function startOf(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}

/** An empty value (`key:` and nothing after) has no text of its own: point at its key instead. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (node.source === "" || node.source === undefined);
}

function locate(doc: Document, path: readonly PathKey[], at: "key" | "value", docStart: number): number {
  let node: unknown = doc.contents;
  let fallback = docStart;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) return fallback;
      const keyAt = startOf(pair.key) ?? fallback;
      if (last && at === "key") return keyAt;
      node = pair.value;
      fallback = keyAt;
      if (last) return isEmptyScalar(node) ? keyAt : (startOf(node) ?? keyAt);
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (item === undefined) return fallback;
      node = item;
      fallback = startOf(item) ?? fallback;
      if (last) return fallback;
    } else {
      return fallback;
    }
  }
  return startOf(node) ?? docStart;
}

/**
 * Parses every document of a file. YAML syntax errors become issues at yaml's own positions, and a
 * document with errors is left out of `docs` (so one typo does not also produce a cascade of schema
 * problems). Empty documents (only comments, a stray `---`) are skipped.
 */
export function parseYamlDocuments(file: string, text: string): { docs: YamlDoc[]; issues: Issue[] } {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const docs: YamlDoc[] = [];
  const issues: Issue[] = [];
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  let index = 0;
  for (const doc of parsed) {
    const i = index++;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) issues.push({ file, ...at(e.pos[0]), path: "", message: `invalid YAML: ${e.message}` });
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      issues.push({ file, ...at(startOf(doc.contents) ?? 0), path: "", message: `invalid YAML: ${(e as Error).message}` });
      continue;
    }
    const docStart = startOf(doc.contents) ?? 0;
    docs.push({
      file,
      index: i,
      data,
      start: at(docStart),
      pos: (path, where = "value") => at(locate(doc, path, where, docStart)),
    });
  }
  return { docs, issues };
}
