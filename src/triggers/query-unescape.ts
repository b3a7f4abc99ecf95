/**
 * @module triggers/query-unescape — decodes an object key the way MinIO escaped it (Go's `url.QueryEscape`).
 */

/** Why a key could not be decoded, as a message for people. */
export interface UnescapeFailure {
  ok: false;
  message: string;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reverses Go's `url.QueryEscape`: `+` is a space, `%XX` a byte; the bytes must be UTF-8.
 * Strict where `decodeURIComponent` is vague: the message names the bad escape and its offset.
 * @example queryUnescape("gate+01%2F2024%2Fa%2Bb.jpg") // { ok: true, value: "gate 01/2024/a+b.jpg" }
 */
export function queryUnescape(text: string): { ok: true; value: string } | UnescapeFailure {
  if (!text.includes("%")) return { ok: true, value: text.replaceAll("+", " ") };
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) {
        return {
          ok: false,
          message: `invalid escape "${text.slice(i, i + 3)}" at offset ${i}: MinIO query-escapes keys ("%2F" for "/", "+" for a space), so "%" must be followed by two hex digits`,
        };
      }
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (ch === "+") {
      bytes.push(0x20);
    } else {
      // astral characters are two UTF-16 units; encode the pair together
      const cp = text.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      for (const b of enc.encode(s)) bytes.push(b);
      i += s.length - 1;
    }
  }
  try {
    return { ok: true, value: utf8.decode(new Uint8Array(bytes)) };
  } catch {
    return { ok: false, message: `the escaped bytes are not valid UTF-8 ("${text.length > 80 ? `${text.slice(0, 77)}...` : text}")` };
  }
}

/**
 * Go's `url.QueryEscape`, for tests and tools that build notifications the way MinIO does.
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
