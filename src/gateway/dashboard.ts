/**
 * @module gateway/dashboard — the web dashboard at `/`: the Vite bundle from `web/` (built into
 * `dist/web/` by `npm run build`), served with a strict Content-Security-Policy, and `GET /api/dashboard`,
 * the settings the page needs (Argo UI base URL, whether the composer may save and validate). The page itself is
 * public; everything it shows comes from `/api/*`, behind the API token.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono, type MiddlewareHandler } from "hono";
import type { ResolvedGatewayDeps } from "./deps.js";
import type { GatewayEnv } from "./request-context.js";

/**
 * `dist/web/` of this package, found from this file, not from the working directory: `src/gateway/` and
 * `dist/gateway/` are both two levels below the package root.
 */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/** Same-origin everything, no inline script or style, no framing; the bundle needs nothing more. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Settings of the dashboard; `GatewayDeps.dashboard`. */
export interface DashboardOptions {
  /** the built bundle (default {@link DEFAULT_DASHBOARD_DIR}) */
  assetsDir?: string;
}

/** Security headers on every dashboard response, and `cacheControl` on the files found. */
const headers = (cacheControl: string): MiddlewareHandler<GatewayEnv> => async (c, next) => {
  await next();
  if (c.res.status === 200) c.header("Cache-Control", cacheControl);
  c.header("Content-Security-Policy", DASHBOARD_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
};

const NOT_BUILT = (dir: string) =>
  `<!doctype html><meta charset="utf-8"><title>framegate</title><h1>The dashboard is not built</h1>` +
  `<p>There is no index.html in <code>${dir.replace(/[<>&]/g, "")}</code>. Run <code>npm run build</code> ` +
  `(it runs <code>vite build --config web/vite.config.ts</code>) and reload. The API under <code>/api</code> works without it.</p>`;

/** `/` (index.html, never cached) and `/assets/*` (content-hashed, cached for a year). */
export function dashboardRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const dir = deps.dashboard?.assetsDir ?? DEFAULT_DASHBOARD_DIR;
  const app = new Hono<GatewayEnv>();
  app.use("/", headers("no-cache"));
  app.use("/index.html", headers("no-cache"));
  app.use("/assets/*", headers("public, max-age=31536000, immutable"));
  app.use("/favicon.svg", headers("public, max-age=86400"));

  // serveStatic complains on stderr when its root is missing: make the handlers once the bundle exists
  let handlers: { index: MiddlewareHandler<GatewayEnv>; favicon: MiddlewareHandler<GatewayEnv>; assets: MiddlewareHandler<GatewayEnv> } | undefined;
  const built = () =>
    (handlers ??= {
      index: serveStatic({ root: dir, path: "index.html" }),
      favicon: serveStatic({ root: dir }),
      assets: serveStatic({ root: dir }),
    });
  const page: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    // checked per request, so building while the gateway runs is enough
    if (!existsSync(join(dir, "index.html"))) return c.html(NOT_BUILT(dir), 503, { "Cache-Control": "no-store" });
    return built().index(c, next);
  };
  app.get("/", page);
  app.get("/index.html", page);
  app.get("/favicon.svg", (c, next) => (existsSync(dir) ? built().favicon(c, next) : next()));
  app.get("/assets/*", (c, next) => (existsSync(dir) ? built().assets(c, next) : next()));
  return app;
}

/** `GET /dashboard` under `/api`: what the page needs to know about this gateway. */
export function dashboardApiRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get("/dashboard", (c) =>
    c.json({
      // Workflows link to `<argoUiUrl>/workflows/<namespace>/<name>` (FRAMEGATE_ARGO_UI_URL)
      argoUiUrl: deps.argoUiUrl?.replace(/\/+$/, "") ?? null,
      ruleWrites: deps.livePipelines?.writable ?? deps.drafts?.writable ?? false,
      // "kubernetes": the composer edits the Pipeline resources (list, open, diff, save, clone, delete, suspend)
      rulesSource: deps.livePipelines ? "kubernetes" : "files",
      composer: deps.drafts !== undefined,
      validate: deps.validateRules !== undefined,
    }),
  );
  return app;
}
