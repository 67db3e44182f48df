package io.healthscore.scoring.store;

import io.healthscore.v1.Band;
import io.healthscore.v1.ScoreOrder;
import java.util.Set;

/**
 * Filters, order and position of a page of scores.
 *
 * @param scorecardId one scorecard, or null for every account's primary score
 * @param bands shown bands to keep; empty for all
 * @param segment null for any
 * @param minScore NaN for no lower bound
 * @param maxScore NaN for no upper bound
 * @param after where the previous page ended, or null for the first page
 */
public record ScoreQuery(
    String scorecardId,
    Set<Band> bands,
    String segment,
    double minScore,
    double maxScore,
    ScoreOrder order,
    int limit,
    Position after) {

  /** The sort value and account of the last row of a page. */
  public record Position(double sortValue, String accountId) {}
}
