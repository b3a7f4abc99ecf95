import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatIssue } from "../lib/errors.js";
import { loadRules, loadRulesFromText, type LoadResult } from "./loader.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVICES = ["resize", "detect"].map((n) => ({ path: `services/${n}/service.yaml`, text: readFileSync(join(ROOT, "services", n, "service.yaml"), "utf8") }));

function load(text: string, path = "pipelines/t.yaml"): LoadResult {
  return loadRulesFromText([{ path, text }], SERVICES);
}

/** The issues as the CLI prints them; fails the test when the load unexpectedly succeeded. */
function problems(r: LoadResult): string[] {
  if (r.ok) throw new Error("expected the load to fail");
  return r.issues.map(formatIssue);
}

function ok(r: LoadResult) {
  if (!r.ok) throw new Error(`expected the load to succeed:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.ruleSet;
}

/** A valid pipeline with the given trigger lines (indented 4) and workflow lines (indented 4). */
function doc(name: string, trigger: string, workflow = "    steps:\n      - name: resize\n        service: resize\n", extra = ""): string {
  return `apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: ${name}\nspec:\n  trigger:\n${trigger}${extra}  workflow:\n${workflow}`;
}

describe("loadRules on the repository's own pipelines/ and services/", () => {
  it("loads every example without an issue", async () => {
    const cwd = process.cwd();
    const r = await loadRules({ rulesDir: relative(cwd, join(ROOT, "pipelines")) || ".", servicesDir: relative(cwd, join(ROOT, "services")) || "." });
    const set = ok(r);
    expect(set.pipelines.map((p) => p.name).sort()).toEqual(["gate-cameras", "lobby-image-processing", "masked-thumbnails", "motion-alerts", "people-detect", "privacy-detect"]);
    expect([...set.catalog.keys()].sort()).toEqual(["blur", "detect", "resize"]);
    expect(set.files.filter((f) => f.endsWith("service.yaml"))).toHaveLength(3);
    const byName = new Map(set.pipelines.map((p) => [p.name, p]));
    expect(byName.get("motion-alerts")!.spec.trigger.source).toBe("webhook");
    expect(byName.get("gate-cameras")!.spec.trigger).toMatchObject({ where: { camera: ["gate-*"] } });
    expect(byName.get("lobby-image-processing")!.spec.workflow.templateRef).toBe("image-processing");
    expect(byName.get("people-detect")!.pattern!.match("gate-01/2026/11/28/120000-1.jpg")).toEqual({ camera: "gate-01" });
  });
});

describe("loadRules reading folders", () => {
  it("reads .yaml and .yml files in name order, skipping other files, and reports paths as given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "framegate-rules-"));
    mkdirSync(join(dir, "pipelines"));
    mkdirSync(join(dir, "services", "resize"), { recursive: true });
    writeFileSync(join(dir, "services", "resize", "service.yaml"), SERVICES[0]!.text);
    writeFileSync(join(dir, "pipelines", "b.yml"), doc("b", "    bucket: raw\n"));
    writeFileSync(join(dir, "pipelines", "a.yaml"), doc("a", "    bucket: raw\n    key: \"{camera\"\n"));
    writeFileSync(join(dir, "pipelines", "notes.txt"), "not yaml: [");
    const r = await loadRules({ rulesDir: join(dir, "pipelines"), servicesDir: join(dir, "services") });
    expect(problems(r)).toEqual([
      `${join(dir, "pipelines", "a.yaml")}:8:10: spec.trigger.key: "{camera" has an unclosed "{" at character 1 — close it ("{camera}") or write "{{" for a literal "{"`,
    ]);
    writeFileSync(join(dir, "pipelines", "a.yaml"), doc("a", "    bucket: raw\n"));
    const set = ok(await loadRules({ rulesDir: join(dir, "pipelines"), servicesDir: join(dir, "services") }));
    expect(set.pipelines.map((p) => [p.name, p.file, p.line])).toEqual([
      ["a", join(dir, "pipelines", "a.yaml"), 1],
      ["b", join(dir, "pipelines", "b.yml"), 1],
    ]);
  });

  it("says which folder is missing", async () => {
    const r = await loadRules({ rulesDir: "does-not-exist/pipelines", servicesDir: "services" });
    expect(problems(r)).toEqual([
      "does-not-exist/pipelines:1:1: (document): cannot read the rules folder: it does not exist — pass the folder holding the pipeline YAML files (--rules DIR)",
    ]);
  });
});

describe("loadRulesFromText: YAML and schema problems", () => {
  it("reports malformed YAML at yaml's own position", () => {
    const text = "apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: a\n    bad: indent\n";
    expect(problems(load(text))).toEqual([
      "pipelines/t.yaml:4:9: (document): invalid YAML: Nested mappings are not allowed in compact mappings",
      "pipelines/t.yaml:4:9: (document): invalid YAML: Implicit keys need to be on a single line",
    ]);
    expect(problems(load("a: [1, 2\n"))).toEqual(["pipelines/t.yaml:2:1: (document): invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
  });

  it("reports duplicate keys as YAML errors at the second key", () => {
    const text = doc("a", "    bucket: raw\n    bucket: raw2\n");
    expect(problems(load(text))).toEqual(["pipelines/t.yaml:8:5: (document): invalid YAML: Map keys must be unique"]);
  });

  it("points at an unknown field's key, with a did-you-mean for a near miss, and does not also report the field as missing", () => {
    const text = doc("a", "    bukcet: raw\n    key: \"{camera}/*.jpg\"\n");
    expect(problems(load(text))).toEqual(['pipelines/t.yaml:7:5: spec.trigger.bukcet: unknown field "bukcet" — did you mean "bucket"?']);
  });

  it("lists the valid fields when an unknown one is not close to any", () => {
    const text = doc("a", "    bucket: raw\n    colour: red\n");
    expect(problems(load(text))).toEqual([
      'pipelines/t.yaml:8:5: spec.trigger.colour: unknown field "colour" — remove it; fields here: source, bucket, key, prefix, suffix, events, where',
    ]);
    const hook = doc("a", "    source: webhook\n    hook: motion\n    prefix: raw/\n");
    expect(problems(load(hook))).toEqual(['pipelines/t.yaml:9:5: spec.trigger.prefix: unknown field "prefix" — remove it; fields here: source, hook, where, buckets']);
  });

  it("points a missing required field at the mapping that lacks it", () => {
    const text = doc("a", "    key: \"{camera}/*.jpg\"\n");
    expect(problems(load(text))).toEqual(["pipelines/t.yaml:6:3: spec.trigger.bucket: required field is missing (expected text)"]);
  });

  it("explains wrong values with what was given", () => {
    const text = [
      "apiVersion: framegate/v2",
      "kind: Pipeline",
      "metadata:",
      "  name: People",
      "spec:",
      "  trigger:",
      "    source: s3",
      "  select:",
      "    sample: 5 seconds",
      "    batch: { size: 0, window: 30s }",
      "  workflow:",
      "    templateRef: x",
      "    steps: [{ name: a, service: resize }]",
    ].join("\n");
    expect(problems(load(text))).toEqual([
      'pipelines/t.yaml:1:13: apiVersion: must be "framegate.io/v1alpha1", got text "framegate/v2"',
      "pipelines/t.yaml:4:9: metadata.name: text \"People\" must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit",
      'pipelines/t.yaml:7:13: spec.trigger.source: must be "minio" or "webhook"',
      'pipelines/t.yaml:9:13: spec.select.sample: text "5 seconds" must be a duration: a number and a unit, e.g. 500ms, 5s, 10m, 24h, 7d',
      "pipelines/t.yaml:10:20: spec.select.batch.size: must be at least 1, got a number (0)",
      "pipelines/t.yaml:12:5: spec.workflow: set exactly one of workflow.templateRef (a WorkflowTemplate in the cluster) or workflow.steps (an inline DAG of catalog services)",
    ]);
  });

  it("rejects a document that is not a mapping, and a Service in the rules folder", () => {
    expect(problems(load("just text\n"))).toEqual(['pipelines/t.yaml:1:1: (document): a document must be a mapping (apiVersion, kind, metadata, spec), got text "just text"']);
    const svc = SERVICES[0]!.text;
    expect(problems(load(svc))).toContain('pipelines/t.yaml:4:7: kind: must be "Pipeline", got text "ProcessingService"');
  });
});

describe("loadRulesFromText: several documents per file", () => {
  it("loads each document, skips empty ones and keeps positions per document", () => {
    const text = `# two pipelines\n${doc("first", "    bucket: raw\n")}---\n# only a comment\n---\n${doc("second", "    bucket: raw\n    key: \"{site}/{camera}/*.jpg\"\n")}`;
    const set = ok(load(text));
    expect(set.pipelines.map((p) => [p.name, p.file, p.line])).toEqual([
      ["first", "pipelines/t.yaml", 2],
      ["second", "pipelines/t.yaml", 16],
    ]);
    expect(set.pipelines[1]!.pattern!.captures).toEqual(["site", "camera"]);
  });

  it("reports a problem in a later document at its own line", () => {
    const text = `${doc("first", "    bucket: raw\n")}---\n${doc("second", "    bucket: raw\n    key: \"a/**.jpg\"\n")}`;
    expect(problems(load(text))).toEqual([
      'pipelines/t.yaml:20:10: spec.trigger.key: "a/**.jpg" uses "**" inside a segment at character 3 — use "**" only as a whole segment between slashes (as in "cam/**/x.jpg"); "*" matches within one segment ("*.jpg")',
    ]);
  });

  it("reports every problem of a file in one run, schema and cross-checks alike", () => {
    const text = [
      "apiVersion: framegate.io/v1alpha1",
      "kind: Pipeline",
      "metadata: { name: a, descrption: x }",
      "spec:",
      "  trigger: { bucket: raw, key: \"{camera/x\" }",
      "  select: { by: \"{cmaera}\" }",
      "  workflow:",
      "    steps:",
      "      - { name: r, service: resise }",
      "---",
      "apiVersion: framegate.io/v1alpha1",
      "kind: Pipeline",
      "metadata: { name: a }",
      "spec:",
      "  trigger: { bucket: raw }",
      "  workflow: { templateRef: t }",
    ].join("\n");
    expect(problems(load(text))).toEqual([
      'pipelines/t.yaml:3:22: metadata.descrption: unknown field "descrption" — remove it; fields here: name, namespace, labels, annotations',
      'pipelines/t.yaml:5:32: spec.trigger.key: "{camera/x" has an unclosed "{" at character 1 — close it ("{camera}") or write "{{" for a literal "{"',
      "pipelines/t.yaml:6:17: spec.select.by: {cmaera} is not provided by this trigger — did you mean {camera}? Available: {bucket}, {key}, {file}, {dir}, {camera}, {etag}, {size}, {eventName}, {eventTime}, {versionId}, {contentType}",
      'pipelines/t.yaml:9:29: spec.workflow.steps[0].service: service "resise" is not in the catalog — did you mean "resize"? Known services: resize, detect (each is services/<name>/service.yaml)',
      'pipelines/t.yaml:13:19: metadata.name: pipeline "a" is already defined at pipelines/t.yaml:3:19 — pipeline names must be unique across all files',
    ]);
  });
});

