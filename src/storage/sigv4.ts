/**
 * @module storage/sigv4 — AWS Signature Version 4 for one HTTP request (service `s3`), as MinIO checks it
 * on its S3 and admin APIs. Only what a request with a fully buffered body needs: the payload hash is
 * signed (`x-amz-content-sha256`), never `UNSIGNED-PAYLOAD`.
 */
import { createHash, createHmac } from "node:crypto";

/** What {@link signV4} signs. `query` values are raw (encoded here). */
export interface SignableRequest {
  method: string;
  url: URL;
  body: Uint8Array;
  accessKey: string;
  secretKey: string;
  /** default `us-east-1`, MinIO's default region */
  region?: string;
  /** default `s3` */
  service?: string;
  /** signing time, for tests; default now */
  now?: Date;
}

const sha256Hex = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Uint8Array | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` too. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The headers that authenticate the request: `host`, `x-amz-date`, `x-amz-content-sha256` and
 * `authorization`. Send exactly these (plus unsigned ones such as `content-type`) with the same body.
 * @example const headers = signV4({ method: "GET", url: new URL("http://127.0.0.1:9000/minio/admin/v3/list-users"), body: new Uint8Array(), accessKey, secretKey })
 */
export function signV4(req: SignableRequest): Record<string, string> {
  const region = req.region ?? "us-east-1";
  const service = req.service ?? "s3";
  const amzDate = (req.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(req.body);
  const headers: Record<string, string> = {
    host: req.url.host,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": amzDate,
  };
  const signedHeaders = Object.keys(headers).sort();
  const canonicalQuery = [...req.url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalPath = req.url.pathname
    .split("/")
    .map((seg) => uriEncode(decodeURIComponent(seg)))
    .join("/");
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath || "/",
    canonicalQuery,
    signedHeaders.map((h) => `${h}:${headers[h]!.trim()}\n`).join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${req.secretKey}`, day), region), service), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${req.accessKey}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`,
  };
}
