/**
 * @module workflows/finished-log — one log line when a framegate Workflow reaches a final phase, with the id of
 * its event (`event`, from the Workflow's framegate.io/event-id annotation): with the webhook's "accepted" line
 * and the consumer's "workflow created" line, one search for an event id follows a frame from upload to
 * result. Every replica watches the Workflows, so every replica logs the line.
 */
import type { Logger } from "pino";
import { isFinished, type WorkflowChange } from "./workflow-status.js";

/**
 * A listener for the informer's changes. Only transitions are logged: the Workflows already finished when the
 * informer lists them at start-up are not.
 * @example status.workflows.onChange(logFinishedWorkflows(log))
 */
export function logFinishedWorkflows(log: Logger): (change: WorkflowChange) => void {
  return (c) => {
    if (c.type !== "updated" || !isFinished(c.workflow.phase) || (c.previousPhase !== undefined && isFinished(c.previousPhase))) return;
    const w = c.workflow;
    const line = { event: w.event, workflow: w.name, namespace: w.namespace, pipeline: w.pipeline, phase: w.phase, ...(w.events > 1 && { events: w.events }), ...(w.message && { message: w.message }) };
    if (w.phase === "Succeeded") log.info(line, "workflow finished");
    else log.warn(line, "workflow finished");
  };
}