describe("loadRulesFromText: cross-checks", () => {
  it("rejects duplicate pipeline names across files, pointing at the second and naming the first", () => {
    const r = loadRulesFromText(
      [
        { path: "pipelines/a.yaml", text: doc("people", "    bucket: raw\n") },
        { path: "pipelines/b.yaml", text: `\n\n${doc("people", "    bucket: other\n")}` },
      ],
      SERVICES,
    );
    expect(problems(r)).toEqual(['pipelines/b.yaml:6:9: metadata.name: pipeline "people" is already defined at pipelines/a.yaml:4:9 — pipeline names must be unique across all files']);
  });

  it("rejects steps naming unknown services, unknown after: steps and cycles", () => {
    const wf = [
      "    steps:",
      "      - { name: a, service: resize, after: [c] }",
      "      - { name: b, service: resize, after: [a, nope] }",
      "      - { name: c, service: detekt, after: [b] }",
      "      - { name: d, service: detect, after: [d] }",
      "",
    ].join("\n");
    expect(problems(load(doc("p", "    bucket: raw\n", wf)))).toEqual([
      "pipelines/t.yaml:11:45: spec.workflow.steps[1].after[0]: steps wait for each other in a cycle: a -> c -> b -> a (each waits for the next) — remove one of these after: entries",
      'pipelines/t.yaml:11:48: spec.workflow.steps[1].after[1]: "nope" is not a step of this pipeline — its steps: a, b, c, d',
      'pipelines/t.yaml:12:29: spec.workflow.steps[2].service: service "detekt" is not in the catalog — did you mean "detect"? Known services: resize, detect (each is services/<name>/service.yaml)',
      "pipelines/t.yaml:13:45: spec.workflow.steps[3].after[0]: steps wait for each other in a cycle: d -> d (each waits for the next) — remove one of these after: entries",
    ]);
  });

  it("rejects duplicate step names", () => {
    const wf = "    steps:\n      - { name: a, service: resize }\n      - { name: a, service: detect }\n";
    expect(problems(load(doc("p", "    bucket: raw\n", wf)))).toEqual([
      'pipelines/t.yaml:11:17: spec.workflow.steps[1].name: step "a" is already defined as steps[0] — step names must be unique within a pipeline',
    ]);
  });

  it("rejects step params the service does not declare, and values of the wrong type", () => {
    const wf = [
      "    steps:",
      "      - name: r",
      "        service: resize",
      "        params: { widht: \"3\", fit: covr, quality: high, height: \"{height}\" }",
      "",
    ].join("\n");
    expect(problems(load(doc("p", "    bucket: raw\n    key: \"{camera}/{height}/*.jpg\"\n", wf)))).toEqual([
      'pipelines/t.yaml:13:19: spec.workflow.steps[0].params.widht: "widht" is not a parameter of service "resize" — did you mean "width"? Its parameters: width, height, fit, format, quality, maxInputBytes, maxPixels',
      'pipelines/t.yaml:13:36: spec.workflow.steps[0].params.fit: must be one of cover, contain, fill, inside, outside, got "covr"',
      'pipelines/t.yaml:13:51: spec.workflow.steps[0].params.quality: must be a whole number, got "high"',
    ]);
  });

  it("rejects template variables the trigger can never provide", () => {
    const minio = doc("p", "    bucket: raw\n    key: \"{site}/*.jpg\"\n", "    templateRef: t\n    parameters:\n      a: \"{site}-{file}\"\n      b: \"{hook}\"\n      c: \"{count}\"\n      d: \"{body.x}\"\n      e: \"{camera\"\n");
    expect(problems(load(minio))).toEqual([
      "pipelines/t.yaml:13:10: spec.workflow.parameters.b: {hook} is only provided by webhook triggers; object events provide {bucket}, {key}, {file}, {dir}, {camera}, {etag}, {size}, {eventName}, {eventTime}, {versionId}, {contentType}, {site}",
      "pipelines/t.yaml:14:10: spec.workflow.parameters.c: {count} is only set for batches — add select.batch ({ size, window }) or remove {count}",
      "pipelines/t.yaml:15:10: spec.workflow.parameters.d: {body.x} is only provided by webhook triggers (source: webhook); object events have no body",
      `pipelines/t.yaml:16:10: spec.workflow.parameters.e: "{camera" has an unclosed or invalid "{" — write {name} with letters, digits, '_', '.', '-', or escape it as "{{"`,
    ]);
    const hook = doc(
      "h",
      "    source: webhook\n    hook: motion\n",
      "    templateRef: t\n    parameters:\n      a: \"{body.device.id}{hook}{id}{receivedAt}{keys}\"\n      b: \"{camera}\"\n      c: \"{body}\"\n",
      "  select:\n    by: \"{count}\"\n    batch: { size: 4, window: 10s }\n",
    );
    expect(problems(load(hook))).toEqual([
      "pipelines/t.yaml:10:9: spec.select.by: {count} is only known once a batch is complete, so it cannot partition events — use a per-event variable such as {camera}",
      "pipelines/t.yaml:16:10: spec.workflow.parameters.b: webhook events have no {camera} — use a field of the posted JSON such as {body.camera}",
      "pipelines/t.yaml:17:10: spec.workflow.parameters.c: {body} is not a field path — name a field of the posted JSON, e.g. {body.camera} or {body.device.id}",
    ]);
  });

  it("rejects key together with prefix/suffix, wildcards in prefix, and minSize above maxSize", () => {
    expect(problems(load(doc("p", "    bucket: raw\n    key: \"a/*\"\n    prefix: a/\n")))).toEqual([
      'pipelines/t.yaml:8:5: spec.trigger.key: set either key or prefix/suffix, not both — a key pattern can say both at once (e.g. "cam-01/**/*.jpg")',
    ]);
    expect(problems(load(doc("p", "    bucket: raw\n    prefix: \"cam-*/\"\n    where: { minSize: 10, maxSize: 5 }\n")))).toEqual([
      'pipelines/t.yaml:8:13: spec.trigger.prefix: "cam-*/" is plain text (S3 filter semantics), so "*" and "{...}" are not wildcards here — use key: for a pattern (e.g. key: "{camera}/**/*.jpg")',
      "pipelines/t.yaml:9:23: spec.trigger.where.minSize: is larger than maxSize (10 > 5), so nothing can match — swap or fix them",
    ]);
  });

  it("rejects writing outputs back under keys the trigger matches (a loop)", () => {
    const text = doc("p", "    bucket: raw\n    key: \"**/*.jpg\"\n", "    outputBucket: raw\n    steps:\n      - name: resize\n        service: resize\n");
    expect(problems(load(text))).toEqual([
      'pipelines/t.yaml:10:19: spec.workflow.outputBucket: is the trigger\'s bucket "raw" and the key pattern also matches step outputs such as "p/resize/cam-1/2026/01/01/000000-1.jpg", so each output would trigger the pipeline again — write outputs to another bucket (default "processed") or narrow spec.trigger.key',
    ]);
    // a pattern that cannot match the outputs is fine
    ok(load(doc("p", "    bucket: raw\n    key: \"cam-*/**/*.jpg\"\n", "    outputBucket: raw\n    steps:\n      - name: resize\n        service: resize\n")));
  });
});

