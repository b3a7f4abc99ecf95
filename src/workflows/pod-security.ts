/**
 * @module workflows/pod-security — what every pod of a rendered Workflow runs with: a fixed non-root
 * user, a read-only root filesystem with an emptyDir for scratch at /tmp, no capabilities, no privilege
 * escalation, seccomp RuntimeDefault (Kubernetes' "restricted" Pod Security Standard), and the label
 * the network policies know Workflow pods by. Service images run as this user (services/README.md).
 */

/** User and group every step runs as: `node` in node images, the user detect's Dockerfile creates. */
export const STEP_UID = 1000;

/** Label on every Workflow pod; k8s/base's NetworkPolicies let pods with it reach MinIO (and nothing else). */
export const STEP_POD_LABELS: Readonly<Record<string, string>> = { "framegate.io/role": "step" };

/** The emptyDir mounted at /tmp in every step: the only writable path, bounded so a step cannot fill the node. */
export const SCRATCH_VOLUME = { name: "scratch", emptyDir: { sizeLimit: "1Gi" } } as const;
export const SCRATCH_MOUNT = { name: SCRATCH_VOLUME.name, mountPath: "/tmp" } as const;

/** Pod-level security context (Workflow `spec.securityContext`). */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: STEP_UID,
  runAsGroup: STEP_UID,
  fsGroup: STEP_UID,
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** Container-level security context of a step's main container. */
export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/**
 * Argo adds its executor to every pod (init container `init`, sidecar `wait`) with the security context
 * of the controller's configuration, by default none, which the restricted standard refuses. This patch
 * (Workflow `spec.podSpecPatch`, merged by container name) gives them what they need whatever the
 * controller's configuration says. Their root filesystem stays writable, as Argo's own minimal context for
 * them leaves it: they mount their own emptyDir at /tmp, but read-only is not supported for them (Argo #10787).
 */
export const EXECUTOR_POD_SPEC_PATCH = JSON.stringify({
  initContainers: [{ name: "init", securityContext: executorContext() }],
  containers: [{ name: "wait", securityContext: executorContext() }],
});

function executorContext() {
  const { readOnlyRootFilesystem: _, ...rest } = CONTAINER_SECURITY_CONTEXT;
  return rest;
}
