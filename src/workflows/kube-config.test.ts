import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FramegateError } from "../lib/errors.js";
import { checkKubeConfig, kubeTarget, loadKubeConfig } from "./kube-config.js";

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

describe("loadKubeConfig", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("names a KUBECONFIG file it cannot read instead of an internal error", () => {
    vi.stubEnv("KUBECONFIG", "/nonexistent/kubeconfig.yaml");
    expect(() => loadKubeConfig("/nonexistent/kubeconfig.yaml")).toThrow(
      /^cannot load the kubeconfig \(KUBECONFIG=\/nonexistent\/kubeconfig\.yaml\): .*ENOENT.* — point KUBECONFIG at a readable kubeconfig file$/,
    );
  });

  it("says there is no kubeconfig when client-node falls back to http://localhost:8080", () => {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser({ name: "cluster", server: "http://localhost:8080", skipTLSVerify: false }, { name: "user" });
    expect(() => checkKubeConfig(kc)).toThrow(/^found no kubeconfig: KUBECONFIG is not set, ~\/\.kube\/config does not exist, and this is not a pod with a ServiceAccount/);
  });
});
