package io.healthscore.scoring.learn;

/**
 * L2-regularised logistic regression fitted by Newton's method on standardised inputs (the
 * intercept is not penalised). Small and dense: a scorecard has tens of measures.
 */
final class LogisticRegression {
  /**
   * Coefficients per unit of the original inputs, the intercept, and each coefficient's Wald z
   * (coefficient over its standard error from the inverse Hessian; 0 for a constant input).
   */
  record Fit(double[] coefficients, double intercept, double[] z) {}

  private LogisticRegression() {}

  /**
   * @param x rows of inputs without missing values
   * @param lambda L2 penalty on the standardised coefficients, in units of the log-likelihood sum
   */
  static Fit fit(double[][] x, boolean[] y, double lambda) {
    int n = x.length;
    int k = x[0].length;
    double[] mean = new double[k];
    double[] sd = new double[k];
    for (double[] row : x) {
      for (int j = 0; j < k; j++) {
        mean[j] += row[j] / n;
      }
    }
    for (double[] row : x) {
      for (int j = 0; j < k; j++) {
        sd[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n;
      }
    }
    for (int j = 0; j < k; j++) {
      sd[j] = Math.sqrt(sd[j]);
    }
    // theta[0] is the intercept, theta[1..k] the standardised coefficients.
    double[] theta = new double[k + 1];
    double[] z = new double[k + 1];
    double[][] hessian = new double[k + 1][k + 1];
    for (int iteration = 0; iteration < 100; iteration++) {
      double[] gradient = new double[k + 1];
      hessian = new double[k + 1][k + 1];
      for (int i = 0; i < n; i++) {
        standardise(x[i], mean, sd, z);
        double eta = 0;
        for (int j = 0; j <= k; j++) {
          eta += theta[j] * z[j];
        }
        double p = 1 / (1 + Math.exp(-eta));
        double residual = p - (y[i] ? 1 : 0);
        double w = Math.max(p * (1 - p), 1e-12);
        for (int a = 0; a <= k; a++) {
          gradient[a] += residual * z[a];
          for (int b = 0; b <= a; b++) {
            hessian[a][b] += w * z[a] * z[b];
          }
        }
      }
      for (int a = 0; a <= k; a++) {
        for (int b = 0; b < a; b++) {
          hessian[b][a] = hessian[a][b];
        }
      }
      for (int j = 1; j <= k; j++) {
        gradient[j] += lambda * theta[j];
        hessian[j][j] += lambda;
      }
      double[] step = solve(hessian, gradient);
      double largest = 0;
      for (int j = 0; j <= k; j++) {
        theta[j] -= step[j];
        largest = Math.max(largest, Math.abs(step[j]));
      }
      if (largest < 1e-9) {
        break;
      }
    }
    double[] coefficients = new double[k];
    double[] wald = new double[k];
    double intercept = theta[0];
    // One inversion for every coefficient's variance: solving once per coefficient costs k times as much.
    double[] variances = inverseDiagonal(hessian);
    for (int j = 0; j < k; j++) {
      if (sd[j] > 0) {
        coefficients[j] = theta[j + 1] / sd[j];
        intercept -= coefficients[j] * mean[j];
        double variance = variances[j + 1];
        wald[j] = variance > 0 ? theta[j + 1] / Math.sqrt(variance) : 0;
      }
    }
    return new Fit(coefficients, intercept, wald);
  }

  /** z = (1, (x - mean) / sd), a constant input becoming 0. */
  private static void standardise(double[] x, double[] mean, double[] sd, double[] z) {
    z[0] = 1;
    for (int j = 0; j < x.length; j++) {
      z[j + 1] = sd[j] > 0 ? (x[j] - mean[j]) / sd[j] : 0;
    }
  }

  /** Partial pivoting: moves the row (from col down) with the largest entry in col up to col; returns where it was. */
  private static int swapPivotRow(double[][] m, int col) {
    int pivot = col;
    for (int row = col + 1; row < m.length; row++) {
      if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
        pivot = row;
      }
    }
    double[] t = m[col];
    m[col] = m[pivot];
    m[pivot] = t;
    return pivot;
  }

  /** The diagonal of a⁻¹, by Gauss-Jordan elimination with partial pivoting (a is positive definite here). */
  private static double[] inverseDiagonal(double[][] a) {
    int n = a.length;
    double[][] m = new double[n][];
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      m[i] = a[i].clone();
      inv[i][i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int pivot = swapPivotRow(m, col);
      double[] t = inv[col];
      inv[col] = inv[pivot];
      inv[pivot] = t;
      if (Math.abs(m[col][col]) < 1e-12) {
        m[col][col] = 1e-12;
      }
      double d = m[col][col];
      for (int c = 0; c < n; c++) {
        m[col][c] /= d;
        inv[col][c] /= d;
      }
      for (int row = 0; row < n; row++) {
        double f = m[row][col];
        if (row == col || f == 0) {
          continue;
        }
        for (int c = 0; c < n; c++) {
          m[row][c] -= f * m[col][c];
          inv[row][c] -= f * inv[col][c];
        }
      }
    }
    double[] diagonal = new double[n];
    for (int i = 0; i < n; i++) {
      diagonal[i] = inv[i][i];
    }
    return diagonal;
  }

  /** Solves a·s = b by Gaussian elimination with partial pivoting (a is positive definite here). */
  private static double[] solve(double[][] a, double[] b) {
    int n = b.length;
    double[][] m = new double[n][];
    double[] r = b.clone();
    for (int i = 0; i < n; i++) {
      m[i] = a[i].clone();
    }
    for (int col = 0; col < n; col++) {
      int pivot = swapPivotRow(m, col);
      double tr = r[col];
      r[col] = r[pivot];
      r[pivot] = tr;
      if (Math.abs(m[col][col]) < 1e-12) {
        m[col][col] = 1e-12;
      }
      for (int row = col + 1; row < n; row++) {
        double f = m[row][col] / m[col][col];
        for (int c = col; c < n; c++) {
          m[row][c] -= f * m[col][c];
        }
        r[row] -= f * r[col];
      }
    }
    double[] s = new double[n];
    for (int row = n - 1; row >= 0; row--) {
      double sum = r[row];
      for (int c = row + 1; c < n; c++) {
        sum -= m[row][c] * s[c];
      }
      s[row] = sum / m[row][row];
    }
    return s;
  }
}
