/**
 * @module cli/cli-config — the environment configuration and the MinIO listing identity, as the commands
 * that are not `serve` take them: a bad value is a usage error (exit 2) with its `NAME: message` lines.
 */
import { loadConfig, type Config } from "../config/env.js";
import { ConfigError } from "../lib/errors.js";
import { MinioObjectLister } from "../sweep/object-lister.js";
import { CliError, EXIT } from "./command.js";

/** `loadConfig(process.env)`, its ConfigError turned into a usage CliError. */
export function cliConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.usage);
    throw e;
  }
}

/** The MinIO identity the sweep and on-demand runs list and stat objects with, or undefined when any part is unset. */
export function minioLister(cfg: Config): MinioObjectLister | undefined {
  if (!cfg.FRAMEGATE_MINIO_ENDPOINT || !cfg.FRAMEGATE_MINIO_ACCESS_KEY || !cfg.FRAMEGATE_MINIO_SECRET_KEY) return undefined;
  return new MinioObjectLister({ endpoint: cfg.FRAMEGATE_MINIO_ENDPOINT, accessKey: cfg.FRAMEGATE_MINIO_ACCESS_KEY, secretKey: cfg.FRAMEGATE_MINIO_SECRET_KEY });
}
