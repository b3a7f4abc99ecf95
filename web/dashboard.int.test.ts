/**
 * @module web/dashboard.int.test — the dashboard in headless Chromium against the real stack: nats-server,
 * MinIO (notifying JetStream, set up by `framegate setup`), kube-apiserver with Argo's CRDs, and the
 * gateway in-process (`startGateway`) with an API token and rule writes on, over a temp copy of
 * pipelines/. It signs in with the token, watches a new camera appear over the event stream, composes a
 * two-step pipeline (resize -> detect), sees a bad key pattern's error on its field, dry-runs the draft,
 * saves it, and checks `framegate validate` accepts the saved file. Screenshots go to
 * test-results/screenshots/dashboard/ (printed at the start).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { pino } from "pino";
import { build } from "vite";
import { parse } from "yaml";
import { runCli } from "../src/cli/run.js";
import { memoryIo } from "../src/cli/io.js";
import { startGateway, type RunningGateway } from "../src/cli/commands/serve.js";
import { loadConfig } from "../src/config/env.js";
import { installArgo, type ArgoInstall } from "../test/harness/argo.js";
import { framegateEnv, runFramegate, setupEnv } from "../test/harness/framegate.js";
import { RingBuffer } from "../test/harness/process.js";
import { startStack, type KubeStack } from "../test/harness/stack.js";
import { frameKey, jpegFrame } from "../test/harness/synthetic-camera.js";
import { REPO_ROOT } from "../test/harness/util.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "dashboard-e2e-token-0123456789";
const SHOTS = join(REPO_ROOT, "test-results", "screenshots", "dashboard");
const CAMERA = "yard-new-01";

let stack: KubeStack;
let argo: ArgoInstall;
let gateway: RunningGateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let rulesDir: string;
let examples: string[];
let url: string;
const logs = new RingBuffer(256 * 1024);
/** what the page logged as errors (CSP violations show up here), and uncaught exceptions */
const pageErrors: string[] = [];

/** A screenshot of the window (a laptop screen), after scrolling `focus` into view when given. */
async function shot(name: string, focus?: string): Promise<void> {
  if (focus) await page.locator(focus).first().scrollIntoViewIfNeeded();
  else await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Follows a link of the page navigation. */
async function nav(name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Dashboard pages" }).getByRole("link", { name, exact: true }).click();
}

/** Waits until the page shows `selector`, naming it (and what the page shows instead) when it does not. */
async function visible(selector: string, ms = 20_000): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ state: "visible", timeout: ms });
  } catch (e) {
    const text = (await page.locator("main").innerText().catch(() => "")).slice(0, 1500);
    throw new Error(`the page did not show ${selector} within ${ms} ms; it shows:\n${text}`, { cause: e });
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is not installed (${CHROMIUM} is missing): run \`scripts/tools.sh chromium\` (Debian's chromium package), then run this test again`);
  }
  mkdirSync(SHOTS, { recursive: true });
  process.stderr.write(`dashboard screenshots: ${SHOTS}\n`);
  // the bundle the gateway serves from dist/web, built from the sources under test
  await build({ configFile: join(REPO_ROOT, "web/vite.config.ts"), logLevel: "warn" });

  stack = await startStack({ level: "kube" });
  argo = await installArgo(stack.kube, { minio: stack.minio });
  rulesDir = mkdtempSync(join(tmpdir(), "framegate-dashboard-"));
  cpSync(join(REPO_ROOT, "pipelines"), rulesDir, { recursive: true });
  // the example pipelines the overview must list, read from the files themselves (the examples grow)
  examples = readdirSync(rulesDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => (parse(readFileSync(join(rulesDir, f), "utf8")) as { metadata: { name: string } }).metadata.name)
    .sort();
  const env = framegateEnv(stack, {
    rulesDir,
    kubeconfigPath: argo.gatewayKubeconfigPath,
    consumer: "dashboard-e2e",
    logLevel: "info",
    extra: { FRAMEGATE_API_TOKEN: TOKEN, FRAMEGATE_ALLOW_RULE_WRITES: "true", FRAMEGATE_ARGO_UI_URL: "https://argo.example.test" },
  });
  // as an operator would: streams, consumer and the MinIO bucket notifications derived from the rules
  const setup = await runFramegate(["setup"], setupEnv(stack, env));
  if (setup.code !== 0) throw new Error(`framegate setup exited ${setup.code}:\n${setup.stdout}${setup.stderr}`);
  const log = pino({ level: "info", base: { svc: "framegate" } }, { write: (s: string) => logs.push(s) });
  gateway = await startGateway(loadConfig(env), log, { kubeConfig: argo.gatewayKubeConfig() });
  url = `http://127.0.0.1:${gateway.port}`;
  await requireWiring();

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
  // a fresh profile: nothing stored from an earlier run; a laptop-sized window
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on("console", (m) => {
    // the first request, before the token is typed, is refused on purpose
    if (m.type() === "error" && !/status of 401/.test(m.text())) pageErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(`uncaught: ${e.message}`));
}, 420_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") process.stderr.write(`--- gateway log (tail) ---\n${logs.toString().slice(-8000)}\n`);
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await gateway?.stop();
  await stack?.stop();
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
}, 120_000);

