package io.healthscore.alerting.engine;

import io.healthscore.runtime.db.DatabaseException;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetFeaturesResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The evaluation context of one account inside one transaction: scores and history from the
 * transaction's connection, account and features from signals-service, each loaded once and only
 * when a rule asks for it.
 */
public final class AccountContext implements EvaluationContext {
  private final String accountId;
  private final Instant now;
  private final Connection connection;
  private final ScoreStore scores;
  private final SignalsReader signals;
  private final FeatureNeeds needs;
  private List<ScoreState> loadedScores;
  private Optional<Account> account;
  private Optional<GetFeaturesResponse> features;

  /** A context that reads the features {@code needs} names when a rule first asks for them. */
  public AccountContext(String accountId, Instant now, Connection connection, ScoreStore scores, SignalsReader signals,
      FeatureNeeds needs) {
    this.accountId = accountId;
    this.now = now;
    this.connection = connection;
    this.scores = scores;
    this.signals = signals;
    this.needs = needs;
  }

  /** A context whose features were read beforehand, e.g. for a whole feed batch at once. */
  public AccountContext(String accountId, Instant now, Connection connection, ScoreStore scores, SignalsReader signals,
      Optional<GetFeaturesResponse> features) {
    this(accountId, now, connection, scores, signals, FeatureNeeds.NONE);
    this.features = features;
  }

  /** Takes the account's scores read beforehand, e.g. with a whole batch's, instead of reading them. */
  public AccountContext withScores(List<ScoreState> scores) {
    this.loadedScores = scores;
    return this;
  }

  @Override
  public String accountId() {
    return accountId;
  }

  @Override
  public Instant now() {
    return now;
  }

  @Override
  public List<ScoreState> scores() {
    if (loadedScores == null) {
      loadedScores = sql(() -> scores.scores(connection, accountId));
    }
    return loadedScores;
  }

  @Override
  public Optional<Account> account() {
    if (account == null) {
      account = signals.account(accountId);
    }
    return account;
  }

  @Override
  public Optional<GetFeaturesResponse> features() {
    if (features == null) {
      features = signals.features(accountId, needs.readProjection());
    }
    return features;
  }

  @Override
  public OptionalDouble maxScoreSince(String scorecardId, Instant since) {
    return sql(() -> scores.maxScoreSince(connection, accountId, scorecardId, since));
  }

  @Override
  public OptionalDouble scoreAt(String scorecardId, Instant at) {
    return sql(() -> scores.scoreAt(connection, accountId, scorecardId, at));
  }

  private interface SqlRead<T> {
    T read() throws SQLException;
  }

  private static <T> T sql(SqlRead<T> read) {
    try {
      return read.read();
    } catch (SQLException e) {
      throw new DatabaseException("cannot read scores: " + e.getMessage(), e);
    }
  }
}
