/**
 * `framegate serve` as a process: a start-up that fails after the rule watchers and the NATS connection
 * opened exits 1 (it used to hang on them), and a kubeconfig on plain http:// says what to set.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { ensureIntake } from "../triggers/jetstream-setup.js";
import { runFramegate } from "../../test/harness/framegate.js";
import { makeTempDir, startNats, type NatsServer, type TempDir } from "../../test/harness/index.js";
import { REPO_ROOT } from "../../test/harness/util.js";

let nats: NatsServer;
let dir: TempDir;

beforeAll(async () => {
  nats = await startNats();
  dir = makeTempDir("fg-serve-startup-");
}, 60_000);

afterAll(async () => {
  await nats?.stop();
  dir?.remove();
});

function env(stream: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    ...nats.clientEnv("gateway"),
    FRAMEGATE_STREAM: stream,
    FRAMEGATE_DLQ_STREAM: `${stream}_DLQ`,
    FRAMEGATE_RULES_DIR: join(REPO_ROOT, "pipelines"),
    FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
    FRAMEGATE_HTTP_PORT: "0",
    FRAMEGATE_WATCH_RULES: "true",
    FRAMEGATE_LOG_LEVEL: "info",
    ...more,
  };
}

/** A kubeconfig for `kubectl proxy`: plain http, no credentials. */
function proxyKubeconfig(skipTlsVerify: boolean): string {
  const path = join(dir.path, `proxy-${skipTlsVerify}.yaml`);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: proxy
  cluster: { server: "http://127.0.0.1:1"${skipTlsVerify ? ", insecure-skip-tls-verify: true" : ""} }
contexts:
- name: proxy
  context: { cluster: proxy, user: proxy }
current-context: proxy
users:
- name: proxy
  user: {}
`,
  );
  return path;
}

describe("framegate serve start-up", () => {
  it("exits 1 when the streams are missing, closing the NATS connection and rule watchers it opened", async () => {
    const t0 = Date.now();
    // the production names (the only ones the gateway's NATS user may look at); this test runs before the next creates them
    const r = await runFramegate(["serve"], env("FRAMEGATE", { KUBECONFIG: proxyKubeconfig(true) }), 30_000);
    expect(r.stderr).toContain("framegate serve: JetStream is not set up the way this gateway needs:");
    expect(r.stderr).toMatch(/stream FRAMEGATE: existence is missing, want present — nothing can be taken in: run `framegate setup`/);
    expect(r.stderr).toMatch(/stream FRAMEGATE_DLQ: existence is missing/);
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
    // each stage that waits says what it waits for
    expect(r.stdout).toMatch(new RegExp(`"nats":"${nats.url.replace(/[.]/g, "\\.")}".*"msg":"start-up: connecting to NATS"`));
    expect(r.stdout).toContain('"msg":"start-up: checking the JetStream streams and consumer"');
    expect(r.stdout).toContain('"msg":"start-up failed; closed what was opened"');
  }, 40_000);

  it("explains a kubeconfig on plain http:// (kubectl proxy) instead of an internal error, and exits 1", async () => {
    const nc = await nats.connectAs("setup");
    await ensureIntake(nc, { stream: "FRAMEGATE", dlqStream: "FRAMEGATE_DLQ", consumer: "framegate", minioSubject: "minio.events" }, { ackWaitMs: 30_000 });
    await nc.close();
    const kubeconfig = proxyKubeconfig(false);
    const r = await runFramegate(["serve"], env("FRAMEGATE", { KUBECONFIG: kubeconfig }), 30_000);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).toContain('the kubeconfig\'s cluster "proxy" is plain http://127.0.0.1:1');
    expect(r.stderr).toContain("insecure-skip-tls-verify: true");
    expect(r.code).toBe(1);
  }, 40_000);

  it("exits 1, saying what differs and how to fix it, when the consumer's settings break a guarantee (max_deliver from an older setup)", async () => {
    // its own server: an intake owns framegate.hooks.>, and the other tests' intakes live on the shared one
    await using own = await startNats();
    const nc = await own.connectAs("setup");
    await ensureIntake(nc, { stream: "FRAMEGATE", dlqStream: "FRAMEGATE_DLQ", consumer: "framegate", minioSubject: "minio.events" }, { ackWaitMs: 30_000 });
    // a breaking difference and a harmless one
    await (await jetstreamManager(nc)).consumers.update("FRAMEGATE", "framegate", { max_deliver: 10, max_ack_pending: 500 });
    await nc.close();
    const r = await runFramegate(["serve"], env("FRAMEGATE", { ...own.clientEnv("gateway"), KUBECONFIG: proxyKubeconfig(true) }), 30_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/"level":40.*"msg":"consumer FRAMEGATE\/framegate: max_ack_pending is 500, want 10000 — FRAMEGATE_MAX_ACK_PENDING is not what bounds the gateway/);
    expect(r.stderr).toContain("framegate serve: JetStream is not set up the way this gateway needs:\n  consumer FRAMEGATE/framegate: max_deliver is 10, want -1 — ");
    expect(r.stderr).toContain("run `framegate setup` with the same FRAMEGATE_* settings");
    expect(r.stdout).not.toContain("start-up: loading the Kubernetes credentials"); // stopped before going on
  }, 40_000);

  it("names a KUBECONFIG file that does not exist, and exits 1", async () => {
    const r = await runFramegate(["serve"], env("STARTUP_NOFILE", { KUBECONFIG: join(dir.path, "missing.yaml") }), 30_000);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).toContain(`framegate serve: cannot load the kubeconfig (KUBECONFIG=${join(dir.path, "missing.yaml")})`);
    expect(r.code).toBe(1);
  }, 40_000);
});
