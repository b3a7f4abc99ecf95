/**
 * @module cli/rules-wiring — `serve`'s rules: where they come from (the rule and service folders, or the
 * Pipeline and ProcessingService resources with FRAMEGATE_RULES_SOURCE=kubernetes), their hot reload, and the
 * composer's two ways of saving a draft (files, or the live resources).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import { LivePipelines } from "../gateway/live-pipelines.js";
import { RuleDrafts } from "../gateway/rule-drafts.js";
import type { CleanupStack } from "../lib/cleanup-stack.js";
import type { Metrics } from "../lib/metrics.js";
import { KubePipelineClient } from "../rules/pipeline-client.js";
import { RuleStore } from "../rules/rule-store.js";
import { dryRun } from "../workflows/dry-run.js";
import { ShardPlan } from "../workflows/shards.js";
import { openKubeRules, resourceDraftSources } from "./kube-rules.js";

/** The running rules and the composer's draft handling. */
export interface ServeRules {
  rules: RuleStore;
  drafts: RuleDrafts;
  /** with Pipeline resources: the composer edits them */
  livePipelines?: LivePipelines;
}

/** Opens the rule source (watched when FRAMEGATE_WATCH_RULES), registering what `cleanup` closes. */
export async function openServeRules(cfg: Config, kc: KubeConfig, log: Logger, metrics: Metrics, cleanup: CleanupStack): Promise<ServeRules> {
  const kubeRules = cfg.FRAMEGATE_RULES_SOURCE === "kubernetes" ? await openKubeRules(cfg, kc, log, metrics, (what, close) => cleanup.defer(what, close)) : undefined;
  const rules = kubeRules?.store ?? (await RuleStore.open({ rulesDir: cfg.FRAMEGATE_RULES_DIR, servicesDir: cfg.FRAMEGATE_SERVICES_DIR, log, metrics }));
  cleanup.defer("rule watchers", () => rules.close());
  if (cfg.FRAMEGATE_WATCH_RULES) rules.watch();
  // the composer's drafts: validated by the same loader as `framegate validate`, saved only when allowed;
  // their dry runs carry the Argo controller shard's label, as the gateway creates them
  const shards = cfg.FRAMEGATE_ARGO_SHARDS ? new ShardPlan(cfg.FRAMEGATE_ARGO_SHARDS) : undefined;
  const drafts = new RuleDrafts({
    rulesDir: cfg.FRAMEGATE_RULES_DIR,
    servicesDir: cfg.FRAMEGATE_SERVICES_DIR,
    allowWrites: cfg.FRAMEGATE_ALLOW_RULE_WRITES,
    dryRun: (events, ruleSet) => dryRun(events, ruleSet, undefined, shards),
    afterWrite: () => rules.reload(),
    ...(kubeRules ? resourceDraftSources(kubeRules) : {}),
  });
  if (!kubeRules) return { rules, drafts };
  // with Pipeline resources the composer edits them (optimistic concurrency on resourceVersion)
  const livePipelines = new LivePipelines({
    client: new KubePipelineClient(kc, kubeRules.namespace),
    namespace: kubeRules.namespace,
    writable: cfg.FRAMEGATE_ALLOW_RULE_WRITES,
    snapshot: () => ({ pipelines: kubeRules.source.resources().pipelines, verdicts: kubeRules.source.judgement?.verdicts ?? [] }),
    check: (name, text) => drafts.checkAs(name, text),
  });
  return { rules, drafts, livePipelines };
}
