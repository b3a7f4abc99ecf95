/**
 * @module cli/storage-identities — the MinIO side of `framegate setup` and `framegate cameras`: the admin
 * client from FRAMEGATE_MINIO_* (MinIO's root user, in practice), and the identities of the Workflow steps,
 * the gateway, Argo's archive and the results reader, created or updated with policies derived from the rules.
 */
import type { Config } from "../config/env.js";
import { storagePolicies, POLICY_NAMES, type ServiceIdentity } from "../rules/storage-policies.js";
import type { RuleSet } from "../rules/types.js";
import { ensureIdentity } from "../storage/identities.js";
import { MinioAdmin, type StorageAdmin } from "../storage/minio-admin.js";
import { CliError, EXIT } from "./command.js";
import type { CliIo } from "./io.js";

/** The admin client, or a usage error naming the variables to set. */
export function minioAdminFromConfig(cfg: Config, command: string): MinioAdmin {
  const missing = (["FRAMEGATE_MINIO_ENDPOINT", "FRAMEGATE_MINIO_ACCESS_KEY", "FRAMEGATE_MINIO_SECRET_KEY"] as const).filter((k) => !cfg[k]);
  if (missing.length > 0) {
    throw new CliError(
      `framegate ${command}: set ${missing.join(", ")}: MinIO's endpoint and an admin identity (its root user; in the cluster the Secret framegate/framegate-minio)`,
      EXIT.usage,
    );
  }
  return new MinioAdmin({ endpoint: cfg.FRAMEGATE_MINIO_ENDPOINT!, accessKey: cfg.FRAMEGATE_MINIO_ACCESS_KEY!, secretKey: cfg.FRAMEGATE_MINIO_SECRET_KEY! });
}

const CREDENTIALS: Record<ServiceIdentity, { access: keyof Config; secret: keyof Config; what: string }> = {
  steps: { access: "FRAMEGATE_MINIO_STEPS_ACCESS_KEY", secret: "FRAMEGATE_MINIO_STEPS_SECRET_KEY", what: "Workflow steps" },
  gateway: { access: "FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY", secret: "FRAMEGATE_MINIO_GATEWAY_SECRET_KEY", what: "gateway" },
  artifacts: { access: "FRAMEGATE_MINIO_ARTIFACTS_ACCESS_KEY", secret: "FRAMEGATE_MINIO_ARTIFACTS_SECRET_KEY", what: "Argo artifact repository and log archive" },
  results: { access: "FRAMEGATE_MINIO_RESULTS_ACCESS_KEY", secret: "FRAMEGATE_MINIO_RESULTS_SECRET_KEY", what: "the gateway's reader of pipeline outputs (Results view)" },
};

/**
 * Writes the four policies from the rules and, for each identity whose credentials are set, makes its
 * user exist with them and the policy attached. Idempotent; prints one line per identity.
 */
export async function ensureServiceIdentities(admin: StorageAdmin, cfg: Config, ruleSet: RuleSet, io: CliIo): Promise<void> {
  const derived = storagePolicies(ruleSet.pipelines, { models: cfg.FRAMEGATE_MINIO_MODELS_BUCKET, artifacts: cfg.FRAMEGATE_MINIO_ARTIFACTS_BUCKET });
  const scope: Record<ServiceIdentity, string> = {
    steps: `read ${derived.readBuckets.join(", ")}; read+write ${derived.outputBuckets.join(", ")}`,
    gateway: `notifications+list+listen ${derived.triggerBuckets.join(", ") || "(no trigger bucket)"}; read ${derived.gatewayReadBuckets.join(", ")}`,
    artifacts: `read+write+delete ${cfg.FRAMEGATE_MINIO_ARTIFACTS_BUCKET}`,
    results: `read ${derived.resultPrefixes.join(", ") || "(no pipeline)"}`,
  };
  for (const id of Object.keys(POLICY_NAMES) as ServiceIdentity[]) {
    const { access, secret, what } = CREDENTIALS[id];
    const accessKey = cfg[access] as string | undefined;
    const secretKey = cfg[secret] as string | undefined;
    const policyName = POLICY_NAMES[id];
    if (!accessKey !== !secretKey) {
      throw new CliError(`framegate setup: set both ${access} and ${secret}, or neither (identity ${id}: ${what})`, EXIT.usage);
    }
    if (accessKey && accessKey === cfg.FRAMEGATE_MINIO_ACCESS_KEY) {
      throw new CliError(`framegate setup: ${access} is MinIO's admin user: identity ${id} (${what}) needs a user of its own (k8s/create-secrets.sh makes one)`, EXIT.usage);
    }
    if (accessKey && secretKey) {
      await ensureIdentity(admin, { accessKey, secretKey, policyName, policy: derived.policies[id] });
      io.out(`minio: identity ${id}: user ${accessKey}, policy ${policyName}: ${scope[id]}\n`);
    } else {
      await admin.addCannedPolicy(policyName, derived.policies[id]);
      io.out(`minio: identity ${id}: policy ${policyName} written (${scope[id]}); no user: ${access}/${secret} not set\n`);
    }
  }
}
