package io.healthscore.alerting.upstream;

import io.grpc.Channel;
import io.healthscore.v1.GetModelHealthRequest;
import io.healthscore.v1.GetModelHealthResponse;
import io.healthscore.v1.ModelHealth;
import io.healthscore.v1.ScoringServiceGrpc;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** {@link ModelHealthSource} over scoring-service's GetModelHealth. */
public final class ScoringModelHealth implements ModelHealthSource {
  private final ScoringServiceGrpc.ScoringServiceBlockingStub stub;
  private final Duration deadline;

  public ScoringModelHealth(Channel scoring, Duration deadline) {
    this.stub = ScoringServiceGrpc.newBlockingStub(scoring);
    this.deadline = deadline;
  }

  @Override
  public Optional<ModelHealth> activeModelHealth() {
    GetModelHealthResponse response = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .getModelHealth(GetModelHealthRequest.getDefaultInstance());
    return response.hasHealth() ? Optional.of(response.getHealth()) : Optional.empty();
  }
}
