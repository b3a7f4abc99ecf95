/**
 * @module web/vite.config — bundles the dashboard (Preact, no CDN) into `dist/web/`, which the gateway
 * serves at `/` (src/gateway/dashboard.ts). `npm run build` runs it after tsc.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  publicDir: "public",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // the CSP allows only same-origin scripts: no inline module-preload polyfill
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
