/**
 * @module test/faults/bad-input.int.test — a corpus of bad and borderline input through both ways in:
 * published straight into JetStream (as a broken MinIO or integration would) and POSTed to the webhooks.
 * Truncated JSON, wrong types, bytes that are not UTF-8, a 10 MB body, 10,001 records in one
 * notification, 1,024-byte keys, camera ids that are no valid label values. Each gets its own clear
 * answer — an HTTP status with a JSON error, or a dead letter in FRAMEGATE_DLQ with a
 * `Framegate-Dlq-Reason` — or is processed correctly, and the gateway keeps serving afterwards.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_VALUE_RE } from "../../src/workflows/name.js";
import { sumOf } from "../harness/prometheus-text.js";
import type { GatewayProcess } from "../harness/framegate.js";
import { invalidUtf8, longKey, manyRecords, notificationBytes, ODD_CAMERAS, paddedObject, TEMPLATE_CAMERA, truncatedJson, wrongTypes } from "./corpus.js";
import { framePool } from "./fleet.js";
import type { WorkflowObject } from "./key-count.js";
import { FaultRig, startFaultStack, waitFor, type DeadLetter, type FaultStack } from "./rig.js";

const MINIO_PIPELINE = "bad-minio";
const HOOK_PIPELINE = "bad-hook";
const MINIO_TOKEN = "minio-webhook-token-0123456789";
const HOOK_TOKEN = "alerts-token-0123456789abcdef";
const MiB = 1024 * 1024;

const RULES = {
  "bad.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${MINIO_PIPELINE} }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
    parameters: { camera: "{camera}", key: "{key}" }
---
apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${HOOK_PIPELINE} }
spec:
  trigger: { source: webhook, hook: alerts, where: { fields: { kind: [motion] } } }
  select: { by: "{body.camera}" }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
    parameters: { camera: "{body.camera}", key: "{body.key}" }
`,
};

/** What a POST got: the status and the JSON body, or the connection error. */
interface Answer {
  status: number;
  body: { error?: string; id?: string; duplicate?: boolean };
  failed?: string;
}

const enc = new TextEncoder();
const param = (wf: WorkflowObject, name: string) => wf.spec.arguments?.parameters?.find((p) => p.name === name)?.value;