describe("loadRulesFromText: compiled pipelines", () => {
  it("defaults select.by to {camera} for object triggers and {hook} for webhooks, and keeps an explicit one", () => {
    const text = [
      doc("a", "    bucket: raw\n    prefix: cams/\n"),
      doc("b", "    source: webhook\n    hook: motion\n", "    templateRef: t\n"),
      doc("c", "    bucket: raw\n", undefined, "  select: { by: \"{bucket}/{dir}\" }\n"),
    ].join("---\n");
    const set = ok(load(text));
    expect(set.pipelines.map((p) => [p.name, p.by])).toEqual([
      ["a", "{camera}"],
      ["b", "{hook}"],
      ["c", "{bucket}/{dir}"],
    ]);
    expect(set.pipelines[0]!.pattern!.match("cams/x.jpg")).toEqual({});
    expect(set.pipelines[0]!.pattern!.match("other/x.jpg")).toBeNull();
    expect(set.pipelines[1]!.pattern).toBeUndefined();
    expect(set.pipelines[0]!.spec.trigger).toMatchObject({ source: "minio", events: ["s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload"] });
  });

  it("accepts keys with spaces, '+', '%' and non-ASCII characters in patterns and values", () => {
    const set = ok(load(doc("p", "    bucket: raw\n    key: \"Tor Süd/{camera}/a+b %20/*.jpg\"\n", "    templateRef: t\n    parameters: { k: \"{key} ✓\" }\n")));
    expect(set.pipelines[0]!.pattern!.match("Tor Süd/gate 1/a+b %20/x y.jpg")).toEqual({ camera: "gate 1" });
  });
});
