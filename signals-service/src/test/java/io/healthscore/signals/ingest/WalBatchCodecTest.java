package io.healthscore.signals.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class WalBatchCodecTest {
  private record Decoded(long day, String account, String metric, boolean isLabel, double number,
      String label, long at, long userHash) {}

  @Test
  void roundTripsSignalsAndSkipsDuplicates() throws IOException {
    List<SignalRecord> signals =
        List.of(
            new SignalRecord("e1", "acme", "u1", "logins", false, 2.5, null, 1_000, "app"),
            new SignalRecord("e2", "acmé-ünïcode-账户", "", "plan", true, 0, "gold ✓", 2_000, "crm"),
            new SignalRecord("e3", "acme", "u1", "logins", false, -1, null, 3_000, "app"));
    PreparedBatch batch = PreparedBatch.prepare(signals, UnaryOperator.identity(), SignalHashing.keyed(1, 2));
    batch.duplicate[2] = true;
    ByteSink out = new ByteSink(16);
    WalBatchCodec.append(out, batch, 20_123);

    List<Decoded> decoded = new ArrayList<>();
    int payload = out.size() - WriteAheadLog.RECORD_HEADER;
    WalBatchCodec.decode(out.array(), WriteAheadLog.RECORD_HEADER, payload,
        (day, hi, lo, account, metric, isLabel, number, label, at, user) ->
            decoded.add(new Decoded(day, account, metric, isLabel, number, label, at, user)));

    assertEquals(
        List.of(
            new Decoded(20_123, "acme", "logins", false, 2.5, null, 1_000, batch.userHashes[0]),
            new Decoded(20_123, "acmé-ünïcode-账户", "plan", true, 0, "gold ✓", 2_000, 0)),
        decoded);
    assertEquals(batch.userHashes[0], batch.userHashes[2]);
  }

  @Test
  void rejectsATruncatedRecord() {
    PreparedBatch batch =
        PreparedBatch.prepare(
            List.of(new SignalRecord("e1", "a", "", "m", false, 1, null, 1, "s")), UnaryOperator.identity(), SignalHashing.keyed(1, 2));
    ByteSink out = new ByteSink(16);
    WalBatchCodec.append(out, batch, 1);
    int payload = out.size() - WriteAheadLog.RECORD_HEADER;
    assertThrows(IOException.class, () -> WalBatchCodec.decode(out.array(), WriteAheadLog.RECORD_HEADER,
        payload - 3, (day, hi, lo, account, metric, isLabel, number, label, at, user) -> {}));
  }
}
