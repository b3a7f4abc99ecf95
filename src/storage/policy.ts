/**
 * @module storage/policy — IAM policy documents as MinIO reads them (AWS's JSON policy language, S3
 * actions only), and the small builders the identities are written with.
 */

/** One statement: allow `Action` on `Resource`. framegate writes only Allow statements (deny by default). */
export interface PolicyStatement {
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/** A canned policy (`mc admin policy create` takes the same JSON). */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** `arn:aws:s3:::<bucket>`: the bucket itself (ListBucket, notifications, location). */
export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

/** `arn:aws:s3:::<bucket>/<prefix>*`: objects under `prefix` (all of them without one). */
export const objectsArn = (bucket: string, prefix = ""): string => `arn:aws:s3:::${bucket}/${prefix}*`;

/**
 * A policy from statements, dropping those with no resource and sorting actions and resources so the
 * same rules always give the same document.
 * @example policyOf([allow(["s3:GetObject"], [objectsArn("raw")])])
 */
export function policyOf(statements: PolicyStatement[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: statements
      .filter((s) => s.Resource.length > 0 && s.Action.length > 0)
      .map((s) => ({ Effect: "Allow", Action: [...new Set(s.Action)].sort(), Resource: [...new Set(s.Resource)].sort() })),
  };
}

/** An Allow statement. */
export function allow(actions: string[], resources: string[]): PolicyStatement {
  return { Effect: "Allow", Action: actions, Resource: resources };
}
