/** @module test/fakes/memory-lister — a bucket listing in memory, in key order like S3, for sweep tests. */
import type { ListedObject } from "../../src/triggers/swept-object.js";
import type { ObjectLister } from "../../src/sweep/object-lister.js";

/** Objects added with {@link MemoryLister.add}; remembers each listing's startAfter; `failAfter` breaks a listing. */
export class MemoryLister implements ObjectLister {
  readonly objects: ListedObject[] = [];
  readonly calls: string[] = [];
  failAfter?: number;
  add(key: string, at: number, bucket = "raw"): void {
    this.objects.push({ bucket, key, etag: `e-${key}`, size: 1, lastModified: new Date(at), userMetadata: {} });
  }
  async *list(bucket: string, prefix: string, startAfter: string): AsyncIterable<ListedObject> {
    this.calls.push(startAfter);
    const sorted = this.objects.filter((o) => o.bucket === bucket && o.key.startsWith(prefix) && o.key > startAfter).sort((a, b) => (a.key < b.key ? -1 : 1));
    let n = 0;
    for (const o of sorted) {
      if (this.failAfter !== undefined && n++ >= this.failAfter) throw new Error("connection reset");
      yield o;
    }
  }
}
