/**
 * @module test/harness/pod-runner-images — what the pod runner starts for a container: the image's
 * entrypoint mapped to a local command (the service's real code, no container runtime), and the
 * container's environment resolved as the kubelet would (plain values, Secret and ConfigMap keys, pod
 * fields).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CoreV1Api, V1Container, V1Pod } from "@kubernetes/client-node";
import { REPO_ROOT } from "./util.js";

/** A local stand-in for an image: the entrypoint the image has, and what runs instead. */
export interface LocalImage {
  /** the image's entrypoint as the catalog names it (`spec.command`), e.g. ["node", "/app/main.js"] */
  entrypoint: string[];
  /** what runs instead: the local program, arguments before the container's own, and the working dir */
  command: string;
  args: string[];
  cwd: string;
}

/** Image name without tag or digest: `ghcr.io/framegate/resize:0.1.0` -> `ghcr.io/framegate/resize`. */
export function imageRepository(image: string): string {
  const at = image.indexOf("@");
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The images of services/ (by repository): resize and blur (two entrypoints of the resize image) run their TypeScript under tsx, detect
 * runs `python -m detect` in the venv services/detect/setup-venv.sh builds (cached; milliseconds when
 * it exists, minutes the first time).
 */
export async function serviceImages(): Promise<Record<string, LocalImage | LocalImage[]>> {
  const venv = await detectVenv();
  return {
    "ghcr.io/framegate/resize": [
      { entrypoint: ["node", "/app/main.js"], command: process.execPath, args: ["--import", "tsx", join(REPO_ROOT, "services/resize/src/main.ts")], cwd: REPO_ROOT },
      { entrypoint: ["node", "/app/blur/main.js"], command: process.execPath, args: ["--import", "tsx", join(REPO_ROOT, "services/resize/src/blur/main.ts")], cwd: REPO_ROOT },
    ],
    "ghcr.io/framegate/detect": {
      entrypoint: ["python", "-m", "detect"],
      command: join(venv, "bin/python"),
      args: ["-m", "detect"],
      cwd: join(REPO_ROOT, "services/detect"),
    },
  };
}

/** The detect service's venv (services/detect/setup-venv.sh); its `fixtures/bus.jpg` is a real photo with people. */
export async function detectVenv(): Promise<string> {
  const { stdout } = await promisify(execFile)(join(REPO_ROOT, "services/detect/setup-venv.sh"), [], {
    timeout: 15 * 60_000,
    maxBuffer: 16 << 20,
  }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`services/detect/setup-venv.sh failed (it needs Python >= 3.10 with venv and PyPI): ${e.message}\n${e.stderr ?? ""}`, { cause: e });
  });
  return stdout.trim().split("\n").at(-1)!;
}

/**
 * The container's own argv: Argo's emissary wraps it as `argoexec emissary ... -- <command> <args>`,
 * so what follows `--` is what the image would have run.
 */
export function containerArgv(c: V1Container): string[] {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  if (argv[0]?.endsWith("argoexec")) {
    const dd = argv.indexOf("--");
    return dd >= 0 ? argv.slice(dd + 1) : [];
  }
  return argv;
}

/**
 * The local command for a container.
 * @throws Error naming the image and what the runner knows, when the image is not mapped or the
 *   container does not start with the image's entrypoint
 */
export function localCommand(c: V1Container, images: Record<string, LocalImage | LocalImage[]>): { command: string; args: string[]; cwd: string } {
  const repo = imageRepository(c.image ?? "");
  const mapped = images[repo];
  if (!mapped) {
    throw new Error(`image ${c.image} has no local command in the pod runner (known: ${Object.keys(images).join(", ")}); add it to the runner's images`);
  }
  const argv = containerArgv(c);
  // an image may have several entrypoints (the resize image also runs blur): the one the argv starts with
  const candidates = Array.isArray(mapped) ? mapped : [mapped];
  const img = candidates.find((i) => i.entrypoint.every((a, n) => argv[n] === a));
  if (!img) {
    throw new Error(`container ${c.name} runs ${JSON.stringify(argv)}, but image ${repo} is mapped for the entrypoint ${candidates.map((i) => JSON.stringify(i.entrypoint)).join(" or ")}`);
  }
  return { command: img.command, args: [...img.args, ...argv.slice(img.entrypoint.length)], cwd: img.cwd };
}

/**
 * The container's environment as the kubelet builds it: `envFrom`, then `env` in order; `valueFrom`
 * reads Secrets and ConfigMaps through the API (a missing one that is not optional is an error, as the
 * kubelet's CreateContainerConfigError) and the pod's own fields.
 */
export async function containerEnv(core: CoreV1Api, pod: V1Pod, c: V1Container): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? "default";
  const secrets = new Map<string, Promise<Record<string, string>>>();
  const configMaps = new Map<string, Promise<Record<string, string>>>();
  const secret = (name: string) => {
    if (!secrets.has(name)) {
      secrets.set(name, core.readNamespacedSecret({ name, namespace: ns }).then((s) =>
        Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]))));
    }
    return secrets.get(name)!;
  };
  const configMap = (name: string) => {
    if (!configMaps.has(name)) configMaps.set(name, core.readNamespacedConfigMap({ name, namespace: ns }).then((m) => m.data ?? {}));
    return configMaps.get(name)!;
  };
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const data = from.secretRef ? await secret(from.secretRef.name!) : from.configMapRef ? await configMap(from.configMapRef.name!) : {};
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = (e.value ?? "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m);
      continue;
    }
    const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
    if (ref) {
      const what = vf.secretKeyRef ? `Secret ${ns}/${ref.name}` : `ConfigMap ${ns}/${ref.name}`;
      const data = await (vf.secretKeyRef ? secret(ref.name!) : configMap(ref.name!)).catch((err: unknown) => {
        if (ref.optional) return {} as Record<string, string>;
        throw new Error(`env ${e.name}: cannot read ${what}: ${(err as Error).message}`, { cause: err });
      });
      const v = data[ref.key];
      if (v === undefined && !ref.optional) throw new Error(`env ${e.name}: ${what} has no key ${ref.key}`);
      if (v !== undefined) env[e.name] = v;
    } else if (vf.fieldRef) {
      env[e.name] = podField(pod, vf.fieldRef.fieldPath);
    }
  }
  return env;
}

function podField(pod: V1Pod, path: string): string {
  const m = pod.metadata;
  const fields: Record<string, string | undefined> = {
    "metadata.name": m?.name,
    "metadata.namespace": m?.namespace,
    "metadata.uid": m?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.podIP": "127.0.0.1",
    "status.hostIP": "127.0.0.1",
  };
  const anno = /^metadata\.annotations\['(.+)'\]$/.exec(path)?.[1];
  if (anno) return m?.annotations?.[anno] ?? "";
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path)?.[1];
  if (label) return m?.labels?.[label] ?? "";
  return fields[path] ?? "";
}
