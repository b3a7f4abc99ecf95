/**
 * @module storage/camera-identities — one MinIO user per camera, whose only right is `s3:PutObject` under
 * `<bucket>/<camera>/`. User `camera-<id>`, policy `framegate-camera-<id>`; removing both revokes the
 * camera at once (MinIO checks every request against its current users).
 */
import { randomBytes } from "node:crypto";
import { FramegateError } from "../lib/errors.js";
import { StorageNotFoundError } from "./admin-errors.js";
import type { StorageAdmin } from "./minio-admin.js";
import { allow, objectsArn, policyOf, type PolicyDocument } from "./policy.js";

/** A camera id that is safe as a key prefix, a MinIO user name and inside a policy resource. */
export const CAMERA_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const USER_PREFIX = "camera-";
const POLICY_PREFIX = "framegate-camera-";

export const cameraUser = (id: string): string => `${USER_PREFIX}${id}`;
export const cameraPolicyName = (id: string): string => `${POLICY_PREFIX}${id}`;

/** A camera id or identity request framegate refuses, with why and what to do. */
export class CameraIdentityError extends FramegateError {
  override name = "CameraIdentityError";
}

/** Why `id` is not a usable camera id, or undefined if it is. */
export function cameraIdProblem(id: string): string | undefined {
  if (CAMERA_ID_RE.test(id) && !id.includes("..")) return undefined;
  return (
    `camera id ${JSON.stringify(id)} is not a safe camera id: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit ` +
    `(it becomes the key prefix <bucket>/<id>/ and the MinIO user ${USER_PREFIX}<id>, so no '/', '*', '$' or spaces)`
  );
}

/** The camera's policy: PutObject under `<bucket>/<id>/`, nothing else (no read, list, delete or location). */
export function cameraPolicy(bucket: string, id: string): PolicyDocument {
  return policyOf([allow(["s3:PutObject"], [objectsArn(bucket, `${id}/`)])]);
}

/** What `framegate cameras add` prints once. */
export interface CameraCredentials {
  camera: string;
  bucket: string;
  prefix: string;
  accessKey: string;
  secretKey: string;
}

/**
 * Creates the camera's user and policy. If the camera exists, `rotate` gives it a new secret key (the old
 * one stops working at once); without it, that is an error, so credentials are never replaced by accident.
 */
export async function addCamera(admin: StorageAdmin, opts: { id: string; bucket: string; rotate?: boolean }): Promise<CameraCredentials> {
  const problem = cameraIdProblem(opts.id);
  if (problem) throw new CameraIdentityError(problem);
  const accessKey = cameraUser(opts.id);
  const exists = (await admin.listUsers()).some((u) => u.accessKey === accessKey);
  if (exists && !opts.rotate) {
    throw new CameraIdentityError(
      `camera ${opts.id} already has an identity (MinIO user ${accessKey}): its secret key was shown once when it was added — ` +
        `run "framegate cameras add ${opts.id} --rotate" for a new one (the old one stops working), or "framegate cameras remove ${opts.id}"`,
    );
  }
  const secretKey = randomBytes(20).toString("hex");
  await admin.addCannedPolicy(cameraPolicyName(opts.id), cameraPolicy(opts.bucket, opts.id));
  await admin.addUser(accessKey, secretKey);
  await admin.attachPolicy(accessKey, [cameraPolicyName(opts.id)]);
  return { camera: opts.id, bucket: opts.bucket, prefix: `${opts.id}/`, accessKey, secretKey };
}

/** Deletes the camera's user, then its policy. A camera with no identity is an error that says so. */
export async function removeCamera(admin: StorageAdmin, id: string): Promise<void> {
  const problem = cameraIdProblem(id);
  if (problem) throw new CameraIdentityError(problem);
  try {
    await admin.removeUser(cameraUser(id));
  } catch (e) {
    if (e instanceof StorageNotFoundError) {
      throw new CameraIdentityError(`camera ${id} has no identity (no MinIO user ${cameraUser(id)}): "framegate cameras list" shows the cameras that have one`, { cause: e });
    }
    throw e;
  }
  try {
    await admin.removeCannedPolicy(cameraPolicyName(id));
  } catch (e) {
    // the user is gone, which is what revokes the camera; a policy removed by hand before is fine
    if (!(e instanceof StorageNotFoundError)) throw e;
  }
}

/** A camera identity as `framegate cameras list` shows it. */
export interface CameraIdentity {
  camera: string;
  accessKey: string;
  status: "enabled" | "disabled";
  policy: string;
}

/** Every camera identity (users named `camera-<id>`), sorted by id. */
export async function listCameras(admin: StorageAdmin): Promise<CameraIdentity[]> {
  return (await admin.listUsers())
    .filter((u) => u.accessKey.startsWith(USER_PREFIX))
    .map((u) => ({ camera: u.accessKey.slice(USER_PREFIX.length), accessKey: u.accessKey, status: u.status, policy: u.policyName }));
}
