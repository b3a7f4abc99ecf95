/**
 * @module gateway/hook-secrets — the `FRAMEGATE_HOOK_SECRETS` file: which hooks exist and how each authenticates.
 *
 * ```text
 * # name: [hmac:|bearer:]secret     (no prefix means hmac)
 * motion-alerts: hmac:3f9c...
 * vms: bearer:Zk1...
 * ci: 8a7b...
 * ```
 */
import { ConfigError } from "../lib/errors.js";
import { DNS_LABEL_RE } from "../rules/schema.js";
import type { HookConfig, HookRegistry } from "./deps.js";

/** Hook names taken by the gateway's own routes. */
export const RESERVED_HOOK_NAMES: ReadonlySet<string> = new Set(["minio"]);

/** The hooks read from a secrets file; lookups by name. */
export class StaticHookRegistry implements HookRegistry {
  readonly #hooks: Map<string, HookConfig>;

  constructor(hooks: Iterable<HookConfig>) {
    this.#hooks = new Map([...hooks].map((h) => [h.name, h]));
  }

  get(name: string): HookConfig | undefined {
    return this.#hooks.get(name);
  }

  /** Hook names, for the start-up log (never the secrets). */
  names(): string[] {
    return [...this.#hooks.keys()];
  }
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9_-]*):/;

/**
 * Parses the hook secrets file. Problems are reported for every bad line at once, as
 * `SOURCE:LINE: message`; the line's text is never repeated because it may hold a secret.
 * @param source the name problems are reported under (the env variable or the file path)
 * @throws ConfigError listing every bad line
 * @example parseHookSecrets("motion-alerts: hmac:s3cret\nvms: bearer:t0ken").get("vms")?.auth // "bearer"
 */
export function parseHookSecrets(text: string, source = "FRAMEGATE_HOOK_SECRETS"): StaticHookRegistry {
  const hooks: HookConfig[] = [];
  const firstLine = new Map<string, number>();
  const problems: { name: string; message: string }[] = [];
  const lines = text.split(/\r?\n/);

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const problem = (message: string) => problems.push({ name: `${source}:${lineNo}`, message });

    const colon = line.indexOf(":");
    if (colon < 0) {
      problem('expected "name: hmac:<secret>" or "name: bearer:<token>" (no ":" after the hook name)');
      return;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!DNS_LABEL_RE.test(name)) {
      problem(
        `hook name ${JSON.stringify(name.slice(0, 80))} is not a DNS-1123 label: use lowercase letters, digits and '-', at most 63 characters, as in spec.trigger.hook`,
      );
      return;
    }
    if (RESERVED_HOOK_NAMES.has(name)) {
      problem(`hook name "${name}" is reserved for the gateway's own /hooks/${name} route; choose another name`);
      return;
    }
    const seen = firstLine.get(name);
    if (seen !== undefined) {
      problem(`hook "${name}" is already defined on line ${seen}; keep one line per hook`);
      return;
    }

    let auth: HookConfig["auth"] = "hmac";
    let secret = value;
    const scheme = SCHEME_RE.exec(value);
    if (scheme) {
      const kind = scheme[1]!.toLowerCase();
      if (kind === "hmac" || kind === "bearer") {
        auth = kind;
        secret = value.slice(scheme[0].length).trim();
      } else {
        problem(
          `hook "${name}": unknown auth type "${scheme[1]!.slice(0, 20)}"; write "hmac:<secret>" or "bearer:<token>" (a secret that itself contains ":" needs the "hmac:" prefix)`,
        );
        return;
      }
    }
    if (secret === "") {
      problem(`hook "${name}": the ${auth === "hmac" ? "HMAC secret" : "bearer token"} is empty; put it after "${auth}:"`);
      return;
    }
    if (auth === "bearer" && /\s/.test(secret)) {
      problem(`hook "${name}": a bearer token cannot contain spaces (it travels in "Authorization: Bearer <token>")`);
      return;
    }
    firstLine.set(name, lineNo);
    hooks.push({ name, auth, secret });
  });

  if (problems.length > 0) throw new ConfigError(problems);
  return new StaticHookRegistry(hooks);
}
