/**
 * @module cli/io — where a command writes and reads, so tests capture output without a subprocess.
 */
import { readFile } from "node:fs/promises";

/** The streams and working directory a command runs with. */
export interface CliIo {
  /** writes to stdout, as is (commands add their own newlines) */
  out(text: string): void;
  /** writes to stderr, as is */
  err(text: string): void;
  /** all of stdin as UTF-8 */
  readStdin(): Promise<string>;
  /** relative paths in flags resolve against this */
  cwd: string;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString("utf8");
    },
    cwd: process.cwd(),
  };
}

/** An in-memory io for tests: `stdout`/`stderr` collect what the command wrote. */
export function memoryIo(opts: { stdin?: string; cwd?: string } = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readStdin: async () => opts.stdin ?? "",
    cwd: opts.cwd ?? process.cwd(),
  };
  return io;
}

/** Reads `--event FILE|-`: a file path (relative to `io.cwd`) or `-` for stdin. */
export async function readInput(io: CliIo, path: string): Promise<string> {
  if (path === "-") return io.readStdin();
  const { resolve } = await import("node:path");
  return readFile(resolve(io.cwd, path), "utf8");
}
