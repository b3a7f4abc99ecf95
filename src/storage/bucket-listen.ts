/**
 * @module storage/bucket-listen — one MinIO ListenBucketNotification stream (`GET /<bucket>?events=...`):
 * newline-delimited `{"Records":[...]}` as events happen, `{"Records":null}` every `ping` seconds. Best
 * effort by MinIO's design: nothing is kept for a listener that is not connected.
 *
 * MinIO's S3 handlers write through a wrapper without `Flush` (`trackingResponseWriter`,
 * `cmd/api-router.go` of the pinned release), so the stream reaches the client in ~4 KB pieces: its
 * status line and headers come with the first piece, and a quiet bucket sends nothing for minutes. So the
 * stream counts as open once the request is sent and MinIO has not refused it within `openAfterMs`; a
 * refusal (403, 404) is written at once and ends the stream.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
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
  /** seconds between MinIO's pings (default 5): MinIO notices a gone listener when a write fails */
  pingSeconds?: number;
  /** a line longer than this ends the stream (default 1 MiB; one record is a few KB) */
  maxLineBytes?: number;
  /** a request MinIO has not refused within this long counts as open (default 1000 ms) */
  openAfterMs?: number;
  /** called once the stream counts as open */
  onOpen?(): void;
}

/**
 * Reads the stream, calling `onLine` for every line, until `signal` aborts (resolves) or the stream ends
 * or fails (rejects with a ListenError: the caller reconnects).
 * @example await listenBucket(identity, { bucket: "raw", events: ["s3:ObjectCreated:*"] }, (l) => handle(l), ac.signal)
 */
export function listenBucket(id: S3Identity, f: ListenFilter, onLine: (line: string) => void, signal: AbortSignal, o: ListenOptions = {}): Promise<void> {
  const maxLine = o.maxLineBytes ?? 1024 * 1024;
  const url = new URL(`/${encodeURIComponent(f.bucket)}`, id.endpoint);
  for (const e of f.events) url.searchParams.append("events", e);
  if (f.prefix) url.searchParams.set("prefix", f.prefix);
  if (f.suffix) url.searchParams.set("suffix", f.suffix);
  url.searchParams.set("ping", String(o.pingSeconds ?? 5));
  // identity: MinIO's gzip wrapper would hold the first KB back as well
  const headers = { ...signV4({ method: "GET", url, body: new Uint8Array(0), accessKey: id.accessKey, secretKey: id.secretKey }), "accept-encoding": "identity" };
  const what = `minio: listen on bucket ${f.bucket}`;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let openTimer: NodeJS.Timeout | undefined;
    let req: ClientRequest | undefined;
    const finish = (err?: ListenError) => {
      if (settled) return;
      settled = true;
      clearTimeout(openTimer);
      signal.removeEventListener("abort", abort);
      req?.destroy();
      if (err && !signal.aborted) reject(err);
      else resolve();
    };
    const abort = () => finish();
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", abort, { once: true });
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    req = send(url, { method: "GET", headers }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text = (text + d).slice(0, 2000)));
        res.on("end", () => {
          const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
          const hint = res.statusCode === 403 ? ": the identity needs s3:ListenBucketNotification on this bucket (framegate setup writes it into the gateway's policy)" : "";
          finish(new ListenError(`${what}: HTTP ${res.statusCode}${code ? ` ${code}` : ""}${hint}`, res.statusCode));
        });
        return;
      }
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          onLine(line);
        }
        if (buf.length > maxLine) finish(new ListenError(`${what}: a line over ${maxLine} bytes: not a notification stream`));
      });
      res.on("end", () => finish(new ListenError(`${what}: the server ended the stream`)));
      res.on("error", (e) => finish(new ListenError(`${what}: connection lost: ${e.message}`, undefined, { cause: e })));
    });
    req.on("error", (e) => finish(new ListenError(`${what}: ${e.message}`, undefined, { cause: e })));
    req.on("close", () => finish(new ListenError(`${what}: connection closed`)));
    req.end(() => {
      openTimer = setTimeout(() => {
        if (!settled) o.onOpen?.();
      }, o.openAfterMs ?? 1000);
    });
  });
}
