/**
 * @module storage/madmin-crypto.test — madmin's encrypted format: layout, fragments, authentication. That
 * MinIO itself accepts what we encrypt and we read what it encrypts is the contract test's job.
 */
import { describe, expect, it } from "vitest";
import { ALGORITHM, MadminCryptoError, decryptData, encryptData } from "./madmin-crypto.js";

describe("encryptData / decryptData", () => {
  it("lays out salt | id 2 (PBKDF2 + AES-GCM) | nonce | one sealed fragment", () => {
    const salt = Buffer.alloc(32, 7);
    const nonce = Buffer.alloc(8, 9);
    const enc = encryptData("secret-key", Buffer.from('{"secretKey":"x"}'), { salt, nonce });
    expect(enc.subarray(0, 32)).toEqual(salt);
    expect(enc[32]).toBe(ALGORITHM.pbkdf2AesGcm);
    expect(enc.subarray(33, 41)).toEqual(nonce);
    expect(enc.length).toBe(41 + 17 + 16);
    expect(decryptData("secret-key", enc).toString()).toBe('{"secretKey":"x"}');
  });

  it("round-trips bodies across fragment boundaries (0, 16 KiB, 16 KiB + 1, 40 KiB)", () => {
    for (const n of [0, 16384, 16385, 40960]) {
      const data = Buffer.alloc(n, n % 251);
      const enc = encryptData("k", data);
      expect(enc.length).toBe(41 + n + 16 * Math.max(1, Math.ceil(n / 16384)));
      expect(decryptData("k", enc).equals(data)).toBe(true);
    }
  });

  it("refuses a wrong key, an altered byte, a reordered or dropped fragment, an unknown id", () => {
    const data = Buffer.alloc(40000, 1);
    const enc = encryptData("right", data);
    expect(() => decryptData("wrong", enc)).toThrow(MadminCryptoError);
    const flipped = Buffer.from(enc);
    flipped[100] = flipped[100]! ^ 1;
    expect(() => decryptData("right", flipped)).toThrow(/not authentic/);
    const frag = 16384 + 16;
    const swapped = Buffer.concat([enc.subarray(0, 41), enc.subarray(41 + frag, 41 + 2 * frag), enc.subarray(41, 41 + frag), enc.subarray(41 + 2 * frag)]);
    expect(() => decryptData("right", swapped)).toThrow(MadminCryptoError);
    const truncated = Buffer.concat([enc.subarray(0, 41 + frag), enc.subarray(41 + 2 * frag)]);
    expect(() => decryptData("right", truncated)).toThrow(MadminCryptoError);
    const unknown = Buffer.from(enc);
    unknown[32] = 9;
    expect(() => decryptData("right", unknown)).toThrow(/unknown algorithm id 9/);
    expect(() => decryptData("right", Buffer.from("{}"))).toThrow(/too short/);
  });
});
