/**
 * @module storage/minio-admin.int.test — the admin client's contract with the real MinIO: users, canned
 * policies, attach, the encrypted bodies both ways, and the errors translated at the boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, S3Error } from "minio";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { StorageAccessError, StorageNotFoundError, StorageRequestError, StorageUnavailableError } from "./admin-errors.js";
import { encryptData } from "./madmin-crypto.js";
import { MinioAdmin } from "./minio-admin.js";
import { allow, objectsArn, policyOf } from "./policy.js";

let minio: MinioServer;
let admin: MinioAdmin;

beforeAll(async () => {
  minio = await startMinio({ buckets: ["contract"] });
  admin = new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey });
});
afterAll(async () => {
  await minio?.stop();
});

const clientFor = (accessKey: string, secretKey: string) =>
  new Client({ endPoint: minio.host, port: minio.port, useSSL: false, accessKey, secretKey, region: "us-east-1" });

describe("MinioAdmin against the real MinIO", () => {
  it("creates a user, attaches a policy, lists it (decrypting the answer) and removes it", async () => {
    const policy = policyOf([allow(["s3:PutObject"], [objectsArn("contract", "alice/")])]);
    await admin.addCannedPolicy("contract-alice", policy);
    await admin.addUser("contract-alice", "alice-secret-123");
    await admin.attachPolicy("contract-alice", ["contract-alice"]);
    await admin.attachPolicy("contract-alice", ["contract-alice"]); // already attached: not an error

    const users = await admin.listUsers();
    expect(users).toContainEqual({ accessKey: "contract-alice", status: "enabled", policyName: "contract-alice" });

    // the policy is what MinIO enforces: the user can write under alice/ only
    const alice = clientFor("contract-alice", "alice-secret-123");
    await alice.putObject("contract", "alice/a.txt", Buffer.from("hi"));
    await expect(alice.putObject("contract", "bob/a.txt", Buffer.from("hi"))).rejects.toMatchObject({ code: "AccessDenied" });

    await admin.removeUser("contract-alice");
    await admin.removeCannedPolicy("contract-alice");
    expect((await admin.listUsers()).map((u) => u.accessKey)).not.toContain("contract-alice");
    const err = await alice.putObject("contract", "alice/b.txt", Buffer.from("hi")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe("InvalidAccessKeyId");
  });

  it("adding an existing user sets its new secret key: the old one stops working", async () => {
    await admin.addCannedPolicy("contract-rot", policyOf([allow(["s3:PutObject"], [objectsArn("contract", "rot/")])]));
    await admin.addUser("contract-rot", "first-secret-1");
    await admin.attachPolicy("contract-rot", ["contract-rot"]);
    await clientFor("contract-rot", "first-secret-1").putObject("contract", "rot/1", Buffer.from("1"));
    await admin.addUser("contract-rot", "second-secret-2");
    await expect(clientFor("contract-rot", "first-secret-1").putObject("contract", "rot/2", Buffer.from("2"))).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
    await clientFor("contract-rot", "second-secret-2").putObject("contract", "rot/3", Buffer.from("3"));
  });

  it("a body encrypted with another key is refused with an error that says what to check", async () => {
    const wrong = new MinioAdmin({
      endpoint: minio.endpoint,
      accessKey: minio.accessKey,
      secretKey: minio.secretKey,
      encrypt: (_password, data) => encryptData("not-the-secret-key", data),
    });
    const err = await wrong.addUser("contract-bad", "whatever-123").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageRequestError);
    expect((err as StorageRequestError).code).toBe("XMinioAdminConfigBadJSON");
    expect((err as Error).message).toMatch(/add user contract-bad failed: .*could not decrypt or parse the encrypted request body.*FRAMEGATE_MINIO_SECRET_KEY/);
    expect((await admin.listUsers()).map((u) => u.accessKey)).not.toContain("contract-bad");
  });

  it("translates MinIO's JSON errors: unknown user, unknown policy, wrong secret, a user without admin rights", async () => {
    await expect(admin.removeUser("contract-nobody")).rejects.toBeInstanceOf(StorageNotFoundError);
    await admin.addUser("contract-plain", "plain-secret-1");
    await expect(admin.attachPolicy("contract-plain", ["no-such-policy"])).rejects.toThrow(/no-such-policy/);

    const badSecret = new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: "wrong-secret-key" });
    const e1 = await badSecret.listUsers().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(StorageAccessError);
    expect((e1 as Error).message).toMatch(/SignatureDoesNotMatch.*check FRAMEGATE_MINIO_SECRET_KEY/);

    const notAdmin = new MinioAdmin({ endpoint: minio.endpoint, accessKey: "contract-plain", secretKey: "plain-secret-1" });
    const e2 = await notAdmin.addUser("contract-escalate", "escalate-123").catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(StorageAccessError);
    expect((e2 as StorageAccessError).code).toBe("AccessDenied");
  });

  it("no server: a connection error naming the endpoint", async () => {
    const gone = new MinioAdmin({ endpoint: "http://127.0.0.1:1", accessKey: "a", secretKey: "b", timeoutMs: 2000 });
    const err = await gone.listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect((err as Error).message).toMatch(/no answer from http:\/\/127\.0\.0\.1:1 .*is MinIO running/);
  });
});
