/**
 * @module resize/object-store — the two object operations the service needs, over the `minio` client.
 * MinIO's raw errors are translated here, once: what a retry cannot fix becomes {@link BadInputError}.
 */
import type { Readable } from "node:stream";
import * as Minio from "minio";
import { BadInputError, type MinioEndpoint } from "./contract.js";

/** Reads and writes objects; tests and `main.ts` pass the MinIO one from {@link minioStore}. */
export interface ObjectStore {
  /** The object's size in bytes. Throws {@link BadInputError} if the object or bucket does not exist. */
  size(bucket: string, key: string): Promise<number>;
  /** A stream of the object's bytes. Throws {@link BadInputError} if the object or bucket does not exist. */
  get(bucket: string, key: string): Promise<Readable>;
  /** Uploads `size` bytes from `body`. Throws {@link BadInputError} if the bucket does not exist. */
  put(bucket: string, key: string, body: Readable, size: number, metadata: Record<string, string>): Promise<void>;
}

/** S3 error codes that mean the request names something that is not there, or is malformed. */
const notRetriable = new Set(["NoSuchKey", "NoSuchBucket", "InvalidBucketName", "InvalidObjectName", "KeyTooLongError"]);

function translate(err: unknown, op: "read" | "write", bucket: string, key: string): Error {
  const where = `${bucket}/${key}`;
  const code = (err as { code?: string } | null)?.code;
  if (code === "NoSuchKey" || code === "NotFound") {
    return new BadInputError(`input object ${where} does not exist: it was deleted or the Workflow names the wrong key`, { cause: err });
  }
  if (code === "NoSuchBucket") {
    return new BadInputError(
      `bucket ${bucket} does not exist (while trying to ${op} ${key}): create it (the k8s bucket Job or \`mc mb\`) or fix the pipeline's bucket`,
      { cause: err },
    );
  }
  if ((code && notRetriable.has(code)) || err instanceof Minio.InvalidBucketNameError || err instanceof Minio.InvalidObjectNameError) {
    return new BadInputError(`cannot ${op} ${where}: ${(err as Error).message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`${op} ${where} failed: ${message} (a retry may fix this: is MinIO reachable at MINIO_ENDPOINT?)`, { cause: err });
}

/**
 * An {@link ObjectStore} over a MinIO (or any S3) server.
 * @example const store = minioStore(readContract(process.env).minio);
 */
export function minioStore(endpoint: MinioEndpoint): ObjectStore {
  const client = new Minio.Client({ ...endpoint, partSize: 16 * 1024 * 1024 });
  return {
    async size(bucket, key) {
      try {
        return (await client.statObject(bucket, key)).size;
      } catch (err) {
        throw translate(err, "read", bucket, key);
      }
    },
    async get(bucket, key) {
      try {
        return await client.getObject(bucket, key);
      } catch (err) {
        throw translate(err, "read", bucket, key);
      }
    },
    async put(bucket, key, body, size, metadata) {
      try {
        await client.putObject(bucket, key, body, size, metadata);
      } catch (err) {
        throw translate(err, "write", bucket, key);
      }
    },
  };
}
