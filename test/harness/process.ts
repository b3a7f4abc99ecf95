/**
 * @module test/harness/process — one real server as a child process: its own process group, output in a
 * capped ring buffer (shown only when something fails), readiness polled against a deadline, and a
 * stop that kills the whole group. A watchdog process kills every group still registered when this
 * process goes away, even by SIGKILL, so a crashed vitest leaves no servers behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { FramegateError } from "../../src/lib/errors.js";

/** A harness server failed to start, become ready or stop; `output` is the tail of its stdout/stderr. */
export class HarnessError extends FramegateError {
  override name = "HarnessError";
  constructor(
    message: string,
    readonly output = "",
    options?: { cause?: unknown },
  ) {
    super(output ? `${message}\n--- last output ---\n${output}\n--- end of output ---` : message, options);
  }
}

/** Keeps the last `maxBytes` of a stream of text, cut at line starts where it can. */
export class RingBuffer {
  #chunks: string[] = [];
  #size = 0;
  #dropped = 0;
  constructor(readonly maxBytes = 64 * 1024) {}

  push(text: string): void {
    this.#chunks.push(text);
    this.#size += text.length;
    while (this.#size > this.maxBytes && this.#chunks.length > 1) {
      const first = this.#chunks.shift()!;
      this.#size -= first.length;
      this.#dropped += first.length;
    }
  }

  /** The buffered text, with a note of how much was dropped before it. */
  toString(): string {
    let text = this.#chunks.join("");
    if (text.length > this.maxBytes) {
      this.#dropped += text.length - this.maxBytes;
      text = text.slice(text.length - this.maxBytes);
      this.#chunks = [text];
      this.#size = text.length;
    }
    return this.#dropped ? `[... ${this.#dropped} earlier characters dropped]\n${text}` : text;
  }
}

/** How to run a server. */
export interface ProcessSpec {
  /** short name for messages, e.g. `nats-server` */
  name: string;
  command: string;
  args: string[];
  /** added to a minimal environment (PATH, HOME, TMPDIR); the parent's env is not inherited */
  env?: Record<string, string>;
  cwd?: string;
  /** bytes of output kept; default 64 KiB */
  outputBytes?: number;
}

/** Readiness: resolve true when ready, false (or throw) to be asked again. */
export type ReadyCheck = (p: ManagedProcess) => Promise<boolean>;

/** A running (or exited) child process in its own process group. */
export class ManagedProcess {
  readonly output: RingBuffer;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #child: ChildProcess;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #listeners = new Set<(text: string) => void>();

  private constructor(readonly spec: ProcessSpec) {
    this.output = new RingBuffer(spec.outputBytes);
    this.#child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...baseEnv(), ...spec.env },
      detached: true, // own process group: stop() kills the server and anything it forked
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onData = (b: Buffer) => {
      const text = b.toString("utf8");
      this.output.push(text);
      for (const l of this.#listeners) l(text);
    };
    this.#child.stdout!.on("data", onData);
    this.#child.stderr!.on("data", onData);
    this.exited = new Promise((resolve) => {
      this.#child.once("error", (err) => {
        this.output.push(`[spawn error] ${err.message}\n`);
        this.#exit = { code: -1, signal: null };
        resolve(this.#exit);
      });
      this.#child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        if (this.#child.pid) reaper().unregister(this.#child.pid);
        resolve(this.#exit);
      });
    });
    if (this.#child.pid) reaper().register(this.#child.pid);
  }

