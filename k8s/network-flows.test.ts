/**
 * @module k8s/network-flows.test — the NetworkPolicy evaluator on small hand-made cases, each one a rule
 * of the API's semantics that the framegate matrix test relies on.
 */
import { describe, expect, it } from "vitest";
import { allowedFlows, inCidr, matchesSelector, type Endpoint, type NetworkPolicy } from "./network-flows.js";

const pod = (name: string, namespace: string, labels: Record<string, string>, ports: Endpoint["ports"] = []): Endpoint => ({
  name,
  namespace,
  labels,
  ip: `10.42.0.${name.length * 7}`,
  ports,
});
const web = pod("web", "a", { app: "web" }, [{ port: 8080, protocol: "TCP", name: "http" }]);
const db = pod("db", "a", { app: "db" }, [{ port: 5432, protocol: "TCP" }]);
const other = pod("other", "b", { app: "web" }, [{ port: 8080, protocol: "TCP" }]);
const outside: Endpoint = { name: "outside", ip: "192.168.1.5", ports: [{ port: 443, protocol: "TCP" }] };
const namespaces = new Map<string, Record<string, string>>([
  ["a", {}],
  ["b", { team: "blue" }],
]);
const policy = (name: string, namespace: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace }, spec });
const denyAll = (ns: string) => policy("deny", ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

describe("matchesSelector and inCidr", () => {
  it("applies matchLabels and every matchExpressions operator", () => {
    expect(matchesSelector({}, { x: "1" })).toBe(true);
    expect(matchesSelector({ matchLabels: { x: "1" } }, { x: "2" })).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "x", operator: "In", values: ["1", "2"] }] }, { x: "2" })).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "x", operator: "In", values: ["1"] }] }, {})).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "x", operator: "NotIn", values: ["1"] }] }, { x: "1" })).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "x", operator: "Exists" }] }, {})).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "x", operator: "DoesNotExist" }] }, { x: "" })).toBe(false);
  });

  it("matches IPv4 ranges", () => {
    expect(inCidr("10.42.3.4", "10.42.0.0/16")).toBe(true);
    expect(inCidr("10.43.0.1", "10.42.0.0/16")).toBe(false);
    expect(inCidr("1.2.3.4", "0.0.0.0/0")).toBe(true);
    expect(inCidr("192.168.1.5", "192.168.1.5/32")).toBe(true);
    expect(() => inCidr("1.2.3", "0.0.0.0/0")).toThrow(/not an IPv4 address/);
  });
});

describe("allowedFlows", () => {
  it("leaves pods that no policy selects open in both directions", () => {
    expect(allowedFlows([], namespaces, [web, db])).toEqual(["db -> web:8080/TCP", "web -> db:5432/TCP"]);
  });

  it("denies everything in a namespace with a default deny, but not in its neighbour", () => {
    expect(allowedFlows([denyAll("a")], namespaces, [web, db, other])).toEqual([]);
    expect(allowedFlows([policy("deny", "a", { podSelector: {}, policyTypes: ["Ingress"] })], namespaces, [web, db, other])).toEqual([
      "db -> other:8080/TCP",
      "web -> other:8080/TCP",
    ]);
  });

  it("needs the source's egress and the destination's ingress", () => {
    const ingress = policy("db-in", "a", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
    const egress = policy("web-out", "a", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] });
    expect(allowedFlows([denyAll("a"), ingress], namespaces, [web, db])).toEqual([]);
    expect(allowedFlows([denyAll("a"), ingress, egress], namespaces, [web, db])).toEqual(["web -> db:5432/TCP"]);
  });

  it("reads a pod selector without a namespace selector as the policy's own namespace", () => {
    const open = policy("web-in", "a", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
    const crossNs = { ...other, ports: [] };
    expect(allowedFlows([open], namespaces, [web, crossNs])).toEqual([]);
    const withNs = policy("web-in", "a", {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "blue" } }, podSelector: { matchLabels: { app: "web" } } }] }],
    });
    expect(allowedFlows([withNs], namespaces, [web, crossNs])).toEqual(["other -> web:8080/TCP"]);
    const byName = policy("web-in", "a", {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } } }] }],
    });
    expect(allowedFlows([byName], namespaces, [web, crossNs])).toEqual(["other -> web:8080/TCP"]);
  });

  it("matches ipBlocks with their exceptions against every address, pods included", () => {
    const fromAnywhereButPods = policy("web-in", "a", {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16"] } }] }],
    });
    const client: Endpoint = { name: "client", ip: "192.168.1.9", ports: [] };
    expect(allowedFlows([fromAnywhereButPods], namespaces, [web, db, client])).toEqual(["client -> db:5432/TCP", "client -> web:8080/TCP", "web -> db:5432/TCP"]); // db is selected by nothing
    const fromAnywhere = policy("web-in", "a", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
    expect(allowedFlows([fromAnywhere], namespaces, [web, db])).toContain("db -> web:8080/TCP");
  });

  it("filters by protocol, port number, port range and named port", () => {
    const dns = pod("dns", "a", { app: "dns" }, [
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP" },
    ]);
    const onlyUdp = policy("out", "a", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }] }] });
    expect(allowedFlows([onlyUdp], namespaces, [web, dns])).toEqual(["dns -> web:8080/TCP", "web -> dns:53/UDP"]);
    const range = policy("out", "a", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: 400, endPort: 500 }] }] });
    expect(allowedFlows([range], namespaces, [web, outside])).toEqual(["outside -> web:8080/TCP", "web -> outside:443/TCP"]);
    const named = policy("in", "a", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ ports: [{ port: "http" }] }] });
    const namedWrong = policy("in", "a", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ ports: [{ port: "metrics" }] }] });
    expect(allowedFlows([named], namespaces, [web, db])).toContain("db -> web:8080/TCP");
    expect(allowedFlows([namedWrong], namespaces, [web, db])).not.toContain("db -> web:8080/TCP");
  });

  it("reads a policy with egress rules and no policyTypes as both directions", () => {
    const p = policy("web", "a", { podSelector: { matchLabels: { app: "web" } }, egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] });
    expect(allowedFlows([p], namespaces, [web, db])).toEqual(["web -> db:5432/TCP"]);
  });
});
