package io.healthscore.scoring.feed;

import java.time.Instant;
import java.util.Optional;

/** Whether scoring-service is following signals-service's change feed, for what it serves. */
public interface SignalsFeedStatus {
  /**
   * Since when the feed has not been followed (signals-service unreachable or failing), once the
   * outage outlasts one reconnect; empty while changes flow.
   */
  Optional<Instant> unreachableSince();
}