  /**
   * Spawns `spec` and waits until `ready` says so, the process exits (error) or `deadlineMs` passes (error,
   * process killed). Errors carry the process output.
   */
  static async start(spec: ProcessSpec, ready: ReadyCheck, deadlineMs: number): Promise<ManagedProcess> {
    const p = new ManagedProcess(spec);
    try {
      await p.waitUntil(ready, deadlineMs, "to become ready");
    } catch (e) {
      await p.stop({ graceMs: 500 });
      throw e;
    }
    return p;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Exit status once exited, else undefined. */
  get exitStatus() {
    return this.#exit;
  }

  /** Calls `fn` with each chunk of output from now on; returns an unsubscribe function. */
  onOutput(fn: (text: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Polls `check` every 100-500 ms until true; throws a HarnessError with the output on exit or deadline. */
  async waitUntil(check: ReadyCheck, deadlineMs: number, what: string): Promise<void> {
    const started = Date.now();
    let lastError: unknown;
    let delay = 100;
    for (;;) {
      if (this.#exit) {
        throw new HarnessError(`${this.spec.name} exited (${describeExit(this.#exit)}) while the harness waited for it ${what}`, this.output.toString());
      }
      try {
        if (await check(this)) return;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() - started > deadlineMs) {
        const why = lastError instanceof Error ? ` (last check: ${lastError.message})` : "";
        throw new HarnessError(
          `${this.spec.name} did not manage ${what} within ${deadlineMs} ms${why}`,
          this.output.toString(),
          { cause: lastError },
        );
      }
      await Promise.race([sleep(delay), this.exited]);
      delay = Math.min(delay * 1.5, 500);
    }
  }

  /** Sends `signal` to the whole process group (no wait). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.#exit || !this.#child.pid) return;
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. */
  async stop({ graceMs = 5_000 }: { graceMs?: number } = {}): Promise<void> {
    if (this.#exit) return;
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.kill("SIGKILL"); // children the server forked, if the leader exited alone
  }
}

function describeExit(e: { code: number | null; signal: NodeJS.Signals | null }): string {
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG", "GOCOVERDIR"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

// --- watchdog --------------------------------------------------------------------------------------

/**
 * The watchdog is a tiny detached node process reading "+PGID", "-PGID", "+dir:PATH", "-dir:PATH" lines on
 * stdin. When stdin closes — this process exited, however it died — it SIGKILLs every registered group
 * and removes every registered directory.
 */
const WATCHDOG = String.raw`
const fs = require("node:fs");
const groups = new Set(), dirs = new Set();
let buf = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const add = line[0] === "+", v = line.slice(1);
    if (v.startsWith("dir:")) { add ? dirs.add(v.slice(4)) : dirs.delete(v.slice(4)); continue; }
    const pid = Number(v);
    if (pid > 0) add ? groups.add(pid) : groups.delete(pid);
  }
});
process.stdin.on("end", () => {
  for (const g of groups) { try { process.kill(-g, "SIGKILL"); } catch {} }
  setTimeout(() => {
    for (const d of dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, 300);
});
process.on("SIGINT", () => {}); process.on("SIGTERM", () => {});
`;

interface Reaper {
  register(pgid: number): void;
  unregister(pgid: number): void;
  registerDir(dir: string): void;
  unregisterDir(dir: string): void;
}

let theReaper: Reaper | undefined;
const liveGroups = new Set<number>();
const liveDirs = new Set<string>();

function reaper(): Reaper {
  if (theReaper) return theReaper;
  const child = spawn(process.execPath, ["-e", WATCHDOG], {
    detached: true, // survives a SIGINT/SIGKILL to our group, so it can clean up after it
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.unref();
  const stdin = child.stdin!;
  // the pipe must not keep vitest's worker alive
  (stdin as unknown as { unref?: () => void }).unref?.();
  stdin.on("error", () => {});
  const send = (line: string) => {
    if (!stdin.destroyed) stdin.write(line + "\n");
  };
  // second line of defence for an orderly exit, in case the watchdog itself was killed
  process.once("exit", () => {
    for (const g of liveGroups) {
      try {
        process.kill(-g, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
  theReaper = {
    register: (g) => (liveGroups.add(g), send(`+${g}`)),
    unregister: (g) => (liveGroups.delete(g), send(`-${g}`)),
    registerDir: (d) => (liveDirs.add(d), send(`+dir:${d}`)),
    unregisterDir: (d) => (liveDirs.delete(d), send(`-dir:${d}`)),
  };
  return theReaper;
}

/** Registers a temp directory to be removed if this process dies without cleaning up. */
export function trackTempDir(dir: string): void {
  reaper().registerDir(dir);
}

/** Forgets a temp directory (after it was removed or handed to the caller). */
export function untrackTempDir(dir: string): void {
  reaper().unregisterDir(dir);
}
