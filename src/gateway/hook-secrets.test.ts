import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/errors.js";
import { parseHookSecrets } from "./hook-secrets.js";

function problemsOf(text: string): string[] {
  try {
    parseHookSecrets(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.split("\n");
  }
  throw new Error("expected parseHookSecrets to throw");
}

describe("parseHookSecrets", () => {
  it("reads hmac, bearer and plain (hmac) lines, skipping comments and blanks", () => {
    const reg = parseHookSecrets(
      ["# hooks", "", "motion-alerts: hmac:s3cret", "  vms :  bearer:t0ken  ", "ci: plain-secret", "weird: hmac:a:b:c", "\r"].join("\n"),
    );
    expect(reg.get("motion-alerts")).toEqual({ name: "motion-alerts", auth: "hmac", secret: "s3cret" });
    expect(reg.get("vms")).toEqual({ name: "vms", auth: "bearer", secret: "t0ken" });
    expect(reg.get("ci")).toEqual({ name: "ci", auth: "hmac", secret: "plain-secret" });
    expect(reg.get("weird")).toEqual({ name: "weird", auth: "hmac", secret: "a:b:c" });
    expect(reg.get("nope")).toBeUndefined();
    expect(reg.names()).toEqual(["motion-alerts", "vms", "ci", "weird"]);
  });

  it("takes the scheme in any case and CRLF line ends", () => {
    const reg = parseHookSecrets("a: BEARER:tok\r\nb: Hmac:key\r\n");
    expect(reg.get("a")?.auth).toBe("bearer");
    expect(reg.get("b")).toEqual({ name: "b", auth: "hmac", secret: "key" });
  });

  it("accepts an empty file", () => {
    expect(parseHookSecrets("# nothing yet\n").names()).toEqual([]);
  });

  it("reports every bad line with its line number, never the secret", () => {
    const problems = problemsOf(
      [
        "ok: hmac:fine", // 1
        "no colon here-supersecret", // 2
        "Bad_Name: hmac:supersecret", // 3
        "ok: hmac:supersecret", // 4
        "empty: hmac:", // 5
        "blank:", // 6
        "typo: berer:supersecret", // 7
        "spaced: bearer:super secret", // 8
        "minio: hmac:supersecret", // 9
      ].join("\n"),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:2: expected "name: hmac:<secret>"/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:3: hook name "Bad_Name" is not a DNS-1123 label/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:4: hook "ok" is already defined on line 1/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:5: hook "empty": the HMAC secret is empty/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:6: hook "blank": the HMAC secret is empty/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:7: hook "typo": unknown auth type "berer"; write "hmac:<secret>" or "bearer:<token>"/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:8: hook "spaced": a bearer token cannot contain spaces/),
      expect.stringMatching(/^FRAMEGATE_HOOK_SECRETS:9: hook name "minio" is reserved/),
    ]);
    expect(problems.join("\n")).not.toContain("supersecret");
  });

  it("names problems after the source it is given", () => {
    expect(() => parseHookSecrets("x", "/etc/framegate/hooks")).toThrow(/^\/etc\/framegate\/hooks:1: /);
  });
});
