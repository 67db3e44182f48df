package io.healthscore.signals;

import com.google.protobuf.Timestamp;
import io.healthscore.signals.api.ProtoMapping;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Signal;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A fixed, varied history (numbers of every shape, labels, a metric mixing both, users, ties on
 * occurred_at, duplicates, 400 days across many storage blocks, a signal dated tomorrow) ingested
 * through the public API at a fixed clock, and every kind of feature read of it rendered as
 * canonical text, so that two storage layouts can be compared on the same data.
 */
final class RollupLayoutScenario {
  static final Instant NOW = Instant.parse("2026-03-10T15:00:00Z");
  static final List<String> ACCOUNTS = List.of("acme", "globex", "initech");
  private static final long DAY = 86_400_000L;
  private static final List<Instant> AS_OF =
      List.of(NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(33)), NOW.minus(Duration.ofDays(100)),
          NOW.minus(Duration.ofDays(250)).plusSeconds(4_321), NOW);

  private RollupLayoutScenario() {}

  static Clock clock() {
    return Clock.fixed(NOW, ZoneOffset.UTC);
  }

  static void createAccounts(TestSignalsServer signals) {
    UpsertAccountsRequest.Builder request = UpsertAccountsRequest.newBuilder();
    for (int i = 0; i < ACCOUNTS.size(); i++) {
      request.addAccounts(
          Account.newBuilder()
              .setAccountId(ACCOUNTS.get(i))
              .setName(ACCOUNTS.get(i))
              .setLicenses(10 + i)
              .setMrr(1_000.5 * (i + 1))
              .setContractStart(ts(NOW.minus(Duration.ofDays(500 - 50 * i))))
              .setRenewalDate(ts(NOW.plus(Duration.ofDays(40 + i)))));
    }
    signals.blocking().upsertAccounts(request.build());
  }

  /** The history in three parts, to be ingested with checkpoints in between. */
  static List<List<Signal>> parts() {
    Random random = new Random(20_260_310L);
    List<Signal> all = new ArrayList<>();
    long today = Math.floorDiv(NOW.toEpochMilli(), DAY);
    int n = 0;
    for (String account : ACCOUNTS) {
      for (int m = 0; m < 8; m++) {
        String metric = "m" + m;
        for (long day = today - 400; day <= today; day++) {
          if (random.nextInt(10) < (m == 7 ? 1 : 6)) {
            continue; // gaps; metric m7 is sparse
          }
          int perDay = 1 + random.nextInt(m < 2 ? 4 : 2);
          long tie = day * DAY + random.nextInt((int) DAY);
          for (int k = 0; k < perDay; k++) {
            long at = random.nextInt(4) == 0 ? tie : day * DAY + random.nextInt((int) DAY);
            String user = random.nextInt(3) == 0 ? "" : "user-" + random.nextInt(m == 0 ? 40 : 8);
            Signal.Builder s =
                Signal.newBuilder().setEventId("e" + n++).setAccountId(account).setMetric(metric)
                    .setUserId(user).setOccurredAt(ts(Instant.ofEpochMilli(at))).setSource("scenario");
            if (m == 5 || (m == 6 && random.nextBoolean())) {
              s.setLabel(List.of("green", "amber", "red", "unknown").get(random.nextInt(4)));
            } else {
              s.setNumber(number(random, m));
            }
            all.add(s.build());
          }
        }
      }
      all.add(Signal.newBuilder().setEventId("e" + n++).setAccountId(account).setMetric("m1").setUserId("user-1")
          .setNumber(3).setOccurredAt(ts(NOW.plus(Duration.ofHours(12)))).setSource("scenario").build());
    }
    java.util.Collections.shuffle(all, random);
    int third = all.size() / 3;
    List<Signal> last = new ArrayList<>(all.subList(2 * third, all.size()));
    last.addAll(all.subList(0, 50)); // resent: duplicates
    return List.of(all.subList(0, third), all.subList(third, 2 * third), last);
  }

  private static double number(Random random, int metric) {
    return switch (metric) {
      case 0 -> random.nextInt(100);
      case 1 -> random.nextInt(2000) / 4.0 - 100;
      case 2 -> random.nextDouble() * 1e6;
      case 3 -> 1e12 + random.nextInt(1000) + 0.3;
      case 4 -> random.nextInt(3) == 0 ? 0.0 : -random.nextInt(50) * 1e-9;
      default -> random.nextGaussian();
    };
  }

  static void ingest(TestSignalsServer signals, List<Signal> part) {
    for (int from = 0; from < part.size(); from += 500) {
      signals.blocking().ingestSignals(
          IngestSignalsRequest.newBuilder().addAllSignals(part.subList(from, Math.min(part.size(), from + 500))).build());
    }
  }

  /** Every read kind, live and as of each moment, as sorted lines with exact values. */
  static String render(TestSignalsServer signals) {
    StringBuilder out = new StringBuilder();
    for (String account : ACCOUNTS) {
      GetFeaturesResponse live = signals.blocking().getFeatures(GetFeaturesRequest.newBuilder().setAccountId(account).build());
      append(out, "get " + account + " live", live.getFeaturesMap(), live.getLabelsMap());
      for (Instant asOf : AS_OF) {
        GetFeaturesResponse r = signals.blocking().getFeatures(
            GetFeaturesRequest.newBuilder().setAccountId(account).setAsOf(ts(asOf)).build());
        append(out, "get " + account + " " + asOf, r.getFeaturesMap(), r.getLabelsMap());
      }
    }
    for (Instant asOf : AS_OF) {
      BatchGetFeaturesResponse batch = signals.blocking().batchGetFeatures(
          BatchGetFeaturesRequest.newBuilder().addAllAccountIds(ACCOUNTS).setAsOf(ts(asOf)).build());
      for (GetFeaturesResponse r : batch.getAccountsList()) {
        append(out, "batch " + r.getAccountId() + " " + asOf, r.getFeaturesMap(), r.getLabelsMap());
      }
    }
    StreamFeatureSnapshotsRequest.Builder request = StreamFeatureSnapshotsRequest.newBuilder();
    for (String account : ACCOUNTS) {
      for (Instant asOf : AS_OF) {
        request.addKeys(SnapshotKey.newBuilder().setAccountId(account).setAsOf(ts(asOf)));
      }
    }
    List<String> featureNames = new ArrayList<>();
    List<String> labelNames = new ArrayList<>();
    Iterator<StreamFeatureSnapshotsResponse> it = signals.blocking().streamFeatureSnapshots(request.build());
    while (it.hasNext()) {
      StreamFeatureSnapshotsResponse r = it.next();
      featureNames.addAll(r.getNewFeatureNamesList());
      labelNames.addAll(r.getNewLabelNamesList());
      for (FeatureSnapshot s : r.getSnapshotsList()) {
        Map<String, Double> f = new TreeMap<>();
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          f.put(featureNames.get(s.getFeatureIds(i)), s.getFeatureValues(i));
        }
        Map<String, String> l = new TreeMap<>();
        for (int i = 0; i < s.getLabelIdsCount(); i++) {
          l.put(labelNames.get(s.getLabelIds(i)), s.getLabelValues(i));
        }
        SnapshotKey key = request.getKeys(s.getKeyIndex());
        append(out, "stream " + key.getAccountId() + " " + ProtoMapping.toInstant(key.getAsOf()), f, l);
      }
    }
    return out.toString();
  }

  private static void append(StringBuilder out, String what, Map<String, Double> features, Map<String, String> labels) {
    new TreeMap<>(features).forEach((k, v) -> out.append(what).append(' ').append(k).append(" = ").append(v).append('\n'));
    new TreeMap<>(labels).forEach((k, v) -> out.append(what).append(" label ").append(k).append(" = ").append(v).append('\n'));
  }

  private static Timestamp ts(Instant at) {
    return ProtoMapping.toTimestamp(at);
  }
}
