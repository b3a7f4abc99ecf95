/**
 * @module sweep/object-lister — the bucket listing the sweep reads: objects under a prefix in key order,
 * from a key on, with their user metadata (MinIO's `ListObjectsV2` extension `metadata=true`, so a rule's
 * `where.metadata` / `contentType` sees what a live notification carries). MinIO failures are translated here.
 */
import type { Client } from "minio";
import { s3Client } from "../storage/s3-client.js";
import { FramegateError } from "../lib/errors.js";
import type { ListedObject } from "../triggers/swept-object.js";

/** Objects of one listing page: S3 and MinIO answer at most this many per request. */
export const PAGE_SIZE = 1000;

/** Lists a bucket; an async iterable of objects, fetched one page ({@link PAGE_SIZE}) at a time. */
export interface ObjectLister {
  /**
   * Objects whose key starts with `prefix` and sorts after `startAfter`, in key order.
   * @throws ObjectStoreError when the store cannot be listed (unreachable, denied, no such bucket)
   */
  list(bucket: string, prefix: string, startAfter: string): AsyncIterable<ListedObject>;
}

/** The object store could not be listed; `bucket` says which. */
export class ObjectStoreError extends FramegateError {
  override name = "ObjectStoreError";
  constructor(message: string, readonly bucket: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Connection settings of {@link MinioObjectLister}. */
export interface MinioListerOptions {
  /** `http(s)://host:port` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

/**
 * {@link ObjectLister} over the `minio` client. Needs `s3:ListBucket` on each trigger bucket, and
 * `s3:GetObject` there for the metadata: MinIO leaves an object's user metadata and content type out of
 * the listing for an identity that may not read the object.
 */
export class MinioObjectLister implements ObjectLister {
  readonly #client: Client;

  constructor(o: MinioListerOptions) {
    this.#client = s3Client(o);
  }

  /**
   * One object's size, ETag, lastModified and metadata, as a listing would report it; undefined when the
   * object does not exist. A HEAD request (s3:GetObject); an identity that may only list (the gateway's on
   * buckets whose rules need no metadata) gets it from a one-page listing, `metadataHidden` then set.
   * @throws ObjectStoreError when the store cannot be asked (unreachable, denied, no such bucket)
   */
  async stat(bucket: string, key: string): Promise<ListedObject | undefined> {
    try {
      const st = await this.#client.statObject(bucket, key);
      return { bucket, key, etag: st.etag, size: st.size, lastModified: st.lastModified, userMetadata: statMetadata(st.metaData) };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "NotFound" || code === "NoSuchKey") return undefined;
      if (code !== "AccessDenied" && code !== "Forbidden") throw new ObjectStoreError(`looking up ${bucket}/${key} failed: ${(e as Error).message}`, bucket, { cause: e });
    }
    // the key sorts before every other key it is a prefix of, so it is first if it exists
    for await (const o of this.list(bucket, key, "")) return o.key === key ? o : undefined;
    return undefined;
  }

  async *list(bucket: string, prefix: string, startAfter: string): AsyncIterable<ListedObject> {
    const stream = this.#client.extensions.listObjectsV2WithMetadata(bucket, prefix, true, startAfter);
    try {
      for await (const item of stream) {
        if (!item.name) continue; // a common prefix: none in a recursive listing
        yield {
          bucket,
          key: item.name,
          etag: item.etag,
          size: Number(item.size ?? 0),
          lastModified: item.lastModified,
          userMetadata: flatMetadata(item.metadata),
          ...(item.metadata ? {} : { metadataHidden: true }),
        };
      }
    } catch (e) {
      throw new ObjectStoreError(`listing bucket "${bucket}" (prefix "${prefix}") failed: ${(e as Error).message}`, bucket, { cause: e });
    } finally {
      stream.destroy();
    }
  }
}

/** The XML parser gives one value per element, numbers and booleans parsed: back to strings. */
/** Headers statObject returns that are not user metadata (minio-js strips `x-amz-meta-` from the rest). */
const SYSTEM_HEADERS = new Set(["cache-control", "content-encoding", "content-disposition", "content-language", "expires"]);

/** statObject's metadata as a listing reports it: `content-type`, and user metadata as `X-Amz-Meta-<Name>`. */
function statMetadata(m: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    const lower = k.toLowerCase();
    if (v === null || v === undefined || SYSTEM_HEADERS.has(lower) || lower.startsWith("x-amz-") || lower.startsWith("x-minio-")) continue;
    out[lower === "content-type" ? "content-type" : `X-Amz-Meta-${lower.charAt(0).toUpperCase()}${lower.slice(1)}`] = String(v);
  }
  return out;
}

function flatMetadata(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m || typeof m !== "object") return out;
  for (const [k, v] of Object.entries(m)) {
    if (v === null || v === undefined) continue;
    out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return out;
}
