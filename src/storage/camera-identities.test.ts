/** @module storage/camera-identities.test — camera ids and the one-right policy. MinIO enforcing it: cameras.int.test.ts. */
import { describe, expect, it } from "vitest";
import { cameraIdProblem, cameraPolicy, newCameraAccessKey, newCameraSecretKey } from "./camera-identities.js";

describe("camera identities", () => {
  it.each(["gate-01", "Lobby_2", "cam.3", "a"])("accepts %s", (id) => {
    expect(cameraIdProblem(id)).toBeUndefined();
  });

  it.each(["", "-gate", "gate/01", "gate*", "${aws:username}", "a b", "a..b", "x".repeat(64), "gäte"])("refuses %j with what to use", (id) => {
    expect(cameraIdProblem(id)).toMatch(/is not a safe camera id: use 1-63 letters, digits/);
  });

  it("allows PutObject under <bucket>/<id>/ and nothing else", () => {
    expect(cameraPolicy("raw", "gate-01")).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::raw/gate-01/*"] }],
    });
  });

  it("makes access keys MinIO takes (20 characters at most) and secret keys of 40", () => {
    const keys = new Set(Array.from({ length: 50 }, newCameraAccessKey));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(k).toMatch(/^FGCAM[A-Z0-9]{15}$/);
    expect(newCameraSecretKey()).toMatch(/^[0-9a-f]{40}$/);
  });
});
