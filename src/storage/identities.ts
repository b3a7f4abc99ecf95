/**
 * @module storage/identities — make one MinIO identity (user + canned policy) exist exactly as asked,
 * idempotently: the policy is written (replacing the previous version, which takes effect at once for its
 * users), the user is created or gets the given secret key, and the policy is attached.
 */
import type { StorageAdmin } from "./minio-admin.js";
import type { PolicyDocument } from "./policy.js";

/** One identity: its credentials and the policy that is all it may do. */
export interface IdentitySpec {
  accessKey: string;
  secretKey: string;
  policyName: string;
  policy: PolicyDocument;
}

/**
 * Creates or updates the identity; running it again with the same spec changes nothing.
 * @example await ensureIdentity(admin, { accessKey: "framegate-steps", secretKey, policyName: "framegate-steps", policy })
 */
export async function ensureIdentity(admin: StorageAdmin, spec: IdentitySpec): Promise<void> {
  await admin.addCannedPolicy(spec.policyName, spec.policy);
  await admin.addUser(spec.accessKey, spec.secretKey);
  await admin.attachPolicy(spec.accessKey, [spec.policyName]);
}
