/** @module resize/params.test — parameter parsing and output format choice. */
import { describe, expect, it } from "vitest";
import { BadInputError } from "./contract.js";
import { formatFor, readParams } from "./params.js";

describe("readParams", () => {
  it("parses the strings the renderer passes and fills defaults", () => {
    expect(readParams({ FRAMEGATE_PARAM_WIDTH: "640", FRAMEGATE_PARAM_HEIGHT: "", FRAMEGATE_PARAM_FORMAT: "JPG" })).toEqual({
      width: 640,
      height: undefined,
      fit: "inside",
      format: "jpeg",
      quality: 85,
      maxInputBytes: 25 * 1024 * 1024,
      maxPixels: 40_000_000,
    });
  });

  it("reports every bad parameter as NAME: message", () => {
    let err: unknown;
    try {
      readParams({ FRAMEGATE_PARAM_WIDTH: "wide", FRAMEGATE_PARAM_FIT: "squash", FRAMEGATE_PARAM_QUALITY: "101" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadInputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^FRAMEGATE_PARAM_WIDTH: .*whole number/m);
    expect(msg).toMatch(/^FRAMEGATE_PARAM_FIT: .*cover, contain, fill, inside, outside/m);
    expect(msg).toMatch(/^FRAMEGATE_PARAM_QUALITY: .*1 to 100/m);
  });

  it("reads the input caps, and refuses caps that are not positive whole numbers", () => {
    expect(readParams({ FRAMEGATE_PARAM_WIDTH: "1", FRAMEGATE_PARAM_MAXINPUTBYTES: "1000", FRAMEGATE_PARAM_MAXPIXELS: "2500" })).toMatchObject({
      maxInputBytes: 1000,
      maxPixels: 2500,
    });
    expect(() => readParams({ FRAMEGATE_PARAM_WIDTH: "1", FRAMEGATE_PARAM_MAXINPUTBYTES: "0" })).toThrow(/^FRAMEGATE_PARAM_MAXINPUTBYTES: .*must be at least 1/m);
    expect(() => readParams({ FRAMEGATE_PARAM_WIDTH: "1", FRAMEGATE_PARAM_MAXPIXELS: "lots" })).toThrow(/^FRAMEGATE_PARAM_MAXPIXELS: .*must be a whole number of pixels/m);
  });

  it("needs a width or a height", () => {
    expect(() => readParams({})).toThrow(/set FRAMEGATE_PARAM_WIDTH, FRAMEGATE_PARAM_HEIGHT or both/);
  });
});

describe("formatFor", () => {
  it("prefers the parameter, then the output key's extension, then JPEG", () => {
    expect(formatFor("webp", "a/b.jpg")).toBe("webp");
    expect(formatFor(undefined, "a/b.PNG")).toBe("png");
    expect(formatFor(undefined, "a/b.jpeg")).toBe("jpeg");
    expect(formatFor(undefined, "a/b")).toBe("jpeg");
  });
});
