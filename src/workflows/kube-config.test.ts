import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { FramegateError } from "../lib/errors.js";
import { checkKubeConfig, kubeTarget } from "./kube-config.js";

function kubeconfig(server: string, skipTLSVerify: boolean): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "proxy", server, skipTLSVerify }],
    users: [{ name: "u" }],
    contexts: [{ name: "ctx", cluster: "proxy", user: "u" }],
    currentContext: "ctx",
  });
  return kc;
}

describe("checkKubeConfig", () => {
  it("says what is wrong with plain http:// (kubectl proxy) and what to set", () => {
    expect(() => checkKubeConfig(kubeconfig("http://127.0.0.1:8001", false))).toThrow(FramegateError);
    expect(() => checkKubeConfig(kubeconfig("http://127.0.0.1:8001", false))).toThrow(
      /cluster "proxy" is plain http:\/\/127\.0\.0\.1:8001 \(kubectl proxy\?\).*add that line under the cluster in KUBECONFIG.*https:\/\/ address/,
    );
  });

  it("accepts http:// with insecure-skip-tls-verify and any https:// cluster", () => {
    expect(() => checkKubeConfig(kubeconfig("http://127.0.0.1:8001", true))).not.toThrow();
    expect(() => checkKubeConfig(kubeconfig("https://10.0.0.1:6443", false))).not.toThrow();
    expect(kubeTarget(kubeconfig("https://10.0.0.1:6443", false))).toEqual({ context: "ctx", server: "https://10.0.0.1:6443" });
  });
});
