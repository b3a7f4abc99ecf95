/**
 * @module web/results-view.int.test — the Results view in headless Chromium on the real stack with the pod runner:
 * Argo runs resize -> detect for real on a photo with people (gate-01) and on a synthetic frame (yard-02); the
 * gateway's results index gets both when their Workflows succeed, and the page shows each camera's frame with
 * the detected boxes drawn (label + score), filters by label, camera and time, opens a frame full size with its
 * Workflow link and step timings, and runs the pipeline again on a stored object (dedupe, then Force).
 * Screenshots go to test-results/screenshots/results/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import type { ResultsBody } from "./src/api/types.js";
import { detectVenv } from "../test/harness/pod-runner-images.js";
import { startStack, type FullStack } from "../test/harness/stack.js";
import { jpegFrame } from "../test/harness/synthetic-camera.js";
import { REPO_ROOT } from "../test/harness/util.js";
import { PipelineUnderTest, waitFor } from "../test/e2e/pipeline-under-test.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "results-e2e-token-0123456789";
const ARGO_UI = "https://argo.example.test";
const SHOTS = join(REPO_ROOT, "test-results", "screenshots", "results");
const RULES = {
  "rv-people.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: rv-people }
spec:
  trigger: { bucket: raw, key: "{camera}/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps:
      - { name: resize, service: resize, params: { width: "640", height: "640" } }
      - { name: detect, service: detect, after: [resize], params: { confidence: "0.3" } }
`,
};

let stack: FullStack;
let t: PipelineUnderTest;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function results(query = ""): Promise<ResultsBody> {
  const res = await fetch(`${t.url}/api/results?${query}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as ResultsBody;
}

/** The camera sections the page shows, by `data-camera`. */
const shownCameras = () => page.locator("section.camera-results").evaluateAll((s) => s.map((x) => x.getAttribute("data-camera")));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed (${CHROMIUM} is missing): run \`scripts/tools.sh chromium\`, then run this test again`);
  mkdirSync(SHOTS, { recursive: true });
  process.stderr.write(`results view screenshots: ${SHOTS}\n`);
  const [bus] = await Promise.all([
    detectVenv().then((dir) => readFileSync(join(dir, "fixtures/bus.jpg"))),
    build({ configFile: join(REPO_ROOT, "web/vite.config.ts"), logLevel: "warn" }),
  ]);
  stack = await startStack({ runner: { maxProcesses: 2 } });
  t = await PipelineUnderTest.start(stack, { id: "results-view", rules: RULES, extra: { FRAMEGATE_API_TOKEN: TOKEN, FRAMEGATE_ARGO_UI_URL: ARGO_UI } });
  const plain = await jpegFrame(3, { width: 640, height: 480 });
  await stack.minio.client.putObject("raw", "gate-01/bus.jpg", bus, bus.length, { "Content-Type": "image/jpeg" });
  await stack.minio.client.putObject("raw", "yard-02/plain.jpg", plain, plain.length, { "Content-Type": "image/jpeg" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-sync"] });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.on("console", (m) => m.type() === "error" && !/status of 401/.test(m.text()) && pageErrors.push(m.text()));
  page.on("pageerror", (e) => pageErrors.push(`uncaught: ${e.message}`));
}, 240_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") process.stderr.write(`--- gateway log (tail) ---\n${t?.logs.toString().slice(-6000)}\nrunner ${JSON.stringify(stack?.runner?.stats())}\n`);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await t?.stop();
  await stack?.stop();
}, 60_000);

