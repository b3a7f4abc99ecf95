import { describe, expect, it } from "vitest";
import { rng } from "../../test/fixtures/rng.js";
import { compileKeyPattern } from "./key-pattern.js";
import { compilePrefixSuffix, compileTriggerPattern } from "./pattern.js";
import { PatternError } from "./pattern-error.js";

function errorOf(source: string): PatternError {
  try {
    compileKeyPattern(source);
  } catch (e) {
    if (e instanceof PatternError) return e;
    throw e;
  }
  throw new Error(`expected "${source}" to be rejected`);
}

describe("compileKeyPattern: matching", () => {
  it("captures one segment with {name} and matches * within a segment", () => {
    const p = compileKeyPattern("{camera}/*.jpg");
    expect(p.match("gate-01/120000-1.jpg")).toEqual({ camera: "gate-01" });
    expect(p.match("gate-01/a/120000-1.jpg")).toBeNull();
    expect(p.match("gate-01/120000-1.png")).toBeNull();
    expect(p.match("/x.jpg")).toBeNull(); // a capture takes at least one character
    expect(p.captures).toEqual(["camera"]);
  });

  it("lets ** after literal segments take zero segments", () => {
    expect(compileKeyPattern("a/**/b").match("a/b")).toEqual({});
    expect(compileKeyPattern("cam-1/**/*.jpg").match("cam-1/x.jpg")).toEqual({});
    expect(compileKeyPattern("cam-1/**/*.jpg").match("cam-1/2026/x.jpg")).toEqual({});
    expect(compileKeyPattern("cam-1/**/*.jpg").match("cam-1.jpg")).toBeNull();
    expect(compileKeyPattern("a/b/**/{n}.jpg").match("a/b/7.jpg")).toEqual({ n: "7" });
  });

  it("lets ** take zero, one or many whole segments", () => {
    const p = compileKeyPattern("{camera}/**/*.jpg");
    expect(p.match("c1/x.jpg")).toEqual({ camera: "c1" });
    expect(p.match("c1/2026/11/28/x.jpg")).toEqual({ camera: "c1" });
    expect(p.match("x.jpg")).toBeNull();
    const mid = compileKeyPattern("a/**/b/**/c");
    expect(mid.match("a/b/c")).toEqual({});
    expect(mid.match("a/x/b/y/z/c")).toEqual({});
    expect(mid.match("a/x/y/c")).toBeNull();
    expect(mid.match("a/b/b/c/c")).toEqual({});
    const trailing = compileKeyPattern("raw/**");
    expect(trailing.match("raw")).toEqual({});
    expect(trailing.match("raw/a/b")).toEqual({});
    expect(trailing.match("rawx/a")).toBeNull();
  });

  it("does not let * or {name} cross a '/'", () => {
    expect(compileKeyPattern("*").match("a/b")).toBeNull();
    expect(compileKeyPattern("{a}").match("a/b")).toBeNull();
    expect(compileKeyPattern("*").match("")).toEqual({});
  });

  it("matches captures and stars mixed inside one segment, earlier captures taking as little as possible", () => {
    const p = compileKeyPattern("{site}/{camera}-{seq}.jpg");
    expect(p.match("hq/gate-01-7.jpg")).toEqual({ site: "hq", camera: "gate", seq: "01-7" });
    expect(compileKeyPattern("x{a}.{b}y").match("xp.q.ry")).toEqual({ a: "p", b: "q.r" });
    expect(compileKeyPattern("x{a}.{b}y").match("x.qy")).toBeNull();
    expect(compileKeyPattern("pre*mid*end").match("premidend")).toEqual({});
    expect(compileKeyPattern("pre*mid*end").match("premiend")).toBeNull();
    // head and tail literals must not overlap
    expect(compileKeyPattern("ab*ba").match("aba")).toBeNull();
    expect(compileKeyPattern("ab*ba").match("abba")).toEqual({});
  });

  it("treats {{ and }} as literal braces and everything else literally", () => {
    const p = compileKeyPattern("{{raw}}/{camera}/a+b (1)?.jpg");
    expect(p.match("{raw}/c/a+b (1)?.jpg")).toEqual({ camera: "c" });
    expect(p.match("{raw}/c/a+b (1)x.jpg")).toBeNull();
    expect(p.literalPrefix).toBe("{raw}/");
  });

  it("handles keys with spaces, '+', '%' and non-ASCII characters", () => {
    const p = compileKeyPattern("{camera}/**/*.jpg");
    expect(p.match("Tor Süd/2026/a b+c%20.jpg")).toEqual({ camera: "Tor Süd" });
    expect(p.match("カメラ-1/写真.jpg")).toEqual({ camera: "カメラ-1" });
    expect(compileKeyPattern("Café 🎥/{n}.jpg").match("Café 🎥/ü.jpg")).toEqual({ n: "ü" });
    expect(compileKeyPattern("a%2Fb/*").match("a%2Fb/x")).toEqual({});
  });

  it("exposes the literal prefix and suffix and the capture right after the prefix", () => {
    const cases: [string, string, string, string | undefined][] = [
      ["cam-0042/**/*.jpg", "cam-0042/", ".jpg", undefined],
      ["{camera}/**", "", "", "camera"],
      ["raw/{camera}/*.jpg", "raw/", ".jpg", "camera"],
      ["raw/x{camera}/a.jpg", "raw/x", "/a.jpg", "camera"],
      ["raw/*-{camera}", "raw/", "", undefined],
      ["raw/**", "raw", "", undefined],
      ["**/thumb.jpg", "", "thumb.jpg", undefined],
      ["a/**/b.jpg", "a/", "/b.jpg", undefined],
      ["exact/key.jpg", "exact/key.jpg", "exact/key.jpg", undefined],
    ];
    for (const [src, prefix, suffix, leading] of cases) {
      const p = compileKeyPattern(src);
      expect({ src, prefix: p.literalPrefix, suffix: p.literalSuffix, leading: p.leadingCapture }).toEqual({ src, prefix, suffix, leading });
    }
  });

  it("stays fast on adversarial patterns and 1,024-byte keys", () => {
    const p = compileKeyPattern("**/a*a*a*a*a*b/**/a*a*a*c/**/*z");
    const key = "a".repeat(100) + "/" + Array.from({ length: 460 }, () => "a").join("/");
    expect(key.length).toBeGreaterThan(1000);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(p.match(key)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(500);
    const q = compileKeyPattern("{a}x{b}x{c}x{d}x{e}y");
    const t1 = performance.now();
    expect(q.match("x".repeat(1024))).toBeNull();
    expect(performance.now() - t1).toBeLessThan(50);
  });
});

describe("shapes (what a rule matches from flat fields)", () => {
  it("names the shape of the common patterns, and none for the rest", () => {
    const kind = (src: string) => compileKeyPattern(src).shape?.kind;
    expect(kind("cam-1/**")).toBe("head");
    expect(kind("cam-1/2026/**")).toBe("head");
    expect(kind("cam-1/**/*.jpg")).toBe("tail");
    expect(kind("cam-1/**/{camera}.jpg")).toBe("tail");
    expect(kind("{camera}/**")).toBe("lead");
    expect(kind("c-*/**")).toBe("lead");
    expect(compilePrefixSuffix("cam-1/", ".jpg").shape?.kind).toBe("affixes");
    // no shape: two "**", a wildcard before the "**", captures other than {camera}, no "**" at all
    for (const src of ["a/**/b/**/c", "{camera}/**/*.jpg", "cam-1/**/{n}.jpg", "{site}/**", "{camera}/*.jpg", "**", "**/x.jpg"]) {
      expect([src, kind(src)]).toEqual([src, undefined]);
    }
    expect(compileKeyPattern("{camera}/**").shape?.camera).toBe(true);
    expect(compileKeyPattern("cam-1/**/*.jpg").shape?.camera).toBe(false);
  });
});

describe("compileKeyPattern: invalid patterns", () => {
  const cases: [string, number, string][] = [
    ["{camera", 0, '"{camera" has an unclosed "{" at character 1 — close it ("{camera}") or write "{{" for a literal "{"'],
    ["raw/{camera/x.jpg", 4, '"raw/{camera/x.jpg" has an unclosed "{" at character 5'],
    ["a/{}/b", 2, 'has an empty capture "{}" at character 3 — name it ("{camera}") or write "{{}}" for literal braces'],
    ["{a b}/x", 0, 'has an invalid capture name "{a b}" at character 1 — use letters, digits'],
    ["{cam}/{cam}.jpg", 6, 'captures "{cam}" twice at character 7 — give each capture its own name'],
    ["{key}/x", 0, 'has a capture "{key}" that would hide the built-in variable {key} at character 1 — rename the capture (e.g. {key_part})'],
    ["a}b", 1, 'has a "}" with no "{" before it at character 2 — write "}}" for a literal "}"'],
    ["raw/**.jpg", 4, 'uses "**" inside a segment at character 5 — use "**" only as a whole segment between slashes'],
    ["raw/x**", 5, 'uses "**" inside a segment'],
    ["{a}{b}.jpg", 3, 'has two wildcards side by side ("{b}" right after another "*" or "{...}") at character 4'],
    ["*{a}", 1, "has two wildcards side by side"],
    ["/raw/*.jpg", 0, 'starts with "/" at character 1 — object keys never start with "/"; remove it'],
    ["raw//x.jpg", 4, 'has an empty segment ("//") at character 5'],
    ["raw/", 3, 'ends with "/", so it only matches folder-marker objects at character 4 — add "**" to match everything below it ("raw/**")'],
  ];
  for (const [src, offset, message] of cases) {
    it(`rejects ${JSON.stringify(src)}`, () => {
      const e = errorOf(src);
      expect(e.message).toContain(message);
      expect(e.offset).toBe(offset);
      expect(e.pattern).toBe(src);
    });
  }

  it("rejects key together with prefix or suffix", () => {
    expect(() => compileTriggerPattern({ key: "a/*", prefix: "a/" })).toThrow(/set either key or prefix\/suffix, not both/);
  });
});

describe("prefix and suffix filters", () => {
  it("checks both independently, as S3 filters do (they may overlap)", () => {
    const p = compilePrefixSuffix("cam-1/", ".jpg");
    expect(p.match("cam-1/a.jpg")).toEqual({});
    expect(p.match("cam-2/a.jpg")).toBeNull();
    expect(p.match("cam-1/a.png")).toBeNull();
    expect(compilePrefixSuffix("a.jpg", ".jpg").match("a.jpg")).toEqual({});
    expect(compileTriggerPattern({ suffix: ".jpg" }).match("x/y.jpg")).toEqual({});
    expect(compileTriggerPattern({}).match("anything")).toEqual({});
    expect(compileTriggerPattern({ prefix: "{x}*" }).match("{x}*/a")).toEqual({});
  });
});

/** Reference semantics by brute force over segments (fine for short keys), to check the fast matcher. */
function referenceMatch(pattern: string, key: string): boolean {
  const segRe = (seg: string) =>
    new RegExp(
      "^" +
        seg
          .replace(/\{\{|\}\}|\{[A-Za-z_][A-Za-z0-9_]*\}|\*|[^{}*]+/g, (t) =>
            t === "{{" ? "\\{" : t === "}}" ? "\\}" : t === "*" ? "[^/]*" : t.startsWith("{") ? "[^/]+" : t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          ) +
        "$",
    );
  const ps = pattern.split("/");
  const ks = key.split("/");
  const rec = (i: number, j: number): boolean => {
    if (i === ps.length) return j === ks.length;
    if (ps[i] === "**") {
      for (let k = j; k <= ks.length; k++) if (rec(i + 1, k)) return true;
      return false;
    }
    return j < ks.length && segRe(ps[i]!).test(ks[j]!) && rec(i + 1, j + 1);
  };
  return rec(0, 0);
}


describe("compileKeyPattern: agrees with a brute-force reference", () => {
  it("on 20,000 random pattern/key pairs", () => {
    const rand = rng(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const segTokens = ["a", "b", ".", "ab", "*", "{x}", "{y}", "{z}"];
    let compared = 0;
    let matched = 0;
    for (let n = 0; n < 20_000; n++) {
      const segs = Array.from({ length: 1 + Math.floor(rand() * 4) }, () =>
        rand() < 0.25 ? "**" : Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(segTokens)).join(""),
      );
      const pattern = segs.join("/");
      let compiled;
      try {
        compiled = compileKeyPattern(pattern);
      } catch {
        continue;
      }
      const chars = (min: number) => Array.from({ length: min + Math.floor(rand() * 3) }, () => pick(["a", "b", "."])).join("");
      // half the keys are random, half are made from the pattern (so edge cases such as "**" taking
      // no segment come up often)
      const key =
        rand() < 0.5
          ? Array.from({ length: 1 + Math.floor(rand() * 5) }, () => chars(0)).join("/")
          : segs
              .flatMap((seg) =>
                seg === "**"
                  ? Array.from({ length: Math.floor(rand() * 3) }, () => chars(1))
                  : [seg.replace(/\{[a-z]\}/g, () => chars(1)).replace(/\*/g, () => chars(0))],
              )
              .join("/");
      const got = compiled.match(key);
      expect({ pattern, key, matched: got !== null }).toEqual({ pattern, key, matched: referenceMatch(pattern, key) });
      if (got) {
        matched++;
        for (const name of compiled.captures) {
          expect(got[name]).toMatch(/^[^/]+$/);
          expect(key).toContain(got[name]);
        }
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(5_000);
    expect(matched).toBeGreaterThan(500);
  });
});
