/**
 * @module triggers/query-unescape — decodes an object key the way MinIO escaped it (Go's `url.QueryEscape`).
 */

/** Why a key could not be decoded, as a message for people. */
export interface UnescapeFailure {
  ok: false;
  message: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * Reverses Go's `url.QueryEscape`: `+` is a space, `%XX` a byte; the bytes must be UTF-8.
 * Strict where `decodeURIComponent` is vague: the message names the bad escape and its offset.
 * @example queryUnescape("gate+01%2F2024%2Fa%2Bb.jpg") // { ok: true, value: "gate 01/2024/a+b.jpg" }
 */
export function queryUnescape(text: string): { ok: true; value: string } | UnescapeFailure {
  if (!text.includes("%")) return { ok: true, value: text.replaceAll("+", " ") };
  // the hot path of every notification: bytes by char code, the encoder only for non-ASCII text
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) {
        return {
          ok: false,
          message: `invalid escape "${text.slice(i, i + 3)}" at offset ${i}: MinIO query-escapes keys ("%2F" for "/", "+" for a space), so "%" must be followed by two hex digits`,
        };
      }
      bytes[n++] = hi * 16 + lo;
      i += 2;
    } else if (c === 0x2b) {
      bytes[n++] = 0x20;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else {
      // astral characters are two UTF-16 units; encode the pair together
      const s = String.fromCodePoint(text.codePointAt(i)!);
      const { written } = utf8Encoder.encodeInto(s, bytes.subarray(n));
      n += written;
      i += s.length - 1;
    }
  }
  try {
    return { ok: true, value: utf8.decode(bytes.subarray(0, n)) };
  } catch {
    return { ok: false, message: `the escaped bytes are not valid UTF-8 ("${text.length > 80 ? `${text.slice(0, 77)}...` : text}")` };
  }
}

/** 0-15 for a hex digit's char code, -1 otherwise (also for NaN past the end). */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Go's `url.QueryEscape` (how MinIO writes `s3.object.key`: `/` as `%2F`, space as `+`), for tests and
 * tools that build notifications the way MinIO does.
 * @example queryEscape("gate 01/a+b.jpg") // "gate+01%2Fa%2Bb.jpg"
 */
export function queryEscape(text: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += "+";
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
