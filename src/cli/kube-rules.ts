/**
 * @module cli/kube-rules — `serve` with FRAMEGATE_RULES_SOURCE=kubernetes: the rule store fed by the
 * Pipelines and ProcessingServices of the gateway's namespace, this replica's hold on the status Lease, and
 * (with MinIO configured) the bucket notifications the holder keeps in step with the accepted Pipelines.
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
import { notificationFilters } from "../rules/notification-filters.js";
import { minioNotificationClient } from "../storage/bucket-notifications.js";
import { NOTIFICATIONS_CONDITION, NotificationSync } from "../storage/notification-sync.js";
import { s3Client } from "../storage/s3-client.js";

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
  let notifications: NotificationSync | undefined;
  const lease = new StatusLease({
    kc,
    namespace,
    identity,
    log,
    onLeader: () => {
      source?.resync();
      notifications?.schedule();
    },
  });
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
  const rules = RuleStore.fromRuleSet(pending.ruleSet, metrics ? { log, metrics } : { log }, pending.hash);
  store = rules;
  // MinIO's bucket notifications follow the accepted Pipelines (the Lease holder changes them)
  if (cfg.FRAMEGATE_MINIO_ENDPOINT && cfg.FRAMEGATE_MINIO_ACCESS_KEY && cfg.FRAMEGATE_MINIO_SECRET_KEY) {
    const minio = s3Client({ endpoint: cfg.FRAMEGATE_MINIO_ENDPOINT, accessKey: cfg.FRAMEGATE_MINIO_ACCESS_KEY, secretKey: cfg.FRAMEGATE_MINIO_SECRET_KEY });
    notifications = new NotificationSync({
      client: minioNotificationClient(minio),
      arn: cfg.FRAMEGATE_MINIO_NOTIFY_ARN,
      fast: { arn: cfg.FRAMEGATE_MINIO_FAST_ARN, on: cfg.FRAMEGATE_FAST_PATH },
      wanted: () => notificationFilters(rules.current().ruleSet.pipelines),
      isLeader: () => lease.leader,
      onResult: (conditions) => source!.reportPipelineConditions(NOTIFICATIONS_CONDITION, conditions),
      log,
      ...(metrics ? { metrics } : {}),
    });
    const sync = notifications;
    rules.onSwap(() => sync.schedule());
    defer("bucket notification sync", () => sync.stop());
    sync.schedule(0);
  } else {
    log.info("FRAMEGATE_MINIO_ENDPOINT and its keys are not all set: bucket notifications are left to framegate setup");
  }
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
