/**
 * @module cli/commands/cameras — `framegate cameras add|remove|list`: one MinIO identity per camera, allowed
 * only to PUT objects under `<bucket>/<camera>/`. The secret key is printed once, at `add`.
 */
import { addCamera, cameraIdProblem, cameraPolicyName, listCameras, removeCamera } from "../../storage/camera-identities.js";
import { cliConfig } from "../cli-config.js";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import type { CliIo } from "../io.js";
import { minioAdminFromConfig } from "../storage-identities.js";

const usage = `usage: framegate cameras add <id> [--bucket raw] [--endpoint URL] [--rotate] [--json]
       framegate cameras remove <id>
       framegate cameras list [--json]

Gives each camera its own MinIO identity: a user (access key FGCAM + 15 random characters) with policy
framegate-camera-<id>, which allows s3:PutObject on <bucket>/<id>/* and nothing else (no read, list,
delete, or other prefix).

  add <id>      create the identity and print the endpoint and credentials ONCE (store them in the camera)
    --bucket B      the bucket the camera uploads to              default: raw
    --endpoint URL  the MinIO address to print for the camera     default: FRAMEGATE_MINIO_ENDPOINT
    --rotate        the camera exists: give it a new secret key (the old one stops working at once)
    --json          print {"camera","endpoint","region","bucket","prefix","accessKey","secretKey"}
  remove <id>   delete the user and its policy: the camera's credentials stop working at once
  list          the cameras that have an identity

A camera id is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.
MinIO admin access from FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY, FRAMEGATE_MINIO_SECRET_KEY
(MinIO's root user; in the cluster the Secret framegate/framegate-minio).`;

export const command: Command = { usage, run };

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(
    "cameras",
    args,
    {
      bucket: { type: "string", default: "raw" },
      endpoint: { type: "string", default: "" },
      rotate: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    { positionals: true },
  );
  if (values.help) {
    io.out(`${usage}\n`);
    return EXIT.ok;
  }
  const [action, id, ...extra] = positionals;
  const wantsId = action === "add" || action === "remove";
  if (!action || !["add", "remove", "list"].includes(action) || (wantsId && !id) || extra.length > 0 || (action === "list" && id)) {
    throw new CliError(`framegate cameras: expected "add <id>", "remove <id>" or "list" — run "framegate cameras --help"`, EXIT.usage);
  }
  if (wantsId) {
    const problem = cameraIdProblem(id!);
    if (problem) throw new CliError(`framegate cameras ${action}: ${problem}`, EXIT.usage);
  }
  if (action === "add" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(values.bucket as string)) {
    throw new CliError(`framegate cameras add: --bucket ${JSON.stringify(values.bucket)} is not an S3 bucket name (lowercase letters, digits, '.', '-', 3-63 characters)`, EXIT.usage);
  }
  const cfg = cliConfig();
  const admin = minioAdminFromConfig(cfg, "cameras");

  if (action === "add") {
    const c = await addCamera(admin, { id: id!, bucket: values.bucket as string, rotate: values.rotate as boolean });
    const out = { camera: c.camera, endpoint: (values.endpoint as string) || cfg.FRAMEGATE_MINIO_ENDPOINT!, region: "us-east-1", bucket: c.bucket, prefix: c.prefix, accessKey: c.accessKey, secretKey: c.secretKey };
    if (values.json) io.out(`${JSON.stringify(out)}\n`);
    else {
      io.out(
        [
          `camera ${c.camera}: MinIO user ${c.accessKey} may PUT objects under ${c.bucket}/${c.prefix} and nothing else`,
          `  endpoint   ${out.endpoint}`,
          `  region     ${out.region}   (set it in the uploader: this identity may not look up the bucket's location)`,
          `  bucket     ${c.bucket}`,
          `  prefix     ${c.prefix}`,
          `  accessKey  ${c.accessKey}`,
          `  secretKey  ${c.secretKey}`,
          `The secret key is shown only now. Lost it? "framegate cameras add ${c.camera} --rotate" issues a new one.`,
          "",
        ].join("\n"),
      );
    }
    return EXIT.ok;
  }
  if (action === "remove") {
    const accessKey = await removeCamera(admin, id!);
    io.out(`camera ${id}: user ${accessKey} and policy ${cameraPolicyName(id!)} removed; its credentials no longer work\n`);
    return EXIT.ok;
  }
  const cams = await listCameras(admin);
  if (values.json) io.out(`${JSON.stringify(cams)}\n`);
  else if (cams.length === 0) io.out(`no camera identities (add one with "framegate cameras add <id>")\n`);
  else {
    const w = Math.max(6, ...cams.map((c) => c.camera.length));
    io.out(`${"CAMERA".padEnd(w)}  ${"ACCESS KEY".padEnd(20)}  STATUS    POLICY\n`);
    for (const c of cams) io.out(`${c.camera.padEnd(w)}  ${c.accessKey.padEnd(20)}  ${c.status.padEnd(8)}  ${c.policy}\n`);
  }
  return EXIT.ok;
}
