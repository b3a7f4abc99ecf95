/** @module flow/keys — state keys: KV allows `[-/_=.a-zA-Z0-9]`, so ids and partitions are hashed. */
import { hashId } from "../lib/hash-id.js";

export const stateKey = {
  dedupe: (pipeline: string, eventId: string) => `dedupe.${pipeline}.${hashId(eventId)}`,
  sample: (pipeline: string, partition: string) => `sample.${pipeline}.${hashId(partition)}`,
  member: (pipeline: string, eventId: string) => `member.${pipeline}.${hashId(eventId)}`,
  batch: (pipeline: string, workflow: string) => `batch.${pipeline}.${workflow}`,
};
