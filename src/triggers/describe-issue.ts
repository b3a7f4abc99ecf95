/**
 * @module triggers/describe-issue — zod issues on event input as `Records[2].s3.bucket.name: required`.
 */
import type { z } from "zod";
import { formatPath } from "../lib/format-path.js";

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

/**
 * Error map for `safeParse(x, { error: eventErrorMap })`: "required" for a missing field,
 * "expected string, got a number" for a wrong type; zod's own wording otherwise.
 */
export const eventErrorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === "invalid_type") {
    if (iss.input === undefined) return "required";
    return `expected ${iss.expected}, got ${kindOf(iss.input)}`;
  }
  return undefined;
};

/** Every issue as `path: message`, joined by "; " (one line, for a dead-letter reason or a CLI error). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ""): string {
  return issues.map((i) => `${formatPath(i.path, prefix) || "(top level)"}: ${i.message}`).join("; ");
}
