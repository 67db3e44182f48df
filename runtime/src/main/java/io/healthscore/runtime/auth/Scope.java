package io.healthscore.runtime.auth;

import java.util.Set;

/** The permissions a bearer token can carry. {@link #ADMIN} grants every other scope. */
public final class Scope {
  public static final String SIGNALS_READ = "signals:read";
  public static final String SIGNALS_WRITE = "signals:write";
  public static final String SCORES_READ = "scores:read";
  public static final String SCORES_WRITE = "scores:write";
  public static final String ALERTS_READ = "alerts:read";
  public static final String ALERTS_WRITE = "alerts:write";
  public static final String ADMIN = "admin";

  /** Every scope a token table may name; anything else is a typo worth failing on. */
  public static final Set<String> ALL =
      Set.of(SIGNALS_READ, SIGNALS_WRITE, SCORES_READ, SCORES_WRITE, ALERTS_READ, ALERTS_WRITE, ADMIN);

  private Scope() {}

  /** Whether a holder of {@code granted} may use something requiring {@code required}. */
  public static boolean allows(Set<String> granted, String required) {
    return granted.contains(ADMIN) || granted.contains(required);
  }
}
