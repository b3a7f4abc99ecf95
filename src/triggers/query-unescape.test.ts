import { describe, expect, it } from "vitest";
import { queryEscape, queryUnescape } from "./query-unescape.js";

describe("queryUnescape", () => {
  it("decodes MinIO's escaping: %2F, + for space, %2B for plus, UTF-8 bytes", () => {
    expect(queryUnescape("gate+01%2F2024%2Fa%2Bb.jpg")).toEqual({ ok: true, value: "gate 01/2024/a+b.jpg" });
    expect(queryUnescape("caf%C3%A9%2Fk%C3%B6ln.jpg")).toEqual({ ok: true, value: "café/köln.jpg" });
    expect(queryUnescape("%F0%9F%93%B7%2F1.jpg")).toEqual({ ok: true, value: "📷/1.jpg" });
    expect(queryUnescape("100%25")).toEqual({ ok: true, value: "100%" });
  });

  it("passes through unescaped non-ASCII, astral characters included", () => {
    expect(queryUnescape("📷%2Fé.jpg")).toEqual({ ok: true, value: "📷/é.jpg" });
  });

  it("round-trips with queryEscape", () => {
    for (const key of ["a b/c+d/%/é/📷/~._-", "plain/key.jpg", "x".repeat(1024)]) {
      expect(queryUnescape(queryEscape(key))).toEqual({ ok: true, value: key });
    }
  });

  it("names a bad escape and its offset", () => {
    const r = queryUnescape("cam%2Fa%zz.jpg");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/invalid escape "%zz" at offset 7/);
    expect(queryUnescape("end%2").ok).toBe(false);
  });

  it("refuses bytes that are not UTF-8", () => {
    const r = queryUnescape("cam%2F%FF%FE.jpg");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/not valid UTF-8/);
  });
});
