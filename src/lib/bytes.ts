/** @module lib/bytes — byte sizes: "512MiB", "4GB" (1024-based, as nats-server reads them) to bytes, and back. */

const UNIT = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 } as const;

export const BYTES_RE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i;

/**
 * Parses a size; units are powers of 1024 whether written KB or KiB, the way nats-server's
 * `max_file_store: 4GB` means 4 GiB.
 * @example parseBytes("512MiB") // 536870912
 */
export function parseBytes(text: string): number {
  const m = BYTES_RE.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a size: write a number and a unit, e.g. 512MiB, 1GiB, 4GB`);
  return Math.round(Number(m[1]) * UNIT[(m[2] ?? "").toLowerCase() as keyof typeof UNIT]);
}

/**
 * A size people read: whole KiB/MiB/GiB when exact, else one decimal.
 * @example formatBytes(1536) // "1.5 KiB"
 */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (n >= size) return n % size === 0 ? `${n / size} ${unit}` : `${(n / size).toFixed(1)} ${unit}`;
  }
  return `${n} bytes`;
}
