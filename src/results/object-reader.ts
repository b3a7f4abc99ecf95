/**
 * @module results/object-reader — reads processed frames and detection sidecars from MinIO with the results
 * identity (`framegate-results`: s3:GetObject on `<output bucket>/<pipeline>/` of each pipeline, nothing else).
 * Objects are read whole into memory up to a byte cap; MinIO's errors are translated here, once.
 */
import type { Client } from "minio";
import { FramegateError } from "../lib/errors.js";
import { s3Client } from "../storage/s3-client.js";
import type { SidecarReader } from "./results-feeder.js";

/** Why an object could not be read, for the HTTP status: missing (404), too large (413), denied or down (503). */
export class ObjectReadError extends FramegateError {
  override name = "ObjectReadError";
  constructor(
    message: string,
    readonly reason: "missing" | "too-large" | "denied" | "unavailable",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One object read whole. */
export interface ObjectBody {
  body: Buffer;
  contentType: string;
}

/** Reads objects (the port the frame route and the feeder use; tests pass the real one against the harness MinIO). */
export interface ObjectReader extends SidecarReader {
  read(bucket: string, key: string, maxBytes: number): Promise<ObjectBody>;
}

/** Connection settings of {@link MinioObjectReader}. */
export interface ObjectReaderOptions {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** largest sidecar read (default 1 MiB) */
  maxSidecarBytes?: number;
}

export class MinioObjectReader implements ObjectReader {
  readonly #client: Client;
  readonly #maxSidecarBytes: number;

  constructor(o: ObjectReaderOptions) {
    // a region given: the client does not ask the bucket's location, which the identity may not do
    this.#client = s3Client({ endpoint: o.endpoint, accessKey: o.accessKey, secretKey: o.secretKey, region: "us-east-1" });
    this.#maxSidecarBytes = o.maxSidecarBytes ?? 1 << 20;
  }

  async read(bucket: string, key: string, maxBytes: number): Promise<ObjectBody> {
    const where = `${bucket}/${key}`;
    try {
      const stream = await this.#client.getObject(bucket, key);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          stream.destroy();
          throw new ObjectReadError(`${where} is larger than ${maxBytes} bytes, the most the gateway reads`, "too-large");
        }
        chunks.push(chunk);
      }
      const contentType = key.endsWith(".json") ? "application/json" : key.endsWith(".png") ? "image/png" : "image/jpeg";
      return { body: Buffer.concat(chunks), contentType };
    } catch (e) {
      if (e instanceof ObjectReadError) throw e;
      const code = (e as { code?: string }).code;
      if (code === "NoSuchKey" || code === "NotFound") throw new ObjectReadError(`${where} does not exist (deleted by a lifecycle rule?)`, "missing", { cause: e });
      if (code === "AccessDenied" || code === "Forbidden") {
        throw new ObjectReadError(`MinIO refused reading ${where} to the results identity: run \`framegate setup\` so its policy covers the pipeline's output prefix`, "denied", { cause: e });
      }
      throw new ObjectReadError(`reading ${where} from MinIO failed: ${(e as Error).message}`, "unavailable", { cause: e });
    }
  }

  async readJson(bucket: string, key: string): Promise<unknown> {
    const { body } = await this.read(bucket, key, this.#maxSidecarBytes);
    return JSON.parse(body.toString("utf8"));
  }
}
