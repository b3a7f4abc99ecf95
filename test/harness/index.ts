/** @module test/harness — real servers for integration tests: start each alone or the whole stack. */
export * from "./stack.js";
export * from "./nats.js";
export * from "./minio.js";
export * from "./kube.js";
export * from "./kwok.js";
export * from "./argo.js";
export * from "./pod-runner.js";
export { detectVenv, serviceImages, type LocalImage } from "./pod-runner-images.js";
export { HarnessError, ManagedProcess, RingBuffer, type ProcessSpec, type ReadyCheck } from "./process.js";
export { HOST, freePort, makeTempDir, toolPath, type TempDir, type Tool } from "./util.js";
