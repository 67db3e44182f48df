package io.healthscore.alerting.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ScoreChange;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch's scores read together are each account's scores read alone. */
class ScoreStoreTest {
  @TempDir Path dir;
  Database db;
  ScoreStore store;

  @BeforeEach
  void open() {
    db = Database.open(ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.toString())));
    db.migrate("io/healthscore/alerting/db", "alerting-core");
    store = new ScoreStore(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aBatchReadGivesEachAccountWhatItsOwnReadGives() {
    // More accounts than one statement takes; two scorecards on some, a no-data placeholder on one.
    List<String> accounts = new ArrayList<>();
    db.inTransaction(c -> {
      for (int i = 0; i < ScoreStore.ACCOUNTS_PER_READ + 20; i++) {
        String id = "acct-" + i;
        accounts.add(id);
        if (i % 7 == 0) {
          continue;
        }
        store.record(c, change(id, "health", 50 + i % 40, false));
        if (i % 3 == 0) {
          store.record(c, change(id, "adoption", 20 + i % 70, false));
        }
        if (i % 11 == 0) {
          store.record(c, change(id, "renewal", 0, true));
        }
      }
      return null;
    });
    accounts.add("never-scored");

    Map<String, List<ScoreState>> together = db.read(c -> store.scores(c, accounts));

    assertEquals(accounts.size(), together.size());
    for (String id : accounts) {
      assertEquals(db.read(c -> store.scores(c, id)), together.get(id), id);
    }
    assertEquals(List.of("adoption", "health"),
        together.get("acct-3").stream().map(s -> s.score().getScorecardId()).toList());
    assertEquals(List.of(), together.get("acct-7"));
  }

  private static ScoreChange change(String account, String scorecard, double score, boolean noData) {
    return ScoreChange.newBuilder().setAccountId(account).setScorecardId(scorecard)
        .setCurrent(HealthScore.newBuilder().setAccountId(account).setScorecardId(scorecard).setScore(score)
            .setBand(score >= 70 ? Band.BAND_GREEN : Band.BAND_YELLOW).setNoData(noData))
        .build();
  }
}
