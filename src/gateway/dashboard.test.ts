import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import { DASHBOARD_CSP } from "./dashboard.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fg-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the dashboard at /", () => {
  it("serves index.html uncached with a strict CSP, and hashed assets cached for a year", async () => {
    const app = createGatewayApp(makeDeps({ apiToken: "api-token-0123456789abcdef", dashboard: { assetsDir: dir } }));
    const page = await app.request("/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/assets/index-abc123.js");
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain("unsafe");
    const js = await app.request("/assets/index-abc123.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await app.request("/assets/missing.js")).status).toBe(404);
  });

  it("says how to build the bundle when it is missing", async () => {
    const app = createGatewayApp(makeDeps({ dashboard: { assetsDir: join(dir, "nope") } }));
    const res = await app.request("/");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build");
  });

  it("tells the page the Argo UI base and whether it may save, behind the API token", async () => {
    const app = createGatewayApp(makeDeps({ apiToken: "api-token-0123456789abcdef", dashboard: { assetsDir: dir }, argoUiUrl: "https://argo.example.com/" }));
    expect((await app.request("/api/dashboard")).status).toBe(401);
    const res = await app.request("/api/dashboard", { headers: { Authorization: "Bearer api-token-0123456789abcdef" } });
    expect(await res.json()).toEqual({ argoUiUrl: "https://argo.example.com", ruleWrites: false, rulesSource: "files", composer: false, validate: false });
  });
});
