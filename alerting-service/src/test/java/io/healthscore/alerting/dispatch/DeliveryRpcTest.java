package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.testing.Await;
import io.healthscore.runtime.testing.InProcessGrpc;
import io.healthscore.runtime.testing.WebhookReceiver;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.AlertingServiceGrpc;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.DeliveryState;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delivery RPCs over gRPC, through the production interceptors. */
class DeliveryRpcTest {
  @TempDir Path dir;
  private WebhookReceiver receiver;
  private DeliveryFixture fixture;
  private InProcessGrpc grpc;
  private AlertingServiceGrpc.AlertingServiceBlockingStub stub;

  /** The delivery part of AlertingService, delegating as the real service does. */
  static final class DeliveryOnlyService extends AlertingServiceGrpc.AlertingServiceImplBase {
    private final DeliveryApi api;

    DeliveryOnlyService(DeliveryApi api) {
      this.api = api;
    }

    @Override
    public void putChannel(PutChannelRequest request, StreamObserver<PutChannelResponse> out) {
      out.onNext(api.putChannel(request));
      out.onCompleted();
    }

    @Override
    public void listChannels(ListChannelsRequest request, StreamObserver<ListChannelsResponse> out) {
      out.onNext(api.listChannels(request));
      out.onCompleted();
    }

    @Override
    public void testChannel(TestChannelRequest request, StreamObserver<TestChannelResponse> out) {
      out.onNext(api.testChannel(request));
      out.onCompleted();
    }

    @Override
    public void subscribeAlerts(SubscribeAlertsRequest request, StreamObserver<SubscribeAlertsResponse> out) {
      api.subscribeAlerts(request, out);
    }

    @Override
    public void listDeliveries(ListDeliveriesRequest request, StreamObserver<ListDeliveriesResponse> out) {
      out.onNext(api.listDeliveries(request));
      out.onCompleted();
    }

    @Override
    public void retryDelivery(RetryDeliveryRequest request, StreamObserver<RetryDeliveryResponse> out) {
      out.onNext(api.retryDelivery(request));
      out.onCompleted();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    receiver = new WebhookReceiver();
    fixture = DeliveryFixture.embedded(dir, Map.of()).started();
    grpc = InProcessGrpc.start(new DeliveryOnlyService(fixture.module.api()));
    stub = AlertingServiceGrpc.newBlockingStub(grpc.channel());
  }

  @AfterEach
  void tearDown() {
    grpc.close();
    fixture.close();
    receiver.close();
  }

