import { describe, expect, it } from "vitest";
import { NonRetriableError } from "../lib/errors.js";
import {
  catalog,
  hookEvent,
  inlinePipeline,
  match,
  objectEvent,
  pipeline,
  refPipeline,
} from "../../test/fixtures/render-fixtures.js";
import { LABEL_VALUE_RE } from "./name.js";
import { renderWorkflow, workflowArguments, workflowIdentity } from "./render.js";
import { outputKey, splitExtension } from "./step-keys.js";

type Template = {
  name: string;
  dag?: { tasks: { name: string; template: string; dependencies?: string[] }[] };
  container?: { image: string; command: string[]; args?: string[]; env: { name: string; value?: string; valueFrom?: unknown }[]; resources?: unknown };
  nodeSelector?: Record<string, string>;
  retryStrategy?: Record<string, unknown>;
  metadata?: { labels: Record<string, string> };
};

function templates(wf: { spec: Record<string, unknown> }): Template[] {
  return wf.spec.templates as Template[];
}

function env(t: Template): Record<string, string> {
  return Object.fromEntries(t.container!.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

const KEY = "gate-01/2024/05/01/120000-1.jpg";

describe("renderWorkflow: inline DAG", () => {
  const p = inlinePipeline();
  const wf = renderWorkflow([match(p, objectEvent(KEY, { etag: "9b2c" }))], catalog());
  const [dag, resize, detect] = templates(wf);

  it("renders a Workflow with metadata for people and tools", () => {
    expect(wf.apiVersion).toBe("argoproj.io/v1alpha1");
    expect(wf.kind).toBe("Workflow");
    expect(wf.metadata.name).toMatch(/^people-detect-gate-01-[0-9a-f]{10}$/);
    expect(wf.metadata.namespace).toBe("argo");
    expect(wf.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "framegate",
      "framegate.io/pipeline": "people-detect",
      "framegate.io/camera": "gate-01",
    });
    expect(wf.metadata.annotations).toEqual({
      "framegate.io/bucket": "raw",
      "framegate.io/key": KEY,
      "framegate.io/etag": "9b2c",
      "framegate.io/event-id": `raw/${KEY}@9b2c`,
      "framegate.io/camera": "gate-01",
      "framegate.io/count": "1",
    });
  });

  it("sets the workflow spec from the pipeline", () => {
    expect(wf.spec.entrypoint).toBe("main");
    expect(wf.spec.serviceAccountName).toBe("framegate-runner");
    expect(wf.spec.ttlStrategy).toEqual({ secondsAfterCompletion: 3600 });
    expect(wf.spec.activeDeadlineSeconds).toBe(600);
    expect(wf.spec.podGC).toEqual({ strategy: "OnPodSuccess" });
    expect(wf.spec).not.toHaveProperty("workflowTemplateRef");
    expect(workflowArguments(wf)).toEqual({ camera: "gate-01", key: KEY, keys: JSON.stringify([KEY]), count: "1" });
  });

  it("builds the DAG with dependencies from after", () => {
    expect(dag!.name).toBe("main");
    expect(dag!.dag!.tasks).toEqual([
      { name: "resize", template: "resize" },
      { name: "detect", template: "detect", dependencies: ["resize"] },
    ]);
    expect(templates(wf).map((t) => t.name)).toEqual(["main", "resize", "detect"]);
  });

  it("gives each step the service's container, resources and merged nodeSelector", () => {
    expect(resize!.container!.image).toBe("ghcr.io/framegate/resize:0.1.0");
    expect(resize!.container!.command).toEqual(["node", "/app/resize.js"]);
    expect(resize!.container).not.toHaveProperty("args");
    expect(resize!.container!.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    expect(resize).not.toHaveProperty("nodeSelector");
    expect(detect!.container!.command).toEqual(["python", "-m", "detect"]);
    expect(detect!.container!.args).toEqual(["--log-json"]);
    expect(detect!.nodeSelector).toEqual({ "kubernetes.io/arch": "amd64", hardware: "gpu" });
    expect(detect!.metadata!.labels).toEqual({ "framegate.io/pipeline": "people-detect", "framegate.io/step": "detect" });
  });

  it("places a step: its nodeSelector over the service's, tolerations of both, its resources instead of the service's", () => {
    const placed = pipeline("placed", {
      steps: [
        {
          name: "detect",
          service: "detect",
          nodeSelector: { hardware: "gpu" },
          tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }],
          resources: { limits: { "nvidia.com/gpu": 1 } },
        },
        { name: "resize", service: "resize", after: ["detect"] },
      ],
    });
    const [, d, r] = templates(renderWorkflow([match(placed, objectEvent(KEY))], catalog())) as (Template & { tolerations?: unknown })[];
    expect(d!.nodeSelector).toEqual({ "kubernetes.io/arch": "amd64", hardware: "gpu" });
    expect(d!.tolerations).toEqual([{ key: "gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(d!.container!.resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
    expect(r!.container!.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    expect(r).not.toHaveProperty("tolerations");
  });

  it("retries up to the service's retries, never on exit code 2", () => {
    expect(resize!.retryStrategy).toMatchObject({ limit: 2, retryPolicy: "Always", expression: "asInt(lastRetry.exitCode) != 2" });
    expect(detect!.retryStrategy).toMatchObject({ limit: 3 });
  });

  it("computes input and output keys per the service contract", () => {
    expect(env(resize!)).toMatchObject({
      FRAMEGATE_PIPELINE: "people-detect",
      FRAMEGATE_STEP: "resize",
      FRAMEGATE_CAMERA: "gate-01",
      FRAMEGATE_INPUT_BUCKET: "raw",
      FRAMEGATE_INPUT_KEYS: JSON.stringify([KEY]),
      FRAMEGATE_OUTPUT_BUCKET: "processed",
      FRAMEGATE_OUTPUT_KEYS: JSON.stringify(["people-detect/resize/gate-01/2024/05/01/120000-1.jpg"]),
    });
    expect(env(detect!)).toMatchObject({
      FRAMEGATE_INPUT_BUCKET: "processed",
      FRAMEGATE_INPUT_KEYS: JSON.stringify(["people-detect/resize/gate-01/2024/05/01/120000-1.jpg"]),
      FRAMEGATE_OUTPUT_KEYS: JSON.stringify(["people-detect/detect/gate-01/2024/05/01/120000-1.jpg"]),
    });
  });

  it("fills params from service defaults, overridden by step params rendered with the match vars", () => {
    const r = env(resize!);
    expect(r.FRAMEGATE_PARAM_WIDTH).toBe("320");
    expect(r.FRAMEGATE_PARAM_HEIGHT).toBe("gate-01");
    expect(r.FRAMEGATE_PARAM_QUALITY).toBe("85");
    const d = env(detect!);
    expect(d.FRAMEGATE_PARAM_THRESHOLD).toBe("0.5");
    expect(d.FRAMEGATE_PARAM_CLASSES).toBe("person,120000-1.jpg");
  });

  it("reads MinIO credentials from the framegate-minio Secret", () => {
    const secretEnv = resize!.container!.env.filter((e) => e.valueFrom !== undefined);
    expect(secretEnv).toEqual([
      { name: "MINIO_ENDPOINT", valueFrom: { secretKeyRef: { name: "framegate-minio", key: "endpoint" } } },
      { name: "MINIO_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "framegate-minio", key: "accessKey" } } },
      { name: "MINIO_SECRET_KEY", valueFrom: { secretKeyRef: { name: "framegate-minio", key: "secretKey" } } },
    ]);
  });

  it("runs every pod as the restricted Pod Security Standard asks, with /tmp the only writable path", () => {
    expect(wf.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(wf.spec.volumes).toEqual([{ name: "scratch", emptyDir: { sizeLimit: "1Gi" } }]);
    for (const t of [resize!, detect!]) {
      const c = t.container as unknown as { securityContext: unknown; volumeMounts: unknown };
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.volumeMounts).toEqual([{ name: "scratch", mountPath: "/tmp" }]);
    }
    // Argo's executor containers, merged by name into the pods Argo builds
    const patch = JSON.parse(wf.spec.podSpecPatch as string) as { initContainers: unknown[]; containers: unknown[] };
    const executor = { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
    expect(patch).toEqual({ initContainers: [{ name: "init", securityContext: executor }], containers: [{ name: "wait", securityContext: executor }] });
  });

  it("labels every pod for the network policies", () => {
    expect(wf.spec.podMetadata).toEqual({ labels: { "framegate.io/role": "step" } });
  });

  it("has Argo emit its duration and outcome per pipeline, with no camera label", () => {
    const m = (wf.spec.metrics as { prometheus: { name: string; labels: { key: string; value: string }[]; histogram: { value: string; buckets: number[] } }[] }).prometheus;
    expect(m).toHaveLength(1);
    expect(m[0]!.name).toBe("framegate_workflow_duration_seconds");
    expect(m[0]!.labels).toEqual([
      { key: "pipeline", value: wf.metadata.labels!["framegate.io/pipeline"] },
      { key: "status", value: "{{workflow.status}}" },
    ]);
    expect(m[0]!.histogram.value).toBe("{{workflow.duration}}");
    expect(JSON.stringify(m)).not.toContain("gate-01");
  });

  it("is deterministic", () => {
    const again = renderWorkflow([match(inlinePipeline(), objectEvent(KEY, { etag: "9b2c" }))], catalog());
    expect(again).toEqual(wf);
    const other = renderWorkflow([match(inlinePipeline(), objectEvent(KEY, { etag: "other" }))], catalog());
    expect(other.metadata.name).not.toBe(wf.metadata.name);
  });
});

describe("renderWorkflow: batch", () => {
  const p = inlinePipeline();
  const keys = ["gate-01/a.jpg", "gate-01/b.png", "gate-01/c"];
  const wf = renderWorkflow(
    keys.map((k) => match(p, objectEvent(k))),
    catalog(),
  );
  const [, resize, detect] = templates(wf);

  it("processes every key, output i for input i", () => {
    expect(JSON.parse(env(resize!).FRAMEGATE_INPUT_KEYS!)).toEqual(keys);
    expect(JSON.parse(env(resize!).FRAMEGATE_OUTPUT_KEYS!)).toEqual(["people-detect/resize/gate-01/a.jpg", "people-detect/resize/gate-01/b.jpg", "people-detect/resize/gate-01/c.jpg"]);
    // detect has no outputExtension: keeps its input's (resize wrote jpg)
    expect(JSON.parse(env(detect!).FRAMEGATE_OUTPUT_KEYS!)).toEqual(["people-detect/detect/gate-01/a.jpg", "people-detect/detect/gate-01/b.jpg", "people-detect/detect/gate-01/c.jpg"]);
  });

  it("renders {keys} and {count} for the whole batch, other vars from the first event", () => {
    expect(workflowArguments(wf)).toEqual({ camera: "gate-01", key: "gate-01/a.jpg", keys: JSON.stringify(keys), count: "3" });
    expect(wf.metadata.annotations["framegate.io/key"]).toBe("gate-01/a.jpg");
    expect(wf.metadata.annotations["framegate.io/count"]).toBe("3");
  });

  it("names a batch by its set of events, not their order", () => {
    const reversed = renderWorkflow(
      [...keys].reverse().map((k) => match(p, objectEvent(k))),
      catalog(),
    );
    expect(reversed.metadata.name).toBe(wf.metadata.name);
    const fewer = renderWorkflow([match(p, objectEvent(keys[0]!))], catalog());
    expect(fewer.metadata.name).not.toBe(wf.metadata.name);
  });

  it("refuses matches of different pipelines, and no matches", () => {
    expect(() => renderWorkflow([match(p, objectEvent("a.jpg")), match(refPipeline(), objectEvent("b.jpg"))], catalog())).toThrow(/one pipeline at a time/);
    expect(() => renderWorkflow([], catalog())).toThrow(/at least one match/);
  });
});

describe("renderWorkflow: workflowTemplateRef", () => {
  const wf = renderWorkflow([match(refPipeline(), objectEvent(KEY))], catalog());

  it("references the template and passes the rendered arguments", () => {
    expect(wf.spec.workflowTemplateRef).toEqual({ name: "image-processing" });
    expect(wf.spec.arguments).toEqual({
      parameters: [
        { name: "bucket", value: "raw" },
        { name: "key", value: KEY },
        { name: "camera", value: "gate-01" },
      ],
    });
    expect(wf.spec).not.toHaveProperty("templates");
    expect(wf.spec).not.toHaveProperty("entrypoint");
    expect(wf.spec).not.toHaveProperty("serviceAccountName");
    expect(wf.spec).not.toHaveProperty("activeDeadlineSeconds");
    // the template sets its pods' security; the label for the network policies comes from here
    expect(wf.spec).not.toHaveProperty("securityContext");
    expect(wf.spec.podMetadata).toEqual({ labels: { "framegate.io/role": "step" } });
    expect((wf.spec.metrics as { prometheus: { name: string }[] }).prometheus[0]!.name).toBe("framegate_workflow_duration_seconds");
    expect(wf.metadata.name).toMatch(/^gate-processing-gate-01-[0-9a-f]{10}$/);
  });
});

describe("renderWorkflow: edge cases", () => {
  it("keeps a weird camera out of label trouble and in an annotation", () => {
    const camera = "Gate #7 / north (東) ".repeat(5);
    const wf = renderWorkflow([match(refPipeline(), objectEvent("x/a.jpg"), camera)], catalog());
    const label = wf.metadata.labels["framegate.io/camera"]!;
    expect(label).toMatch(LABEL_VALUE_RE);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label.startsWith("Gate-7-north")).toBe(true);
    expect(wf.metadata.annotations["framegate.io/camera"]).toBe(camera);
    expect(wf.metadata.name).toMatch(/^gate-processing-gate-7-north-[-a-z0-9]*[0-9a-f]{10}$/);
  });

  it("leaves out the camera label when nothing of it is usable, and when there is no camera", () => {
    const wf = renderWorkflow([match(refPipeline(), objectEvent("x/a.jpg"), "東京")], catalog());
    expect(wf.metadata.labels).not.toHaveProperty("framegate.io/camera");
    expect(wf.metadata.annotations["framegate.io/camera"]).toBe("東京");
    const m = match(refPipeline(), objectEvent("x/a.jpg"));
    const none = renderWorkflow([{ ...m, camera: undefined, vars: { ...m.vars, camera: "" } }], catalog());
    expect(none.metadata.labels).not.toHaveProperty("framegate.io/camera");
    expect(none.metadata.annotations).not.toHaveProperty("framegate.io/camera");
  });

  it("renders a webhook event with its id and hook, and its body's object for an inline DAG", () => {
    const p = pipeline("motion", { steps: [{ name: "resize", service: "resize" }], parameters: { kind: "{body.kind}" } }, { source: "webhook", hook: "motion-alerts" });
    const wf = renderWorkflow([match(p, hookEvent({ kind: "motion", bucket: "raw", key: "gate-02/x.jpeg" }, "idem-7"), "gate-02")], catalog());
    expect(wf.metadata.annotations).toMatchObject({ "framegate.io/event-id": "idem-7", "framegate.io/hook": "motion-alerts" });
    expect(wf.metadata.annotations).not.toHaveProperty("framegate.io/bucket");
    expect(workflowArguments(wf)).toEqual({ kind: "motion" });
    const [, resize] = templates(wf);
    expect(env(resize!)).toMatchObject({ FRAMEGATE_INPUT_BUCKET: "raw", FRAMEGATE_INPUT_KEYS: '["gate-02/x.jpeg"]', FRAMEGATE_OUTPUT_KEYS: '["motion/resize/gate-02/x.jpg"]' });
  });

  it("reads lazily computed vars (a Proxy) through to templates", () => {
    const p = pipeline("lazy", { templateRef: "t", parameters: { v: "{body.deep.path}" } }, { source: "webhook", hook: "h" });
    const vars = new Proxy({} as Record<string, string>, { get: (_t, name) => (name === "body.deep.path" ? "found" : undefined) });
    const wf = renderWorkflow([{ pipeline: p, event: hookEvent({}), vars }], catalog());
    expect(workflowArguments(wf)).toEqual({ v: "found" });
  });

  it("escapes '{' in key lists so Argo cannot read an uploader's key as a template tag", () => {
    const key = "cam/{{inputs.parameters.x}} {{=1+1}}.jpg";
    const p = pipeline("p", { steps: [{ name: "s", service: "resize" }], parameters: { keys: "{keys}" } });
    const wf = renderWorkflow([match(p, objectEvent(key))], catalog());
    // the metrics block holds framegate's own Argo tags ({{workflow.status}}, {{workflow.duration}}); nothing else may
    const { metrics, ...rest } = wf.spec;
    expect(JSON.stringify(metrics)).not.toContain("inputs.parameters");
    const text = JSON.stringify(rest);
    expect(text).not.toContain("{{");
    const [, s] = templates(wf);
    expect(JSON.parse(env(s!).FRAMEGATE_INPUT_KEYS!)).toEqual([key]);
    expect(JSON.parse(env(s!).FRAMEGATE_OUTPUT_KEYS!)).toEqual(["p/s/cam/{{inputs.parameters.x}} {{=1+1}}.jpg"]);
    expect(JSON.parse(workflowArguments(wf).keys!)).toEqual([key]);
    expect(wf.metadata.annotations["framegate.io/key"]).toBe(key);
  });

  it("refuses to render a var or camera with '{{' where Argo would substitute it", () => {
    const key = "cam/{{workflow.name}}.jpg";
    const viaParam = pipeline("p", { templateRef: "t", parameters: { file: "{file}" } });
    expect(() => renderWorkflow([match(viaParam, objectEvent(key))], catalog())).toThrow(NonRetriableError);
    expect(() => renderWorkflow([match(viaParam, objectEvent(key))], catalog())).toThrow(/\{file\} of event raw\/cam\/\{\{workflow.name\}\}\.jpg@\S+ is "\{\{workflow.name\}\}\.jpg", which contains "\{\{"/);
    const viaStepParam = pipeline("p", { steps: [{ name: "s", service: "resize", params: { width: "{dir}" } }] });
    expect(() => renderWorkflow([match(viaStepParam, objectEvent("ok/{{x}}/a.jpg"))], catalog())).toThrow(/\{dir\} of event/);
    const steps = pipeline("p", { steps: [{ name: "s", service: "resize" }] });
    expect(() => renderWorkflow([match(steps, objectEvent("a.jpg"), "{{=1}}")], catalog())).toThrow(/the camera is "\{\{=1\}\}"/);
    // a template that does not use the value renders fine
    const unused = pipeline("p", { templateRef: "t", parameters: { bucket: "{bucket}" } });
    expect(renderWorkflow([match(unused, objectEvent(key))], catalog()).spec.arguments).toEqual({ parameters: [{ name: "bucket", value: "raw" }] });
  });

  it("names the entrypoint so a step called main does not collide", () => {
    const p = pipeline("p", { steps: [{ name: "main", service: "resize" }, { name: "main-1", service: "resize", after: ["main"] }] });
    const wf = renderWorkflow([match(p, objectEvent("c/a.jpg"))], catalog());
    expect(wf.spec.entrypoint).toBe("main-2");
    expect(templates(wf).map((t) => t.name)).toEqual(["main-2", "main", "main-1"]);
  });

  it("reads the first after step's outputs, and leaves retryStrategy out for a service with no retries", () => {
    const p = pipeline("fan", {
      steps: [
        { name: "a", service: "resize" },
        { name: "b", service: "noretry" },
        { name: "c", service: "noretry", after: ["b", "a"] },
      ],
    });
    const wf = renderWorkflow([match(p, objectEvent("cam/x.png"))], catalog());
    const byName = Object.fromEntries(templates(wf).map((t) => [t.name, t]));
    expect(env(byName.c!).FRAMEGATE_INPUT_KEYS).toBe('["fan/b/cam/x.png"]');
    expect(env(byName.c!).FRAMEGATE_OUTPUT_KEYS).toBe('["fan/c/cam/x.png"]');
    expect(byName.b).not.toHaveProperty("retryStrategy");
    expect(byName.a).toHaveProperty("retryStrategy");
  });

  it("gives a joining step every after step's outputs in FRAMEGATE_INPUTS, keeping INPUT_KEYS as the first one's", () => {
    const p = pipeline("dia", {
      steps: [
        { name: "a", service: "resize" },
        { name: "b", service: "noretry", after: ["a"] },
        { name: "c", service: "resize", after: ["a"] },
        { name: "d", service: "noretry", after: ["c", "b"] },
      ],
    });
    const keys = ["cam/x.png", "cam/{{y}}.png"];
    const wf = renderWorkflow(
      keys.map((k) => match(p, objectEvent(k))),
      catalog(),
    );
    const byName = Object.fromEntries(templates(wf).map((t) => [t.name, t]));
    const d = env(byName.d!);
    expect(d.FRAMEGATE_INPUT_KEYS).toBe(JSON.stringify(["dia/c/cam/x.jpg", "dia/c/cam/{{y}}.jpg"]).replaceAll("{", "\\u007b"));
    expect(d.FRAMEGATE_INPUTS).not.toContain("{{");
    const inputs = JSON.parse(d.FRAMEGATE_INPUTS!) as Record<string, { bucket: string; keys: string[] }>;
    expect(Object.keys(inputs)).toEqual(["c", "b"]);
    expect(inputs).toEqual({
      c: { bucket: "processed", keys: ["dia/c/cam/x.jpg", "dia/c/cam/{{y}}.jpg"] },
      b: { bucket: "processed", keys: ["dia/b/cam/x.jpg", "dia/b/cam/{{y}}.jpg"] },
    });
    expect(JSON.parse(env(byName.b!).FRAMEGATE_INPUTS!)).toEqual({ a: { bucket: "processed", keys: ["dia/a/cam/x.jpg", "dia/a/cam/{{y}}.jpg"] } });
    expect(env(byName.a!)).not.toHaveProperty("FRAMEGATE_INPUTS");
  });

  it("fails clearly on a service missing from the catalog", () => {
    const p = pipeline("p", { steps: [{ name: "s", service: "nope" }] });
    expect(() => renderWorkflow([match(p, objectEvent("c/a.jpg"))], catalog())).toThrow(NonRetriableError);
    expect(() => renderWorkflow([match(p, objectEvent("c/a.jpg"))], catalog())).toThrow(/service "nope".*not in the catalog/);
  });
});

describe("step keys", () => {
  it.each([
    ["a/b.jpg", ["a/b", "jpg"]],
    ["a/b.tar.gz", ["a/b.tar", "gz"]],
    ["a.d/b", ["a.d/b", ""]],
    ["a/.hidden", ["a/.hidden", ""]],
    ["b.", ["b", ""]],
  ])("splitExtension(%j)", (key, parts) => {
    expect(splitExtension(key)).toEqual(parts);
  });

  it("uses the service's extension, else the input's", () => {
    expect(outputKey("p", "s", "cam/a.jpeg", "cam/a.jpeg", "png")).toBe("p/s/cam/a.png");
    expect(outputKey("p", "s", "cam/a.jpeg", "p/r/cam/a.webp")).toBe("p/s/cam/a.webp");
    expect(outputKey("p", "s", "cam/a", "cam/a")).toBe("p/s/cam/a");
  });
});

describe("workflowIdentity", () => {
  it("is the name and namespace the render gives: one event, a batch, a webhook event", () => {
    const p = inlinePipeline();
    const hp = pipeline("motion", { steps: [{ name: "resize", service: "resize" }] }, { source: "webhook", hook: "motion-alerts" });
    const cases = [
      [match(p, objectEvent(KEY, { etag: "9b2c" }))],
      ["gate-01/a.jpg", "gate-01/b.jpg"].map((k) => match(p, objectEvent(k))),
      [match(hp, hookEvent({ kind: "motion" }, "idem-9"), "gate-02")],
      [match(hp, hookEvent({ kind: "motion" }, "idem-10"))],
    ];
    for (const ms of cases) {
      const { metadata } = renderWorkflow(ms, catalog());
      expect(workflowIdentity(ms)).toEqual({ name: metadata.name, namespace: metadata.namespace });
    }
    expect(new Set(cases.map((ms) => workflowIdentity(ms).name)).size).toBe(cases.length);
  });
});
