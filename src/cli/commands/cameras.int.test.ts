/**
 * @module cli/commands/cameras.int.test — `framegate cameras` against the real MinIO: a camera's identity
 * can PUT under its own prefix and nothing else, rotation and removal take effect at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "minio";
import { startMinio, type MinioServer } from "../../../test/harness/minio.js";
import { MinioAdmin } from "../../storage/minio-admin.js";
import { signV4 } from "../../storage/sigv4.js";
import { memoryIo } from "../io.js";
import { runCli } from "../run.js";

let minio: MinioServer;

beforeAll(async () => {
  minio = await startMinio({ buckets: ["raw", "processed", "dock"] });
  Object.assign(process.env, {
    FRAMEGATE_MINIO_ENDPOINT: minio.endpoint,
    FRAMEGATE_MINIO_ACCESS_KEY: minio.accessKey,
    FRAMEGATE_MINIO_SECRET_KEY: minio.secretKey,
  });
});
afterAll(async () => {
  await minio?.stop();
});

async function cli(...args: string[]) {
  const io = memoryIo();
  const code = await runCli(["cameras", ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

interface Creds {
  camera: string;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKey: string;
  secretKey: string;
}

async function add(id: string, ...flags: string[]): Promise<Creds> {
  const r = await cli("add", id, "--json", ...flags);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Creds;
}

/** A client as a camera configures it from what `cameras add` printed. */
function camera(c: Pick<Creds, "accessKey" | "secretKey">): Client {
  return new Client({ endPoint: minio.host, port: minio.port, useSSL: false, accessKey: c.accessKey, secretKey: c.secretKey, region: "us-east-1" });
}

let gate01: Creds;
const code = (p: Promise<unknown>) => p.then(() => "allowed", (e: { code?: string }) => e.code ?? String(e));
const frame = Buffer.from("jpeg bytes");

