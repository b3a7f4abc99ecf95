import { describe, expect, it } from "vitest";
import { rng } from "../../test/fixtures/rng.js";
import type { HookEvent, ObjectEvent } from "../triggers/event.js";
import { compilePipeline } from "./compile-pipeline.js";
import { explainMiss } from "./explain-miss.js";
import { compileMatcher, compileNaiveMatcher } from "./matcher.js";
import { pipelineSchema } from "./schema.js";
import type { CompiledPipeline, Match } from "./types.js";

function pipeline(name: string, trigger: Record<string, unknown>): CompiledPipeline {
  const doc = { apiVersion: "framegate.io/v1alpha1", kind: "Pipeline", metadata: { name }, spec: { trigger, workflow: { templateRef: "t" } } };
  return compilePipeline(pipelineSchema.parse(doc), "test.yaml");
}

function object(key: string, more: Partial<ObjectEvent> = {}): ObjectEvent {
  return {
    source: "minio",
    id: `raw/${key}@e1`,
    eventName: "s3:ObjectCreated:Put",
    eventTime: "2026-11-28T12:00:00.000Z",
    bucket: "raw",
    key,
    size: 2048,
    etag: "e1",
    contentType: "image/jpeg",
    metadata: {},
    ...more,
  };
}

function hook(name: string, body: unknown): HookEvent {
  return { source: "webhook", id: "evt-1", hook: name, body, receivedAt: "2026-11-28T12:00:01.000Z" };
}

const names = (ms: Match[]) => ms.map((m) => m.pipeline.name);

/** Runs both matchers and checks they agree, so every case below also tests the index against the baseline. */
function both(pipelines: CompiledPipeline[]) {
  const indexed = compileMatcher(pipelines);
  const naive = compileNaiveMatcher(pipelines);
  return (event: ObjectEvent | HookEvent): Match[] => {
    const a = indexed.match(event);
    expect(a).toEqual(naive.match(event));
    return a;
  };
}

