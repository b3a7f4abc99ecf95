/** @module gateway/body-limit.test — the body limit the gateway can keep, given NATS's max_payload, and JSON bodies parsed against a schema. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { effectiveBodyLimit, HEADER_ROOM_BYTES, parseBodyAs } from "./body-limit.js";
import { HttpError } from "./http-error.js";

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

describe("parseBodyAs", () => {
  const schema = z.strictObject({ bucket: z.string().min(1), force: z.boolean().default(false) });
  const example = '{"bucket": "raw"}';
  const refusal = (text: string, o?: { emptyIsObject?: boolean }) => {
    try {
      parseBodyAs(schema, text, example, o);
    } catch (e) {
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(400);
      return (e as HttpError).message;
    }
    throw new Error("not refused");
  };

  it("gives the body's value with the schema's defaults", () => {
    expect(parseBodyAs(schema, '{"bucket": "raw"}', example)).toEqual({ bucket: "raw", force: false });
  });

  it("takes an empty body as {} only when told to", () => {
    expect(refusal("", { emptyIsObject: true })).toMatch(/^bucket: .* — the body is \{"bucket": "raw"\}$/);
    expect(refusal("")).toMatch(/^request body is empty; send a JSON object — the body is \{"bucket": "raw"\}$/);
  });

  it("names every wrong field, and says what the body should be", () => {
    expect(refusal('{"bucket": "", "force": "yes", "extra": 1}')).toMatch(/^bucket: .*; force: .*; .*extra.* — the body is \{"bucket": "raw"\}$/);
    expect(refusal("{not json")).toMatch(/^request body is not JSON .* — the body is /);
    expect(refusal("[1]")).toMatch(/must be a JSON object, got an array.* — the body is /);
  });
});
