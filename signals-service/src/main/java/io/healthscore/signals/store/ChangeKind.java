package io.healthscore.signals.store;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which kind of data changed for an account; stored as a bit mask in the change feed. Each kind's
 * bit is {@code 1 << code}, where the code is the kind's number in the public proto enum
 * (CHANGE_KIND_SIGNALS = 1, ...), fixed forever: reordering or adding constants here never changes
 * what a stored row means. Migration V2 moved rows written when bits followed declaration order.
 */
public enum ChangeKind {
  SIGNALS(1),
  OUTCOME(2),
  ACCOUNT(3);

  private final int code;

  ChangeKind(int code) {
    this.code = code;
  }

  private int bit() {
    return 1 << code;
  }

  public static int toMask(Set<ChangeKind> kinds) {
    int mask = 0;
    for (ChangeKind kind : kinds) {
      mask |= kind.bit();
    }
    return mask;
  }

  public static EnumSet<ChangeKind> fromMask(int mask) {
    EnumSet<ChangeKind> kinds = EnumSet.noneOf(ChangeKind.class);
    for (ChangeKind kind : values()) {
      if ((mask & kind.bit()) != 0) {
        kinds.add(kind);
      }
    }
    return kinds;
  }
}
