/** @module test/harness/pod-runner-images.test — image names, Argo's emissary argv and the image -> local command mapping. */
import { describe, expect, it } from "vitest";
import { containerArgv, imageRepository, localCommand, type LocalImage } from "./pod-runner-images.js";

const images: Record<string, LocalImage> = {
  "ghcr.io/framegate/resize": { entrypoint: ["node", "/app/main.js"], command: "/usr/bin/node", args: ["--import", "tsx", "main.ts"], cwd: "/repo" },
};

describe("pod runner images", () => {
  it("strips the tag and digest, not a registry port", () => {
    expect(imageRepository("ghcr.io/framegate/resize:0.1.0")).toBe("ghcr.io/framegate/resize");
    expect(imageRepository("localhost:5000/resize@sha256:abc")).toBe("localhost:5000/resize");
    expect(imageRepository("localhost:5000/resize")).toBe("localhost:5000/resize");
  });

  it("reads the container's own argv after Argo's emissary `--`", () => {
    const c = { name: "main", command: ["/var/run/argo/argoexec", "emissary", "--loglevel", "info", "--", "node", "/app/main.js"], args: ["--x"] };
    expect(containerArgv(c)).toEqual(["node", "/app/main.js", "--x"]);
    expect(containerArgv({ name: "main", command: ["python", "-m", "detect"] })).toEqual(["python", "-m", "detect"]);
  });

  it("maps a known image to its local command, keeps extra args, refuses unknown images and other entrypoints", () => {
    const c = { name: "main", image: "ghcr.io/framegate/resize:0.1.0", command: ["/var/run/argo/argoexec", "emissary", "--", "node", "/app/main.js", "-v"] };
    expect(localCommand(c, images)).toEqual({ command: "/usr/bin/node", args: ["--import", "tsx", "main.ts", "-v"], cwd: "/repo" });
    expect(() => localCommand({ ...c, image: "ghcr.io/other/thing:1" }, images)).toThrow(/image ghcr.io\/other\/thing:1 has no local command in the pod runner \(known: ghcr.io\/framegate\/resize\)/);
    expect(() => localCommand({ ...c, command: ["node", "/other.js"] }, images)).toThrow(/mapped for the entrypoint \["node","\/app\/main.js"\]/);
  });

  it("picks the entrypoint an image with several runs (the resize image also runs blur)", () => {
    const two = {
      "ghcr.io/framegate/resize": [
        { entrypoint: ["node", "/app/main.js"], command: "/usr/bin/node", args: ["resize.ts"], cwd: "/repo" },
        { entrypoint: ["node", "/app/blur/main.js"], command: "/usr/bin/node", args: ["blur.ts"], cwd: "/repo" },
      ],
    };
    const c = { name: "main", image: "ghcr.io/framegate/resize:0.1.0", command: ["node", "/app/blur/main.js"] };
    expect(localCommand(c, two).args).toEqual(["blur.ts"]);
    expect(localCommand({ ...c, command: ["node", "/app/main.js"] }, two).args).toEqual(["resize.ts"]);
    expect(() => localCommand({ ...c, command: ["node", "/x.js"] }, two)).toThrow(/mapped for the entrypoint \["node","\/app\/main.js"\] or \["node","\/app\/blur\/main.js"\]/);
  });
});
