package io.healthscore.signals.store;

import java.util.EnumSet;
import java.util.Set;

/** Which kind of data changed for an account; stored as a bit mask in the change feed. */
public enum ChangeKind {
  SIGNALS,
  OUTCOME,
  ACCOUNT;

  private int bit() {
    return 1 << ordinal();
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
