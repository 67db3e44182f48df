package io.healthscore.demo;

/** Account ids of the end-to-end benchmarks, made once: formatting them per signal would weigh on the load. */
final class BenchmarkAccounts {
  private BenchmarkAccounts() {}

  /** {@code acct-000000} to {@code acct-<n-1>}. */
  static String[] ids(int n) {
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = String.format("acct-%06d", i);
    }
    return ids;
  }
}
