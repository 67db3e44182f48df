package io.healthscore.scoring.upstream;

import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns one StreamFeatureSnapshots stream's dictionary-coded snapshots back into rows. */
final class SnapshotDecoder {
  private final List<String> featureNames = new ArrayList<>();
  private final Map<String, Integer> featureIds = new HashMap<>();
  private final PackedFeatures.Dictionary dictionary = new PackedFeatures.Dictionary(featureNames, featureIds);
  private final List<String> labelNames = new ArrayList<>();

  /** Adds the names a response sends first. */
  void addNames(StreamFeatureSnapshotsResponse response) {
    for (String name : response.getNewFeatureNamesList()) {
      featureIds.put(name, featureNames.size());
      featureNames.add(name);
    }
    labelNames.addAll(response.getNewLabelNamesList());
  }

  FeatureRow row(int keyIndex, SnapshotKey key, FeatureSnapshot s) {
    int n = s.getFeatureIdsCount();
    int[] ids = new int[n];
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      ids[i] = s.getFeatureIds(i);
      values[i] = s.getFeatureValues(i);
    }
    Map<String, String> labels = new HashMap<>(2 * s.getLabelIdsCount());
    for (int i = 0; i < s.getLabelIdsCount(); i++) {
      labels.put(labelNames.get(s.getLabelIds(i)), s.getLabelValues(i));
    }
    return new FeatureRow(keyIndex, key, new PackedFeatures(dictionary, ids, values), labels);
  }
}
