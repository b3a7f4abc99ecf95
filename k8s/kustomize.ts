/**
 * @module k8s/kustomize — `kubectl kustomize DIR` (kubectl from the tools cache, scripts/tools.sh) as YAML
 * and parsed objects, for the tests of the Kustomize tree.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { toolPath } from "../test/harness/util.js";

const run = promisify(execFile);

/** A Kubernetes object as the build prints it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

/**
 * Builds a kustomization; a failure says what kubectl printed.
 * @example const { objects } = await kustomize(join(REPO_ROOT, "k8s/overlays/k3s"));
 */
export async function kustomize(dir: string): Promise<{ yaml: string; objects: K8sObject[] }> {
  const kubectl = toolPath("KUBECTL");
  try {
    const { stdout } = await run(kubectl, ["kustomize", dir], { maxBuffer: 32 << 20 });
    return { yaml: stdout, objects: parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject).filter(Boolean) };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`kubectl kustomize ${dir} failed: ${err.stderr || err.message}`);
  }
}
