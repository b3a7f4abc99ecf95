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
import { SERVICE_KIND } from "../rules/catalog-schema.js";
import { asFile, resourceLabel, type RuleResource } from "../rules/resource-rules.js";
import type { RuleDraftsOptions } from "../gateway/rule-drafts.js";

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
): Promise<{ store: RuleStore; source: KubeRuleSource; namespace: string }> {
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
  return { store, source, namespace };
}

/**
 * The composer's drafts judged as resources: against the accepted Pipelines and ProcessingServices the
 * watch has (not the rules folder), each issue labelled `Pipeline <namespace>/<name>`.
 */
export function resourceDraftSources(k: { source: KubeRuleSource; namespace: string }): Pick<RuleDraftsOptions, "sources" | "fileFor"> {
  return {
    fileFor: (name) => resourceLabel("Pipeline", { metadata: { name, namespace: k.namespace } }),
    sources: async () => {
      const { pipelines, services } = k.source.resources();
      const verdicts = k.source.judgement?.verdicts ?? [];
      const accepted = (kind: string) => (r: RuleResource) => verdicts.some((v) => v.kind === kind && v.name === r.metadata.name && v.accepted);
      return {
        rules: pipelines.filter(accepted("Pipeline")).map((r) => asFile("Pipeline", r)),
        services: services.filter(accepted(SERVICE_KIND)).map((r) => asFile(SERVICE_KIND, r)),
        issues: [],
      };
    },
  };
}
