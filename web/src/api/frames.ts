/**
 * @module web/api/frames — frames and thumbnails of results as object URLs. They come from
 * `/api/results/frame`, which needs the bearer token: an `<img src>` cannot send it, so each is fetched with
 * the token and shown from a blob URL. A small cache keeps the latest ones (and revokes the rest).
 */
import { getToken } from "./token.js";

const MAX = 200;
const urls = new Map<string, Promise<string>>();

/** The object URL of a frame (`size` thumb or full); rejects with the gateway's error text. */
export function frameUrl(bucket: string, key: string, size: "thumb" | "full"): Promise<string> {
  const id = `${size}:${bucket}/${key}`;
  let url = urls.get(id);
  if (url) {
    urls.delete(id);
    urls.set(id, url);
    return url;
  }
  url = load(bucket, key, size);
  urls.set(id, url);
  url.catch(() => urls.delete(id));
  while (urls.size > MAX) {
    const [oldest, p] = urls.entries().next().value as [string, Promise<string>];
    urls.delete(oldest);
    void p.then((u) => URL.revokeObjectURL(u), () => undefined);
  }
  return url;
}

async function load(bucket: string, key: string, size: string): Promise<string> {
  const q = new URLSearchParams({ bucket, key, size }).toString();
  const token = getToken();
  const res = await fetch(`/api/results/frame?${q}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `HTTP ${res.status}`);
  }
  return URL.createObjectURL(await res.blob());
}
