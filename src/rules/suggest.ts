/** @module rules/suggest — a cheap "did you mean" for misspelt field, service, step and variable names. */

/** Edit distance with adjacent transpositions (optimal string alignment), stopping early past `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo
 * (same letters ignoring case, or at most one edit per three characters).
 * @example suggest("bukcet", ["bucket", "key"]) // "bucket"
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const max = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDist = max + 1;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase(), max);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/**
 * Ends a message with a hint: ` — did you mean "x"? Rest` when a candidate is close, else ` — rest`.
 * @example withSuggestion("resise", ["resize"], "known services: resize") // ' — did you mean "resize"? Known services: resize'
 */
export function withSuggestion(word: string, candidates: Iterable<string>, rest: string): string {
  const s = suggest(word, candidates);
  if (s === undefined) return ` — ${rest}`;
  return ` — did you mean "${s}"? ${rest.charAt(0).toUpperCase()}${rest.slice(1)}`;
}
