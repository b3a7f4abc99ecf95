/** @module gateway/body-limit.test — the body limit the gateway can keep, given NATS's max_payload. */
import { describe, expect, it } from "vitest";
import { effectiveBodyLimit, HEADER_ROOM_BYTES } from "./body-limit.js";

describe("effectiveBodyLimit", () => {
  it("leaves room for the headers under NATS's max_payload", () => {
    expect(effectiveBodyLimit(1 << 20, 1 << 20)).toBe((1 << 20) - HEADER_ROOM_BYTES);
    expect(effectiveBodyLimit(8 << 20, 1 << 20)).toBe((1 << 20) - HEADER_ROOM_BYTES);
  });

  it("keeps a configured limit NATS can store, and the configured one when max_payload is unknown", () => {
    expect(effectiveBodyLimit(64 * 1024, 1 << 20)).toBe(64 * 1024);
    expect(effectiveBodyLimit(1 << 20, undefined)).toBe(1 << 20);
  });
});
