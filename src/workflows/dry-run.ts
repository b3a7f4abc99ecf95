/**
 * @module workflows/dry-run — matches events and renders their Workflows the way the gateway would,
 * without select (dedupe, sample, batch) and without submitting anything: `framegate match|render`,
 * `POST /api/match` and the composer's draft dry run all use it.
 */
import { compileMatcher } from "../rules/matcher.js";
import type { Matcher, RuleSet } from "../rules/types.js";
import type { NormalizedEvent } from "../triggers/event.js";
import { renderWorkflow, workflowArguments } from "./render.js";
import type { ShardPlan } from "./shards.js";
import type { Workflow } from "./types.js";

/** One pipeline an event matched, rendered. `event` is the index into the events. */
export interface DryRunMatch {
  pipeline: string;
  event: number;
  params: Record<string, string>;
  workflow: Workflow;
}

/**
 * Matches every event and renders one Workflow per (event, pipeline), in event then pipeline order.
 * Pass the rule set's compiled `matcher` when there is one (the gateway's `/api/match`); else it is compiled here.
 * With `shards`, each Workflow carries its Argo controller shard's label, as the gateway would create it.
 * @example dryRun(parseEventInput(text), ruleSet) // [{ pipeline: "people-detect", event: 0, params: {...}, workflow }]
 */
export function dryRun(events: readonly NormalizedEvent[], ruleSet: RuleSet, matcher: Matcher = compileMatcher(ruleSet.pipelines), shards?: ShardPlan): DryRunMatch[] {
  const out: DryRunMatch[] = [];
  events.forEach((ev, i) => {
    for (const m of matcher.match(ev)) {
      const workflow = renderWorkflow([m], ruleSet.catalog, shards);
      out.push({ pipeline: m.pipeline.name, event: i, params: workflowArguments(workflow), workflow });
    }
  });
  return out;
}
