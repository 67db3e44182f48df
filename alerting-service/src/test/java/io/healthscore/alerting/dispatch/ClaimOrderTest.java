package io.healthscore.alerting.dispatch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.DeliveryState;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A claim returns the first few due deliveries of a backlog without reading and sorting all of
 * them: on the migrated schema the database takes the claim's order from an index.
 */
class ClaimOrderTest {
  @TempDir Path dir;

  @Test
  void theClaimIsReadInTheOrderOfAnIndex() {
    try (DeliveryFixture f = DeliveryFixture.embedded(dir, Map.of())) {
      String plan = f.db.read(c -> {
        try (PreparedStatement s = c.prepareStatement("EXPLAIN " + DeliveryStore.CLAIM_SELECT)) {
          s.setInt(1, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
          s.setLong(2, 1_000);
          s.setLong(3, 1_000);
          s.setInt(4, 32);
          try (ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getString(1);
          }
        }
      });
      // H2 says "index sorted" when no sort is left, "index sorted: 2 of 3 columns" when it still
      // sorts every row sharing the indexed prefix.
      assertTrue(plan.contains("/* index sorted */"), plan);
    }
  }
}
