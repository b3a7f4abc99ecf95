/**
 * @module cli/nats-connect — the NATS connection of `serve`, `setup` and `replay`: servers, credentials
 * (user and password, or a credentials file) and the inbox prefix the user may subscribe to.
 */
import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { Config } from "../config/env.js";
import { FramegateError } from "../lib/errors.js";

/**
 * Connection options from the parsed environment. With a user, replies come on `_INBOX_<user>.>` (what
 * k8s/base/nats/authorization.conf lets that user subscribe to) unless FRAMEGATE_NATS_INBOX_PREFIX says otherwise.
 * @example natsOptions(cfg, "framegate-gateway") // { servers, name, user: "gateway", pass, inboxPrefix: "_INBOX_gateway" }
 */
export function natsOptions(cfg: Config, name: string, extra: NodeConnectionOptions = {}): NodeConnectionOptions {
  const o: NodeConnectionOptions = { servers: cfg.FRAMEGATE_NATS_URL.split(","), name, ...extra };
  if (cfg.FRAMEGATE_NATS_USER) {
    o.user = cfg.FRAMEGATE_NATS_USER;
    o.pass = cfg.FRAMEGATE_NATS_PASSWORD;
  }
  if (cfg.FRAMEGATE_NATS_CREDS) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(cfg.FRAMEGATE_NATS_CREDS);
    } catch (e) {
      throw new FramegateError(`FRAMEGATE_NATS_CREDS: cannot read ${cfg.FRAMEGATE_NATS_CREDS}: ${(e as Error).message} — point it at a .creds file (JWT and NKey seed)`, { cause: e });
    }
    o.authenticator = credsAuthenticator(creds);
  }
  const prefix = cfg.FRAMEGATE_NATS_INBOX_PREFIX ?? (cfg.FRAMEGATE_NATS_USER ? `_INBOX_${cfg.FRAMEGATE_NATS_USER}` : undefined);
  if (prefix) o.inboxPrefix = prefix;
  return o;
}

/**
 * Connects, or throws a FramegateError that says which server, as whom, and what to check.
 * @example const nc = await connectNats(cfg, "framegate-setup", { timeout: 5000 });
 */
export async function connectNats(cfg: Config, name: string, extra: NodeConnectionOptions = {}): Promise<NatsConnection> {
  const opts = natsOptions(cfg, name, extra);
  try {
    return await connect(opts);
  } catch (e) {
    const who = cfg.FRAMEGATE_NATS_USER ? `user ${cfg.FRAMEGATE_NATS_USER}` : cfg.FRAMEGATE_NATS_CREDS ? `credentials ${cfg.FRAMEGATE_NATS_CREDS}` : "no credentials";
    const hint = /authori[sz]ation/i.test((e as Error).message)
      ? "check FRAMEGATE_NATS_USER/FRAMEGATE_NATS_PASSWORD (Secret framegate-nats) or FRAMEGATE_NATS_CREDS"
      : "is nats-server running with JetStream (-js)?";
    throw new FramegateError(`cannot connect to NATS at ${cfg.FRAMEGATE_NATS_URL} (${who}): ${(e as Error).message} — ${hint}`, { cause: e });
  }
}
