package io.healthscore.scoring.learn;

import static io.healthscore.scoring.testing.TestCards.account;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.healthscore.scoring.learn.ebm.TrainingTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureTablesTest {
  static LabeledSnapshot snapshot(String accountId, long asOf, double logins) {
    return new LabeledSnapshot(accountId, asOf, account(accountId, "smb", Map.of("logins", logins), Map.of()), false, 100);
  }

  @Test
  void anAccountsSnapshotsShareAGroupSoValidationSplitsKeepThemTogether() {
    TrainingTable table =
        FeatureTables.of(List.of(snapshot("a", 1, 3), snapshot("a", 2, 4), snapshot("b", 1, 5), snapshot("a", 3, 6)));
    assertArrayEquals(new int[] {0, 0, 1, 0}, table.groups());
    assertArrayEquals(new int[] {1, 0}, FeatureTables.rows(table, new int[] {2, 3}).groups());
  }
}
