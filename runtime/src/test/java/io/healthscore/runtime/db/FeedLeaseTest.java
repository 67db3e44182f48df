package io.healthscore.runtime.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two replicas contending for one lease on a shared PostgreSQL: one holder at a time, fenced. */
class FeedLeaseTest {
  @TempDir Path dataDir;

  private static Database openShared(String url) {
    return Database.open(ServiceConfig.fromMap("lease-test", 0, 0, Map.of(ServiceConfig.DB_URL, url)));
  }

  private static String sharedSchema() {
    Optional<String> url = PostgresTestSupport.jdbcUrl();
    Assumptions.assumeTrue(url.isPresent(), "no PostgreSQL reachable (outside CI)");
    return PostgresTestSupport.freshSchema(url.get());
  }

  private static void inTransactionFenced(Database db, FeedLease lease) {
    db.inTransaction(
        c -> {
          lease.fence(c);
          return null;
        });
  }

  @Test
  void oneHolderAtATimeAndATakeoverFencesTheOldHolderOut() throws Exception {
    String url = sharedSchema();
    try (Database one = openShared(url);
        Database two = openShared(url)) {
      FeedLease a = new FeedLease(one, "feed", "replica-a", Duration.ofMillis(600));
      FeedLease b = new FeedLease(two, "feed", "replica-b", Duration.ofMillis(600));
      assertTrue(a.renew());
      assertFalse(b.renew(), "held by a until it expires");
      assertTrue(a.held());
      assertFalse(b.held());
      inTransactionFenced(one, a);
      assertThrows(FeedLease.NotHeldException.class, () -> inTransactionFenced(two, b));

      // a stops renewing (it hangs); once its lease expires b takes over and a can no longer commit.
      Thread.sleep(700);
      assertFalse(a.held(), "a stops acting as the holder before its row expires");
      assertTrue(b.renew());
      assertThrows(FeedLease.NotHeldException.class, () -> inTransactionFenced(one, a));
      assertFalse(a.renew(), "b holds it now");
      inTransactionFenced(two, b);

      // A graceful stop releases the lease at once.
      b.close();
      assertTrue(a.renew());
      assertTrue(a.held());
      a.close();
    }
  }

  @Test
  void aLoneReplicaHoldsTheLeaseWhenStartReturns() {
    Database db = Database.open(ServiceConfig.fromMap("lease-test", 0, 0, Map.of()).withDataDir(dataDir));
    try (db; FeedLease lease = new FeedLease(db, "feed", "only", FeedLease.DEFAULT_TTL)) {
      lease.start();
      assertTrue(lease.held());
      inTransactionFenced(db, lease);
      assertEquals("only", lease.holder());

      // A process restarted after kill -9 (a new holder id) does not wait for the dead one's expiry.
      FeedLease killed = new FeedLease(db, "restart", "before-kill", FeedLease.DEFAULT_TTL);
      FeedLease restarted = new FeedLease(db, "restart", "after-restart", FeedLease.DEFAULT_TTL);
      assertTrue(killed.renew());
      assertTrue(restarted.renew());
      assertThrows(FeedLease.NotHeldException.class, () -> inTransactionFenced(db, killed));
    }
  }

  private static long storedFence(Database db, String lease) {
    return db.inTransaction(
        c -> {
          try (var s = c.prepareStatement("SELECT fence FROM stream_leases WHERE lease_name = ?")) {
            s.setString(1, lease);
            try (var rs = s.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  @Test
  void aReplicaRestartedUnderItsOwnIdTakesItsLeaseBackAtOnceWithANewFence() {
    String url = sharedSchema();
    try (Database one = openShared(url);
        Database two = openShared(url)) {
      Duration ttl = Duration.ofMinutes(5); // nothing here may wait for an expiry
      FeedLease killed = new FeedLease(one, "feed", "pod-1", ttl);
      assertTrue(killed.renew());
      long before = storedFence(one, "feed");

      // A different replica waits for the expiry; the same pod restarted (a new process) does not.
      FeedLease other = new FeedLease(two, "feed", "pod-2", ttl);
      assertFalse(other.renew());
      FeedLease restarted = new FeedLease(two, "feed", "pod-1", ttl);
      assertTrue(restarted.renew());
      assertTrue(storedFence(two, "feed") > before, "a new process gets a new fence");
      assertThrows(FeedLease.NotHeldException.class, () -> inTransactionFenced(one, killed));
      inTransactionFenced(two, restarted);

      // Had the first run survived, it does not take the lease back: the two do not trade it.
      assertFalse(killed.renew());
      assertTrue(restarted.renew());
      assertFalse(other.renew());

      // A graceful stop releases it: the other replica takes it at its next try.
      restarted.close();
      assertTrue(other.renew());
      assertTrue(storedFence(one, "feed") > before + 1);
      other.close();
    }
  }

  @Test
  void theHeldGaugeSaysWhichReplicaHoldsTheLease() {
    String url = sharedSchema();
    try (Database one = openShared(url);
        Database two = openShared(url)) {
      FeedLease a = new FeedLease(one, "feed", "replica-a", FeedLease.DEFAULT_TTL);
      FeedLease b = new FeedLease(two, "feed", "replica-b", FeedLease.DEFAULT_TTL);
      SimpleMeterRegistry onA = new SimpleMeterRegistry();
      SimpleMeterRegistry onB = new SimpleMeterRegistry();
      a.reportTo(onA);
      b.reportTo(onB);
      assertTrue(a.renew());
      assertFalse(b.renew());
      assertEquals(1.0, onA.get("healthscore.feed.lease.held").tag("feed", "feed").gauge().value());
      assertEquals(0.0, onB.get("healthscore.feed.lease.held").tag("feed", "feed").gauge().value());
      a.close();
      assertTrue(b.renew());
      assertEquals(0.0, onA.get("healthscore.feed.lease.held").tag("feed", "feed").gauge().value());
      assertEquals(1.0, onB.get("healthscore.feed.lease.held").tag("feed", "feed").gauge().value());
      b.close();
    }
  }

  @Test
  void theReplicaIdIsConfiguredElseTheHostName() {
    assertEquals("pod-7", FeedLease.replicaId(ServiceConfig.fromMap("s", 0, 0, Map.of("HOSTNAME", "pod-7"))));
    assertEquals("a", FeedLease.replicaId(
        ServiceConfig.fromMap("s", 0, 0, Map.of("HOSTNAME", "pod-7", FeedLease.REPLICA_ID, "a"))));
    String first = FeedLease.replicaId(ServiceConfig.fromMap("s", 0, 0, Map.of()));
    assertNotEquals(first, FeedLease.replicaId(ServiceConfig.fromMap("s", 0, 0, Map.of())), "random without either");
  }
}
