/**
 * @module storage/camera-identities — one MinIO user per camera, whose only right is `s3:PutObject` under
 * `<bucket>/<camera>/`. The policy `framegate-camera-<id>` names the camera; the user's access key is
 * random (`FGCAM` + 15 characters: MinIO allows at most 20, too few for `camera-<id>`), and is found again
 * by the policy attached to it. Removing the user revokes the camera at once (MinIO checks every request
 * against its current users).
 */
import { randomBytes, randomInt } from "node:crypto";
import { FramegateError } from "../lib/errors.js";
import { StorageNotFoundError } from "./admin-errors.js";
import type { MinioUser, StorageAdmin } from "./minio-admin.js";
import { allow, objectsArn, policyOf, type PolicyDocument } from "./policy.js";

/** A camera id that is safe as a key prefix and inside a policy name and resource. */
export const CAMERA_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const ACCESS_KEY_PREFIX = "FGCAM";
const POLICY_PREFIX = "framegate-camera-";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export const cameraPolicyName = (id: string): string => `${POLICY_PREFIX}${id}`;

/** A fresh access key for a camera: `FGCAM` and 15 random letters and digits (20, MinIO's maximum). */
export function newCameraAccessKey(): string {
  let k = ACCESS_KEY_PREFIX;
  while (k.length < 20) k += ALPHABET[randomInt(ALPHABET.length)];
  return k;
}

/** A fresh secret key: 40 hex characters (MinIO's maximum length). */
export const newCameraSecretKey = (): string => randomBytes(20).toString("hex");

/** A camera id or identity request framegate refuses, with why and what to do. */
export class CameraIdentityError extends FramegateError {
  override name = "CameraIdentityError";
}

/** The camera a user belongs to (by its attached `framegate-camera-<id>` policy), if any. */
function cameraOf(u: MinioUser): string | undefined {
  const p = u.policyName.split(",").find((n) => n.startsWith(POLICY_PREFIX));
  return p?.slice(POLICY_PREFIX.length);
}

/** Why `id` is not a usable camera id, or undefined if it is. */
export function cameraIdProblem(id: string): string | undefined {
  if (CAMERA_ID_RE.test(id) && !id.includes("..")) return undefined;
  return (
    `camera id ${JSON.stringify(id)} is not a safe camera id: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit ` +
    `(it becomes the key prefix <bucket>/<id>/ and the MinIO policy ${POLICY_PREFIX}<id>, so no '/', '*', '$' or spaces)`
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
  const existing = (await admin.listUsers()).find((u) => cameraOf(u) === opts.id);
  if (existing && !opts.rotate) {
    throw new CameraIdentityError(
      `camera ${opts.id} already has an identity (MinIO user ${existing.accessKey}): its secret key was shown once when it was added — ` +
        `run "framegate cameras add ${opts.id} --rotate" for a new one (the old one stops working), or "framegate cameras remove ${opts.id}"`,
    );
  }
  const accessKey = existing?.accessKey ?? newCameraAccessKey();
  const secretKey = newCameraSecretKey();
  await admin.addCannedPolicy(cameraPolicyName(opts.id), cameraPolicy(opts.bucket, opts.id));
  await admin.addUser(accessKey, secretKey);
  await admin.attachPolicy(accessKey, [cameraPolicyName(opts.id)]);
  return { camera: opts.id, bucket: opts.bucket, prefix: `${opts.id}/`, accessKey, secretKey };
}

/**
 * Deletes the camera's user, then its policy; returns the access key that stopped working. A camera with
 * no identity is an error that says so.
 */
export async function removeCamera(admin: StorageAdmin, id: string): Promise<string> {
  const problem = cameraIdProblem(id);
  if (problem) throw new CameraIdentityError(problem);
  const user = (await admin.listUsers()).find((u) => cameraOf(u) === id);
  if (!user) {
    throw new CameraIdentityError(`camera ${id} has no identity (no MinIO user with policy ${cameraPolicyName(id)}): "framegate cameras list" shows the cameras that have one`);
  }
  await admin.removeUser(user.accessKey);
  try {
    await admin.removeCannedPolicy(cameraPolicyName(id));
  } catch (e) {
    // the user is gone, which is what revokes the camera; a policy removed by hand before is fine
    if (!(e instanceof StorageNotFoundError)) throw e;
  }
  return user.accessKey;
}

/** A camera identity as `framegate cameras list` shows it. */
export interface CameraIdentity {
  camera: string;
  accessKey: string;
  status: "enabled" | "disabled";
  policy: string;
}

/** Every camera identity (users with a `framegate-camera-<id>` policy), sorted by camera id. */
export async function listCameras(admin: StorageAdmin): Promise<CameraIdentity[]> {
  return (await admin.listUsers())
    .flatMap((u) => {
      const camera = cameraOf(u);
      return camera === undefined ? [] : [{ camera, accessKey: u.accessKey, status: u.status, policy: cameraPolicyName(camera) }];
    })
    .sort((a, b) => (a.camera < b.camera ? -1 : a.camera > b.camera ? 1 : 0));
}