describe("framegate cameras", () => {
  it("add: the identity may PUT under raw/<id>/ only — not another camera's prefix, another bucket, GET, DELETE or LIST", async () => {
    const c = await add("gate-01");
    gate01 = c;
    expect(c).toMatchObject({ camera: "gate-01", endpoint: minio.endpoint, region: "us-east-1", bucket: "raw", prefix: "gate-01/" });
    expect(c.accessKey).toMatch(/^FGCAM[A-Z0-9]{15}$/);
    expect(c.secretKey).toMatch(/^[0-9a-f]{40}$/);
    const cam = camera(c);
    await minio.client.putObject("raw", "gate-02/other.jpg", frame);

    expect(await code(cam.putObject("raw", "gate-01/2026/12/01/120000-1.jpg", frame))).toBe("allowed");
    expect(await code(cam.putObject("raw", "gate-02/forged.jpg", frame))).toBe("AccessDenied");
    expect(await code(cam.putObject("raw", "gate-01x/forged.jpg", frame))).toBe("AccessDenied");
    expect(await code(cam.putObject("raw", "top-level.jpg", frame))).toBe("AccessDenied");
    expect(await code(cam.putObject("processed", "gate-01/x.jpg", frame))).toBe("AccessDenied");
    expect(await code(cam.putObject("dock", "gate-01/x.jpg", frame))).toBe("AccessDenied");
    expect(await code(cam.getObject("raw", "gate-01/2026/12/01/120000-1.jpg"))).toBe("AccessDenied");
    expect(await code(cam.getObject("raw", "gate-02/other.jpg"))).toBe("AccessDenied");
    expect(await code(cam.statObject("raw", "gate-01/2026/12/01/120000-1.jpg"))).not.toBe("allowed");
    expect(await code(cam.removeObject("raw", "gate-01/2026/12/01/120000-1.jpg"))).toBe("AccessDenied");
    expect(await code(cam.removeObject("raw", "gate-02/other.jpg"))).toBe("AccessDenied");
    expect(await code(cam.listObjectsV2("raw", "gate-01/", true).toArray())).toBe("AccessDenied");
    expect(await code(cam.bucketExists("dock").then((ok) => (ok ? undefined : Promise.reject({ code: "NotFound" }))))).not.toBe("allowed");
    // what the camera could not do did not happen
    expect((await minio.client.statObject("raw", "gate-01/2026/12/01/120000-1.jpg")).size).toBe(frame.length);
    expect((await minio.client.statObject("raw", "gate-02/other.jpg")).size).toBe(frame.length);
    expect(await code(minio.client.statObject("raw", "gate-02/forged.jpg"))).toBe("NotFound");
  });

  it("a long camera id works (the access key is random: MinIO allows 20 characters)", async () => {
    const id = "street-camera-north-entrance-0042";
    const c = await add(id);
    expect(await code(camera(c).putObject("raw", `${id}/a.jpg`, frame))).toBe("allowed");
    expect(await code(camera(c).putObject("raw", "street-camera-north-entrance-0043/a.jpg", frame))).toBe("AccessDenied");
  });

  it("add --bucket: the prefix is in that bucket instead", async () => {
    const c = await add("dock-7", "--bucket", "dock");
    expect(c).toMatchObject({ bucket: "dock", prefix: "dock-7/" });
    expect(await code(camera(c).putObject("dock", "dock-7/a.jpg", frame))).toBe("allowed");
    expect(await code(camera(c).putObject("raw", "dock-7/a.jpg", frame))).toBe("AccessDenied");
  });

  it("add again is refused; --rotate gives a new secret key and the old one stops working at once", async () => {
    const first = await add("lobby");
    const again = await cli("add", "lobby");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/camera lobby already has an identity .*framegate cameras add lobby --rotate/);
    expect(await code(camera(first).putObject("raw", "lobby/1.jpg", frame))).toBe("allowed");

    const rotated = await add("lobby", "--rotate");
    expect(rotated.secretKey).not.toBe(first.secretKey);
    expect(await code(camera(first).putObject("raw", "lobby/2.jpg", frame))).toBe("SignatureDoesNotMatch");
    expect(await code(camera(rotated).putObject("raw", "lobby/3.jpg", frame))).toBe("allowed");
  });

  it("list shows the camera identities and not the other users", async () => {
    await new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey }).addUser("framegate-steps", "not-a-camera-1");
    const r = await cli("list", "--json");
    expect(r.code).toBe(0);
    const cams = JSON.parse(r.stdout) as { camera: string; accessKey: string; status: string; policy: string }[];
    expect(cams.map((c) => c.camera)).toEqual(expect.arrayContaining(["gate-01", "dock-7", "lobby"]));
    expect(cams.find((c) => c.camera === "gate-01")).toEqual({ camera: "gate-01", accessKey: gate01.accessKey, status: "enabled", policy: "framegate-camera-gate-01" });
    expect(cams.map((c) => c.accessKey)).not.toContain("framegate-steps");
    const text = await cli("list");
    expect(text.stdout).toMatch(/^CAMERA +ACCESS KEY +STATUS +POLICY\n/);
    expect(text.stdout).toMatch(new RegExp(`^gate-01 +${gate01.accessKey} +enabled +framegate-camera-gate-01$`, "m"));
  });

  it("remove takes effect at once: the PUT right after is refused with 403", async () => {
    const c = await add("gate-09");
    const cam = camera(c);
    expect(await code(cam.putObject("raw", "gate-09/before.jpg", frame))).toBe("allowed");
    const r = await cli("remove", "gate-09");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`camera gate-09: user ${c.accessKey} and policy framegate-camera-gate-09 removed; its credentials no longer work\n`);
    const url = new URL(`${minio.endpoint}/raw/gate-09/after.jpg`);
    const headers = signV4({ method: "PUT", url, body: frame, accessKey: c.accessKey, secretKey: c.secretKey });
    delete headers.host;
    const res = await fetch(url, { method: "PUT", headers, body: frame });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/<Code>InvalidAccessKeyId<\/Code>/);
    expect(await code(cam.putObject("raw", "gate-09/after.jpg", frame))).toBe("InvalidAccessKeyId");
    expect(await code(minio.client.statObject("raw", "gate-09/after.jpg"))).toBe("NotFound");
    expect(JSON.parse((await cli("list", "--json")).stdout).map((x: { camera: string }) => x.camera)).not.toContain("gate-09");
  });

  it("refuses unsafe ids and unknown cameras with what to do", async () => {
    for (const id of ["../etc", "gate/01", "gate*", "${aws:username}"]) {
      const r = await cli("add", id);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is not a safe camera id: use 1-63 letters, digits/);
    }
    const bucket = await cli("add", "gate-01", "--bucket", "Not_A_Bucket");
    expect(bucket.code).toBe(2);
    expect(bucket.stderr).toMatch(/--bucket "Not_A_Bucket" is not an S3 bucket name/);
    const gone = await cli("remove", "never-added");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/camera never-added has no identity .*framegate cameras list/);
    const usage = await cli("add");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/expected "add <id>", "remove <id>" or "list"/);
  });
});
