package io.healthscore.cli.command;

import io.healthscore.cli.Services;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.v1.Component;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.Measure;
import io.healthscore.v1.Milestone;
import io.healthscore.v1.Scorecard;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which metrics the active scorecards read, and through which features: what a producer compares
 * its own metric names with (docs/mapping.md). Account features ({@code account.*}) come from the
 * account record, not from signals, and are left out.
 */
record ScorecardReads(List<String> scorecardIds, Map<String, Set<String>> featuresByMetric) {
  static ScorecardReads active(Services services) {
    return of(services.scoring().listScorecards(ListScorecardsRequest.getDefaultInstance()).getScorecardsList());
  }

  static ScorecardReads of(Collection<Scorecard> scorecards) {
    Map<String, Set<String>> byMetric = new TreeMap<>();
    for (Scorecard sc : scorecards) {
      for (Component c : sc.getComponentsList()) {
        collect(c, byMetric);
      }
    }
    return new ScorecardReads(scorecards.stream().map(Scorecard::getScorecardId).toList(), byMetric);
  }

  private static void collect(Component c, Map<String, Set<String>> byMetric) {
    for (Measure m : c.getMeasuresList()) {
      add(m.getFeature(), byMetric);
      add(m.getDenominatorFeature(), byMetric);
      for (Milestone s : m.getJourney().getMilestonesList()) {
        add(FeatureNames.daysSinceFirst(s.getMetric()), byMetric);
      }
    }
    for (Component child : c.getComponentsList()) {
      collect(child, byMetric);
    }
  }

  private static void add(String feature, Map<String, Set<String>> byMetric) {
    if (feature.isEmpty() || feature.startsWith("account.")) {
      return;
    }
    byMetric.computeIfAbsent(FeatureNames.metricOf(feature), k -> new TreeSet<>()).add(feature);
  }

  boolean reads(String metric) {
    return featuresByMetric.containsKey(metric);
  }

  /** Of {@code metrics}, those no active scorecard reads. */
  Set<String> unread(Collection<String> metrics) {
    Set<String> out = new TreeSet<>();
    for (String m : metrics) {
      if (!reads(m)) {
        out.add(m);
      }
    }
    return out;
  }

  /** Metrics read that are not among {@code metrics}. */
  Set<String> notSent(Collection<String> metrics) {
    Set<String> out = new TreeSet<>(featuresByMetric.keySet());
    out.removeAll(metrics);
    return out;
  }

  /** The read metric whose name is closest to {@code metric}, for a "did you mean" hint; null if none is close. */
  String closest(String metric) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String read : featuresByMetric.keySet()) {
      int d = distance(metric, read);
      if (d < bestDistance) {
        bestDistance = d;
        best = read;
      }
    }
    return best != null && bestDistance <= Math.max(2, metric.length() / 4) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
