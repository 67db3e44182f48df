package io.healthscore.scoring.learn;

import static io.healthscore.scoring.testing.TestCards.account;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingSetTest {
  private static final long DAY = 86_400_000L;

  private static Outcome outcome(String account, OutcomeType type, long day) {
    return Outcome.newBuilder().setEventId(account + day).setAccountId(account).setType(type)
        .setOccurredAt(Timestamps.fromMillis(day * DAY)).build();
  }

  /** Records every as-of asked for; the snapshot carries its as-of day as a feature. */
  private static final class Source implements FeatureSource {
    final List<Outcome> outcomes;
    final List<Long> asked = new ArrayList<>();
    int reads;

    Source(Outcome... outcomes) {
      this.outcomes = List.of(outcomes);
    }

    @Override
    public List<Outcome> outcomes() {
      return outcomes;
    }

    @Override
    public List<AccountSnapshot> snapshotsAsOf(List<Moment> moments) {
      reads++;
      List<AccountSnapshot> result = new ArrayList<>();
      for (Moment m : moments) {
        asked.add(m.asOfMillis());
        result.add(account(m.accountId(), "smb", Map.of("day", (double) (m.asOfMillis() / DAY)), Map.of()));
      }
      return result;
    }
  }

  @Test
  void snapshotsBeforeAChurnAreLabelledChurned() {
    Source src = new Source(outcome("a", OutcomeType.OUTCOME_TYPE_CHURNED, 400));
    List<LabeledSnapshot> set = TrainingSet.build(src, 90, 1000 * DAY, 30);
    assertEquals(List.of(370L, 340L, 310L), set.stream().map(s -> s.asOfMillis() / DAY).sorted((x, y) -> Long.compare(y, x)).toList());
    assertTrue(set.stream().allMatch(LabeledSnapshot::churned));
    assertTrue(set.stream().allMatch(s -> s.snapshot().features().get("day") == s.asOfMillis() / DAY));
  }

  @Test
  void renewalsGiveRetainedSnapshotsAndContractionIsNotChurn() {
    Source src = new Source(outcome("b", OutcomeType.OUTCOME_TYPE_RENEWED, 400), outcome("c", OutcomeType.OUTCOME_TYPE_CONTRACTED, 400));
    List<LabeledSnapshot> set = TrainingSet.build(src, 90, 1000 * DAY, 30);
    assertEquals(6, set.size());
    assertTrue(set.stream().noneMatch(LabeledSnapshot::churned));
  }

  @Test
  void churnAfterAnEarlierOutcomeLabelsTheSnapshotsWithinTheHorizon() {
    Source src = new Source(outcome("d", OutcomeType.OUTCOME_TYPE_RENEWED, 300), outcome("d", OutcomeType.OUTCOME_TYPE_CHURNED, 350));
    List<LabeledSnapshot> set = TrainingSet.build(src, 90, 1000 * DAY, 30);
    // Before the renewal: 270 (churn at 350 within 90 days → churned), 240 (110 days before → retained), 210.
    // Before the churn: 320, 290, 260 — all churned.
    Map<Long, Boolean> byDay = new java.util.TreeMap<>();
    set.forEach(s -> byDay.put(s.asOfMillis() / DAY, s.churned()));
    assertEquals(Map.of(210L, false, 240L, false, 260L, true, 270L, true, 290L, true, 320L, true), byDay);
  }

  @Test
  void censoredAndFutureSnapshotsAreLeftOut() {
    Source src = new Source(outcome("e", OutcomeType.OUTCOME_TYPE_EXPANDED, 400));
    // Now is day 420 and nothing settled a renewal: snapshot 370's horizon ends on day 460 →
    // censored; 340 ends at 430 → censored; 310 ends at 400 → kept.
    List<LabeledSnapshot> set = TrainingSet.build(src, 90, 420 * DAY, 30);
    assertEquals(List.of(310L), set.stream().map(s -> s.asOfMillis() / DAY).toList());
    assertTrue(src.asked.stream().allMatch(t -> t <= 420 * DAY));
  }

  @Test
  void aRecordedRenewalSettlesTheSnapshotsBeforeItAsRetainedAsARecordedChurnDoesAsChurned() {
    Source src = new Source(outcome("r", OutcomeType.OUTCOME_TYPE_RENEWED, 400), outcome("x", OutcomeType.OUTCOME_TYPE_CHURNED, 400));
    // Now is day 420: no horizon of 370 or 340 is over, but each account's renewal is decided.
    List<LabeledSnapshot> set = TrainingSet.build(src, 90, 420 * DAY, 30);
    Map<String, List<Long>> days = new java.util.TreeMap<>();
    set.forEach(s -> days.computeIfAbsent(s.accountId() + (s.churned() ? " churned" : " retained"), k -> new ArrayList<>()).add(s.asOfMillis() / DAY));
    assertEquals(Map.of("r retained", List.of(310L, 340L, 370L), "x churned", List.of(310L, 340L, 370L)), days);
  }

  @Test
  void aWindowReadsOnlyItsSnapshotsAllInOneBulkRead() {
    Source src =
        new Source(outcome("f", OutcomeType.OUTCOME_TYPE_CHURNED, 400), outcome("g", OutcomeType.OUTCOME_TYPE_RENEWED, 400));
    List<LabeledSnapshot> set = TrainingSet.build(src, 90, 1000 * DAY, 30, 320 * DAY, 371 * DAY);
    assertEquals(List.of(340L, 370L, 340L, 370L), set.stream().map(s -> s.asOfMillis() / DAY).toList());
    assertEquals(List.of(340L, 370L, 340L, 370L), src.asked.stream().map(t -> t / DAY).toList(), "nothing outside the window is read");
    assertEquals(1, src.reads);
  }
}
