/** @module resize/blur/regions.test — boxes from detect's sidecar, and which predecessor blur reads. */
import { describe, expect, it } from "vitest";
import { BadInputError } from "../contract.js";
import { pickSources } from "./inputs.js";
import { readBlurParams } from "./params.js";
import { masks } from "./regions.js";

const sidecar = (detections: unknown[], image?: unknown) => JSON.stringify({ ...(image ? { image } : {}), detections });

describe("masks", () => {
  it("keeps the listed labels, scales to the frame, grows to whole pixels and clips", () => {
    const text = sidecar(
      [
        { label: "person", box: { x: 10.5, y: 20, width: 100, height: 50.2 } },
        { label: "car", box: { x: 0, y: 0, width: 10, height: 10 } },
        { label: "person", box: { x: 600, y: 300, width: 100, height: 100 } },
        { label: "person", box: { x: 700, y: 10, width: 5, height: 5 } },
      ],
      { width: 640, height: 360 },
    );
    expect(masks(text, "s", new Set(["person"]), 320, 180)).toEqual([
      { left: 5, top: 10, width: 51, height: 26 },
      { left: 300, top: 150, width: 20, height: 30 },
    ]);
    expect(masks(text, "s", new Set(["car"]), 640, 360)).toEqual([{ left: 0, top: 0, width: 10, height: 10 }]);
  });

  it("refuses what is not a detect sidecar, saying what it expected", () => {
    expect(() => masks("nope", "b/k.json", new Set(["person"]), 10, 10)).toThrow(BadInputError);
    expect(() => masks(JSON.stringify({ detections: [{ label: "person" }] }), "b/k.json", new Set(["person"]), 10, 10)).toThrow(/b\/k\.json is not a detect sidecar: detections\.0\.box/);
  });
});

describe("pickSources", () => {
  const inputs = JSON.stringify({ detect: { bucket: "p", keys: ["d/a.jpg"] }, resize: { bucket: "p", keys: ["r/a.jpg"] } });
  it("takes the frame from the first step that is not the detector, whatever the order", () => {
    expect(pickSources(inputs, "detect", 1)).toEqual({ frameStep: "resize", frame: { bucket: "p", keys: ["r/a.jpg"] }, regions: { bucket: "p", keys: ["d/a.jpg"] } });
  });
  it("refuses a missing map, a missing detector, a detector alone and lists of the wrong length", () => {
    expect(() => pickSources(undefined, "detect", 1)).toThrow(/FRAMEGATE_INPUTS is not set/);
    expect(() => pickSources(inputs, "faces", 1)).toThrow(/no step "faces".*only detect, resize/);
    expect(() => pickSources(JSON.stringify({ detect: { bucket: "p", keys: ["d"] } }), "detect", 1)).toThrow(/no clean frame/);
    expect(() => pickSources(inputs, "detect", 2)).toThrow(/has 1 keys but FRAMEGATE_OUTPUT_KEYS has 2/);
  });
});

describe("readBlurParams", () => {
  it("defaults to blurring people and splits labels", () => {
    expect(readBlurParams({})).toMatchObject({ labels: ["person"], mode: "blur", strength: 20, regionsFrom: "detect", maxPixels: 40_000_000 });
    expect(readBlurParams({ FRAMEGATE_PARAM_LABELS: " person, car ,", FRAMEGATE_PARAM_MODE: "pixelate" })).toMatchObject({ labels: ["person", "car"], mode: "pixelate" });
  });
  it("names each bad parameter", () => {
    expect(() => readBlurParams({ FRAMEGATE_PARAM_MODE: "smudge", FRAMEGATE_PARAM_STRENGTH: "0", FRAMEGATE_PARAM_LABELS: " , " })).toThrow(
      /FRAMEGATE_PARAM_LABELS:.*\nFRAMEGATE_PARAM_MODE: .*blur or pixelate\nFRAMEGATE_PARAM_STRENGTH: .*at least 1/s,
    );
  });
});
