import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { queryEscape } from "../triggers/query-unescape.js";
import { memoryIo } from "./io.js";
import { runCli } from "./run.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

const PEOPLE_DETECT = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata:
  name: people-detect
spec:
  trigger:
    bucket: raw
    key: "{camera}/**/*.jpg"
  workflow:
    serviceAccountName: framegate-runner
    steps:
      - { name: resize, service: resize, params: { width: "320" } }
      - { name: detect, service: detect, after: [resize] }
    parameters:
      camera: "{camera}"
      key: "{key}"
`;

const GATE_TEMPLATE = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata:
  name: gate-archive
spec:
  trigger:
    bucket: raw
    key: "{camera}/**/*.jpg"
    where: { camera: ["gate-*"] }
  workflow:
    templateRef: image-processing
    parameters: { bucket: "{bucket}", key: "{key}", camera: "{camera}" }
`;

const MOTION_HOOK = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata:
  name: motion
spec:
  trigger:
    source: webhook
    hook: motion-alerts
  workflow:
    templateRef: image-processing
    parameters: { camera: "{body.camera}" }
`;

const RESIZE = `apiVersion: framegate.io/v1alpha1
kind: ProcessingService
metadata: { name: resize }
spec:
  image: ghcr.io/framegate/resize:0.1.0
  command: [node, /app/main.js]
  params:
    width: { type: integer, default: "640" }
    height: { type: integer, default: "640" }
  outputExtension: jpg
`;

const DETECT = `apiVersion: framegate.io/v1alpha1
kind: ProcessingService
metadata: { name: detect }
spec:
  image: ghcr.io/framegate/detect:0.1.0
  command: [python, -m, detect]
  retries: 3
`;

let dir: string;
let rules: string;
let services: string;
let badRules: string;

function write(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A MinIO notification for `key` in bucket raw, as MinIO publishes it. */
function notification(...keys: string[]): string {
  return JSON.stringify({
    EventName: "s3:ObjectCreated:Put",
    Key: `raw/${keys[0]}`,
    Records: keys.map((key, i) => ({
      eventVersion: "2.0",
      eventSource: "minio:s3",
      awsRegion: "",
      eventTime: "2024-05-01T12:00:00.000Z",
      eventName: "s3:ObjectCreated:Put",
      userIdentity: { principalId: "minioadmin" },
      requestParameters: {},
      responseElements: {},
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "Config",
        bucket: { name: "raw", ownerIdentity: { principalId: "minioadmin" }, arn: "arn:aws:s3:::raw" },
        object: { key: queryEscape(key), size: 100, eTag: `etag${i}`, contentType: "image/jpeg", sequencer: `S${i}` },
      },
      source: { host: "", port: "", userAgent: "" },
    })),
  });
}

async function cli(args: string[], stdin?: string) {
  const io = memoryIo({ stdin, cwd: dir });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "framegate-cli-"));
  rules = join(dir, "pipelines");
  services = join(dir, "services");
  badRules = join(dir, "bad-pipelines");
  write(join(rules, "people-detect.yaml"), PEOPLE_DETECT);
  write(join(rules, "gate-archive.yaml"), GATE_TEMPLATE);
  write(join(rules, "motion.yaml"), MOTION_HOOK);
  write(join(services, "resize/service.yaml"), RESIZE);
  write(join(services, "detect/service.yaml"), DETECT);
  write(join(badRules, "broken.yaml"), PEOPLE_DETECT.replace("name: people-detect", "name: People_Detect").replace("    bucket: raw", "    bucket: raw\n    bukket: x"));
  write(join(dir, "event.json"), notification("gate-01/2024/05/01/120000-1.jpg"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("framegate (top level)", () => {
  it("lists every command in --help", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    for (const name of ["validate", "match", "render"]) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
  });

  it("prints usage on stderr and exits 2 without a command", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("usage: framegate <command>");
  });

  it("rejects an unknown command in one line", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^framegate: unknown command "frobnicate" — the commands are .*validate, match.*render.*\n$/);
  });

  it.each(["validate", "match", "render"])("has --help for %s", async (name) => {
    const r = await cli([name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: framegate ${name} `));
    const viaHelp = await cli(["help", name]);
    expect(viaHelp.stdout).toBe(r.stdout);
  });

  it("prints the version from package.json", async () => {
    const r = await cli(["--version"]);
    expect(r.stdout).toMatch(/^framegate \d+\.\d+\.\d+\n$/);
  });
});

