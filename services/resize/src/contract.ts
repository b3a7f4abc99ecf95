/** @module resize/contract — the framegate service contract, read from the environment once at start-up. */
import { z } from "zod";

/** Raised for a run that can never succeed as configured: the process exits 2 and Argo does not retry. */
export class BadInputError extends Error {
  override name = "BadInputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const keyList = (name: string) =>
  z.string({ error: `${name} is not set: the Workflow step must pass it (see services/README.md)` }).transform((raw, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: `${name} must be a JSON array of object keys, got ${JSON.stringify(raw.slice(0, 80))}` });
      return z.NEVER;
    }
    const r = z.array(z.string().min(1)).min(1).safeParse(parsed);
    if (!r.success) {
      ctx.addIssue({ code: "custom", message: `${name} must be a non-empty JSON array of non-empty strings, got ${raw.slice(0, 80)}` });
      return z.NEVER;
    }
    return r.data;
  });

const required = (name: string, hint: string) =>
  z.string({ error: `${name} is not set: ${hint}` }).min(1, `${name} is empty: ${hint}`);

const secretHint = "it comes from the Secret framegate-minio (keys endpoint, accessKey, secretKey)";

const envSchema = z
  .object({
    FRAMEGATE_INPUT_BUCKET: required("FRAMEGATE_INPUT_BUCKET", "the Workflow step must pass the input bucket"),
    FRAMEGATE_INPUT_KEYS: keyList("FRAMEGATE_INPUT_KEYS"),
    FRAMEGATE_OUTPUT_BUCKET: required("FRAMEGATE_OUTPUT_BUCKET", "the Workflow step must pass the output bucket"),
    FRAMEGATE_OUTPUT_KEYS: keyList("FRAMEGATE_OUTPUT_KEYS"),
    FRAMEGATE_PIPELINE: z.string().default(""),
    FRAMEGATE_STEP: z.string().default(""),
    FRAMEGATE_CAMERA: z.string().default(""),
    MINIO_ENDPOINT: required("MINIO_ENDPOINT", secretHint),
    MINIO_ACCESS_KEY: required("MINIO_ACCESS_KEY", secretHint),
    MINIO_SECRET_KEY: required("MINIO_SECRET_KEY", secretHint),
  })
  .superRefine((env, ctx) => {
    if (env.FRAMEGATE_INPUT_KEYS.length !== env.FRAMEGATE_OUTPUT_KEYS.length) {
      ctx.addIssue({
        code: "custom",
        path: ["FRAMEGATE_OUTPUT_KEYS"],
        message: `has ${env.FRAMEGATE_OUTPUT_KEYS.length} keys but FRAMEGATE_INPUT_KEYS has ${env.FRAMEGATE_INPUT_KEYS.length}: output key i is the result of input key i, so the lengths must match`,
      });
    }
  });

/** Where a MinIO server is and how to sign in. */
export interface MinioEndpoint {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
}

/** Everything a run needs from the environment, except the service's own parameters. */
export interface Contract {
  inputBucket: string;
  inputKeys: string[];
  outputBucket: string;
  outputKeys: string[];
  context: { pipeline: string; step: string; camera: string };
  minio: MinioEndpoint;
}

/**
 * Parses `MINIO_ENDPOINT`: a URL (`http://minio.framegate:9000`, `https://s3.example.com`) or a bare
 * `host:port`, which means plain HTTP.
 * @example parseEndpoint("http://127.0.0.1:9000") // { endPoint: "127.0.0.1", port: 9000, useSSL: false }
 */
export function parseEndpoint(raw: string): { endPoint: string; port: number; useSSL: boolean } {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BadInputError(`MINIO_ENDPOINT ${JSON.stringify(raw)} has scheme ${url.protocol}: use http:// or https://`);
  }
  const useSSL = url.protocol === "https:";
  return { endPoint: url.hostname.replace(/^\[|\]$/g, ""), port: url.port ? Number(url.port) : useSSL ? 443 : 80, useSSL };
}

/**
 * Reads the contract from `env`. Throws {@link BadInputError} listing every problem as `NAME: message`.
 */
export function readContract(env: NodeJS.ProcessEnv): Contract {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`);
    throw new BadInputError(lines.join("\n"));
  }
  const e = r.data;
  let endpoint;
  try {
    endpoint = parseEndpoint(e.MINIO_ENDPOINT);
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new BadInputError(`MINIO_ENDPOINT: ${JSON.stringify(e.MINIO_ENDPOINT)} is not a URL or host:port`, { cause: err });
  }
  return {
    inputBucket: e.FRAMEGATE_INPUT_BUCKET,
    inputKeys: e.FRAMEGATE_INPUT_KEYS,
    outputBucket: e.FRAMEGATE_OUTPUT_BUCKET,
    outputKeys: e.FRAMEGATE_OUTPUT_KEYS,
    context: { pipeline: e.FRAMEGATE_PIPELINE, step: e.FRAMEGATE_STEP, camera: e.FRAMEGATE_CAMERA },
    minio: { ...endpoint, accessKey: e.MINIO_ACCESS_KEY, secretKey: e.MINIO_SECRET_KEY },
  };
}
