package io.healthscore.scoring.upstream;

import java.util.Map;

/**
 * The features of one (account, moment) pair of a bulk read.
 *
 * @param keyIndex the pair's position in the keys asked for
 */
public record FeatureRow(int keyIndex, SnapshotKey key, Map<String, Double> features, Map<String, String> labels) {}
