/**
 * @module storage/minio-admin — the few calls of MinIO's admin API (`/minio/admin/v3`) framegate needs:
 * users, canned policies, and attaching a policy to a user. npm has no maintained client for it. Requests
 * are SigV4-signed (service `s3`); user bodies and the policy-attach body are encrypted in madmin's format
 * with the caller's secret key, and so are the user list and the attach answer (see madmin-crypto.ts).
 * Routes and bodies follow MinIO's cmd/admin-router.go and cmd/admin-handlers-users.go; every error is
 * translated in admin-errors.ts.
 */
import { connectionError, StorageAdminError, StorageRequestError, translateAdminError } from "./admin-errors.js";
import { decryptData, encryptData, MadminCryptoError } from "./madmin-crypto.js";
import type { PolicyDocument } from "./policy.js";
import { signV4 } from "./sigv4.js";

/** Credentials and endpoint of a MinIO user allowed to administer users and policies (root, in practice). */
export interface MinioAdminOptions {
  /** `http://host:port` or `https://...` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** default `us-east-1` */
  region?: string;
  /** per request, default 15 s */
  timeoutMs?: number;
  /** largest answer read, default 16 MiB (the user list grows with the cameras) */
  maxResponseBytes?: number;
  /** encrypts request bodies; default madmin's PBKDF2 + AES-GCM with the caller's secret key */
  encrypt?: (password: string, data: Uint8Array) => Uint8Array;
}

/** One user as `list-users` reports it (madmin.UserInfo). */
export interface MinioUser {
  accessKey: string;
  status: "enabled" | "disabled";
  /** comma-separated names of the attached policies, or "" */
  policyName: string;
}

/** The user/policy calls framegate makes; {@link MinioAdmin} is the real one. */
export interface StorageAdmin {
  /** creates the user, or sets its secret key and enables it if it exists */
  addUser(accessKey: string, secretKey: string): Promise<void>;
  /** deletes the user; its credentials stop working at once */
  removeUser(accessKey: string): Promise<void>;
  listUsers(): Promise<MinioUser[]>;
  /** creates or replaces the canned policy `name` */
  addCannedPolicy(name: string, policy: PolicyDocument): Promise<void>;
  removeCannedPolicy(name: string): Promise<void>;
  /** attaches `policies` to the user; a policy already attached is not an error */
  attachPolicy(user: string, policies: string[]): Promise<void>;
}

const PREFIX = "/minio/admin/v3";

export class MinioAdmin implements StorageAdmin {
  readonly #o: Required<Omit<MinioAdminOptions, "region">> & { region: string };
  readonly #base: URL;

  constructor(opts: MinioAdminOptions) {
    let base: URL;
    try {
      base = new URL(opts.endpoint);
    } catch (e) {
      throw new StorageRequestError(`minio: endpoint ${JSON.stringify(opts.endpoint)} is not a URL — use http://host:9000`, "connect", undefined, undefined, { cause: e });
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new StorageRequestError(`minio: endpoint ${opts.endpoint} must be http:// or https://`, "connect");
    }
    this.#base = base;
    this.#o = { timeoutMs: 15_000, maxResponseBytes: 16 << 20, encrypt: encryptData, region: "us-east-1", ...opts };
  }

  async addUser(accessKey: string, secretKey: string): Promise<void> {
    const body = JSON.stringify({ secretKey, status: "enabled" });
    await this.#call(`add user ${accessKey}`, "PUT", "/add-user", { accessKey }, this.#o.encrypt(this.#o.secretKey, Buffer.from(body)));
  }

  async removeUser(accessKey: string): Promise<void> {
    await this.#call(`remove user ${accessKey}`, "DELETE", "/remove-user", { accessKey });
  }

  async listUsers(): Promise<MinioUser[]> {
    const op = "list users";
    const raw = this.#decrypt(op, await this.#call(op, "GET", "/list-users", {}));
    const users = JSON.parse(raw.toString("utf8")) as Record<string, { status?: string; policyName?: string }>;
    return Object.entries(users)
      .map(([accessKey, u]) => ({ accessKey, status: u.status === "disabled" ? ("disabled" as const) : ("enabled" as const), policyName: u.policyName ?? "" }))
      .sort((a, b) => (a.accessKey < b.accessKey ? -1 : 1));
  }

  async addCannedPolicy(name: string, policy: PolicyDocument): Promise<void> {
    await this.#call(`add policy ${name}`, "PUT", "/add-canned-policy", { name }, Buffer.from(JSON.stringify(policy)));
  }

  async removeCannedPolicy(name: string): Promise<void> {
    await this.#call(`remove policy ${name}`, "DELETE", "/remove-canned-policy", { name });
  }

  async attachPolicy(user: string, policies: string[]): Promise<void> {
    const op = `attach policy ${policies.join(",")} to ${user}`;
    const body = this.#o.encrypt(this.#o.secretKey, Buffer.from(JSON.stringify({ policies, user })));
    try {
      await this.#call(op, "POST", "/idp/builtin/policy/attach", {}, body, "application/octet-stream");
    } catch (e) {
      // MinIO answers 400 when every policy named is attached already: the state asked for holds
      if (e instanceof StorageAdminError && e.code === "XMinioAdminPolicyChangeAlreadyApplied") return;
      throw e;
    }
  }

  #decrypt(op: string, body: Buffer): Buffer {
    try {
      return decryptData(this.#o.secretKey, body);
    } catch (e) {
      if (!(e instanceof MadminCryptoError)) throw e;
      throw new StorageRequestError(
        `minio: ${op}: the answer does not decrypt with FRAMEGATE_MINIO_SECRET_KEY (${e.message}) — MinIO encrypts it with the caller's secret key; is something between us and MinIO rewriting bodies?`,
        op,
        undefined,
        undefined,
        { cause: e },
      );
    }
  }

  async #call(op: string, method: string, path: string, query: Record<string, string>, body: Uint8Array = new Uint8Array(0), contentType?: string): Promise<Buffer> {
    const url = new URL(`${this.#base.pathname.replace(/\/$/, "")}${PREFIX}${path}`, this.#base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = signV4({ method, url, body, accessKey: this.#o.accessKey, secretKey: this.#o.secretKey, region: this.#o.region });
    delete headers.host; // fetch sets it (the same value)
    if (contentType) headers["content-type"] = contentType;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: method === "GET" || method === "DELETE" ? undefined : (body as Uint8Array<ArrayBuffer>), signal: AbortSignal.timeout(this.#o.timeoutMs) });
    } catch (e) {
      throw connectionError(op, this.#base.origin, e);
    }
    const text = await this.#read(op, res);
    if (!res.ok) throw translateAdminError(op, res.status, text.toString("utf8"));
    return text;
  }

  async #read(op: string, res: Response): Promise<Buffer> {
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > this.#o.maxResponseBytes) {
      await res.body?.cancel();
      throw new StorageRequestError(`minio: ${op}: answer of ${declared} bytes is over the ${this.#o.maxResponseBytes}-byte limit`, op);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    for (;;) {
      const r = reader ? await reader.read() : { done: true as const, value: undefined };
      if (r.done) break;
      size += r.value.length;
      if (size > this.#o.maxResponseBytes) {
        await reader!.cancel().catch(() => {});
        throw new StorageRequestError(`minio: ${op}: answer over the ${this.#o.maxResponseBytes}-byte limit`, op);
      }
      chunks.push(Buffer.from(r.value));
    }
    return Buffer.concat(chunks);
  }
}
