import { describe, expect, it } from "vitest";
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

  it("rejects short secrets", () => {
    expect(() => loadConfig({ FRAMEGATE_API_TOKEN: "short" })).toThrow(/FRAMEGATE_API_TOKEN: must be at least 16/);
  });
});
