/** @module gateway — the HTTP gateway's public surface. */
export { createGatewayApp } from "./app.js";
export * from "./deps.js";
export { parseHookSecrets, StaticHookRegistry, RESERVED_HOOK_NAMES } from "./hook-secrets.js";
export { signBody, SIGNATURE_HEADER } from "./auth.js";
export type { GatewayEnv } from "./request-context.js";
