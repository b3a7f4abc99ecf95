/**
 * @module storage/bucket-listen — one MinIO ListenBucketNotification stream (`GET /<bucket>?events=...`):
 * newline-delimited `{"Records":[...]}` as events happen, `{"Records":null}` every `ping` seconds. Best
 * effort by MinIO's design: nothing is kept for a listener that is not connected. A silent connection (no
 * line for three pings) is treated as lost, so a half-open socket is noticed.
 */
import { FramegateError } from "../lib/errors.js";
import { signV4 } from "./sigv4.js";
import type { S3Identity } from "./s3-client.js";

/** What to listen to on one bucket (MinIO's own filter; the rules match again in the gateway). */
export interface ListenFilter {
  bucket: string;
  prefix?: string;
  suffix?: string;
  /** event names, e.g. `s3:ObjectCreated:*` */
  events: string[];
}

/** The stream ended with an error; `status` when MinIO answered (403: the identity may not listen). */
export class ListenError extends FramegateError {
  override name = "ListenError";
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Options of {@link listenBucket}. */
export interface ListenOptions {
  /** seconds between MinIO's pings (default 2); three missed pings end the stream */
  pingSeconds?: number;
  /** a line longer than this ends the stream (default 1 MiB; one record is a few KB) */
  maxLineBytes?: number;
  /** called once the stream is open (HTTP 200) */
  onOpen?(): void;
}

/**
 * Reads the stream, calling `onLine` for every line, until `signal` aborts (resolves) or the stream ends
 * or fails (rejects with a ListenError: the caller reconnects).
 * @example await listenBucket(identity, { bucket: "raw", events: ["s3:ObjectCreated:*"] }, (l) => handle(l), ac.signal)
 */
export async function listenBucket(id: S3Identity, f: ListenFilter, onLine: (line: string) => void, signal: AbortSignal, o: ListenOptions = {}): Promise<void> {
  const ping = o.pingSeconds ?? 2;
  const maxLine = o.maxLineBytes ?? 1024 * 1024;
  const url = new URL(`/${encodeURIComponent(f.bucket)}`, id.endpoint);
  for (const e of f.events) url.searchParams.append("events", e);
  if (f.prefix) url.searchParams.set("prefix", f.prefix);
  if (f.suffix) url.searchParams.set("suffix", f.suffix);
  url.searchParams.set("ping", String(ping));
  const headers = signV4({ method: "GET", url, body: new Uint8Array(0), accessKey: id.accessKey, secretKey: id.secretKey });
  delete headers.host;
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal.addEventListener("abort", stop, { once: true });
  let idle: NodeJS.Timeout | undefined;
  let silent = false;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      silent = true;
      ac.abort();
    }, ping * 3000);
  };
  try {
    arm();
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: ac.signal });
    } catch (e) {
      if (signal.aborted) return;
      throw new ListenError(`minio: listen on bucket ${f.bucket}: ${silent ? "no answer" : `cannot connect to ${url.origin}`}: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => "")).slice(0, 500);
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      const hint = res.status === 403 ? ": the identity needs s3:ListenBucketNotification on this bucket (framegate setup writes it into the gateway's policy)" : "";
      throw new ListenError(`minio: listen on bucket ${f.bucket}: HTTP ${res.status}${code ? ` ${code}` : ""}${hint}`, res.status);
    }
    o.onOpen?.();
    arm();
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (signal.aborted) return;
        throw new ListenError(`minio: listen on bucket ${f.bucket}: ${silent ? `no ping for ${ping * 3} s` : "connection lost"}: ${(e as Error).message}`, undefined, { cause: e });
      }
      if (r.done) break;
      arm();
      buf += dec.decode(r.value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine(line);
      }
      if (buf.length > maxLine) {
        await reader.cancel().catch(() => {});
        throw new ListenError(`minio: listen on bucket ${f.bucket}: a line over ${maxLine} bytes: not a notification stream`);
      }
    }
    if (!signal.aborted) throw new ListenError(`minio: listen on bucket ${f.bucket}: the server ended the stream`);
  } finally {
    clearTimeout(idle);
    signal.removeEventListener("abort", stop);
  }
}
