/** @module cli/intake-settings — the JetStream names, limits and consumer settings `serve`, `setup` and `replay` derive from FRAMEGATE_*. */
import type { Config } from "../config/env.js";
import type { ConsumerSettings, IntakeLimits, IntakeNames } from "../triggers/jetstream-config.js";

export interface IntakeSettings {
  names: IntakeNames;
  limits: IntakeLimits;
  consumer: ConsumerSettings;
}

/** @example intakeSettings(loadConfig({})).limits.streamMaxBytes // 1073741824 */
export function intakeSettings(cfg: Config): IntakeSettings {
  return {
    names: { stream: cfg.FRAMEGATE_STREAM, dlqStream: cfg.FRAMEGATE_DLQ_STREAM, consumer: cfg.FRAMEGATE_CONSUMER, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, minioFastSubject: cfg.FRAMEGATE_MINIO_FAST_SUBJECT },
    limits: {
      streamMaxBytes: cfg.FRAMEGATE_STREAM_MAX_BYTES,
      historyMaxBytes: cfg.FRAMEGATE_HISTORY_MAX_BYTES,
      dlqMaxBytes: cfg.FRAMEGATE_DLQ_MAX_BYTES,
      historyMaxAgeMs: cfg.FRAMEGATE_STATE_TTL,
      replicas: cfg.FRAMEGATE_STREAM_REPLICAS,
    },
    consumer: { ackWaitMs: cfg.FRAMEGATE_ACK_WAIT, maxAckPending: cfg.FRAMEGATE_MAX_ACK_PENDING, replicas: cfg.FRAMEGATE_STREAM_REPLICAS },
  };
}
