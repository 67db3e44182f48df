package io.healthscore.scoring.learn.ebm;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The stored form of an {@link EbmModel}: the magic "EBM1", then a deflated stream of format
 * version, features (name, kind, cut points or categories), intercept, main scores (float32 per
 * bin), pairs (feature indices, interaction-bin maps, float32 per cell); from version 2 the
 * training share per bin of every feature and the deciles of the training probabilities (the drift
 * baseline). Scores are float32 in the model already, so a model reads back exactly. Version 1
 * bodies still read (without a drift baseline).
 */
public final class EbmCodec {
  private static final int MAGIC = 0x45424d31; // "EBM1"
  private static final int VERSION = 2;

  private EbmCodec() {}

  public static byte[] toBytes(EbmModel model) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      new DataOutputStream(bytes).writeInt(MAGIC);
      try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes))) {
        out.writeShort(VERSION);
        int features = model.featureCount();
        out.writeInt(features);
        for (int f = 0; f < features; f++) {
          FeatureBins fb = model.feature(f);
          out.writeUTF(fb.name());
          out.writeBoolean(fb.categorical());
          if (fb.categorical()) {
            String[] categories = fb.categoryNames();
            out.writeInt(categories.length);
            for (String c : categories) {
              out.writeUTF(c);
            }
          } else {
            double[] cuts = fb.cuts();
            out.writeInt(cuts.length);
            for (double c : cuts) {
              out.writeDouble(c);
            }
          }
        }
        out.writeFloat((float) model.intercept());
        for (double[] scores : model.mainScoreTables()) {
          writeFloats(out, scores);
        }
        int[][] pairs = model.pairFeatures();
        int[][] maps = model.interactionBinMaps();
        out.writeInt(pairs.length);
        for (int f = 0; f < features; f++) {
          out.writeBoolean(maps[f] != null);
          if (maps[f] != null) {
            out.writeInt(maps[f].length);
            for (int v : maps[f]) {
              out.writeShort(v);
            }
          }
        }
        for (int k = 0; k < pairs.length; k++) {
          out.writeInt(pairs[k][0]);
          out.writeInt(pairs[k][1]);
          writeFloats(out, model.pairScoreTables()[k]);
        }
        for (int f = 0; f < features; f++) {
          double[] shares = model.trainingShares(f);
          out.writeBoolean(shares != null);
          if (shares != null) {
            writeFloats(out, shares);
          }
        }
        writeFloats(out, model.probabilityDeciles());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads a model; IllegalArgumentException when the bytes are not one. */
  public static EbmModel fromBytes(byte[] body) {
    try {
      ByteArrayInputStream bytes = new ByteArrayInputStream(body);
      if (new DataInputStream(bytes).readInt() != MAGIC) {
        throw new IllegalArgumentException("not an explainable boosting model");
      }
      try (DataInputStream in = new DataInputStream(new InflaterInputStream(bytes))) {
        int version = in.readShort();
        if (version < 1 || version > VERSION) {
          throw new IllegalArgumentException("unknown model format version " + version);
        }
        int features = in.readInt();
        FeatureBins[] bins = new FeatureBins[features];
        for (int f = 0; f < features; f++) {
          String name = in.readUTF();
          if (in.readBoolean()) {
            String[] categories = new String[in.readInt()];
            for (int i = 0; i < categories.length; i++) {
              categories[i] = in.readUTF();
            }
            bins[f] = FeatureBins.ofCategories(name, categories);
          } else {
            double[] cuts = new double[in.readInt()];
            for (int i = 0; i < cuts.length; i++) {
              cuts[i] = in.readDouble();
            }
            bins[f] = FeatureBins.ofCuts(name, cuts);
          }
        }
        double intercept = in.readFloat();
        double[][] main = new double[features][];
        for (int f = 0; f < features; f++) {
          main[f] = readFloats(in);
        }
        int pairCount = in.readInt();
        int[][] maps = new int[features][];
        for (int f = 0; f < features; f++) {
          if (in.readBoolean()) {
            maps[f] = new int[in.readInt()];
            for (int i = 0; i < maps[f].length; i++) {
              maps[f][i] = in.readShort();
            }
          }
        }
        int[][] pairs = new int[pairCount][];
        double[][] pairScores = new double[pairCount][];
        for (int k = 0; k < pairCount; k++) {
          pairs[k] = new int[] {in.readInt(), in.readInt()};
          pairScores[k] = readFloats(in);
        }
        if (version == 1) {
          return new EbmModel(bins, main, pairs, maps, pairScores, intercept);
        }
        double[][] shares = new double[features][];
        for (int f = 0; f < features; f++) {
          shares[f] = in.readBoolean() ? readFloats(in) : null;
        }
        return new EbmModel(bins, main, pairs, maps, pairScores, intercept, shares, readFloats(in));
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("corrupt model: " + e.getMessage(), e);
    }
  }

  private static void writeFloats(DataOutputStream out, double[] v) throws IOException {
    out.writeInt(v.length);
    for (double x : v) {
      out.writeFloat((float) x);
    }
  }

  private static double[] readFloats(DataInputStream in) throws IOException {
    double[] v = new double[in.readInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = in.readFloat();
    }
    return v;
  }
}
