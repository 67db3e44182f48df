package io.healthscore.scoring.upstream;

import io.grpc.stub.StreamObserver;
import io.healthscore.v1.WatchChangesResponse;

/** signals-service's change feed: one change per affected account, resumable by cursor. */
public interface ChangeFeed {
  /** Opens the feed after {@code afterCursor}; what arrives goes to {@code observer}. */
  void watch(long afterCursor, StreamObserver<WatchChangesResponse> observer);
}
