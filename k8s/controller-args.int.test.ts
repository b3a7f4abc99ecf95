/**
 * @module k8s/controller-args.int.test — the JSON patch that tunes Argo's workflow-controller
 * (k8s/base/argo/workflow-controller-args.yaml) sets the args of install.yaml's only container, and every flag
 * it passes is one the pinned workflow-controller accepts, with a value it parses.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONTROLLER_ARGS_PATCH, tunedControllerArgs } from "../test/harness/argo.js";
import { toolPath } from "../test/harness/util.js";

describe("the workflow-controller flags patch", () => {
  it("replaces the (empty) args of the controller container with flags the pinned controller knows", () => {
    const ops = parse(readFileSync(CONTROLLER_ARGS_PATCH, "utf8")) as { op: string; path: string; value: string[] }[];
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ op: "add", path: "/spec/template/spec/containers/0/args" });
    const args = tunedControllerArgs();
    expect(args.map((a) => a.split("=")[0]).sort()).toEqual(["--burst", "--pod-cleanup-workers", "--qps", "--workflow-workers"]);
    const help = execFileSync(toolPath("WORKFLOW_CONTROLLER"), ["--help"], { encoding: "utf8" });
    for (const a of args) {
      const [flag, value] = a.split("=");
      expect(help).toMatch(new RegExp(`\\s${flag}\\s+(int|float32)\\s`));
      expect(Number(value)).toBeGreaterThan(0);
    }
  });
});