describe("matching object events", () => {
  it("computes every variable: bucket, key, file, dir, camera, etag, size, event, captures", () => {
    const match = both([pipeline("p", { bucket: "raw", key: "{site}/{camera}/**/*.jpg" })]);
    const [m, ...rest] = match(object("hq/gate 01/2026/11/28/12+00 %20é.jpg", { versionId: "v7" }));
    expect(rest).toEqual([]);
    expect(m!.vars).toEqual({
      bucket: "raw",
      key: "hq/gate 01/2026/11/28/12+00 %20é.jpg",
      file: "12+00 %20é.jpg",
      dir: "hq/gate 01/2026/11/28",
      camera: "gate 01",
      etag: "e1",
      size: "2048",
      eventName: "s3:ObjectCreated:Put",
      eventTime: "2026-11-28T12:00:00.000Z",
      versionId: "v7",
      contentType: "image/jpeg",
      site: "hq",
    });
    expect(m!.camera).toBe("gate 01");
  });

  it("takes the camera from the capture, else from metadata, else none", () => {
    const match = both([pipeline("p", { bucket: "raw", prefix: "up/" })]);
    const [withMeta] = match(object("up/x.jpg", { metadata: { camera: "lobby-2" } }));
    expect([withMeta!.camera, withMeta!.vars.camera]).toEqual(["lobby-2", "lobby-2"]);
    const [without] = match(object("up/y.jpg", { etag: undefined, size: undefined }));
    expect([without!.camera, without!.vars.camera, without!.vars.etag, without!.vars.size, without!.vars.dir]).toEqual([undefined, "", "", "", "up"]);
    const [capture] = both([pipeline("c", { bucket: "raw", key: "{camera}/*" })])(object("gate-1/a.jpg", { metadata: { camera: "other" } }));
    expect(capture!.camera).toBe("gate-1");
  });

  it("only matches real object creations by default, and honours explicit event names", () => {
    const match = both([
      pipeline("default", { bucket: "raw" }),
      pipeline("all-created", { bucket: "raw", events: ["s3:ObjectCreated:*"] }),
      pipeline("removed", { bucket: "raw", events: ["s3:ObjectRemoved:Delete"] }),
    ]);
    expect(names(match(object("a.jpg", { eventName: "s3:ObjectCreated:CompleteMultipartUpload" })))).toEqual(["default", "all-created"]);
    expect(names(match(object("a.jpg", { eventName: "s3:ObjectCreated:PutTagging" })))).toEqual(["all-created"]);
    expect(names(match(object("a.jpg", { eventName: "s3:ObjectCreated:PutRetention" })))).toEqual(["all-created"]);
    expect(names(match(object("a.jpg", { eventName: "s3:ObjectRemoved:Delete" })))).toEqual(["removed"]);
  });

  it("applies where: camera globs, content type (any case), size bounds and metadata (names in any case)", () => {
    const match = both([
      pipeline("gates", { bucket: "raw", key: "{camera}/**", where: { camera: ["gate-*", "lobby-0?"] } }),
      pipeline("meta-camera", { bucket: "raw", prefix: "m/", where: { camera: ["gate-*"] } }),
      pipeline("jpeg", { bucket: "raw", where: { contentType: ["image/JPEG"] } }),
      pipeline("sized", { bucket: "raw", where: { minSize: 100, maxSize: 1000 } }),
      pipeline("motion", { bucket: "raw", where: { metadata: { "X-Amz-Meta-Motion": "true" } } }),
    ]);
    expect(names(match(object("gate-7/a.png", { contentType: "image/png" })))).toEqual(["gates"]);
    expect(names(match(object("lobby-01/a.png", { contentType: undefined, size: undefined })))).toEqual(["gates"]);
    expect(names(match(object("lobby-11/a.jpg", { contentType: "Image/Jpeg" })))).toEqual(["jpeg"]);
    expect(names(match(object("m/a.png", { contentType: "", metadata: { camera: "gate-2" } })))).toEqual(["meta-camera"]);
    expect(names(match(object("m/a.png", { contentType: "" })))).toEqual([]);
    expect(names(match(object("x/a.png", { contentType: "", size: 100 })))).toEqual(["sized"]);
    expect(names(match(object("x/a.png", { contentType: "", size: 1001 })))).toEqual([]);
    expect(names(match(object("x/a.png", { contentType: "", size: 5000, metadata: { motion: "true" } })))).toEqual(["motion"]);
    expect(names(match(object("x/a.png", { contentType: "", size: 5000, metadata: { Motion: "true" } })))).toEqual(["motion"]);
    expect(names(match(object("x/a.png", { contentType: "", size: 5000, metadata: { motion: "false" } })))).toEqual([]);
  });

  it("returns matches in load order whichever index found them, each once", () => {
    const pipelines = [
      pipeline("suffix", { bucket: "raw", suffix: ".jpg" }),
      pipeline("glob-overlap", { bucket: "raw", key: "{camera}/**", where: { camera: ["gate-*", "gate-0*", "*-1"] } }),
      pipeline("everything", { bucket: "raw" }),
      pipeline("prefix", { bucket: "raw", key: "gate-01/**/*.jpg" }),
      pipeline("other-bucket", { bucket: "archive" }),
      pipeline("leading-star", { bucket: "raw", key: "*/**", where: { camera: ["gate-*"] } }),
      pipeline("tail", { bucket: "raw", key: "**/2026/*.jpg" }),
    ];
    const match = both(pipelines);
    expect(names(match(object("gate-01/2026/a.jpg")))).toEqual(["suffix", "glob-overlap", "everything", "prefix", "tail"]);
    expect(names(match(object("lobby-1/x.png", { metadata: { camera: "gate-9" } })))).toEqual(["glob-overlap", "everything", "leading-star"]);
    expect(names(match(object("a.jpg", { bucket: "archive" })))).toEqual(["other-bucket"]);
    expect(names(match(object("a.jpg", { bucket: "nobody" })))).toEqual([]);
    expect(names(match(hook("raw", {})))).toEqual([]);
  });

  it("compiles the pattern of a hand-built pipeline that has none", () => {
    const p = pipeline("p", { bucket: "raw", key: "{camera}/*.jpg" });
    delete p.pattern;
    expect(names(compileMatcher([p]).match(object("c/a.jpg")))).toEqual(["p"]);
  });
});

