/**
 * @module storage/madmin-crypto — the encrypted bodies of MinIO's admin API (madmin-go `EncryptData` /
 * `DecryptData`): `salt(32) | algorithm id(1) | nonce(8) | DARE stream`, the stream being sio-go's
 * format: the plaintext cut in 16 KiB fragments, each sealed with the 8-byte nonce plus a little-endian
 * sequence number, and authenticated with `flag(0x00, or 0x80 on the last) | tag of an empty seal at
 * sequence 0`. The key comes from the admin's secret key: PBKDF2-SHA256 (8192 rounds) for id 2, Argon2id
 * (t=1, m=64 MiB, p=4) for ids 0 (AES-256-GCM) and 1 (ChaCha20-Poly1305).
 *
 * We encrypt with PBKDF2 + AES-256-GCM (id 2), which MinIO's DecryptData accepts and every Node has.
 * MinIO encrypts its answers with Argon2id, so decrypting needs Argon2id: `crypto.argon2Sync` where
 * Node has it (24.7+), else @noble/hashes (pure JS, about 0.5 s per call).
 */
import * as nodeCrypto from "node:crypto";
import { argon2id } from "@noble/hashes/argon2.js";
import { FramegateError } from "../lib/errors.js";

/** madmin-go's algorithm ids (encrypt.go). */
export const ALGORITHM = { argon2idAesGcm: 0x00, argon2idChaCha20Poly1305: 0x01, pbkdf2AesGcm: 0x02 } as const;

const SALT = 32;
const NONCE = 8;
const HEADER = SALT + 1 + NONCE;
const FRAGMENT = 1 << 14; // sio.BufSize
const TAG = 16;
const PBKDF2_ROUNDS = 8192;

/** The body is not madmin's format, or does not decrypt with this secret key. */
export class MadminCryptoError extends FramegateError {
  override name = "MadminCryptoError";
}

type Argon2Sync = (algorithm: "argon2id", p: { message: Uint8Array; nonce: Uint8Array; parallelism: number; tagLength: number; memory: number; passes: number }) => Buffer;

function argon2Key(password: string, salt: Uint8Array): Uint8Array {
  const native = (nodeCrypto as unknown as { argon2Sync?: Argon2Sync }).argon2Sync;
  const message = Buffer.from(password, "utf8");
  if (native) return native("argon2id", { message, nonce: salt, parallelism: 4, tagLength: 32, memory: 64 * 1024, passes: 1 });
  return argon2id(message, salt, { t: 1, m: 64 * 1024, p: 4, dkLen: 32 });
}

function cipherName(id: number): "aes-256-gcm" | "chacha20-poly1305" {
  return id === ALGORITHM.argon2idChaCha20Poly1305 ? "chacha20-poly1305" : "aes-256-gcm";
}

function seal(cipher: string, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Buffer {
  const c = nodeCrypto.createCipheriv(cipher as "aes-256-gcm", key, nonce, { authTagLength: TAG });
  c.setAAD(ad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function open(cipher: string, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Buffer {
  if (sealed.length < TAG) throw new MadminCryptoError("truncated fragment");
  const d = nodeCrypto.createDecipheriv(cipher as "aes-256-gcm", key, nonce, { authTagLength: TAG });
  d.setAAD(ad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch (e) {
    throw new MadminCryptoError("not authentic: wrong secret key, or the body was altered", { cause: e });
  }
}

/** The 12-byte AEAD nonce of fragment `seq`: the stream nonce, then `seq` little-endian. */
function fragmentNonce(nonce: Uint8Array, seq: number): Buffer {
  const n = Buffer.alloc(NONCE + 4);
  n.set(nonce);
  n.writeUInt32LE(seq, NONCE);
  return n;
}

/** sio-go's per-fragment associated data: flag byte, then the tag of an empty seal at sequence 0. */
function streamAd(cipher: string, key: Uint8Array, nonce: Uint8Array): Buffer {
  const ad = Buffer.alloc(1 + TAG);
  seal(cipher, key, fragmentNonce(nonce, 0), new Uint8Array(0), new Uint8Array(0)).copy(ad, 1);
  return ad;
}

/**
 * Encrypts `data` for MinIO's admin API with PBKDF2 + AES-256-GCM (madmin id 2).
 * @example await fetch(url, { method: "PUT", body: encryptData(secretKey, Buffer.from(JSON.stringify(req))) })
 */
export function encryptData(password: string, data: Uint8Array, opts: { salt?: Uint8Array; nonce?: Uint8Array } = {}): Buffer {
  const salt = opts.salt ?? nodeCrypto.randomBytes(SALT);
  const nonce = opts.nonce ?? nodeCrypto.randomBytes(NONCE);
  const key = nodeCrypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, PBKDF2_ROUNDS, 32, "sha256");
  const cipher = "aes-256-gcm";
  const ad = streamAd(cipher, key, nonce);
  const parts: Buffer[] = [Buffer.from(salt), Buffer.from([ALGORITHM.pbkdf2AesGcm]), Buffer.from(nonce)];
  let seq = 1;
  let off = 0;
  // every fragment but the last is exactly FRAGMENT bytes; the last (0..FRAGMENT bytes) carries flag 0x80
  while (data.length - off > FRAGMENT) {
    ad[0] = 0x00;
    parts.push(seal(cipher, key, fragmentNonce(nonce, seq++), data.subarray(off, off + FRAGMENT), ad));
    off += FRAGMENT;
  }
  ad[0] = 0x80;
  parts.push(seal(cipher, key, fragmentNonce(nonce, seq), data.subarray(off), ad));
  return Buffer.concat(parts);
}

/**
 * Decrypts a body MinIO's admin API encrypted with the requester's secret key (any of madmin's three
 * algorithms). Throws {@link MadminCryptoError} if it is not that format or does not authenticate.
 */
export function decryptData(password: string, body: Uint8Array): Buffer {
  if (body.length < HEADER + TAG) throw new MadminCryptoError(`too short for madmin's format (${body.length} bytes)`);
  const salt = body.subarray(0, SALT);
  const id = body[SALT]!;
  const nonce = body.subarray(SALT + 1, HEADER);
  let key: Uint8Array;
  if (id === ALGORITHM.pbkdf2AesGcm) key = nodeCrypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, PBKDF2_ROUNDS, 32, "sha256");
  else if (id === ALGORITHM.argon2idAesGcm || id === ALGORITHM.argon2idChaCha20Poly1305) key = argon2Key(password, salt);
  else throw new MadminCryptoError(`unknown algorithm id ${id}`);
  const cipher = cipherName(id);
  const ad = streamAd(cipher, key, nonce);
  const out: Buffer[] = [];
  let seq = 1;
  let off = HEADER;
  while (body.length - off > FRAGMENT + TAG) {
    ad[0] = 0x00;
    out.push(open(cipher, key, fragmentNonce(nonce, seq++), body.subarray(off, off + FRAGMENT + TAG), ad));
    off += FRAGMENT + TAG;
  }
  ad[0] = 0x80;
  out.push(open(cipher, key, fragmentNonce(nonce, seq), body.subarray(off), ad));
  return Buffer.concat(out);
}