describe("bad input through NATS and webhooks", () => {
  let fs: FaultStack;
  let rig: FaultRig;
  let gw: GatewayProcess;

  beforeAll(async () => {
    fs = await startFaultStack();
    const dir = mkdtempSync(join(tmpdir(), "framegate-faults-hooks-"));
    writeFileSync(join(dir, "hooks.txt"), `alerts: bearer:${HOOK_TOKEN}\n`);
    rig = await FaultRig.start(fs, { id: "bad", rules: RULES, env: { FRAMEGATE_HOOK_SECRETS: join(dir, "hooks.txt"), FRAMEGATE_MINIO_WEBHOOK_TOKEN: MINIO_TOKEN } });
    gw = await rig.startGateway();
  }, 300_000);

  afterAll(async () => {
    await rig?.stop();
    await fs?.stop();
  }, 60_000);

  async function post(path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Answer> {
    try {
      const res = await fetch(gw.url + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : Buffer.from(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let json: Answer["body"] = {};
      try {
        json = JSON.parse(text) as Answer["body"];
      } catch {
        json = { error: `(not JSON) ${text.slice(0, 200)}` };
      }
      return { status: res.status, body: json };
    } catch (e) {
      return { status: 0, body: {}, failed: `${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? "")}` };
    }
  }

  const hook = (body: Uint8Array | string, id?: string) =>
    post("/hooks/alerts", body, { authorization: `Bearer ${HOOK_TOKEN}`, ...(id ? { "idempotency-key": id } : {}) });

  async function deadLetterOf(seq: number, what: string): Promise<DeadLetter> {
    return waitFor(`the dead letter of ${what} (stream seq ${seq})`, async () => (await rig.deadLetters()).find((d) => d.originalSeq === seq), 60_000);
  }

  /**
   * Once the consumer has settled everything: the dead letters of intake messages after `since` (each test
   * takes `rig.lastSeq()` first, so it sees only what its own input caused, whichever tests ran before).
   */
  async function deadLettersSince(since: number): Promise<DeadLetter[]> {
    await waitFor("the consumer drained", async () => {
      const c = await rig.consumer();
      return c.pending === 0 && c.ackPending === 0;
    }, 60_000);
    return (await rig.deadLetters()).filter((d) => d.originalSeq > since);
  }

  /** Every label the gateway put on a Workflow is a valid label value (the camera label most of all). */
  const invalidLabels = (wf: WorkflowObject) => Object.entries(wf.metadata.labels ?? {}).filter(([, v]) => !LABEL_VALUE_RE.test(v));

  it("published into JetStream: each bad message is dead-lettered with its reason, odd cameras and a 1,024-byte key are processed", async () => {
    const before = await rig.lastSeq();
    const nc = await rig.nc();
    const js = jetstream(nc);
    const minioSubject = rig.env.FRAMEGATE_MINIO_SUBJECT!;
    const publish = async (subject: string, data: Uint8Array) => (await js.publish(subject, data)).seq;

    const cases: { what: string; subject: string; data: Uint8Array; kind: string; reason: RegExp }[] = [
      { what: "truncated JSON", subject: minioSubject, data: truncatedJson(), kind: "bad-event", reason: /^not JSON: Unexpected end of JSON input/ },
      {
        what: "wrong types",
        subject: minioSubject,
        data: wrongTypes(),
        kind: "bad-event",
        reason: /Records\[0\]\.eventTime: expected string, got a number; Records\[0\]\.s3\.object\.size: expected number, got a string/,
      },
      { what: "bytes that are not UTF-8", subject: minioSubject, data: invalidUtf8(), kind: "bad-event", reason: /not valid UTF-8/ },
      { what: "10,001 records", subject: minioSubject, data: manyRecords(10_001), kind: "bad-event", reason: /10001 records is more than the limit of 10000/ },
      { what: "a JSON array", subject: minioSubject, data: enc.encode("[1,2,3]"), kind: "bad-event", reason: /a MinIO notification is a JSON object with "Records", got an array/ },
      { what: "a 1,000,000-byte object that is no notification", subject: minioSubject, data: paddedObject(1_000_000), kind: "bad-event", reason: /not a MinIO notification: Records: required/ },
      { what: "truncated JSON on a hook subject", subject: "framegate.hooks.alerts", data: truncatedJson(40), kind: "bad-event", reason: /hook "alerts": body is not JSON/ },
      { what: "not UTF-8 on a hook subject", subject: "framegate.hooks.alerts", data: invalidUtf8(), kind: "bad-event", reason: /not valid UTF-8/ },
      {
        what: `camera ${TEMPLATE_CAMERA}`,
        subject: minioSubject,
        data: notificationBytes("raw", `${TEMPLATE_CAMERA}/2026/11/28/120000-1.jpg`),
        kind: "rejected",
        reason: /contains "\{\{" — Argo would read it as a template tag/,
      },
    ];
    const seqs = new Map<string, number>();
    for (const c of cases) seqs.set(c.what, await publish(c.subject, c.data));
    // NATS itself refuses a 10 MB message: it never reaches the stream
    await expect(js.publish(minioSubject, paddedObject(10 * MiB))).rejects.toThrow(/MAX_PAYLOAD|payload/i);

    // processed, not dead-lettered: 10,000 records (the limit) of a bucket no rule watches, odd cameras, a 1,024-byte key
    const unmatchedBefore = sumOf(await rig.metrics(gw), "framegate_events_unmatched_total");
    const atLimit = await publish(minioSubject, manyRecords(10_000));
    for (const c of ODD_CAMERAS) await publish(minioSubject, notificationBytes("raw", `${c.id}/2026/11/28/120000-1.jpg`));
    const key = longKey("bad-longkey");
    const [frame] = await framePool();
    await fs.stack.minio.client.putObject("raw", key, frame!, frame!.length, { "Content-Type": "image/jpeg" });

    for (const c of cases) {
      const d = await deadLetterOf(seqs.get(c.what)!, c.what);
      expect(d.kind, c.what).toBe(c.kind);
      expect(d.reason, c.what).toMatch(c.reason);
      expect(d.subject).toBe(`framegate.dlq.${c.kind}`);
    }

    const wfs = await waitFor(
      "Workflows for the odd cameras and the long key",
      async () => {
        const all = await rig.workflows(MINIO_PIPELINE);
        const keys = new Set(all.map((w) => w.metadata.annotations?.["framegate.io/key"]));
        return [key, ...ODD_CAMERAS.map((c) => `${c.id}/2026/11/28/120000-1.jpg`)].every((k) => keys.has(k)) ? all : undefined;
      },
      60_000,
    );
    for (const c of ODD_CAMERAS) {
      const wf = wfs.find((w) => w.metadata.annotations?.["framegate.io/camera"] === c.id)!;
      expect(wf, c.id).toBeDefined();
      expect(wf.metadata.labels?.["framegate.io/camera"], c.id).toBe(c.label || undefined);
      expect(invalidLabels(wf), c.id).toEqual([]);
      expect(param(wf, "camera")).toBe(c.id);
    }
    const long = wfs.find((w) => w.metadata.annotations?.["framegate.io/key"] === key)!;
    expect(param(long, "key")).toBe(key);
    expect(Buffer.byteLength(param(long, "key")!)).toBe(1024);
    expect(long.metadata.name.length).toBeLessThanOrEqual(63);

    await waitFor("the 10,000 records to be read", async () => sumOf(await rig.metrics(gw), "framegate_events_unmatched_total") >= unmatchedBefore + 10_000, 60_000);
    // exactly the bad messages were dead-lettered: not the 10,000 records, the odd cameras or the long key
    const dead = (await deadLettersSince(before)).map((d) => d.originalSeq).sort((a, b) => a - b);
    expect(dead).not.toContain(atLimit);
    expect(dead).toEqual([...seqs.values()].sort((a, b) => a - b));
  }, 180_000);

  it("POSTed to the webhooks: each bad request gets its status and JSON error, odd cameras and a 1,024-byte key are processed", async () => {
    const before = await rig.lastSeq();
    const minio = (body: Uint8Array | string) => post("/hooks/minio", body, { authorization: `Bearer ${MINIO_TOKEN}` });
    const refused: { what: string; answer: Promise<Answer>; status: number; error: RegExp }[] = [
      { what: "minio: truncated JSON", answer: minio(truncatedJson()), status: 400, error: /request body is not JSON/ },
      { what: "minio: wrong types", answer: minio(wrongTypes()), status: 400, error: /Records\[0\]\.eventTime: expected string, got a number; Records\[0\]\.s3\.object\.size: expected number, got a string/ },
      { what: "minio: not UTF-8", answer: minio(invalidUtf8()), status: 400, error: /request body is not UTF-8 text/ },
      { what: "minio: 10 MB", answer: minio(paddedObject(10 * MiB)), status: 413, error: /request body is larger than the limit of 1020 KiB/ },
      { what: "minio: 10,001 records", answer: minio(manyRecords(10_001)), status: 400, error: /10001 records is more than the limit of 10000/ },
      { what: "minio: a JSON array", answer: minio("[1,2,3]"), status: 400, error: /request body must be a JSON object, got an array/ },
      { what: "hook: no credentials", answer: post("/hooks/alerts", '{"kind":"motion"}'), status: 401, error: /missing credentials/ },
      { what: "hook: truncated JSON", answer: hook(truncatedJson(40)), status: 400, error: /request body is not JSON/ },
      { what: "hook: a JSON string", answer: hook('"motion"'), status: 400, error: /request body must be a JSON object, got a string/ },
      { what: "hook: not UTF-8", answer: hook(invalidUtf8()), status: 400, error: /request body is not UTF-8 text/ },
      { what: "hook: 10 MB", answer: hook(paddedObject(10 * MiB, { kind: "motion" })), status: 413, error: /request body is larger than the limit of 1020 KiB/ },
      { what: "hook: an Idempotency-Key of 300 characters", answer: hook('{"kind":"motion"}', "k".repeat(300)), status: 400, error: /Idempotency-Key must be 1 to 200 visible ASCII characters/ },
    ];
    for (const r of refused) {
      const a = await r.answer;
      expect(a.failed, r.what).toBeUndefined();
      expect(a.status, `${r.what}: ${JSON.stringify(a.body)}`).toBe(r.status);
      expect(a.body.error, r.what).toMatch(r.error);
    }

    // accepted: 10,000 records (the limit), a notification with a 1,024-byte key, odd cameras in a hook body,
    // a hook body just under the limit (1 MiB less room for the headers NATS stores with it)
    const accepted = async (what: string, a: Promise<Answer>) => {
      const got = await a;
      expect(got.status, `${what}: ${JSON.stringify(got.body)} ${got.failed ?? ""}`).toBe(202);
      expect(got.body.id).toBeTruthy();
    };
    await accepted("minio: 10,000 records", minio(manyRecords(10_000)));
    const key = longKey("bad-hooklongkey");
    await accepted("minio: a 1,024-byte key", minio(notificationBytes("raw", key)));
    const hookKey = longKey("bad-hookkey");
    await accepted("hook: a 1,024-byte key", hook(JSON.stringify({ kind: "motion", camera: "gate-09", bucket: "raw", key: hookKey }), "long-key"));
    for (const [i, c] of ODD_CAMERAS.entries()) {
      await accepted(`hook: camera ${c.id}`, hook(JSON.stringify({ kind: "motion", camera: c.id, bucket: "raw", key: `odd/${i}.jpg` }), `odd-${i}`));
    }
    await accepted(`hook: camera ${TEMPLATE_CAMERA}`, hook(JSON.stringify({ kind: "motion", camera: TEMPLATE_CAMERA, bucket: "raw", key: "odd/t.jpg" }), "odd-template"));
    await accepted("hook: a body just under the limit", hook(paddedObject(MiB - 4096, { kind: "heartbeat" }), "big-heartbeat"));
    // 1 MiB is FRAMEGATE_MAX_BODY_BYTES, but NATS stores no more than 1 MiB with the headers: refused as too
    // large, not answered 503 "retry" (a retry could never succeed)
    const oneMiB = await hook(paddedObject(MiB, { kind: "heartbeat" }), "one-mib");
    expect(oneMiB.status, JSON.stringify(oneMiB.body)).toBe(413);
    expect(oneMiB.body.error).toMatch(/request body is larger than the limit of 1020 KiB/);

    const minioWf = await waitFor(
      "the Workflow of the 1,024-byte key",
      async () => (await rig.workflows(MINIO_PIPELINE)).find((w) => w.metadata.annotations?.["framegate.io/key"] === key),
      60_000,
    );
    expect(param(minioWf, "key")).toBe(key);
    const hookWfs = await waitFor(
      "the hook Workflows",
      async () => {
        const all = await rig.workflows(HOOK_PIPELINE);
        return all.length >= ODD_CAMERAS.length + 1 ? all : undefined;
      },
      60_000,
    );
    expect(hookWfs).toHaveLength(ODD_CAMERAS.length + 1);
    expect(param(hookWfs.find((w) => param(w, "camera") === "gate-09")!, "key")).toBe(hookKey);
    for (const c of ODD_CAMERAS) {
      const wf = hookWfs.find((w) => param(w, "camera") === c.id)!;
      expect(wf, c.id).toBeDefined();
      expect(wf.metadata.labels?.["framegate.io/camera"], c.id).toBe(c.label || undefined);
      expect(invalidLabels(wf), c.id).toEqual([]);
      expect(wf.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
    const tag = await waitFor(
      `the dead letter of the hook with camera ${TEMPLATE_CAMERA}`,
      async () => (await rig.deadLetters()).find((d) => d.pipeline === HOOK_PIPELINE && new TextDecoder().decode(d.data).includes(TEMPLATE_CAMERA)),
      60_000,
    );
    expect(tag.kind).toBe("rejected");
    expect(tag.reason).toMatch(/contains "\{\{" — Argo would read it as a template tag/);
    // refused requests stored nothing, and of the accepted ones only the template camera was dead-lettered
    expect((await deadLettersSince(before)).map((d) => d.originalSeq)).toEqual([tag.originalSeq]);
  }, 180_000);

  it("keeps serving: after bad input, a good upload and a good webhook are processed and only the bad message is dead-lettered", async () => {
    const before = await rig.lastSeq();
    // bad input first, both ways in (this test needs none of the others to have run)
    const badSeq = (await jetstream(await rig.nc()).publish(rig.env.FRAMEGATE_MINIO_SUBJECT!, truncatedJson())).seq;
    const refused = await hook(truncatedJson(40), "after-bad");
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect((await deadLetterOf(badSeq, "truncated JSON")).kind).toBe("bad-event");

    const [frame] = await framePool();
    const key = "bad-after/2026/11/28/120000-1.jpg";
    await fs.stack.minio.client.putObject("raw", key, frame!, frame!.length, { "Content-Type": "image/jpeg" });
    const a = await hook(JSON.stringify({ kind: "motion", camera: "gate-after", bucket: "raw", key }), "after");
    expect(a.status).toBe(202);
    await waitFor("the good upload's Workflow", async () => (await rig.workflows(MINIO_PIPELINE)).some((w) => w.metadata.annotations?.["framegate.io/key"] === key), 60_000);
    await waitFor("the good webhook's Workflow", async () => (await rig.workflows(HOOK_PIPELINE)).some((w) => param(w, "camera") === "gate-after"), 60_000);

    expect((await deadLettersSince(before)).map((d) => `${d.originalSeq} ${d.kind}`)).toEqual([`${badSeq} bad-event`]);
    expect(gw.process.exitStatus).toBeUndefined();
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
