package io.healthscore.signals.api;

import io.healthscore.v1.RejectedSignal;

/**
 * Why one signal of a batch is refused.
 *
 * @param category a bounded name for metrics (the field, or "unknown_account")
 */
public record SignalViolation(int index, String field, String reason, String category) {

  public RejectedSignal toProto() {
    return RejectedSignal.newBuilder().setIndex(index).setField(field).setReason(reason).build();
  }
}
