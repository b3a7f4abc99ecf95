/** @module storage/admin-errors.test — MinIO's JSON error bodies become errors that say what to do. */
import { describe, expect, it } from "vitest";
import { StorageAccessError, StorageNotFoundError, StorageRequestError, StorageUnavailableError, translateAdminError } from "./admin-errors.js";

const body = (Code: string, Message: string) => JSON.stringify({ Code, Message, Resource: "/minio/admin/v3/x", RequestId: "1" });

describe("translateAdminError", () => {
  it.each([
    [403, "AccessDenied", StorageAccessError, /root user/],
    [403, "SignatureDoesNotMatch", StorageAccessError, /FRAMEGATE_MINIO_SECRET_KEY/],
    [403, "InvalidAccessKeyId", StorageAccessError, /FRAMEGATE_MINIO_ACCESS_KEY/],
    [404, "XMinioAdminNoSuchUser", StorageNotFoundError, /framegate cameras list/],
    [404, "XMinioAdminNoSuchPolicy", StorageNotFoundError, /framegate setup/],
    [400, "XMinioAdminConfigBadJSON", StorageRequestError, /could not decrypt or parse/],
    [400, "XMinioAdminInvalidAccessKey", StorageRequestError, /3-20 characters/],
    [503, "XMinioServerNotInitialized", StorageUnavailableError, /retry shortly/],
    [500, "InternalError", StorageUnavailableError, /retry shortly/],
  ] as const)("%i %s", (status, code, cls, hint) => {
    const e = translateAdminError("add user camera-a", status, body(code, "MinIO says no"));
    expect(e).toBeInstanceOf(cls);
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.message).toMatch(new RegExp(`^minio: add user camera-a failed: MinIO says no \\(${code}\\)`));
    expect(e.message).toMatch(hint);
  });

  it("a body that is not MinIO's JSON (a proxy's page) keeps its start and the status", () => {
    const e = translateAdminError("list users", 502, "<html>Bad Gateway</html>");
    expect(e).toBeInstanceOf(StorageUnavailableError);
    expect(e.code).toBe("HTTP502");
    expect(e.message).toMatch(/<html>Bad Gateway<\/html> \(HTTP502\)/);
  });
});
