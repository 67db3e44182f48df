package io.healthscore.scoring.upstream;

import io.healthscore.v1.Outcome;
import java.util.List;

/** The renewals, churns and MRR moves recorded in signals-service. */
public interface OutcomeSource {
  /** Every recorded outcome, oldest first. */
  List<Outcome> allOutcomes();
}
