/**
 * @module cli/kube-rules — `serve` with FRAMEGATE_RULES_SOURCE=kubernetes: the rule store fed by the
 * Pipelines and ProcessingServices of the gateway's namespace, and this replica's hold on the status Lease.
 */
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import { FramegateError } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import { KubeRuleSource } from "../rules/kube-rule-source.js";
import { RuleStore } from "../rules/rule-store.js";
import { StatusLease } from "../rules/status-lease.js";
import type { RuleSet } from "../rules/types.js";

/** How long start-up waits for the first list of both kinds, by default. */
const SYNC_TIMEOUT_MS = 60_000;

/** Opens the store; `defer` registers what `stop()` closes. */
export async function openKubeRules(
  cfg: Config,
  kc: KubeConfig,
  log: Logger,
  metrics: Metrics | undefined,
  defer: (what: string, close: () => unknown) => void,
  syncTimeoutMs = SYNC_TIMEOUT_MS,
): Promise<RuleStore> {
  const namespace = cfg.FRAMEGATE_NAMESPACE ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  const identity = cfg.FRAMEGATE_POD_NAME ?? hostname();
  let store: RuleStore | undefined;
  let pending: { ruleSet: RuleSet; hash: string } | undefined;
  let source: KubeRuleSource | undefined;
  const lease = new StatusLease({ kc, namespace, identity, log, onLeader: () => source?.resync() });
  source = new KubeRuleSource({
    kc,
    namespace,
    log,
    lease,
    ...(metrics ? { metrics } : {}),
    onChange: ({ ruleSet, hash }) => (store ? store.replace(ruleSet, hash) : (pending = { ruleSet, hash })),
  });
  log.info({ namespace, identity }, "start-up: reading Pipelines and ProcessingServices from the API server");
  await lease.start();
  defer("status lease", () => lease.stop());
  await source.start();
  defer("rule watches", () => source!.stop());
  if (!(await source.whenSynced(syncTimeoutMs)) || !pending) {
    throw new FramegateError(
      `cannot list the Pipelines and ProcessingServices of namespace ${namespace} within ${syncTimeoutMs / 1000} s — apply the CRDs (kubectl apply -k k8s/base/crds) and the gateway's Role (k8s/base/gateway/rbac.yaml), or set FRAMEGATE_NAMESPACE; the log above says what the API server answered`,
    );
  }
  store = RuleStore.fromRuleSet(pending.ruleSet, metrics ? { log, metrics } : { log }, pending.hash);
  return store;
}
