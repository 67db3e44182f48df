package io.healthscore.scoring.upstream;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A row's numeric features as a read-only map over a stream's shared name dictionary: ids and
 * values in two arrays sorted by id (12 bytes a value), where a map per row would hold an entry,
 * a boxed value and a table slot for each. Training sets of 100,000 rows of hundreds of features
 * fit in memory this way.
 */
final class PackedFeatures extends AbstractMap<String, Double> {
  /** The names of a stream, in id order, and their ids. */
  static final class Dictionary {
    private final List<String> names;
    private final Map<String, Integer> ids;

    Dictionary(List<String> names, Map<String, Integer> ids) {
      this.names = names;
      this.ids = ids;
    }
  }

  private final Dictionary dictionary;
  private final int[] ids;
  private final double[] values;

  /** Takes the arrays (ids need not be sorted). */
  PackedFeatures(Dictionary dictionary, int[] ids, double[] values) {
    this.dictionary = dictionary;
    if (!ascending(ids)) {
      long[] order = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        order[i] = ((long) ids[i] << 32) | i;
      }
      Arrays.sort(order);
      int[] sortedIds = new int[ids.length];
      double[] sortedValues = new double[ids.length];
      for (int i = 0; i < order.length; i++) {
        sortedIds[i] = (int) (order[i] >>> 32);
        sortedValues[i] = values[(int) order[i]];
      }
      ids = sortedIds;
      values = sortedValues;
    }
    this.ids = ids;
    this.values = values;
  }

  private static boolean ascending(int[] ids) {
    for (int i = 1; i < ids.length; i++) {
      if (ids[i] <= ids[i - 1]) {
        return false;
      }
    }
    return true;
  }

  private int indexOf(Object name) {
    Integer id = name instanceof String ? dictionary.ids.get(name) : null;
    return id == null ? -1 : Arrays.binarySearch(ids, id);
  }

  @Override
  public Double get(Object name) {
    int i = indexOf(name);
    return i < 0 ? null : values[i];
  }

  @Override
  public boolean containsKey(Object name) {
    return indexOf(name) >= 0;
  }

  @Override
  public int size() {
    return ids.length;
  }

  @Override
  public Set<Entry<String, Double>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, Double>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < ids.length;
          }

          @Override
          public Entry<String, Double> next() {
            if (next >= ids.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(dictionary.names.get(ids[i]), values[i]);
          }
        };
      }

      @Override
      public int size() {
        return ids.length;
      }
    };
  }
}
