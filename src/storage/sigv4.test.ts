/** @module storage/sigv4.test — signatures checked against AWS's published SigV4 examples for S3. */
import { describe, expect, it } from "vitest";
import { signV4 } from "./sigv4.js";

// AWS S3 documentation, "Signature Calculations for the Authorization Header": example credentials and time
const aws = {
  accessKey: "AKIAIOSFODNN7EXAMPLE",
  secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  now: new Date("2013-05-24T00:00:00Z"),
  region: "us-east-1",
};

describe("signV4", () => {
  it("GET Bucket Lifecycle (a query parameter without a value)", () => {
    const h = signV4({ ...aws, method: "GET", url: new URL("https://examplebucket.s3.amazonaws.com/?lifecycle"), body: new Uint8Array() });
    expect(h["x-amz-content-sha256"]).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(h["x-amz-date"]).toBe("20130524T000000Z");
    expect(h.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    );
  });

  it("GET Bucket (List Objects): query parameters sorted and encoded", () => {
    const h = signV4({ ...aws, method: "GET", url: new URL("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J"), body: new Uint8Array() });
    expect(h.authorization).toMatch(/Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/);
  });

  it("signs the body: another body, another signature", () => {
    const url = new URL("http://127.0.0.1:9000/minio/admin/v3/add-user?accessKey=camera-a");
    const a = signV4({ ...aws, method: "PUT", url, body: Buffer.from("a") });
    const b = signV4({ ...aws, method: "PUT", url, body: Buffer.from("b") });
    expect(a["x-amz-content-sha256"]).not.toBe(b["x-amz-content-sha256"]);
    expect(a.authorization).not.toBe(b.authorization);
  });
});
