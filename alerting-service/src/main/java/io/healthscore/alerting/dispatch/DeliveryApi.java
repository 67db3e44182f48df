package io.healthscore.alerting.dispatch;

import io.grpc.stub.StreamObserver;
import io.healthscore.v1.ListChannelsRequest;
import io.healthscore.v1.ListChannelsResponse;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.ListDeliveriesResponse;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutChannelResponse;
import io.healthscore.v1.RetryDeliveryRequest;
import io.healthscore.v1.RetryDeliveryResponse;
import io.healthscore.v1.SubscribeAlertsRequest;
import io.healthscore.v1.SubscribeAlertsResponse;
import io.healthscore.v1.TestChannelRequest;
import io.healthscore.v1.TestChannelResponse;

/**
 * The delivery RPCs of AlertingService. The gRPC service delegates to these methods; they throw
 * ApiExceptions (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION) for foreseen errors.
 */
public final class DeliveryApi {

  public PutChannelResponse putChannel(PutChannelRequest request) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public ListChannelsResponse listChannels(ListChannelsRequest request) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public TestChannelResponse testChannel(TestChannelRequest request) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Replays events after the cursor, then follows new ones, respecting the client's flow control. */
  public void subscribeAlerts(
      SubscribeAlertsRequest request, StreamObserver<SubscribeAlertsResponse> responseObserver) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public ListDeliveriesResponse listDeliveries(ListDeliveriesRequest request) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public RetryDeliveryResponse retryDelivery(RetryDeliveryRequest request) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
