import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBytes } from "../lib/bytes.js";
import { loadConfig } from "./env.js";
import { ConfigError } from "../lib/errors.js";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const c = loadConfig({});
    expect(c.FRAMEGATE_NATS_URL).toBe("nats://127.0.0.1:4222");
    expect(c.FRAMEGATE_STREAM).toBe("FRAMEGATE");
    expect(c.FRAMEGATE_MINIO_SUBJECT).toBe("minio.events");
    expect(c.FRAMEGATE_HTTP_PORT).toBe(8080);
    expect(c.FRAMEGATE_ACK_WAIT).toBe(30_000);
    expect(c.FRAMEGATE_ALLOWED_NAMESPACES).toEqual(["argo"]);
    expect(c.FRAMEGATE_MAX_BODY_BYTES).toBe(1 << 20);
  });

  it("reports every bad variable as NAME: message", () => {
    let err: unknown;
    try {
      loadConfig({ FRAMEGATE_HTTP_PORT: "eighty", FRAMEGATE_ACK_WAIT: "30", FRAMEGATE_LOG_LEVEL: "loud" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const lines = (err as ConfigError).message.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^FRAMEGATE_HTTP_PORT: must be a whole number/);
    expect(lines[1]).toMatch(/^FRAMEGATE_ACK_WAIT: must be a duration/);
    expect(lines[2]).toMatch(/^FRAMEGATE_LOG_LEVEL: /);
  });

  it("says what a stream or bucket name may hold", () => {
    expect(() => loadConfig({ FRAMEGATE_DLQ_STREAM: "dead.letters" })).toThrow(/FRAMEGATE_DLQ_STREAM: must be a JetStream stream name \(letters, digits/);
    expect(() => loadConfig({ FRAMEGATE_KV_BUCKET: "state bucket" })).toThrow(/FRAMEGATE_KV_BUCKET: must be a KV bucket name \(letters, digits/);
  });

  it("refuses to serve beyond loopback without an API token unless told to", () => {
    expect(() => loadConfig({ FRAMEGATE_HTTP_HOST: "0.0.0.0" })).toThrow(/FRAMEGATE_API_TOKEN: required/);
    expect(loadConfig({ FRAMEGATE_HTTP_HOST: "0.0.0.0", FRAMEGATE_API_TOKEN: "x".repeat(32) }).FRAMEGATE_HTTP_HOST).toBe("0.0.0.0");
    expect(loadConfig({ FRAMEGATE_HTTP_HOST: "0.0.0.0", FRAMEGATE_ALLOW_UNAUTHENTICATED_API: "true" }).FRAMEGATE_ALLOW_UNAUTHENTICATED_API).toBe(true);
  });

  it("allows rule writes beyond loopback only with an API token", () => {
    expect(loadConfig({}).FRAMEGATE_ALLOW_RULE_WRITES).toBe(false);
    expect(loadConfig({ FRAMEGATE_ALLOW_RULE_WRITES: "true" }).FRAMEGATE_ALLOW_RULE_WRITES).toBe(true);
    const open = { FRAMEGATE_HTTP_HOST: "0.0.0.0", FRAMEGATE_ALLOW_UNAUTHENTICATED_API: "true", FRAMEGATE_ALLOW_RULE_WRITES: "true" };
    expect(() => loadConfig(open)).toThrow(/FRAMEGATE_ALLOW_RULE_WRITES: needs FRAMEGATE_API_TOKEN/);
    expect(loadConfig({ ...open, FRAMEGATE_API_TOKEN: "x".repeat(32) }).FRAMEGATE_ALLOW_RULE_WRITES).toBe(true);
  });

  it("reads rules from files unless told kubernetes, where the composer writes the Pipeline resources", () => {
    expect(loadConfig({}).FRAMEGATE_RULES_SOURCE).toBe("files");
    expect(loadConfig({ FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: "framegate" })).toMatchObject({ FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: "framegate" });
    expect(() => loadConfig({ FRAMEGATE_RULES_SOURCE: "etcd" })).toThrow(/FRAMEGATE_RULES_SOURCE: /);
    expect(() => loadConfig({ FRAMEGATE_NAMESPACE: "Frame_Gate" })).toThrow(/FRAMEGATE_NAMESPACE: must be a namespace name/);
    expect(loadConfig({ FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_ALLOW_RULE_WRITES: "true" }).FRAMEGATE_ALLOW_RULE_WRITES).toBe(true);
    const exposed = { FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_HTTP_HOST: "0.0.0.0", FRAMEGATE_ALLOW_UNAUTHENTICATED_API: "true", FRAMEGATE_ALLOW_RULE_WRITES: "true" };
    expect(() => loadConfig(exposed)).toThrow(/FRAMEGATE_ALLOW_RULE_WRITES: needs FRAMEGATE_API_TOKEN/);
  });

  it("rejects short secrets", () => {
    expect(() => loadConfig({ FRAMEGATE_API_TOKEN: "short" })).toThrow(/FRAMEGATE_API_TOKEN: must be at least 16/);
  });

  it("bounds every stream and the KV bucket, with defaults that fit the k3s overlay's max_file_store", () => {
    const c = loadConfig({});
    const overlay = readFileSync(join(import.meta.dirname, "../../k8s/overlays/k3s/kustomization.yaml"), "utf8");
    const store = parseBytes(/max_file_store:\s*(\S+)/.exec(overlay)![1]!);
    const reserved = c.FRAMEGATE_STREAM_MAX_BYTES + c.FRAMEGATE_HISTORY_MAX_BYTES + c.FRAMEGATE_DLQ_MAX_BYTES + c.FRAMEGATE_KV_MAX_BYTES;
    expect(c.FRAMEGATE_STREAM_MAX_BYTES).toBe(768 * 1024 ** 2);
    expect(c.FRAMEGATE_KV_MAX_BYTES).toBe(1536 * 1024 ** 2);
    // the k3s sizing case (20 cameras x 2 frames/s, one pipeline, 341 B per mark) holds its marks for the whole TTL
    expect(40 * 341 * (c.FRAMEGATE_STATE_TTL / 1000)).toBeLessThanOrEqual(c.FRAMEGATE_KV_MAX_BYTES);
    // nats-server reserves each max_bytes when a stream is created: together they must fit, with room to spare
    expect(reserved).toBeLessThanOrEqual(store * 0.75);
  });

  it("reads sizes with units and refuses nonsense and tiny limits", () => {
    expect(loadConfig({ FRAMEGATE_STREAM_MAX_BYTES: "4MiB" }).FRAMEGATE_STREAM_MAX_BYTES).toBe(4 * 1024 ** 2);
    expect(() => loadConfig({ FRAMEGATE_DLQ_MAX_BYTES: "big" })).toThrow(/^FRAMEGATE_DLQ_MAX_BYTES: must be a size such as 512MiB/);
    expect(() => loadConfig({ FRAMEGATE_KV_MAX_BYTES: "1KiB" })).toThrow(/^FRAMEGATE_KV_MAX_BYTES: must be at least 64KiB/);
  });

  it("keeps the MinIO webhook closed unless a token is set or the opt-out is explicit, never both", () => {
    expect(loadConfig({}).FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK).toBe(false);
    expect(loadConfig({ FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK: "true" }).FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK).toBe(true);
    expect(() => loadConfig({ FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK: "true", FRAMEGATE_MINIO_WEBHOOK_TOKEN: "t".repeat(32) })).toThrow(
      /^FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK: contradicts FRAMEGATE_MINIO_WEBHOOK_TOKEN/,
    );
  });

  it("reads the Argo controller shards as instance IDs and says what is wrong with a bad list", () => {
    expect(loadConfig({}).FRAMEGATE_ARGO_SHARDS).toBeUndefined();
    expect(loadConfig({ FRAMEGATE_ARGO_SHARDS: "a, shard-b.2" }).FRAMEGATE_ARGO_SHARDS).toEqual(["a", "shard-b.2"]);
    expect(() => loadConfig({ FRAMEGATE_ARGO_SHARDS: "a,,b" })).toThrow(/^FRAMEGATE_ARGO_SHARDS: "a,,b" has an empty entry: list the controllers' instanceIDs/);
    expect(() => loadConfig({ FRAMEGATE_ARGO_SHARDS: "a,-b" })).toThrow(/^FRAMEGATE_ARGO_SHARDS: "-b" is not a valid instanceID: it becomes a label value/);
    expect(() => loadConfig({ FRAMEGATE_ARGO_SHARDS: `a,${"x".repeat(64)}` })).toThrow(/is not a valid instanceID/);
    expect(() => loadConfig({ FRAMEGATE_ARGO_SHARDS: "a,b,a" })).toThrow(/^FRAMEGATE_ARGO_SHARDS: "a" is listed twice/);
    const many = Array.from({ length: 33 }, (_, i) => `s${i}`).join(",");
    expect(() => loadConfig({ FRAMEGATE_ARGO_SHARDS: many })).toThrow(/^FRAMEGATE_ARGO_SHARDS: 33 shards, at most 32/);
    expect(loadConfig({ FRAMEGATE_ARGO_SHARDS: many.split(",").slice(0, 32).join(",") }).FRAMEGATE_ARGO_SHARDS).toHaveLength(32);
  });
});
