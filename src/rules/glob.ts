/**
 * @module rules/glob — `where:` globs (camera ids, content types, webhook fields): `*` matches any run of
 * characters (including none), `?` exactly one, everything else is literal. Matching takes at most
 * O(glob length x value length) steps (no regex; backtracking only to the last `*`, never catastrophic).
 */

/** A compiled glob: a predicate on strings. */
export type GlobTest = (value: string) => boolean;

const isWild = (c: string) => c === "*" || c === "?";

/** The literal text every match starts with (the glob up to its first `*` or `?`). */
export function globLiteralPrefix(glob: string): string {
  for (let i = 0; i < glob.length; i++) if (isWild(glob[i]!)) return glob.slice(0, i);
  return glob;
}

/** Classic two-pointer wildcard match: backtracks only to the last `*`, so O(|glob| * |value|) at worst. */
function wildcardMatch(glob: string, s: string): boolean {
  let g = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    const c = glob.charCodeAt(g);
    if (g < glob.length && (c === 63 /* ? */ || c === s.charCodeAt(i))) {
      g++;
      i++;
    } else if (g < glob.length && c === 42 /* * */) {
      star = g++;
      mark = i;
    } else if (star >= 0) {
      g = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob.charCodeAt(g) === 42) g++;
  return g === glob.length;
}

/**
 * Compiles a glob into a predicate, with fast paths for exact text, `prefix*` and `*suffix`.
 * @example compileGlob("gate-*")("gate-01") // true
 */
export function compileGlob(glob: string): GlobTest {
  const stars = glob.split("*").length - 1;
  if (!glob.includes("?")) {
    if (stars === 0) return (s) => s === glob;
    if (stars === 1 && glob.endsWith("*")) {
      const p = glob.slice(0, -1);
      return (s) => s.startsWith(p);
    }
    if (stars === 1 && glob.startsWith("*")) {
      const p = glob.slice(1);
      return (s) => s.endsWith(p);
    }
    if (glob === "*".repeat(stars)) return () => true;
  }
  return (s) => wildcardMatch(glob, s);
}

/** Compiles a list of globs into one predicate that holds when any of them matches. */
export function compileGlobList(globs: readonly string[], opts: { ignoreCase?: boolean } = {}): GlobTest {
  const tests = globs.map((g) => compileGlob(opts.ignoreCase ? g.toLowerCase() : g));
  const any: GlobTest = tests.length === 1 ? tests[0]! : (s) => tests.some((t) => t(s));
  return opts.ignoreCase ? (s) => any(s.toLowerCase()) : any;
}
