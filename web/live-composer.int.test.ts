/**
 * @module web/live-composer.int.test — the composer on Pipeline resources in headless Chromium, against the
 * real stack in kubernetes mode: nats-server, MinIO (notifications set up by `framegate setup`),
 * kube-apiserver with Argo's and framegate's CRDs, the example pipelines applied as resources, and the
 * gateway in-process with FRAMEGATE_RULES_SOURCE=kubernetes, its Role from k8s/base/gateway/rbac.yaml and
 * rule writes on. It edits people-detect's confidence (diff, save, and an upload then makes a Workflow
 * with the new value), edits the webhook pipeline, hits the conflict path (kubectl changes the resource
 * while the editor has it open: the save shows their change and does not overwrite it), clones a
 * pipeline into a diamond and deletes the clone. Screenshots go to test-results/screenshots/live-composer/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { chromium, type Browser, type Page } from "playwright-core";
import { pino } from "pino";
import { build } from "vite";
import { startGateway, type RunningGateway } from "../src/cli/commands/serve.js";
import { loadConfig } from "../src/config/env.js";
import { installArgo, type ArgoInstall } from "../test/harness/argo.js";
import { framegateEnv, runFramegate, setupEnv } from "../test/harness/framegate.js";
import { installPipelineResources } from "../test/harness/pipeline-resources.js";
import { RingBuffer } from "../test/harness/process.js";
import { startStack, type KubeStack } from "../test/harness/stack.js";
import { frameKey, jpegFrame } from "../test/harness/synthetic-camera.js";
import { REPO_ROOT, toolPath } from "../test/harness/util.js";
import { waitFor } from "../test/harness/wait.js";

const exec = promisify(execFile);
const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "live-composer-e2e-token-0123456789";
const SHOTS = join(REPO_ROOT, "test-results", "screenshots", "live-composer");
const NS = "framegate";
const CAMERA = "dock-07";

let stack: KubeStack;
let argo: ArgoInstall;
let gateway: RunningGateway;
let browser: Browser;
let page: Page;
let rulesDir: string;
let url: string;
let admin: CustomObjectsApi;
const logs = new RingBuffer(256 * 1024);
const pageErrors: string[] = [];

type PipelineObject = { metadata: { resourceVersion: string; annotations?: Record<string, string> }; spec: { trigger: { where?: { fields?: Record<string, string[]> } }; workflow: { steps: { name: string; after?: string[]; params?: Record<string, string> }[] } } };

async function kubectl(...args: string[]): Promise<string> {
  try {
    return (await exec(toolPath("KUBECTL"), ["--kubeconfig", stack.kube.kubeconfigPath, ...args])).stdout;
  } catch (e) {
    throw new Error(`kubectl ${args.join(" ")}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
}
const getPipeline = async (name: string) => (await admin.getNamespacedCustomObject({ group: "framegate.io", version: "v1alpha1", namespace: NS, plural: "pipelines", name })) as PipelineObject;
const confidenceOf = (p: PipelineObject) => p.spec.workflow.steps.find((s) => s.name === "detect")?.params?.confidence;

async function shot(name: string, focus?: string): Promise<void> {
  if (focus) await page.locator(focus).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: !focus });
}

async function visible(selector: string, ms = 20_000): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ state: "visible", timeout: ms });
  } catch (e) {
    const text = (await page.locator("main").innerText().catch(() => "")).slice(0, 1500);
    throw new Error(`the page did not show ${selector} within ${ms} ms; it shows:\n${text}`, { cause: e });
  }
}

async function nav(name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Dashboard pages" }).getByRole("link", { name, exact: true }).click();
}

/** Opens a pipeline from the Resources page and waits until the gateway says the form is valid. */
async function edit(name: string): Promise<void> {
  await nav("Resources");
  await visible(`tr[data-resource="${name}"]`);
  await page.getByRole("link", { name: `Edit ${name}` }).click();
  await visible(`h1:text("Edit pipeline ${name}")`);
  await valid();
}

