/** @module triggers/stream — the ports between the HTTP gateway / consumer and JetStream. */

/** Publishes into the FRAMEGATE stream; resolves only after JetStream stored (or deduplicated) it. */
export interface EventPublisher {
  /**
   * @throws StreamUnavailableError when NATS or JetStream cannot take the message now
   */
  publish(
    subject: string,
    data: Uint8Array,
    opts: { msgId: string; headers?: Record<string, string> },
  ): Promise<{ seq: number; duplicate: boolean }>;
}
