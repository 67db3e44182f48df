package io.healthscore.scoring.scoring;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.Violations;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.scoring.scorecard.ScorecardValidator;
import io.healthscore.scoring.store.ScorecardStore;
import io.healthscore.v1.Scorecard;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Validates, stores and activates scorecard versions. */
public final class ScorecardAdmin {
  private final ScorecardStore store;
  private final ScorecardRegistry registry;
  private final Clock clock;

  public ScorecardAdmin(ScorecardStore store, ScorecardRegistry registry, Clock clock) {
    this.store = store;
    this.registry = registry;
    this.clock = clock;
  }

  /** Activates the latest stored version of every scorecard (at start, or after missed notices). */
  public void loadStored() {
    for (Scorecard sc : store.listLatest()) {
      install(sc);
    }
  }

  /** Activates the latest stored version of one scorecard, after another replica stored it. */
  public void installLatest(String scorecardId) {
    store.get(scorecardId, 0).ifPresent(this::install);
  }

  private void install(Scorecard sc) {
    boolean newer = registry.get(sc.getScorecardId()).map(c -> c.version() < sc.getVersion()).orElse(true);
    if (newer) {
      registry.install(CompiledScorecard.compile(sc));
    }
  }

  /**
   * Throws INVALID_ARGUMENT listing every violation, field paths prefixed with {@code fieldPrefix}
   * (e.g. "scorecard.").
   */
  public static void validate(Scorecard sc, String fieldPrefix) {
    List<FieldViolation> found = ScorecardValidator.validate(sc, FeatureNames::isWellFormed);
    Violations violations = new Violations();
    for (FieldViolation v : found) {
      violations.add(fieldPrefix + v.field(), v.description());
    }
    violations.throwIfAny("invalid scorecard");
  }

  /**
   * Validates and, unless the latest stored version says the same, stores it as a new version and
   * activates it (configuration loaded by every replica at start). Returns the new version.
   */
  public Optional<Scorecard> putIfChanged(Scorecard sc, String fieldPrefix) {
    Scorecard input = sc.toBuilder().clearVersion().clearUpdateTime().build();
    validate(input, fieldPrefix);
    CompiledScorecard.compile(input);
    Optional<Scorecard> stored = store.putIfChanged(input, clock.millis());
    if (stored.isPresent()) {
      install(stored.get());
    } else {
      installLatest(input.getScorecardId()); // stored meanwhile by another replica
    }
    return stored;
  }

  /** Validates, stores as a new version and activates it. */
  public Scorecard put(Scorecard sc, String fieldPrefix) {
    Scorecard input = sc.toBuilder().clearVersion().clearUpdateTime().build();
    validate(input, fieldPrefix);
    CompiledScorecard.compile(input);
    Scorecard stored = store.put(input, clock.millis());
    install(stored);
    return stored;
  }
}