describe("suspended pipelines (spec.suspend: true)", () => {
  it("match nothing, whichever index would find them, and the miss says why", () => {
    const held = (p: CompiledPipeline) => ({ ...p, spec: { ...p.spec, suspend: true } });
    const prefix = held(pipeline("prefix", { bucket: "raw", key: "cam/*.jpg" }));
    const suffix = held(pipeline("suffix", { bucket: "raw", suffix: ".jpg" }));
    const hooked = held(pipeline("hooked", { source: "webhook", hook: "motion" }));
    const running = pipeline("running", { bucket: "raw", key: "cam/*.jpg" });
    const plain = pipeline("resumed", { bucket: "raw", suffix: ".jpg" });
    const resumed = { ...plain, spec: { ...plain.spec, suspend: false } };
    const match = both([prefix, suffix, hooked, running, resumed]);
    expect(names(match(object("cam/a.jpg")))).toEqual(["running", "resumed"]);
    expect(names(match(hook("motion", {})))).toEqual([]);
    expect(explainMiss(prefix, object("cam/a.jpg"))).toBe("the pipeline is suspended (spec.suspend: true): it matches nothing until spec.suspend is false or removed");
    expect(explainMiss(running, object("cam/a.png"))).toMatch(/^the key "cam\/a.png" does not match/);
  });
});

describe("matching webhook events", () => {
  const pipelines = [
    pipeline("motion", { source: "webhook", hook: "motion-alerts", where: { fields: { kind: ["motion"], "device.zone": ["gate-*"] } } }),
    pipeline("levels", { source: "webhook", hook: "motion-alerts", where: { fields: { level: ["3"], tags: ["urgent"] } } }),
    pipeline("any", { source: "webhook", hook: "motion-alerts" }),
    pipeline("other", { source: "webhook", hook: "doorbell" }),
  ];

  it("matches the hook and where.fields (dot paths, globs on the value as text, any item of a list)", () => {
    const match = both(pipelines);
    expect(names(match(hook("motion-alerts", { kind: "motion", device: { zone: "gate-north" } })))).toEqual(["motion", "any"]);
    expect(names(match(hook("motion-alerts", { kind: "heartbeat", device: { zone: "gate-north" } })))).toEqual(["any"]);
    expect(names(match(hook("motion-alerts", { kind: "motion" })))).toEqual(["any"]);
    expect(names(match(hook("motion-alerts", { level: 3, tags: ["low", "urgent"] })))).toEqual(["levels", "any"]);
    expect(names(match(hook("motion-alerts", { level: 3, tags: [["urgent"]] })))).toEqual(["any"]);
    expect(names(match(hook("motion-alerts", "not an object")))).toEqual(["any"]);
    expect(names(match(hook("doorbell", null)))).toEqual(["other"]);
    expect(names(match(object("motion-alerts/a.jpg")))).toEqual([]);
  });

  it("provides hook, id, receivedAt and every scalar of the body as body.<path>", () => {
    const [m] = both(pipelines)(hook("doorbell", { camera: "gate-01", n: 2, ok: true, none: null, device: { id: "d1", tags: ["a", "b"] } }));
    expect(m!.vars).toEqual({
      hook: "doorbell",
      id: "evt-1",
      receivedAt: "2026-11-28T12:00:01.000Z",
      "body.camera": "gate-01",
      "body.n": "2",
      "body.ok": "true",
      "body.none": "",
      "body.device.id": "d1",
      "body.device.tags.0": "a",
      "body.device.tags.1": "b",
    });
    expect(m!.camera).toBe("gate-01");
  });
});


