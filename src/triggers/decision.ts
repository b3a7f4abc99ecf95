/** @module triggers/decision — what happens to a stream message once it has been handled. */

/**
 * - `ack`: every matched pipeline has its Workflow (or a final decision); remove from the stream.
 * - `nak`: try again after `delayMs` (the message stays in JetStream).
 * - `term`: never retry; the handler has already copied it to the dead-letter stream.
 */
export type Decision =
  | { kind: "ack" }
  | { kind: "nak"; delayMs: number; reason: string }
  | { kind: "term"; reason: string };

/** The parts of a JetStream message the handler reads (JsMsg satisfies it; tests pass plain objects). */
export interface InboundMessage {
  subject: string;
  data: Uint8Array;
  seq: number;
  /** 1 on first delivery */
  deliveryCount: number;
  /** when JetStream stored it */
  timestampMs: number;
  header(name: string): string | undefined;
  /** tells JetStream the message is still being worked on (resets ack_wait) */
  working(): void;
  /**
   * The handler is now only waiting (a batch to fill, an in-flight or rate limit): the message no
   * longer takes one of the consumer's processing slots; its ack deadline keeps being extended.
   */
  release?(): void;
  /**
   * Another processing slot for the same message (its further records), if one is free now; call the
   * returned function to give it back. Never waits, so a message of many records cannot starve or
   * deadlock the others: it always has its own slot.
   */
  trySlot?(): (() => void) | undefined;
}
