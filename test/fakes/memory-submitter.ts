/** @module test/fakes/memory-submitter — a Workflow submitter in memory for processor tests: creates by name, "exists" on a repeat. */
import type { Workflow, WorkflowSubmitter } from "../../src/workflows/types.js";

/** Keeps every created Workflow by name and counts calls; set `gate` to hold creates until it resolves. */
export class MemorySubmitter implements WorkflowSubmitter {
  readonly created = new Map<string, Workflow>();
  calls = 0;
  gate?: Promise<void>;
  async create(wf: Workflow) {
    this.calls += 1;
    await this.gate;
    if (this.created.has(wf.metadata.name)) return "exists" as const;
    this.created.set(wf.metadata.name, wf);
    return "created" as const;
  }
}
