import { describe, expect, it } from "vitest";
import { rng } from "../../test/fixtures/rng.js";
import { PrefixIndex } from "./prefix-index.js";

function collect<T>(idx: PrefixIndex<T>, key: string): T[] {
  const out: T[] = [];
  idx.collect(key, out);
  return out;
}

/** Adds `texts`, plus enough texts of other lengths to force the radix-tree mode when `radix` is set. */
function build(texts: string[], opts: { fromEnd?: boolean; radix?: boolean }): PrefixIndex<string> {
  const idx = new PrefixIndex<string>(opts);
  for (const t of texts) idx.add(t, t);
  if (opts.radix) for (let l = 20; l < 32; l++) idx.add("~".repeat(l), `pad${l}`);
  return idx;
}

for (const radix of [false, true]) {
  describe(`PrefixIndex (${radix ? "radix tree" : "hash probes"})`, () => {
    it("collects every added prefix of the key, shortest first", () => {
      const idx = build(["", "cam-", "cam-0042/", "cam-0042/2026/", "cam-0043/", "gate-1", "gate-12"], { radix });
      expect(collect(idx, "cam-0042/2026/11/a.jpg")).toEqual(["", "cam-", "cam-0042/", "cam-0042/2026/"]);
      expect(collect(idx, "gate-123/a.jpg")).toEqual(["", "gate-1", "gate-12"]);
      expect(collect(idx, "lobby/a.jpg")).toEqual([""]);
      expect(collect(idx, "cam-0042/")).toEqual(["", "cam-", "cam-0042/"]);
      expect(collect(idx, "ca")).toEqual([""]);
    });

    it("collects suffixes with fromEnd", () => {
      const idx = build([".jpg", "-1.jpg", "-11.jpg", "thumb.jpg", ".png"], { fromEnd: true, radix });
      expect(collect(idx, "a/120000-11.jpg")).toEqual([".jpg", "-11.jpg"]);
      expect(collect(idx, "a/120000-1.jpg")).toEqual([".jpg", "-1.jpg"]);
      expect(collect(idx, "a/x.png")).toEqual([".png"]);
      expect(collect(idx, "a/x.gif")).toEqual([]);
      expect(collect(idx, "jpg")).toEqual([]);
    });

    it("keeps several values under one text, and handles non-ASCII and astral characters", () => {
      const idx = build(["Tor Süd/", "カメラ/", "🎥/"], { radix });
      idx.add("Tor Süd/", "second");
      expect(collect(idx, "Tor Süd/a b+c%20.jpg")).toEqual(["Tor Süd/", "second"]);
      expect(collect(idx, "カメラ/1.jpg")).toEqual(["カメラ/"]);
      expect(collect(idx, "🎥/1.jpg")).toEqual(["🎥/"]);
      const ends = build(["🎥.jpg", "é"], { fromEnd: true, radix });
      expect(collect(ends, "a/🎥.jpg")).toEqual(["🎥.jpg"]);
      expect(collect(ends, "café")).toEqual(["é"]);
    });

    it("never collects a text that only shares its hash with the key's start or end", () => {
      // the rolling hash is h * 31 + c: "Aa" and "BB" collide, read from the start; "aA" and "BB" from the end
      const idx = build(["Aa/", "cam/"], { radix });
      expect(collect(idx, "BB/x.jpg")).toEqual([]);
      expect(collect(idx, "Aa/x.jpg")).toEqual(["Aa/"]);
      idx.add("BB/", "BB/");
      expect(collect(idx, "BB/x.jpg")).toEqual(["BB/"]);
      expect(collect(idx, "Aa/x.jpg")).toEqual(["Aa/"]);
      const ends = build(["-aA", ".jpg"], { fromEnd: true, radix });
      expect(collect(ends, "x/1-BB")).toEqual([]);
      expect(collect(ends, "x/1-aA")).toEqual(["-aA"]);
    });

    it("collects exactly the added texts that are prefixes or suffixes, on random texts and keys", () => {
      const rand = rng(radix ? 11 : 12);
      // a small alphabet with the colliding pairs, so prefixes share hashes, first and last characters
      const pieces = ["Aa", "BB", "aA", "c", "-", "/", "0", "1", "é"];
      const word = (n: number) => Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
      for (const fromEnd of [false, true]) {
        const texts = [...new Set(Array.from({ length: 60 }, () => word(1 + Math.floor(rand() * 4))))];
        const idx = build(texts, { fromEnd, radix });
        let hits = 0;
        for (let i = 0; i < 500; i++) {
          const key = word(Math.floor(rand() * 7));
          const want = texts.filter((t) => (fromEnd ? key.endsWith(t) : key.startsWith(t))).sort();
          const got = collect(idx, key).filter((t) => !t.startsWith("pad")).sort();
          expect(got).toEqual(want);
          hits += got.length;
        }
        expect(hits).toBeGreaterThan(300);
      }
    });

    it("sees texts added after a lookup", () => {
      const idx = build(["a/"], { radix });
      expect(collect(idx, "a/b")).toEqual(["a/"]);
      idx.add("a/b", "a/b");
      expect(collect(idx, "a/b")).toEqual(["a/", "a/b"]);
      expect(idx.size).toBe(radix ? 14 : 2);
    });
  });
}