describe("the dashboard in a browser", () => {
  it("asks for the API token, then shows the pipelines with a live connection", async () => {
    await page.goto(url);
    await page.getByRole("dialog", { name: "API token" }).waitFor();
    await shot("01-token-prompt");
    await page.getByRole("textbox", { name: "Token" }).fill(TOKEN);
    await page.getByRole("button", { name: "Connect" }).click();

    await visible('tr[data-pipeline="people-detect"]');
    const names = await page.locator("tr[data-pipeline]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-pipeline")));
    expect(examples).toContain("people-detect");
    expect(names.sort()).toEqual(examples);
    const row = await page.locator('tr[data-pipeline="people-detect"]').innerText();
    expect(row).toContain("raw/{camera}/**/*.jpg");
    expect(row).toContain("sample 5s");
    expect(row).toContain("≤ 20 in flight");
    // the stream is open: updates are pushed, not polled
    await visible(".conn-live", 15_000);
    // the token went to sessionStorage only
    expect(await page.evaluate(() => sessionStorage.getItem("framegate.apiToken"))).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // keyboard: the first Tab reaches the skip link
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await shot("02-overview");
  }, 60_000);

  it("shows a new camera as soon as it uploads its first frame, without a reload", async () => {
    await nav("Cameras");
    await visible("#cameras-title");
    expect(await page.locator(`tr[data-camera="${CAMERA}"]`).count()).toBe(0);
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));

    const frame = await jpegFrame(7);
    await stack.minio.client.putObject("raw", frameKey(CAMERA, new Date(), 1), frame, frame.length, { "Content-Type": "image/jpeg" });

    await visible(`tr[data-camera="${CAMERA}"]`, 30_000);
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    const row = await page.locator(`tr[data-camera="${CAMERA}"]`).innerText();
    expect(row).toContain("new");
    expect(row).toContain(`${CAMERA}/`);
    await shot("03-cameras-new-camera");
  }, 90_000);

  it("lists the event and the Workflow it became, linked to the Argo UI, filterable by camera", async () => {
    await nav("Activity");
    await page.getByLabel("Camera").selectOption(CAMERA);
    expect(page.url()).toContain(`camera=${CAMERA}`);
    await visible(`tr[data-event^="raw/${CAMERA}/"] a[href^="https://argo.example.test/workflows/argo/people-detect-"]`, 30_000);
    const row = await page.locator(`tr[data-event^="raw/${CAMERA}/"]`).first().innerText();
    expect(row).toContain("people-detect");
    expect(row).toContain("created");
    await shot("04-activity");
  }, 90_000);

  it("composes resize -> detect, shows a bad key pattern's error on its field, dry-runs and saves it", async () => {
    await nav("Composer");
    await visible("#composer-title");
    await page.getByLabel("Name", { exact: true }).fill("yard-people");
    await page.getByLabel("Description").fill("Resize yard frames and look for people");

    // a key pattern with an unclosed "{": the gateway's validator names the field, the form shows it there
    const key = page.getByLabel("Key pattern");
    await key.fill("{camera/**/*.jpg");
    await visible('.field[data-path="spec.trigger.key"] .field-issues');
    expect(await page.locator('.field[data-path="spec.trigger.key"] .field-issues').innerText()).toMatch(/line \d+:\d+ .*unclosed "\{"/);
    expect(await key.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator('[data-testid="validation-status"]').innerText()).toMatch(/problem/);
    expect(await page.locator(".yaml .has-issue").count()).toBeGreaterThan(0);
    await shot("05-composer-key-error");

    await key.fill("{camera}/**/*.jpg");
    await page.getByLabel("Cameras").fill("yard-*");
    await page.getByLabel("Add a step").selectOption("resize");
    await page.getByRole("button", { name: "Add step" }).click();
    await page.getByLabel("Add a step").selectOption("detect");
    await page.getByRole("button", { name: "Add step" }).click();
    const resize = page.locator('li[data-step="resize"]');
    const detect = page.locator('li[data-step="detect"]');
    await resize.getByLabel("width").fill("320");
    await resize.getByLabel("fit").selectOption("cover");
    await detect.getByLabel("confidence").fill("0.6");
    expect(await detect.getByRole("checkbox", { name: "resize" }).isChecked()).toBe(true);
    await page.locator('[data-testid="validation-status"]', { hasText: "Valid" }).waitFor({ timeout: 15_000 });
    expect(await key.getAttribute("aria-invalid")).toBeNull();
    const yaml = await page.locator('[data-testid="yaml-preview"]').innerText();
    expect(yaml).toContain("after: [resize]");
    expect(yaml).toContain('width: "320"'); // parameter values are strings in the rule format (the CRD types them so)

    // dry run against a typed key: the Workflow it would create, step by step
    await page.getByLabel(/Object key in bucket/).fill(`${CAMERA}/2026/11/28/120001-1.jpg`);
    await page.getByRole("button", { name: "Dry run" }).click();
    await visible(".dry-run-result .match");
    const result = await page.locator(".dry-run-result").innerText();
    expect(result).toContain(`processed/yard-people/resize/${CAMERA}/2026/11/28/120001-1.jpg`);
    expect(result).toContain(`processed/yard-people/detect/${CAMERA}/2026/11/28/120001-1.jpg`);
    expect(result).toMatch(/width=320/);
    // a camera the draft does not cover: no match, and why
    await page.getByLabel(/Object key in bucket/).fill("gate-01/2026/11/28/120001-1.jpg");
    await page.getByRole("button", { name: "Dry run" }).click();
    await visible(".dry-run-result .no-match");
    expect(await page.locator(".dry-run-result").innerText()).toContain('the camera "gate-01" matches none of where.camera: "yard-*"');
    // and against the real event uploaded above
    await page.getByRole("radio", { name: "a recent event" }).check();
    await page.getByRole("button", { name: "Dry run" }).click();
    await visible(".dry-run-result .match");
    expect(await page.locator(".dry-run-result").innerText()).toContain(`processed/yard-people/detect/${CAMERA}/`);
    await shot("06-composer-steps", ".dag");
    await shot("07-composer-dry-run", ".dry-run-result");

    // download gives the same YAML
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download yard-people.yaml" }).click()]);
    expect(download.suggestedFilename()).toBe("yard-people.yaml");

    await page.getByRole("button", { name: "Save to the gateway" }).click();
    await visible(".ok-note");
    expect(await page.locator(".ok-note").innerText()).toContain("yard-people.yaml");
    await shot("08-composer-saved", ".ok-note");

    const file = join(rulesDir, "yard-people.yaml");
    expect(existsSync(file)).toBe(true);
    const saved = parse(readFileSync(file, "utf8")) as { metadata: { name: string }; spec: { workflow: { steps: { name: string; after?: string[]; params?: Record<string, unknown> }[] } } };
    expect(saved.metadata.name).toBe("yard-people");
    expect(saved.spec.workflow.steps).toEqual([
      { name: "resize", service: "resize", params: { width: "320", fit: "cover" } },
      { name: "detect", service: "detect", after: ["resize"], params: { confidence: "0.6" } },
    ]);
    expect(readFileSync(file, "utf8")).toBe(await readFileOf(download));
    const io = memoryIo({ cwd: REPO_ROOT });
    expect(await runCli(["validate", "--rules", rulesDir, "--services", join(REPO_ROOT, "services")], io), io.stderr).toBe(0);
    expect(io.stdout).toBe(`ok: ${examples.length + 1} pipelines\n`); // the examples and the one just saved

    // the hot reload picked it up: the overview lists it
    await nav("Overview");
    await visible('tr[data-pipeline="yard-people"]');
    await shot("09-overview-after-save");
  }, 180_000);

  it("logged no errors in the page (CSP violations included)", () => {
    expect(pageErrors).toEqual([]);
  });
});

/** Fails early, saying what is missing, when `startGateway` does not wire what the dashboard needs. */
async function requireWiring(): Promise<void> {
  const get = (path: string) => fetch(url + path, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  const settings = (await (await get("/api/dashboard")).json()) as { composer: boolean; validate: boolean };
  const missing = [
    !settings.validate && "validateRules",
    !settings.composer && "drafts (a RuleDrafts from src/gateway/rule-drafts.ts)",
    (await get("/api/cameras")).status === 503 && "the live status (workflows, cameras, status from createStatus in src/status/live-status.ts)",
  ].filter(Boolean);
  if (missing.length) throw new Error(`startGateway (src/cli/commands/serve.ts) does not pass ${missing.join("; ")} to createGatewayApp: the dashboard needs them`);
}

async function readFileOf(download: { path(): Promise<string | null> }): Promise<string> {
  const path = await download.path();
  if (!path) throw new Error("the download has no file");
  return readFileSync(path, "utf8");
}