describe("framegate validate", () => {
  it("says ok with the number of pipelines", async () => {
    const r = await cli(["validate", "--rules", rules, "--services", services]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok: 3 pipelines\n");
  });

  it("resolves the default directories against the working directory", async () => {
    const r = await cli(["validate"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok: 3 pipelines\n");
  });

  it("prints one FILE:LINE:COL: path: message line per problem and exits 1", async () => {
    const r = await cli(["validate", "--rules", badRules, "--services", services]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^[^:]*broken\.yaml:\d+:\d+: [\w.[\]]+: .+/);
    expect(r.stderr).toMatch(/broken\.yaml:4:9: metadata\.name: /);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: spec\.trigger(\.bukket)?: .*bukket/);
  });

  it("reads a file in the legacy form with a warning on stderr and exits 0", async () => {
    const legacy = join(dir, "legacy-pipelines");
    write(join(legacy, "people-detect.yaml"), PEOPLE_DETECT.replace("framegate.io/v1alpha1", "framegate/v1").replace('width: "320"', "width: 320"));
    const r = await cli(["validate", "--rules", legacy, "--services", services]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok: 1 pipelines\n");
    expect(r.stderr).toMatch(/^[^\n]*legacy-pipelines\/people-detect\.yaml:1:13: warning: apiVersion: "framegate\/v1" is the old form, .* set apiVersion: framegate\.io\/v1alpha1; quote the 1 number\/boolean value .*\n$/);
  });

  it("names the suspended pipelines, and match leaves them out", async () => {
    const held = join(dir, "suspended-pipelines");
    write(join(held, "people-detect.yaml"), PEOPLE_DETECT.replace("spec:\n", "spec:\n  suspend: true\n"));
    write(join(held, "gate-archive.yaml"), GATE_TEMPLATE);
    const r = await cli(["validate", "--rules", held, "--services", services]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok: 2 pipelines\nsuspended: people-detect (spec.suspend: true, they match nothing)\n");
    const m = await cli(["match", "--event", "event.json", "--rules", held, "--services", services]);
    expect(m.code).toBe(0);
    const out = JSON.parse(m.stdout);
    expect(out.matches.map((x: { pipeline: string }) => x.pipeline)).toEqual(["gate-archive"]);
    expect(out.suspended).toEqual(["people-detect"]);
  });

  it("rejects an unknown flag as usage (exit 2)", async () => {
    const r = await cli(["validate", "--rulez", rules]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^framegate validate: .*--rulez.*framegate validate --help/);
  });
});

describe("framegate match", () => {
  it("prints the normalized events and every match with its params and Workflow", async () => {
    const r = await cli(["match", "--event", "event.json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["events", "matches", "suspended"]);
    expect(out.suspended).toEqual([]);
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({ source: "minio", bucket: "raw", key: "gate-01/2024/05/01/120000-1.jpg", etag: "etag0" });
    expect(out.matches.map((m: { pipeline: string }) => m.pipeline).sort()).toEqual(["gate-archive", "people-detect"]);
    const pd = out.matches.find((m: { pipeline: string }) => m.pipeline === "people-detect");
    expect(Object.keys(pd)).toEqual(["pipeline", "event", "params", "workflow"]);
    expect(pd.event).toBe(0);
    expect(pd.params).toEqual({ camera: "gate-01", key: "gate-01/2024/05/01/120000-1.jpg" });
    expect(pd.workflow.kind).toBe("Workflow");
    expect(pd.workflow.metadata.name).toMatch(/^people-detect-gate-01-[0-9a-f]{10}$/);
    expect(pd.workflow.spec.templates.map((t: { name: string }) => t.name)).toEqual(["main", "resize", "detect"]);
  });

  it("indexes matches by event for a notification with several records", async () => {
    const r = await cli(["match", "--event", "-"], notification("other-cam/a.jpg", "gate-02/x y+z.jpg", "gate-03/not-a-jpeg.png"));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.events.map((e: { key: string }) => e.key)).toEqual(["other-cam/a.jpg", "gate-02/x y+z.jpg", "gate-03/not-a-jpeg.png"]);
    const pairs = out.matches.map((m: { pipeline: string; event: number }) => `${m.event}:${m.pipeline}`).sort();
    expect(pairs).toEqual(["0:people-detect", "1:gate-archive", "1:people-detect"]);
  });

  it("exits 0 with no matches when nothing matches", async () => {
    const r = await cli(["match", "--event", "-"], notification("cam/readme.txt"));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).matches).toEqual([]);
  });

  it("matches a webhook event", async () => {
    const r = await cli(["match", "--event", "-"], JSON.stringify({ hook: "motion-alerts", body: { camera: "gate-09" } }));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.matches).toHaveLength(1);
    expect(out.matches[0]).toMatchObject({ pipeline: "motion", event: 0, params: { camera: "gate-09" } });
  });

  it.each([
    ["not JSON", "this is not json", /^framegate match: the input is not JSON/],
    ["a JSON value that is no event", '{"foo": 1}', /^framegate match: the input is not an event/],
    ["a record without its bucket", JSON.stringify({ Records: [{ eventName: "s3:ObjectCreated:Put", eventTime: "t", s3: { object: { key: "a" } } }] }), /Records\[0\]\.s3\.bucket: required/],
    ["a key with a bad escape", notification("x").replace('"key":"x"', '"key":"a%zz"'), /Records\[0\]\.s3\.object\.key: invalid escape "%zz"/],
    ["empty input", "", /the input is empty/],
  ])("exits 2 with one line for %s", async (_what, input, message) => {
    const r = await cli(["match", "--event", "-"], input);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 when the event file does not exist, or --event is missing", async () => {
    const missing = await cli(["match", "--event", "nope.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("framegate match: cannot read --event nope.json: no such file\n");
    const none = await cli(["match"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--event FILE\|- is required/);
  });

  it("exits 1 with the issue lines for invalid rules", async () => {
    const r = await cli(["match", "--event", "event.json", "--rules", badRules, "--services", services]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: /);
  });
});

describe("framegate render", () => {
  it("prints the Workflows as YAML documents", async () => {
    const r = await cli(["render", "--event", "event.json"]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(2);
    expect(docs.map((d) => d.kind)).toEqual(["Workflow", "Workflow"]);
    expect(docs.map((d) => d.metadata.labels["framegate.io/pipeline"]).sort()).toEqual(["gate-archive", "people-detect"]);
    expect(r.stdout).toContain("\n---\n");
  });

  it("renders only --pipeline's Workflow", async () => {
    const r = await cli(["render", "--event", "event.json", "--pipeline", "gate-archive"]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(1);
    expect(docs[0].spec.workflowTemplateRef).toEqual({ name: "image-processing" });
  });

  it("labels each Workflow with its pipeline's Argo controller shard with --shards, and refuses a bad list", async () => {
    const r = await cli(["render", "--event", "event.json", "--shards", "a,b"]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    for (const d of docs) {
      const pipeline = d.metadata.labels["framegate.io/pipeline"];
      expect({ pipeline, shard: d.metadata.labels["workflows.argoproj.io/controller-instanceid"] }).toEqual({ pipeline, shard: expect.stringMatching(/^[ab]$/) });
    }
    const bad = await cli(["render", "--event", "event.json", "--shards", "a,,b"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^framegate render: --shards: "a,,b" has an empty entry/);
  });

  it("exits 1 naming the pipelines for an unknown --pipeline", async () => {
    const r = await cli(["render", "--event", "event.json", "--pipeline", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--pipeline nope: no such pipeline — the pipelines are .*people-detect/);
  });

  it("prints nothing and a note when nothing matches", async () => {
    const r = await cli(["render", "--event", "-"], notification("cam/readme.txt"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no pipeline matches the event; nothing to render/);
  });

  it("exits 2 for input that is not an event", async () => {
    const r = await cli(["render", "--event", "-"], "[]");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^framegate render: the input is not an event/);
  });
});

describe("framegate sweep", () => {
  it("says what is missing or wrong before it touches MinIO or NATS", async () => {
    const none = await cli(["sweep"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--since is required: how far back to look, e\.g\. --since 6h/);
    const bad = await cli(["sweep", "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since "yesterday" is neither a duration \(6h, 2d\) nor a time/);
    const empty = await cli(["sweep", "--since", "2026-11-28T10:00:00Z", "--until", "2026-11-28T09:00:00Z"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the range is empty/);
  });
});

describe("the framegate executable", () => {
  const run = promisify(execFile);
  const main = join(ROOT, "src/cli/main.ts");

  async function exec(args: string[]) {
    try {
      // tsx by absolute URL: the working directory is a temp dir without node_modules
      const tsx = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
      const r = await run(process.execPath, ["--import", tsx, main, ...args], { cwd: dir });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("sets the process exit code and keeps stdout and stderr apart", async () => {
    const ok = await exec(["validate"]);
    expect(ok).toEqual({ code: 0, stdout: "ok: 3 pipelines\n", stderr: "" });
    const bad = await exec(["match", "--event", "missing.json"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("framegate match: cannot read --event missing.json: no such file\n");
  });
});
