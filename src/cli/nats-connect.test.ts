/** @module cli/nats-connect.test — NATS connection options from the environment: user and password, inbox prefix, credentials file. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUser, fromPublic } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.js";
import { natsOptions } from "./nats-connect.js";

describe("natsOptions", () => {
  it("connects anonymously with the default inbox when no credentials are set", () => {
    const o = natsOptions(loadConfig({ FRAMEGATE_NATS_URL: "nats://a:4222,nats://b:4222" }), "framegate-test");
    expect(o).toEqual({ servers: ["nats://a:4222", "nats://b:4222"], name: "framegate-test" });
  });

  it("uses the user and password, with replies on _INBOX_<user> (what authorization.conf lets the user subscribe to)", () => {
    const o = natsOptions(loadConfig({ FRAMEGATE_NATS_USER: "gateway", FRAMEGATE_NATS_PASSWORD: "pw" }), "framegate-gateway", { timeout: 5 });
    expect(o).toMatchObject({ user: "gateway", pass: "pw", inboxPrefix: "_INBOX_gateway", timeout: 5 });
    const custom = natsOptions(loadConfig({ FRAMEGATE_NATS_USER: "gateway", FRAMEGATE_NATS_PASSWORD: "pw", FRAMEGATE_NATS_INBOX_PREFIX: "_R_gw" }), "x");
    expect(custom.inboxPrefix).toBe("_R_gw");
  });

  it("signs the server's nonce with the seed of a credentials file and sends its JWT", () => {
    const user = createUser();
    const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln";
    const file = join(mkdtempSync(join(tmpdir(), "fg-creds-")), "gateway.creds");
    writeFileSync(
      file,
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
    );
    const o = natsOptions(loadConfig({ FRAMEGATE_NATS_CREDS: file }), "x");
    const auth = (o.authenticator as (nonce?: string) => { jwt: string; nkey: string; sig: string })("a-nonce");
    expect(auth.jwt).toBe(jwt);
    expect(auth.nkey).toBe(user.getPublicKey());
    expect(fromPublic(auth.nkey).verify(new TextEncoder().encode("a-nonce"), Buffer.from(auth.sig, "base64url"))).toBe(true);
  });

  it("says which file it cannot read", () => {
    expect(() => natsOptions(loadConfig({ FRAMEGATE_NATS_CREDS: "/nonexistent/x.creds" }), "x")).toThrow(/FRAMEGATE_NATS_CREDS: cannot read \/nonexistent\/x\.creds: .*ENOENT.* — point it at a \.creds file/);
  });
});

describe("loadConfig: NATS credentials", () => {
  it("wants a user and a password together, and either them or a credentials file", () => {
    expect(() => loadConfig({ FRAMEGATE_NATS_USER: "gateway" })).toThrow(/^FRAMEGATE_NATS_PASSWORD: required with FRAMEGATE_NATS_USER \(gateway\)/);
    expect(() => loadConfig({ FRAMEGATE_NATS_PASSWORD: "pw" })).toThrow(/^FRAMEGATE_NATS_USER: required with FRAMEGATE_NATS_PASSWORD/);
    expect(() => loadConfig({ FRAMEGATE_NATS_USER: "gateway", FRAMEGATE_NATS_PASSWORD: "pw", FRAMEGATE_NATS_CREDS: "/x.creds" })).toThrow(/^FRAMEGATE_NATS_CREDS: set either/);
    expect(() => loadConfig({ FRAMEGATE_NATS_USER: "gate way", FRAMEGATE_NATS_PASSWORD: "pw" })).toThrow(/^FRAMEGATE_NATS_USER: must be a NATS user name/);
  });
});
