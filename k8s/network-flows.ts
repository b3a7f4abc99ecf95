/**
 * @module k8s/network-flows — evaluates Kubernetes NetworkPolicies the way the API defines them, over a
 * set of endpoints (pods with their namespace, labels and ports; addresses outside the cluster), and
 * lists every flow (source, destination, port) they allow. The network-policy test compares that matrix
 * with the flows framegate needs; a server-side dry-run only checks the policies' syntax.
 *
 * Semantics (networking.k8s.io/v1): a pod selected by no policy of a type is open in that direction;
 * once selected, only what some rule of a selecting policy allows passes. A flow needs both the source's
 * egress and the destination's ingress. An ipBlock is matched against every address, pod addresses
 * included (Calico and kube-router do so), which is the stricter reading for a test of "nothing else".
 */

/** Label selector (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: "TCP" | "UDP" | "SCTP";
  port?: number | string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}

/** A NetworkPolicy as `kubectl kustomize` prints it. */
export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: { podSelector: LabelSelector; policyTypes?: Array<"Ingress" | "Egress">; ingress?: Rule[]; egress?: Rule[] };
}

/** A port an endpoint listens on. */
export interface EndpointPort {
  port: number;
  protocol: "TCP" | "UDP";
  name?: string;
}

/** A pod (with `namespace`) or an address outside the cluster (without). */
export interface Endpoint {
  name: string;
  ip: string;
  namespace?: string;
  labels?: Record<string, string>;
  ports: EndpointPort[];
}

/** One allowed flow, printed as `source -> destination:port/protocol`. */
export type Flow = string;

/** Does `labels` satisfy `selector`? An empty selector selects everything. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === "In" && !inValues) return false;
    if (e.operator === "NotIn" && inValues) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const ipToInt = (ip: string): number => {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((n, p) => n * 256 + p, 0);
};

/** Is `ip` inside `cidr` (IPv4)? */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const prefix = Number(bits);
  if (!base || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
}

/**
 * Does `peer`, written in a policy of namespace `policyNs`, describe `ep`? A pod selector without a
 * namespace selector means the policy's own namespace; selectors never match an address outside the cluster.
 */
function peerMatches(peer: Peer, policyNs: string, ep: Endpoint, namespaces: Map<string, Record<string, string>>): boolean {
  if (peer.ipBlock) return inCidr(ep.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(ep.ip, c));
  if (ep.namespace === undefined) return false;
  if (peer.namespaceSelector) {
    if (!matchesSelector(peer.namespaceSelector, namespaces.get(ep.namespace))) return false;
  } else if (ep.namespace !== policyNs) return false;
  return matchesSelector(peer.podSelector, ep.labels);
}

/** Does a rule's port list admit `port` of destination `dst`? Named ports resolve on the destination. */
function portMatches(ports: PolicyPort[] | undefined, port: EndpointPort): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== port.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "string") return p.port === port.name;
    return p.endPort === undefined ? p.port === port.port : port.port >= p.port && port.port <= p.endPort;
  });
}

const types = (p: NetworkPolicy): Array<"Ingress" | "Egress"> => p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);

/** Is `direction` traffic of pod `pod` with `peer` on `port` allowed by `policies`? */
function allowedAt(
  direction: "Ingress" | "Egress",
  pod: Endpoint,
  peer: Endpoint,
  port: EndpointPort,
  policies: readonly NetworkPolicy[],
  namespaces: Map<string, Record<string, string>>,
): boolean {
  if (pod.namespace === undefined) return true; // an address outside the cluster: no policy applies
  const selecting = policies.filter(
    (p) => (p.metadata.namespace ?? "default") === pod.namespace && types(p).includes(direction) && matchesSelector(p.spec.podSelector, pod.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (direction === "Ingress" ? p.spec.ingress : p.spec.egress)?.some((rule) => {
      const peers = direction === "Ingress" ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((x) => peerMatches(x, p.metadata.namespace ?? "default", peer, namespaces));
      return peerOk && portMatches(rule.ports, port);
    }),
  );
}

/**
 * Every flow the policies allow between the endpoints, sorted: for each ordered pair of distinct
 * endpoints and each port the destination listens on, the source's egress and the destination's ingress.
 * @param namespaces namespace name -> labels (`kubernetes.io/metadata.name` is added)
 * @example allowedFlows(policies, new Map([["framegate", {}]]), endpoints) // ["gateway -> nats:4222/TCP", ...]
 */
export function allowedFlows(policies: readonly NetworkPolicy[], namespaces: Map<string, Record<string, string>>, endpoints: readonly Endpoint[]): Flow[] {
  const ns = new Map([...namespaces].map(([name, labels]) => [name, { ...labels, "kubernetes.io/metadata.name": name }]));
  const flows: Flow[] = [];
  for (const src of endpoints) {
    for (const dst of endpoints) {
      if (src === dst) continue;
      for (const port of dst.ports) {
        if (allowedAt("Egress", src, dst, port, policies, ns) && allowedAt("Ingress", dst, src, port, policies, ns)) {
          flows.push(`${src.name} -> ${dst.name}:${port.port}/${port.protocol}`);
        }
      }
    }
  }
  return flows.sort();
}