describe("the indexed matcher returns what the naive one does", () => {
  it("on random rule sets and events", () => {
    const rand = rng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const cams = ["gate-01", "gate-02", "gate-11", "lobby-01", "lobby-x", "cam-1", "cam-12", "Tor Süd"];
    const files = ["a.jpg", "b.png", "120000-1.jpg", "x y+z.jpg", "thumb.jpg"];
    const globs = ["gate-*", "gate-0?", "lobby-*", "*-1", "cam-1*", "*", "T*"];
    let total = 0;
    for (let round = 0; round < 40; round++) {
      const pipelines: CompiledPipeline[] = [];
      for (let i = 0; i < 30; i++) {
        const bucket = pick(["raw", "raw2"]);
        const where = rand() < 0.4 ? { camera: [pick(globs), ...(rand() < 0.3 ? [pick(globs)] : [])] } : undefined;
        const triggers: Record<string, unknown>[] = [
          { bucket, key: `${pick(cams)}/**/*.jpg` },
          { bucket, key: "{camera}/**", ...(where ? { where } : {}) },
          { bucket, key: `{camera}/**/${pick(files)}`, ...(where ? { where } : {}) },
          { bucket, key: "**/*.png" },
          { bucket, key: `*/${pick(["2026", "*"])}/**` },
          { bucket, suffix: pick([".jpg", ".png", "-1.jpg"]) },
          { bucket, prefix: pick(["gate-", "cam-1", "lobby-01/"]), ...(where ? { where } : {}) },
          { bucket, ...(where ? { where } : {}) },
          { bucket, key: "{camera}/{y}/*.jpg", events: [pick(["s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:*"])] },
          { source: "webhook", hook: pick(["h1", "h2"]), ...(rand() < 0.5 ? { where: { fields: { kind: [pick(["motion", "m*"])] } } } : {}) },
        ];
        pipelines.push(pipeline(`p${i}`, pick(triggers)));
      }
      const indexed = compileMatcher(pipelines);
      const naive = compileNaiveMatcher(pipelines);
      for (let e = 0; e < 60; e++) {
        const event =
          rand() < 0.15
            ? hook(pick(["h1", "h2", "h3"]), { kind: pick(["motion", "mist", "other"]) })
            : object(`${pick(cams)}/${pick(["2026/11/", "2026/", "x/", ""])}${pick(files)}`, {
                bucket: pick(["raw", "raw2"]),
                eventName: pick(["s3:ObjectCreated:Put", "s3:ObjectCreated:PutTagging"]),
                metadata: rand() < 0.3 ? { camera: pick(cams) } : {},
              });
        const got = indexed.match(event);
        expect(got).toEqual(naive.match(event));
        total += got.length;
      }
    }
    expect(total).toBeGreaterThan(5000);
  });
});

