/**
 * @module rules/pipeline-client — reads and writes Pipeline resources for the composer: get, create,
 * replace (with the resourceVersion the editor opened), delete with a resourceVersion precondition, and a
 * merge patch (suspend). The API server's refusals become a {@link PipelineApiError} here, in one place.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { FramegateError } from "../lib/errors.js";
import { parseStatus, type KubeStatusCause } from "../lib/kube-status.js";
import { CRD_VERSION } from "./crds.js";
import type { RuleResource } from "./resource-rules.js";
import { API_GROUP } from "./schema.js";

/** The field manager the API server records for the composer's writes (`kubectl get -o yaml --show-managed-fields`). */
export const COMPOSER_FIELD_MANAGER = "framegate-composer";

/** A Pipeline as the API server returns it. */
export type PipelineObject = RuleResource & {
  metadata: RuleResource["metadata"] & { resourceVersion?: string; uid?: string };
};

/** Why the API server refused: `conflict` (resourceVersion moved on), `exists`, `not-found`, `invalid`, `forbidden`, `unavailable`. */
export type PipelineApiFailure = "conflict" | "exists" | "not-found" | "invalid" | "forbidden" | "unavailable";

/** A refusal of the API server, translated. */
export class PipelineApiError extends FramegateError {
  override name = "PipelineApiError";
  constructor(
    readonly failure: PipelineApiFailure,
    message: string,
    /** the field paths and messages of an `invalid` refusal (the CRD's schema and CEL rules) */
    readonly causes: KubeStatusCause[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The operations the composer's server side uses (a fake in unit tests). */
export interface PipelineClient {
  get(name: string): Promise<PipelineObject>;
  create(body: PipelineObject): Promise<PipelineObject>;
  /** `body.metadata.resourceVersion` is the precondition: another version -> `conflict` */
  replace(body: PipelineObject): Promise<PipelineObject>;
  /** a JSON merge patch; `metadata.resourceVersion` in it is a precondition */
  patch(name: string, mergePatch: object): Promise<PipelineObject>;
  /** deletes only while the resource is at `resourceVersion` */
  delete(name: string, resourceVersion: string): Promise<void>;
}

/** Translates what the Kubernetes client threw. */
export function translatePipelineError(e: unknown, what: string): PipelineApiError {
  const ex = e as { code?: unknown; body?: unknown; message?: string };
  if (typeof ex?.code !== "number") {
    return new PipelineApiError("unavailable", `the API server did not answer the ${what}: ${ex?.message ?? String(e)} — try again; the gateway log has the details`, [], { cause: e });
  }
  const st = parseStatus(ex.body);
  const detail = st.message ?? `HTTP ${ex.code}`;
  switch (ex.code) {
    case 409:
      return st.reason === "AlreadyExists"
        ? new PipelineApiError("exists", `${what}: ${detail}`, [], { cause: e })
        : new PipelineApiError("conflict", `${what}: ${detail}`, [], { cause: e });
    case 404:
      return new PipelineApiError("not-found", `${what}: ${detail}`, [], { cause: e });
    case 400:
    case 422:
      return new PipelineApiError("invalid", `${what}: the API server refused it: ${detail}`, st.details?.causes ?? [], { cause: e });
    case 401:
    case 403:
      return new PipelineApiError("forbidden", `${what}: ${detail} — the gateway's ServiceAccount needs the Role in k8s/base/gateway/rbac.yaml (create, update, patch, delete on pipelines)`, [], { cause: e });
    default:
      return new PipelineApiError("unavailable", `${what}: ${detail} (HTTP ${ex.code}) — try again`, [], { cause: e });
  }
}

/** {@link PipelineClient} on the API server, in one namespace. */
export class KubePipelineClient implements PipelineClient {
  readonly #api: CustomObjectsApi;
  readonly #ns: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
    this.#ns = namespace;
  }

  get namespace(): string {
    return this.#ns;
  }

  #params() {
    return { group: API_GROUP, version: CRD_VERSION, namespace: this.#ns, plural: "pipelines" };
  }

  async #call<T>(what: string, fn: () => Promise<unknown>): Promise<T> {
    try {
      return (await fn()) as T;
    } catch (e) {
      throw translatePipelineError(e, what);
    }
  }

  get(name: string): Promise<PipelineObject> {
    return this.#call(`get Pipeline ${name}`, () => this.#api.getNamespacedCustomObject({ ...this.#params(), name }));
  }

  create(body: PipelineObject): Promise<PipelineObject> {
    return this.#call(`create Pipeline ${body.metadata.name}`, () => this.#api.createNamespacedCustomObject({ ...this.#params(), body, fieldManager: COMPOSER_FIELD_MANAGER }));
  }

  replace(body: PipelineObject): Promise<PipelineObject> {
    const name = body.metadata.name;
    return this.#call(`replace Pipeline ${name}`, () => this.#api.replaceNamespacedCustomObject({ ...this.#params(), name, body, fieldManager: COMPOSER_FIELD_MANAGER }));
  }

  patch(name: string, mergePatch: object): Promise<PipelineObject> {
    return this.#call(`patch Pipeline ${name}`, () =>
      this.#api.patchNamespacedCustomObject({ ...this.#params(), name, body: mergePatch, fieldManager: COMPOSER_FIELD_MANAGER }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)),
    );
  }

  async delete(name: string, resourceVersion: string): Promise<void> {
    await this.#call(`delete Pipeline ${name}`, () => this.#api.deleteNamespacedCustomObject({ ...this.#params(), name, body: { preconditions: { resourceVersion } } }));
  }
}
