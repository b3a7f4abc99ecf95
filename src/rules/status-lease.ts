/**
 * @module rules/status-lease — which gateway replica writes the status of framegate's resources: the
 * holder of a coordination.k8s.io Lease. A replica takes the Lease when it is free or expired, renews it
 * every third of its duration, and writes nothing while another holds it, so replicas never flap a
 * condition. Updates carry the Lease's resourceVersion: two replicas taking an expired Lease at once
 * cannot both win (the second gets 409 Conflict).
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { Logger } from "pino";

/** HTTP status of a client-node ApiException (its `code`), else undefined. */
export const httpCode = (e: unknown): number | undefined => {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "number" ? c : undefined;
};

/** The Lease's name; the gateway's Role may get/update only this one (k8s/base/gateway/rbac.yaml). */
export const STATUS_LEASE = "framegate-status-writer";

export interface StatusLeaseOptions {
  kc: KubeConfig;
  namespace: string;
  /** this replica (the pod name) */
  identity: string;
  log: Logger;
  /** default 15 s */
  durationSeconds?: number;
  /** called when this replica becomes the writer (to write what another replica may have left unwritten) */
  onLeader?: () => void;
}

/** One replica's view of the status Lease. */
export class StatusLease {
  readonly #o: Required<Omit<StatusLeaseOptions, "kc" | "onLeader">> & Pick<StatusLeaseOptions, "onLeader">;
  readonly #api: CoordinationV1Api;
  #leader = false;
  #timer?: NodeJS.Timeout;
  #stopped = false;

  constructor(o: StatusLeaseOptions) {
    this.#o = { durationSeconds: 15, ...o, log: o.log.child({ component: "status-lease" }) };
    this.#api = o.kc.makeApiClient(CoordinationV1Api);
  }

  /** True while this replica holds the Lease. */
  get leader(): boolean {
    return this.#leader;
  }

  /** Tries at once, then every third of the duration; never throws. */
  start(): Promise<void> {
    return this.#tick();
  }

  /** Stops renewing and gives the Lease up (so another replica takes over at once, not after it expires). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (!this.#leader) return;
    this.#leader = false;
    try {
      const lease = await this.#api.readNamespacedLease({ name: STATUS_LEASE, namespace: this.#o.namespace });
      if (lease.spec?.holderIdentity === this.#o.identity) {
        await this.#api.replaceNamespacedLease({ name: STATUS_LEASE, namespace: this.#o.namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, renewTime: undefined } } });
      }
    } catch (err) {
      this.#o.log.debug({ err }, "could not release the status lease; it expires on its own");
    }
  }

  async #tick(): Promise<void> {
    try {
      this.#set(await this.#tryAcquire());
    } catch (err) {
      this.#set(false);
      this.#o.log.warn({ err: err }, "status lease: cannot read or update it; not writing status until it can");
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), (this.#o.durationSeconds * 1000) / 3);
    this.#timer.unref();
  }

  #set(leader: boolean): void {
    if (leader !== this.#leader) this.#o.log.info({ identity: this.#o.identity }, leader ? "this replica writes the status of pipelines" : "another replica writes the status of pipelines");
    const became = leader && !this.#leader;
    this.#leader = leader;
    if (became) this.#o.onLeader?.();
  }

  async #tryAcquire(): Promise<boolean> {
    const { namespace, identity, durationSeconds } = this.#o;
    // Lease times are MicroTime: the API server wants six fractional digits, which V1MicroTime writes
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name: STATUS_LEASE, namespace });
    } catch (err) {
      if (httpCode(err) !== 404) throw err;
      try {
        await this.#api.createNamespacedLease({
          namespace,
          body: { metadata: { name: STATUS_LEASE }, spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } },
        });
        return true;
      } catch (e) {
        if (httpCode(e) === 409) return false; // another replica created it first
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = !spec.holderIdentity || renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < now.getTime();
    if (spec.holderIdentity !== identity && !expired) return false;
    const taking = spec.holderIdentity !== identity;
    try {
      await this.#api.replaceNamespacedLease({
        name: STATUS_LEASE,
        namespace,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: now,
            ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
          },
        },
      });
      return true;
    } catch (err) {
      if (httpCode(err) === 409) return false; // someone else renewed or took it in between
      throw err;
    }
  }
}