describe("rules matched by their pattern's shape, with what the index proved skipped", () => {
  it("skip where.camera only when the glob's literal start found in the key proves it", () => {
    const cases: [key: string, globs: string[], keys: Record<string, boolean>][] = [
      ["{camera}/**", ["gate-*", "B?"], { "gate-7/1.jpg": true, "BB/1.jpg": true, "Bxy/1.jpg": false, "lobby/1.jpg": false }],
      ["{camera}-x/**", ["gate-0-*"], { "gate-0-x/1.jpg": false, "gate-0-1-x/1.jpg": true }], // the camera stops before "-x"
      ["{camera}/**", ["ga/te*"], { "ga/te/1.jpg": false }], // a camera never holds a "/"
      ["{camera}/**", ["gate-0?*"], { "gate-0/1.jpg": false, "gate-01/1.jpg": true }],
      ["{camera}/**", ["gate-01"], { "gate-012/1.jpg": false, "gate-01/1.jpg": true }], // exact: a longer id starts with it too
      ["cam-{camera}/**", ["gate-*"], { "cam-gate-1/1.jpg": true, "cam-lobby/1.jpg": false }],
    ];
    for (const [key, camera, keys] of cases) {
      const match = both([pipeline("p", { bucket: "raw", key, where: { camera } })]);
      for (const [k, want] of Object.entries(keys)) expect([key, camera, k, names(match(object(k)))]).toEqual([key, camera, k, want ? ["p"] : []]);
    }
  });

  it("give what the naive matcher gives (every check, through the pattern), on random rule sets and events", () => {
    const rand = rng(15);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    // "Aa" and "BB" share a rolling hash, so the index meets texts that only collide with the key
    const cams = ["gate-01", "gate-1", "gate-0", "gate-01-x", "gate-0-x", "cam-gate-01", "ga/te", "Aa", "BB", "Bxy", "cam-1", "cam-12", "Tor Süd"];
    // camera globs: a plain start and "*" (which the index can prove), and every kind it cannot
    const globs = ["gate-*", "gate-01*", "gate-0-*", "*", "cam-1*", "Aa", "gate-01", "B?", "gate-0?*", "**", "ga/te*", "*-x"];
    const conditions: (Record<string, unknown> | undefined)[] = [
      undefined,
      { camera: [pick(globs)] },
      { camera: [pick(globs), pick(globs)] },
      { contentType: ["image/*"] },
      { minSize: 1000, maxSize: 3000 },
      { metadata: { "X-Amz-Meta-Site": "hq" } },
    ];
    let matched = 0;
    for (let round = 0; round < 60; round++) {
      const pipelines: CompiledPipeline[] = [];
      for (let i = 0; i < 25; i++) {
        const cam = pick(cams);
        const where = pick(conditions);
        const triggers: Record<string, unknown>[] = [
          { key: `${cam}/**` }, // head: an exact hit of the index is the whole key check
          { key: `${cam}/2026/**` },
          { key: `${cam}/**/${pick(["*.jpg", "{camera}.jpg", "x.jpg", "*-1.*"])}` }, // tail
          { key: `${pick(["{camera}", "*", "{camera}-1", "c*", "{camera}-x", "cam-{camera}"])}/**` }, // lead
          { key: `${pick(["{camera}/x", "cam-{camera}/2026", "{camera}-x/2026"])}/**` },
          rand() < 0.3
            ? { suffix: pick([".jpg", "1.jpg", "BB", "aA"]) } // affixes, found through the suffix index
            : { prefix: pick([cam, `${cam}/`]), ...(rand() < 0.5 ? { suffix: pick([".jpg", "1.jpg", "g"]) } : {}) },
          { key: `{camera}/*/${pick(["*.jpg", "x.jpg"])}` }, // no shape: the pattern decides
        ];
        const events = rand() < 0.2 ? { events: [pick(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])] } : {};
        pipelines.push(pipeline(`p${i}`, { bucket: "raw", ...pick(triggers), ...events, ...(where ? { where } : {}) }));
      }
      const indexed = compileMatcher(pipelines);
      const naive = compileNaiveMatcher(pipelines);
      for (let e = 0; e < 80; e++) {
        const key = pick([pick(cams), `${pick(cams)}/${pick(["", "2026/", "2026/11/", "x/"])}${pick(["a.jpg", "x.jpg", "gate-1.jpg", "3-1.png", "BB"])}`]);
        const event = object(key, {
          eventName: pick(["s3:ObjectCreated:Put", "s3:ObjectRemoved:Delete"]),
          size: pick([500, 2048, 4096]),
          contentType: pick(["image/jpeg", "text/plain"]),
          metadata: rand() < 0.5 ? { site: "hq", ...(rand() < 0.3 ? { camera: pick(cams) } : {}) } : {},
        });
        const got = indexed.match(event);
        expect(got).toEqual(naive.match(event));
        matched += got.length;
      }
    }
    expect(matched).toBeGreaterThan(2000);
  });
});
