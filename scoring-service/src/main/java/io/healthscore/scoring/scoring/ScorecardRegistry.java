package io.healthscore.scoring.scoring;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.scoring.upstream.AccountInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest version of every scorecard, compiled, and which of them score an account.
 *
 * <p>Selection: every non-default scorecard whose segments and stages match the account applies;
 * when none does, the default scorecard(s) catch the account. The primary is the applying
 * scorecard with the highest priority (ties: smallest id).
 */
public final class ScorecardRegistry {
  private static final Comparator<CompiledScorecard> PRIMARY_FIRST =
      Comparator.comparingInt((CompiledScorecard c) -> -c.source().getPriority())
          .thenComparing(CompiledScorecard::id);

  private volatile List<CompiledScorecard> ordered = List.of();
  private final Map<String, CompiledScorecard> byId = new ConcurrentHashMap<>();
  private final Map<String, SegmentDistributions> distributions = new ConcurrentHashMap<>();

  /** Makes {@code compiled} the active version of its id. */
  public synchronized void install(CompiledScorecard compiled) {
    byId.put(compiled.id(), compiled);
    List<CompiledScorecard> next = new ArrayList<>(byId.values());
    next.sort(PRIMARY_FIRST);
    ordered = List.copyOf(next);
  }

  public Optional<CompiledScorecard> get(String scorecardId) {
    return Optional.ofNullable(byId.get(scorecardId));
  }

  /** Every active scorecard, primary-first order. */
  public List<CompiledScorecard> all() {
    return ordered;
  }

  public boolean isEmpty() {
    return byId.isEmpty();
  }

  /** The scorecards scoring this account, its primary first. */
  public List<CompiledScorecard> scorecardsFor(AccountInfo account) {
    List<CompiledScorecard> result = new ArrayList<>(2);
    for (CompiledScorecard c : ordered) {
      if (!c.source().getIsDefault() && c.appliesTo(account.segment(), account.lifecycleStage())) {
        result.add(c);
      }
    }
    if (result.isEmpty()) {
      for (CompiledScorecard c : ordered) {
        if (c.source().getIsDefault()) {
          result.add(c);
        }
      }
    }
    return result;
  }

  /** Whether the scorecard scores this account. */
  public boolean applies(CompiledScorecard scorecard, AccountInfo account) {
    return scorecardsFor(account).stream().anyMatch(c -> c.id().equals(scorecard.id()));
  }

  public Optional<CompiledScorecard> primaryFor(AccountInfo account) {
    List<CompiledScorecard> cards = scorecardsFor(account);
    return cards.isEmpty() ? Optional.empty() : Optional.of(cards.get(0));
  }

  /** Percentile distributions of a scorecard's features, empty until a rescore built them. */
  public SegmentDistributions distributions(String scorecardId) {
    return distributions.getOrDefault(scorecardId, SegmentDistributions.empty());
  }

  public void setDistributions(String scorecardId, SegmentDistributions d) {
    distributions.put(scorecardId, d);
  }
}
