package io.healthscore.alerting.engine;

import io.healthscore.v1.Account;
import io.healthscore.v1.GetFeaturesResponse;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/** What rules may read about one account at one moment. Implementations load lazily what rules ask for. */
public interface EvaluationContext {
  String accountId();

  Instant now();

  /** The account's latest score per scorecard. */
  List<ScoreState> scores();

  /** The account as signals-service knows it; empty when unknown or unreachable. */
  Optional<Account> account();

  /** The account's current features; empty when unknown or unreachable. */
  Optional<GetFeaturesResponse> features();

  /** The highest score of the scorecard recorded at or after {@code since}. */
  OptionalDouble maxScoreSince(String scorecardId, Instant since);

  /** The last score of the scorecard recorded at or before {@code at}. */
  OptionalDouble scoreAt(String scorecardId, Instant at);
}