  @Test
  void aPrivateUrlOutsideTheAllowlistIsInvalidArgumentOnChannelUrl() {
    for (String url : List.of("http://10.0.0.7/hook", "http://192.168.0.1/hook", "http://127.0.0.2:80/hook", "http://[::1]/hook")) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> stub.putChannel(PutChannelRequest.newBuilder().setChannel(
                  Channel.newBuilder().setChannelId("inside").setType(ChannelType.CHANNEL_TYPE_WEBHOOK).setUrl(url)).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), url);
      List<FieldViolation> violations = ApiErrors.fieldViolations(e);
      assertEquals(List.of("channel.url"), violations.stream().map(FieldViolation::field).toList(), url);
    }
    assertEquals(0, stub.listChannels(ListChannelsRequest.getDefaultInstance()).getChannelsCount());
    StatusRuntimeException missing =
        assertThrows(StatusRuntimeException.class, () -> stub.putChannel(PutChannelRequest.getDefaultInstance()));
    assertEquals(List.of("channel"), ApiErrors.fieldViolations(missing).stream().map(FieldViolation::field).toList());
  }

  @Test
  void putListAndTestAChannel() {
    Channel stored = stub.putChannel(PutChannelRequest.newBuilder().setChannel(
        Channel.newBuilder().setChannelId("ops").setType(ChannelType.CHANNEL_TYPE_WEBHOOK)
            .setUrl(receiver.url("/hook")).setSecret("k")).build()).getChannel();
    assertTrue(stored.getHasSecret());
    assertEquals("", stored.getSecret());
    assertEquals(List.of(stored), stub.listChannels(ListChannelsRequest.getDefaultInstance()).getChannelsList());

    TestChannelResponse ok = stub.testChannel(TestChannelRequest.newBuilder().setChannelId("ops").build());
    assertTrue(ok.getDelivered());
    assertEquals(200, ok.getHttpStatus());
    assertEquals(1, receiver.requests().size());
    assertTrue(receiver.requests().get(0).body().contains("\"alert_id\":\"test\""));
    assertEquals(0, fixture.deliveries(DeliveryState.DELIVERY_STATE_UNSPECIFIED).size(), "tests leave no delivery");

    receiver.failFirst(2, 503);
    TestChannelResponse failed = stub.testChannel(TestChannelRequest.newBuilder().setChannelId("ops").build());
    assertFalse(failed.getDelivered());
    assertEquals(503, failed.getHttpStatus());
    assertEquals("HTTP 503", failed.getError(), "the receiver's answer body is not handed back");

    StatusRuntimeException unknown =
        assertThrows(StatusRuntimeException.class, () -> stub.testChannel(TestChannelRequest.newBuilder().setChannelId("nope").build()));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void listDeliveriesPagesNewestFirstAndRetryNeedsADeadOne() {
    fixture.module.channels().put(Channel.newBuilder().setChannelId("log").setType(ChannelType.CHANNEL_TYPE_LOG).build());
    for (int i = 1; i <= 5; i++) {
      fixture.raise("a" + i, List.of("log"));
    }
    Await.until("delivered", () -> fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).size() == 5);

    List<String> seen = new ArrayList<>();
    String token = "";
    do {
      ListDeliveriesResponse page = stub.listDeliveries(
          ListDeliveriesRequest.newBuilder().setPageSize(2).setPageToken(token).setChannelId("log").build());
      assertTrue(page.getDeliveriesCount() <= 2);
      page.getDeliveriesList().forEach(d -> seen.add(d.getAlertId()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(List.of("a5", "a4", "a3", "a2", "a1"), seen);
    assertEquals(0, stub.listDeliveries(ListDeliveriesRequest.newBuilder().setState(DeliveryState.DELIVERY_STATE_DEAD).build()).getDeliveriesCount());

    StatusRuntimeException badToken = assertThrows(StatusRuntimeException.class,
        () -> stub.listDeliveries(ListDeliveriesRequest.newBuilder().setPageToken("%%%").build()));
    assertEquals(List.of("page_token"), ApiErrors.fieldViolations(badToken).stream().map(FieldViolation::field).toList());
    StatusRuntimeException badSize = assertThrows(StatusRuntimeException.class,
        () -> stub.listDeliveries(ListDeliveriesRequest.newBuilder().setPageSize(-1).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, badSize.getStatus().getCode());

    String delivered = fixture.deliveries(DeliveryState.DELIVERY_STATE_DELIVERED).get(0).getDeliveryId();
    StatusRuntimeException notDead = assertThrows(StatusRuntimeException.class,
        () -> stub.retryDelivery(RetryDeliveryRequest.newBuilder().setDeliveryId(delivered).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, notDead.getStatus().getCode());
    StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
        () -> stub.retryDelivery(RetryDeliveryRequest.newBuilder().setDeliveryId("1-none").build()));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void subscribeReplaysThenFollowsAndResumesFromACursor() {
    List<Long> first = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      first.add(fixture.raise("a" + i, List.of()));
    }
    Subscriber s1 = Subscriber.open(grpc, 0, Integer.MAX_VALUE);
    Await.until("replay", () -> s1.cursors().size() == 3);
    assertEquals(first, s1.cursors());

    long fourth = fixture.raise("a4", List.of());
    long fifth = fixture.raise("a5", List.of());
    Await.until("live", () -> s1.cursors().size() == 5);
    assertEquals(List.of(first.get(0), first.get(1), first.get(2), fourth, fifth), s1.cursors());
    assertEquals("a4:opened:1", s1.events.get(3).getEvent().getIdempotencyKey());
    assertEquals("acct-a4", s1.events.get(3).getEvent().getAlert().getAccountId());
    s1.cancel();

    // A client that processed up to the fourth event reconnects from there.
    Subscriber s2 = Subscriber.open(grpc, fourth, Integer.MAX_VALUE);
    long sixth = fixture.raise("a6", List.of());
    Await.until("resume", () -> s2.cursors().size() == 2);
    assertEquals(List.of(fifth, sixth), s2.cursors());
    s2.cancel();

    StatusRuntimeException negative = assertThrows(StatusRuntimeException.class,
        () -> stub.subscribeAlerts(SubscribeAlertsRequest.newBuilder().setAfterCursor(-1).build()).hasNext());
    assertEquals(Status.Code.INVALID_ARGUMENT, negative.getStatus().getCode());
  }

  @Test
  void aSlowSubscriberGetsEveryEventInOrder() {
    // More than one page (256) of the server's reads, appended in one transaction.
    List<Long> cursors =
        fixture.db.inTransaction(
            tx -> {
              List<Outbox.Entry> entries = new ArrayList<>();
              for (int i = 1; i <= 300; i++) {
                entries.add(new Outbox.Entry(
                    DeliveryFixture.event("b" + i, AlertEventKind.ALERT_EVENT_KIND_OPENED), List.of()));
              }
              return fixture.module.outbox().append(tx, entries);
            });
    fixture.module.outbox().wakeUp();
    // The client asks for one message at a time; the server must wait for it each time.
    Subscriber slow = Subscriber.open(grpc, 0, 1);
    Await.until("first event", () -> slow.cursors().size() == 1);
    assertEquals(1, slow.cursors().size(), "no event beyond what was requested");
    while (slow.cursors().size() < 300) {
      int had = slow.cursors().size();
      slow.request(29);
      Await.until("more events", () -> slow.cursors().size() == Math.min(300, had + 29));
    }
    assertEquals(cursors, slow.cursors());
    slow.cancel();
  }

  /** A SubscribeAlerts client with manual flow control. */
  static final class Subscriber implements ClientResponseObserver<SubscribeAlertsRequest, SubscribeAlertsResponse> {
    final List<SubscribeAlertsResponse> events = new CopyOnWriteArrayList<>();
    private final int initialRequest;
    private volatile ClientCallStreamObserver<SubscribeAlertsRequest> call;

    private Subscriber(int initialRequest) {
      this.initialRequest = initialRequest;
    }

    static Subscriber open(InProcessGrpc grpc, long afterCursor, int initialRequest) {
      Subscriber s = new Subscriber(initialRequest);
      AlertingServiceGrpc.newStub(grpc.channel())
          .subscribeAlerts(SubscribeAlertsRequest.newBuilder().setAfterCursor(afterCursor).build(), s);
      return s;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeAlertsRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(initialRequest);
    }

    void request(int n) {
      call.request(n);
    }

    List<Long> cursors() {
      return events.stream().map(e -> e.getEvent().getCursor()).toList();
    }

    void cancel() {
      call.cancel("test done", null);
    }

    @Override
    public void onNext(SubscribeAlertsResponse value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