async function valid(): Promise<void> {
  await page.locator('[data-testid="validation-status"]', { hasText: "Valid" }).waitFor({ timeout: 15_000 });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed (${CHROMIUM} is missing): run \`scripts/tools.sh chromium\` (Debian's chromium package), then run this test again`);
  mkdirSync(SHOTS, { recursive: true });
  process.stderr.write(`live composer screenshots: ${SHOTS}\n`);
  await build({ configFile: join(REPO_ROOT, "web/vite.config.ts"), logLevel: "warn" });

  stack = await startStack({ level: "kube" });
  argo = await installArgo(stack.kube, { minio: stack.minio });
  admin = stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
  // as k8s/base does it: the CRDs, the gateway's Role in its namespace (bound to the harness's gateway account), the examples as resources
  await installPipelineResources(stack.kube, { namespace: NS, gateway: { namespace: argo.namespace, name: argo.gatewayServiceAccount } });

  rulesDir = mkdtempSync(join(tmpdir(), "framegate-live-composer-"));
  cpSync(join(REPO_ROOT, "pipelines"), rulesDir, { recursive: true });
  const env = framegateEnv(stack, {
    rulesDir,
    kubeconfigPath: argo.gatewayKubeconfigPath,
    consumer: "live-composer-e2e",
    logLevel: "info",
    extra: { FRAMEGATE_API_TOKEN: TOKEN, FRAMEGATE_ALLOW_RULE_WRITES: "true" },
  });
  // streams, consumer and MinIO's bucket notifications (from the same examples, as files)
  const setup = await runFramegate(["setup"], setupEnv(stack, env));
  if (setup.code !== 0) throw new Error(`framegate setup exited ${setup.code}:\n${setup.stdout}${setup.stderr}`);
  const log = pino({ level: "info", base: { svc: "framegate" } }, { write: (s: string) => logs.push(s) });
  gateway = await startGateway(loadConfig({ ...env, FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: NS }), log, { kubeConfig: argo.gatewayKubeConfig() });
  url = `http://127.0.0.1:${gateway.port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (401|409|422)/.test(m.text())) pageErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(`uncaught: ${e.message}`));
  page.on("dialog", (d) => void d.accept());
  await page.goto(url);
  await page.getByRole("textbox", { name: "Token" }).fill(TOKEN);
  await page.getByRole("button", { name: "Connect" }).click();
}, 300_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") process.stderr.write(`--- gateway log (tail) ---\n${logs.toString().slice(-8000)}\n`);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await gateway?.stop();
  await stack?.stop();
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
}, 120_000);

describe("the composer on Pipeline resources, in a browser", () => {
  it("lists the Pipeline resources with their status", async () => {
    await nav("Resources");
    await visible('tr[data-resource="people-detect"][data-accepted="True"]', 30_000);
    for (const name of ["motion-alerts", "masked-thumbnails", "privacy-detect"]) expect(await page.locator(`tr[data-resource="${name}"]`).count(), name).toBe(1);
    expect(await page.locator('tr[data-resource="people-detect"]').innerText()).toContain("minio raw {camera}/**/*.jpg");
    await shot("01-resources");
  }, 60_000);

  it("changes people-detect's confidence: diff, save, and the next upload's Workflow has the new value", async () => {
    await edit("people-detect");
    const field = page.locator('.field[data-path="spec.workflow.steps[1].params.confidence"] input');
    expect(await field.inputValue()).toBe("0.5");
    await field.fill("0.61");
    await valid();
    await page.getByRole("button", { name: "Review changes" }).click();
    const change = page.locator('[aria-label="Changes against the live version"] li[data-change="spec.workflow.steps[1].params.confidence"]');
    await change.waitFor({ timeout: 10_000 });
    expect(await change.innerText()).toMatch(/0\.5\s*→\s*0\.61/);
    expect(await page.locator('[aria-label="Changes against the live version"] li[data-change]').count()).toBe(1);
    await shot("02-people-detect-diff", '[data-testid="live-save"]');
    await page.getByRole("button", { name: "Save to the cluster" }).click();
    await visible('.ok-note:has-text("Saved Pipeline")');
    const stored = await getPipeline("people-detect");
    expect(confidenceOf(stored)).toBe("0.61");
    expect(stored.metadata.annotations?.["framegate.io/saved-from"]).toMatch(/address 127\.0\.0\.1.*agent Mozilla/);

    // the gateway runs the new generation within seconds; then an upload makes a Workflow with 0.61
    await waitFor("people-detect's new generation running", async () => {
      const r = (await (await fetch(`${url}/api/pipelines`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { resources: { name: string; running: boolean; generation: number }[] };
      const p = r.resources.find((x) => x.name === "people-detect");
      return p?.running === true && p.generation === 2;
    }, 15_000);
    const frame = await jpegFrame(3);
    await stack.minio.client.putObject("raw", frameKey(CAMERA, new Date(), 1), frame, frame.length, { "Content-Type": "image/jpeg" });
    let workflow = "";
    await waitFor("a people-detect Workflow for the upload", async () => {
      const list = (await admin.listNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: "argo", plural: "workflows", labelSelector: "framegate.io/pipeline=people-detect" })) as { items: unknown[] };
      workflow = JSON.stringify(list.items.find((w) => JSON.stringify(w).includes(CAMERA)) ?? "");
      return workflow !== '""';
    }, 30_000);
    expect(workflow).toContain('{"name":"FRAMEGATE_PARAM_CONFIDENCE","value":"0.61"}');
  }, 90_000);

  it("edits the webhook pipeline's body conditions", async () => {
    await edit("motion-alerts");
    expect(await page.getByLabel("Hook name").inputValue()).toBe("motion-alerts");
    await page.getByLabel("Body field conditions").fill("kind = motion, intrusion");
    await valid();
    await page.getByRole("button", { name: "Review changes" }).click();
    await visible('li[data-change="spec.trigger.where.fields.kind[1]"]');
    await shot("03-webhook-diff", '[data-testid="live-save"]');
    await page.getByRole("button", { name: "Save to the cluster" }).click();
    await visible('.ok-note:has-text("Saved Pipeline")');
    expect((await getPipeline("motion-alerts")).spec.trigger.where?.fields).toEqual({ kind: ["motion", "intrusion"] });
  }, 60_000);

  it("refuses to overwrite a kubectl change made while the editor had it open, and shows it", async () => {
    await edit("people-detect");
    await page.locator('.field[data-path="spec.workflow.steps[1].params.confidence"] input').fill("0.7");
    await valid();
    await kubectl("patch", "pipeline", "-n", NS, "people-detect", "--type=json", "-p", '[{"op":"replace","path":"/spec/workflow/steps/1/params/confidence","value":"0.95"}]');
    await page.getByRole("button", { name: "Review changes" }).click();
    await visible('p.bad:has-text("The live version changed since you opened it")');
    await page.getByRole("button", { name: "Save to the cluster" }).click();
    await visible('[data-testid="conflict"]');
    const conflict = await page.locator('[data-testid="conflict"]').innerText();
    expect(conflict).toMatch(/changed since you opened it .*nothing was saved/);
    expect(conflict).toContain("You both changed: spec.workflow.steps[1].params.confidence");
    expect((await page.locator('[aria-label="Their change since you opened it"] .diff-add').allInnerTexts()).join("\n")).toContain('"0.95"');
    await shot("04-conflict", '[data-testid="conflict"]');
    expect(confidenceOf(await getPipeline("people-detect"))).toBe("0.95");
    // taking their version puts 0.95 in the form
    await page.getByRole("button", { name: "Load their version (drop my edits)" }).click();
    await valid();
    expect(await page.locator('.field[data-path="spec.workflow.steps[1].params.confidence"] input').inputValue()).toBe("0.95");
  }, 60_000);

  it("clones a pipeline into a diamond, creates it, and deletes it", async () => {
    await nav("Resources");
    await page.getByRole("link", { name: "Clone people-detect" }).click();
    await visible('h1:text("Compose a pipeline")');
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("people-detect-copy");
    // resize -> (detect, thumbnail) -> blur: the join runs after both branches
    await page.locator("#add-step-service").selectOption("resize");
    await page.getByRole("button", { name: "Add step" }).click();
    const thumb = page.locator('li.step[data-step="resize-2"]');
    await thumb.getByLabel("detect").uncheck();
    await thumb.getByLabel("resize", { exact: true }).check();
    await page.locator("#add-step-service").selectOption("blur");
    await page.getByRole("button", { name: "Add step" }).click();
    await page.locator('li.step[data-step="blur"]').getByLabel("detect").check();
    for (const edge of ["upload->resize", "resize->detect", "resize->resize-2", "resize-2->blur", "detect->blur"]) expect(await page.locator(`svg.dag [data-edge="${edge}"]`).count(), edge).toBe(1);
    expect(await page.locator('svg.dag [data-node="blur"]').getAttribute("data-column")).toBe("3");
    await valid();
    await shot("05-clone-diamond", "svg.dag");
    await page.getByRole("button", { name: "Create pipeline" }).click();
    await visible('.ok-note:has-text("Created Pipeline")');
    const created = await getPipeline("people-detect-copy");
    expect(created.spec.workflow.steps.find((s) => s.name === "blur")?.after?.sort()).toEqual(["detect", "resize-2"]);

    await nav("Resources");
    await visible('tr[data-resource="people-detect-copy"]', 15_000);
    await page.getByRole("button", { name: "Delete people-detect-copy" }).click();
    await visible('.ok-note:has-text("people-detect-copy: deleted")');
    expect(await kubectl("get", "pipelines", "-n", NS, "-o", "name")).not.toContain("people-detect-copy");
    await page.locator('tr[data-resource="people-detect-copy"]').waitFor({ state: "detached", timeout: 10_000 });
    await shot("06-deleted");
  }, 60_000);

  it("logged no errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
