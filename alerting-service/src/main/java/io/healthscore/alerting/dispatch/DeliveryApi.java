package io.healthscore.alerting.dispatch;

import com.google.protobuf.util.Timestamps;
import io.grpc.stub.StreamObserver;
import io.healthscore.alerting.channel.AlertSender;
import io.healthscore.alerting.channel.ChannelStore;
import io.healthscore.alerting.channel.SendResult;
import io.healthscore.runtime.stream.CursorStreamHub;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.v1.Alert;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertState;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import io.healthscore.v1.ListChannelsRequest;
import io.healthscore.v1.ListChannelsResponse;
import io.healthscore.v1.ListDeliveriesRequest;
import io.healthscore.v1.ListDeliveriesResponse;
import io.healthscore.v1.PutChannelRequest;
import io.healthscore.v1.PutChannelResponse;
import io.healthscore.v1.RetryDeliveryRequest;
import io.healthscore.v1.RetryDeliveryResponse;
import io.healthscore.v1.Severity;
import io.healthscore.v1.SubscribeAlertsRequest;
import io.healthscore.v1.SubscribeAlertsResponse;
import io.healthscore.v1.TestChannelRequest;
import io.healthscore.v1.TestChannelResponse;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The delivery RPCs of AlertingService. The gRPC service delegates to these methods; they throw
 * ApiExceptions (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION) for foreseen errors.
 */
public final class DeliveryApi {
  private static final int DEFAULT_PAGE_SIZE = 100;
  private static final int MAX_PAGE_SIZE = 1000;

  private final ChannelStore channels;
  private final DeliveryStore deliveries;
  private final CursorStreamHub<AlertEvent> streams;
  private final AlertSender sender;
  private final Runnable wakeDispatcher;
  private final Clock clock;

  DeliveryApi(
      ChannelStore channels,
      DeliveryStore deliveries,
      CursorStreamHub<AlertEvent> streams,
      AlertSender sender,
      Runnable wakeDispatcher,
      Clock clock) {
    this.channels = channels;
    this.deliveries = deliveries;
    this.streams = streams;
    this.sender = sender;
    this.wakeDispatcher = wakeDispatcher;
    this.clock = clock;
  }

  /** Validates and stores the channel (see ChannelStore.put); the response never has the secret. */
  public PutChannelResponse putChannel(PutChannelRequest request) {
    if (!request.hasChannel()) {
      throw InvalidArgumentException.forField("channel", "is required");
    }
    return PutChannelResponse.newBuilder()
        .setChannel(channels.put(request.getChannel(), request.getKeepSecret()))
        .build();
  }

  public ListChannelsResponse listChannels(ListChannelsRequest request) {
    return ListChannelsResponse.newBuilder().addAllChannels(channels.list()).build();
  }

  /**
   * Sends a test event (alert id "test", kind opened, severity info) through the channel now,
   * outside the outbox: nothing is stored or retried. For a gRPC stream channel, delivered means at
   * least one SubscribeAlerts stream is open on this replica.
   */
  public TestChannelResponse testChannel(TestChannelRequest request) {
    Channel channel = existingChannel(request.getChannelId());
    if (channel.getType() == ChannelType.CHANNEL_TYPE_GRPC_STREAM) {
      boolean listening = streams.activeCount() > 0;
      return TestChannelResponse.newBuilder()
          .setDelivered(listening)
          .setError(listening ? "" : "no SubscribeAlerts stream is open on this replica")
          .build();
    }
    long started = System.nanoTime();
    SendResult result = sender.send(channel, testEvent(channel.getChannelId()));
    return TestChannelResponse.newBuilder()
        .setDelivered(result.delivered())
        .setHttpStatus(result.httpStatus())
        .setError(result.error())
        .setLatencyMs((System.nanoTime() - started) / 1_000_000)
        .build();
  }

  private Channel existingChannel(String channelId) {
    if (channelId.isEmpty()) {
      throw InvalidArgumentException.forField("channel_id", "is required");
    }
    return channels
        .withSecret(channelId)
        .orElseThrow(() -> new NotFoundException("channel " + channelId + " not found"));
  }

  private AlertEvent testEvent(String channelId) {
    long now = clock.millis();
    return AlertEvent.newBuilder()
        .setKind(AlertEventKind.ALERT_EVENT_KIND_OPENED)
        .setEventTime(Timestamps.fromMillis(now))
        .setIdempotencyKey("test:" + channelId + ":" + now)
        .setAlert(
            Alert.newBuilder()
                .setAlertId("test")
                .setRuleId("test")
                .setAccountId("test")
                .setSeverity(Severity.SEVERITY_INFO)
                .setState(AlertState.ALERT_STATE_OPEN)
                .setReason("Test message from healthscore: channel " + channelId + " works.")
                .setOpenedAt(Timestamps.fromMillis(now)))
        .build();
  }

  /**
   * Replays events after {@code after_cursor}, then follows new ones without a gap; a client that
   * reconnects with the cursor of the last event it processed misses nothing.
   */
  public void subscribeAlerts(
      SubscribeAlertsRequest request, StreamObserver<SubscribeAlertsResponse> responseObserver) {
    if (request.getAfterCursor() < 0) {
      throw InvalidArgumentException.forField("after_cursor", "must be 0 or more");
    }
    streams.open(
        request.getAfterCursor(),
        responseObserver,
        event -> SubscribeAlertsResponse.newBuilder().setEvent(event).build());
  }

  /** Deliveries newest first, filtered by state and channel; page_size 1 to 1000, default 100. */
  public ListDeliveriesResponse listDeliveries(ListDeliveriesRequest request) {
    if (request.getState() == DeliveryState.UNRECOGNIZED) {
      throw InvalidArgumentException.forField("state", "is not a known DeliveryState");
    }
    if (request.getPageSize() < 0) {
      throw InvalidArgumentException.forField("page_size", "must be 0 or more");
    }
    int pageSize =
        request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : Math.min(request.getPageSize(), MAX_PAGE_SIZE);
    Optional<PageToken> after = PageToken.decode(request.getPageToken());
    // One row more than asked tells whether another page follows.
    List<Delivery> rows = deliveries.list(request.getState(), request.getChannelId(), after, pageSize + 1);
    ListDeliveriesResponse.Builder response = ListDeliveriesResponse.newBuilder();
    List<Delivery> page = rows.subList(0, Math.min(pageSize, rows.size()));
    response.addAllDeliveries(page);
    if (rows.size() > pageSize) {
      Delivery last = page.get(page.size() - 1);
      response.setNextPageToken(
          new PageToken(DeliveryStore.cursorOf(last.getDeliveryId()), last.getChannelId()).encode());
    }
    return response.build();
  }

  /** Queues a dead delivery again with a fresh attempt budget and wakes the dispatcher. */
  public RetryDeliveryResponse retryDelivery(RetryDeliveryRequest request) {
    if (request.getDeliveryId().isEmpty()) {
      throw InvalidArgumentException.forField("delivery_id", "is required");
    }
    Delivery delivery = deliveries.retry(request.getDeliveryId(), clock.millis());
    wakeDispatcher.run();
    return RetryDeliveryResponse.newBuilder().setDelivery(delivery).build();
  }
}
