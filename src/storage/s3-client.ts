/** @module storage/s3-client — the `minio` S3 client for an `http(s)://host:port` endpoint and one identity. */
import { Client } from "minio";

/** Where MinIO is and who asks. */
export interface S3Identity {
  /** `http(s)://host:port` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** given, the client does not ask a bucket's location first (which a narrow identity may not do) */
  region?: string;
}

/**
 * A client for `endpoint` (TLS when it is `https:`, the scheme's default port when none is given).
 * @example s3Client({ endpoint: "http://minio:9000", accessKey, secretKey }).bucketExists("raw")
 */
export function s3Client(o: S3Identity): Client {
  const url = new URL(o.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    useSSL: url.protocol === "https:",
    accessKey: o.accessKey,
    secretKey: o.secretKey,
    ...(o.region !== undefined && { region: o.region }),
  });
}
