/** @module resize/contract.test — reading the service contract from the environment. */
import { describe, expect, it } from "vitest";
import { parseEndpoint, readContract } from "./contract.js";

const env = {
  FRAMEGATE_INPUT_BUCKET: "raw",
  FRAMEGATE_INPUT_KEYS: '["gate-1/a.jpg","gate-1/b.jpg"]',
  FRAMEGATE_OUTPUT_BUCKET: "processed",
  FRAMEGATE_OUTPUT_KEYS: '["p/resize/gate-1/a.jpg","p/resize/gate-1/b.jpg"]',
  FRAMEGATE_CAMERA: "gate-1",
  MINIO_ENDPOINT: "http://minio.framegate:9000",
  MINIO_ACCESS_KEY: "ak",
  MINIO_SECRET_KEY: "sk",
};

describe("readContract", () => {
  it("reads keys, context and the MinIO endpoint", () => {
    const c = readContract(env);
    expect(c.inputKeys).toEqual(["gate-1/a.jpg", "gate-1/b.jpg"]);
    expect(c.outputKeys[1]).toBe("p/resize/gate-1/b.jpg");
    expect(c.context).toEqual({ pipeline: "", step: "", camera: "gate-1" });
    expect(c.minio).toEqual({ endPoint: "minio.framegate", port: 9000, useSSL: false, accessKey: "ak", secretKey: "sk" });
  });

  it("rejects key lists of different lengths and names the variable", () => {
    expect(() => readContract({ ...env, FRAMEGATE_OUTPUT_KEYS: '["x.jpg"]' })).toThrow(/^FRAMEGATE_OUTPUT_KEYS: has 1 keys but FRAMEGATE_INPUT_KEYS has 2/);
  });

  it("says where the credentials come from when they are missing", () => {
    const { MINIO_SECRET_KEY: _, ...rest } = env;
    expect(() => readContract(rest)).toThrow(/MINIO_SECRET_KEY: MINIO_SECRET_KEY is not set: it comes from the Secret framegate-minio/);
  });

  it("rejects keys that are not a JSON array", () => {
    expect(() => readContract({ ...env, FRAMEGATE_INPUT_KEYS: "gate-1/a.jpg" })).toThrow(/FRAMEGATE_INPUT_KEYS must be a JSON array/);
  });
});

describe("parseEndpoint", () => {
  it("accepts URLs and bare host:port", () => {
    expect(parseEndpoint("https://s3.example.com")).toEqual({ endPoint: "s3.example.com", port: 443, useSSL: true });
    expect(parseEndpoint("127.0.0.1:9000")).toEqual({ endPoint: "127.0.0.1", port: 9000, useSSL: false });
    expect(() => parseEndpoint("ftp://x:21")).toThrow(/use http:\/\/ or https:\/\//);
  });
});
