package io.healthscore.scoring.learn.synthetic;

import io.healthscore.scoring.learn.ebm.FeatureColumn;
import io.healthscore.scoring.learn.ebm.TrainingTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Synthetic accounts whose churn probability is known: a logit made of thresholds and
 * saturating effects of usage, plan effects, a tenure × contract interaction, an informative
 * missing NPS, and metrics that are noise (some of them noisy copies of a real one).
 */
public final class ChurnWorld {
  public static final String[] CONTRACTS = {"month-to-month", "annual", "two-year"};
  public static final String[] PLANS = {"basic", "pro", "enterprise"};

  /** One account: numeric metrics (NaN missing), its labels and what is true about it. */
  public record Account(
      Map<String, Double> numbers, Map<String, String> labels, double churnProbability, boolean churned) {}

  private ChurnWorld() {}

  public static List<Account> generate(int accounts, int noiseMetrics, long seed) {
    Random r = new Random(seed);
    List<Account> out = new ArrayList<>(accounts);
    for (int i = 0; i < accounts; i++) {
      Map<String, Double> x = new LinkedHashMap<>();
      Map<String, String> l = new LinkedHashMap<>();
      double tenure = 1 + r.nextInt(60);
      String contract = CONTRACTS[pick(r, 0.5, 0.35)];
      String plan = PLANS[pick(r, 0.45, 0.4)];
      double logins = Math.floor(Math.exp(r.nextGaussian() * 1.0 + 2.4));
      double seats = Math.min(1.2, Math.max(0, r.nextGaussian() * 0.3 + 0.6));
      double tickets = Math.floor(-Math.log(1 - r.nextDouble()) * 2.5);
      double nps = r.nextDouble() < 0.35 ? Double.NaN : Math.round(r.nextGaussian() * 40 + 20);
      double failures = r.nextDouble() < 0.85 ? 0 : 1 + r.nextInt(3);
      x.put("tenure_months", tenure);
      x.put("logins_30d", logins);
      x.put("seats_used_ratio", seats);
      x.put("support_tickets", tickets);
      x.put("nps", nps);
      x.put("payment_failures", failures);
      for (int k = 0; k < noiseMetrics; k++) {
        double v =
            k % 5 == 0
                ? logins + r.nextGaussian() * 25 // a noisy copy of a real metric
                : r.nextDouble() < 0.1 ? Double.NaN : r.nextGaussian() * (k + 1);
        x.put("noise_" + k, v);
      }
      l.put("contract", contract);
      l.put("plan", plan);
      double z = logit(tenure, contract, plan, logins, seats, tickets, nps, failures);
      double p = 1 / (1 + Math.exp(-z));
      out.add(new Account(x, l, p, r.nextDouble() < p));
    }
    return out;
  }

  static double logit(
      double tenure, String contract, String plan, double logins, double seats, double tickets,
      double nps, double failures) {
    double z = -1.6;
    z += logins < 5 ? 1.4 : 0; // threshold
    z -= 0.9 * Math.min(logins, 30) / 30; // saturation
    z -= 2.0 * Math.min(seats, 0.8);
    z += 0.35 * Math.min(tickets, 5);
    z += Double.isNaN(nps) ? 0.4 : -0.012 * nps;
    z += failures >= 1 ? 1.1 : 0;
    z += switch (plan) {
      case "basic" -> 0.5;
      case "enterprise" -> -0.6;
      default -> 0;
    };
    z += switch (contract) {
      case "month-to-month" -> tenure < 12 ? 1.8 : 0.4; // the interaction
      case "two-year" -> -1.0;
      default -> tenure < 6 ? 0.3 : -0.2;
    };
    return z;
  }

  /** The accounts as a training table: every metric numeric, every label categorical. */
  public static TrainingTable table(List<Account> accounts) {
    List<FeatureColumn> columns = new ArrayList<>();
    Account first = accounts.get(0);
    for (String name : first.numbers().keySet()) {
      double[] v = accounts.stream().mapToDouble(a -> a.numbers().get(name)).toArray();
      columns.add(FeatureColumn.numeric(name, v));
    }
    for (String name : first.labels().keySet()) {
      String[] v = accounts.stream().map(a -> a.labels().get(name)).toArray(String[]::new);
      columns.add(FeatureColumn.categorical(name, v));
    }
    boolean[] churned = new boolean[accounts.size()];
    for (int i = 0; i < churned.length; i++) {
      churned[i] = accounts.get(i).churned();
    }
    return new TrainingTable(columns, churned);
  }

  /**
   * Expected calibration error against the known probabilities instead of the outcomes: over the
   * same ten probability bins, the gap between the mean predicted and the mean true probability,
   * weighted by the bin's rows. Free of the outcomes' sampling noise, so it shows how far the
   * predictions are from calibrated even where the outcome-based error cannot tell (on a few
   * thousand rows the true probabilities' own ECE is about 0.02).
   */
  public static double calibrationErrorAgainstTruth(double[] predicted, double[] truth) {
    double[] sumPredicted = new double[10];
    double[] sumTrue = new double[10];
    for (int i = 0; i < predicted.length; i++) {
      int bin = Math.min(9, (int) (Math.max(0, predicted[i]) * 10));
      sumPredicted[bin] += predicted[i];
      sumTrue[bin] += truth[i];
    }
    double error = 0;
    for (int b = 0; b < 10; b++) {
      error += Math.abs(sumPredicted[b] - sumTrue[b]) / predicted.length;
    }
    return error;
  }

  private static int pick(Random r, double first, double second) {
    double u = r.nextDouble();
    return u < first ? 0 : u < first + second ? 1 : 2;
  }
}