describe("the Results view", () => {
  it("indexes both frames when their Workflows succeed: keys, detections from detect's sidecar, step timings, Argo link", async () => {
    const body = await waitFor("both results in the index", async () => {
      const b = await results();
      return b.results.length >= 2 ? b : undefined;
    }, 120_000, () => `runner ${JSON.stringify(stack.runner!.stats())}`);
    const gate = body.results.find((r) => r.camera === "gate-01")!;
    expect(gate.source).toEqual({ bucket: "raw", key: "gate-01/bus.jpg" });
    expect(gate.processed.map((p) => `${p.step} ${p.bucket}/${p.key}`)).toEqual(["resize processed/rv-people/resize/gate-01/bus.jpg", "detect processed/rv-people/detect/gate-01/bus.jpg"]);
    expect(gate.frame).toEqual({ bucket: "processed", key: "rv-people/resize/gate-01/bus.jpg" });
    expect(gate.image).toEqual({ width: 480, height: 640 });
    expect(gate.detections.filter((d) => d.label === "person").length).toBeGreaterThan(0);
    expect(gate.workflow.argoUrl).toBe(`${ARGO_UI}/workflows/argo/${gate.workflow.name}`);
    expect(gate.steps.map((s) => s.step)).toEqual(["resize", "detect"]);
    for (const s of gate.steps) expect(s.durationMs, JSON.stringify(s)).toBeGreaterThan(0);
    expect(body.frames).toBe(true);
  }, 130_000);

  it("shows each camera's frame with its boxes labelled, after the token prompt", async () => {
    await page.goto(`${t.url}/#/results`);
    await page.getByRole("textbox", { name: "Token" }).fill(TOKEN);
    await page.getByRole("button", { name: "Connect" }).click();
    const gate = page.locator('section.camera-results[data-camera="gate-01"] li[data-result]').first();
    await gate.locator('.frame[data-loaded="true"] .box[data-label="person"]').first().waitFor({ timeout: 30_000 });
    // the thumbnail really loaded (through the gateway, from MinIO) and is the frame's shape
    const size = await gate.locator("img").evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([320, 427]);
    const labels = await gate.locator(".box text").allTextContents();
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(l).toMatch(/^person \d+%$|^person \d+\.\d\d$/);
    // the box lies inside the drawn image
    const [img, box] = await Promise.all([gate.locator("img").boundingBox(), gate.locator(".box rect").first().boundingBox()]);
    expect(box!.x).toBeGreaterThanOrEqual(img!.x - 1);
    expect(box!.x + box!.width).toBeLessThanOrEqual(img!.x + img!.width + 1);
    await page.locator('section.camera-results[data-camera="yard-02"] .frame[data-loaded="true"]').waitFor({ timeout: 15_000 });
    expect((await shownCameras()).sort()).toEqual(["gate-01", "yard-02"]);
    await shot("01-results");
  }, 60_000);

  it("filters by label, camera and time, with the filters in the URL", async () => {
    await page.getByLabel("Label", { exact: true }).selectOption("person");
    await expect.poll(shownCameras, { timeout: 10_000 }).toEqual(["gate-01"]);
    expect(page.url()).toContain("label=person");
    await shot("02-filter-person");
    await page.getByLabel("Label", { exact: true }).selectOption("");
    await page.getByLabel("Camera", { exact: true }).selectOption("yard-02");
    await expect.poll(shownCameras, { timeout: 10_000 }).toEqual(["yard-02"]);
    await page.getByLabel("Camera", { exact: true }).selectOption("");
    await page.getByLabel("Time", { exact: true }).selectOption("15m");
    await expect.poll(async () => (await shownCameras()).sort(), { timeout: 10_000 }).toEqual(["gate-01", "yard-02"]);
    // a time range before both: nothing
    await page.goto(`${t.url}/#/results?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    await page.getByText("No result matches the filters.").waitFor({ timeout: 10_000 });
    await page.goto(`${t.url}/#/results`);
    await expect.poll(async () => (await shownCameras()).sort(), { timeout: 10_000 }).toEqual(["gate-01", "yard-02"]);
    // the Time filter shows "Any time" again (not a blank select)
    expect(await page.getByLabel("Time", { exact: true }).evaluate((sel: HTMLSelectElement) => sel.selectedOptions[0]?.textContent)).toBe("Any time");
  }, 60_000);

  it("the Cameras page links each camera to its results", async () => {
    await page.getByRole("navigation", { name: "Dashboard pages" }).getByRole("link", { name: "Cameras", exact: true }).click();
    await page.getByRole("link", { name: "Results of yard-02" }).click();
    await expect.poll(shownCameras, { timeout: 10_000 }).toEqual(["yard-02"]);
    expect(page.url()).toContain("#/results?camera=yard-02");
    await page.goto(`${t.url}/#/results`);
    await expect.poll(async () => (await shownCameras()).sort(), { timeout: 10_000 }).toEqual(["gate-01", "yard-02"]);
  }, 30_000);

  it("opens a frame full size with its Workflow link and step timings", async () => {
    await page.locator('section.camera-results[data-camera="gate-01"] button.thumb').first().click();
    const dialog = page.getByRole("dialog");
    await dialog.locator('.frame-full[data-loaded="true"] .box[data-label="person"]').first().waitFor({ timeout: 15_000 });
    const size = await dialog.locator(".frame-full img").evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([480, 640]);
    const href = await dialog.locator("a.workflow-link").getAttribute("href");
    expect(href).toMatch(new RegExp(`^${ARGO_UI}/workflows/argo/rv-people-`));
    const steps = await dialog.locator("table.step-timings tbody tr").allInnerTexts();
    expect(steps.map((s) => s.split("\t").slice(0, 2).join(" "))).toEqual(["resize Succeeded", "detect Succeeded"]);
    for (const s of steps) expect(s).toMatch(/\d+\.\d s$/);
    await shot("03-frame-full-size");
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
  }, 40_000);

  it("runs the pipeline on a stored object: the same Workflow (dedupe), then a new one with Force", async () => {
    const existing = (await results("camera=gate-01")).results[0]!.workflow.name;
    const form = page.locator("form.run-object");
    await form.getByLabel("Pipeline").selectOption("rv-people");
    await form.getByLabel("Key").fill("gate-01/bus.jpg");
    await form.getByRole("button", { name: "Run" }).click();
    await form.locator(".run-workflow").waitFor({ timeout: 15_000 });
    expect(await form.locator(".run-workflow").innerText()).toBe(existing);
    // the processor's answer, from its report on the live feed: dedupe had this object
    await form.locator('.run-outcome[data-outcome="duplicate"]').waitFor({ timeout: 15_000 });
    expect(await form.locator(".run-outcome").innerText()).toContain("processed before");
    await form.getByLabel(/Force/).check();
    await form.getByRole("button", { name: "Run" }).click();
    await expect.poll(() => form.locator(".run-workflow").innerText(), { timeout: 15_000 }).not.toBe(existing);
    expect(await form.locator(".run-workflow").innerText()).toMatch(/^rv-people-/);
    await form.locator('.run-outcome[data-outcome="created"]').waitFor({ timeout: 15_000 });
    await shot("04-run-on-object");
    // an object the gateway cannot run (no such object, or a key the trigger does not cover): its reason, on the form
    await form.getByLabel("Key").fill("gate-01/nested/deeper/x.jpg");
    await form.getByRole("button", { name: "Run" }).click();
    await form.locator(".run-answer .bad").waitFor({ timeout: 10_000 });
    expect(pageErrors.filter((e) => !/status of (404|422)/.test(e))).toEqual([]);
  }, 40_000);
});
