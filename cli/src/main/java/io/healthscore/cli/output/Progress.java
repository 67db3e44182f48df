package io.healthscore.cli.output;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long step on stderr. On a terminal a bar redrawn in place with count, rate and ETA;
 * otherwise (a pipe, a CI log) a plain line at most every two seconds and a final one.
 */
public final class Progress {
  private static final long PLAIN_EVERY_NANOS = 2_000_000_000L;
  private static final long BAR_EVERY_NANOS = 100_000_000L;
  private static final int BAR_WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final long total;
  private final boolean redraw;
  private final LongSupplier nanos;
  private final boolean steps;
  private final long started;
  private long lastPrinted;
  private long done;

  public Progress(PrintWriter err, String label, long total, boolean redraw, LongSupplier nanos) {
    this(err, label, total, redraw, nanos, false);
  }

  private Progress(PrintWriter err, String label, long total, boolean redraw, LongSupplier nanos, boolean steps) {
    this.err = err;
    this.steps = steps;
    this.label = label;
    this.total = total;
    this.redraw = redraw;
    this.nanos = nanos;
    this.started = nanos.getAsLong();
    this.lastPrinted = started;
  }

  public static Progress onStderr(PrintWriter err, String label, long total) {
    return new Progress(err, label, total, Terminal.interactive(), System::nanoTime);
  }

  /**
   * Progress through a few long steps (each one call that reports nothing until it ends): shows the
   * step and the time elapsed rather than a rate; {@link #tick} keeps it moving while a step runs.
   */
  public static Progress stepsOnStderr(PrintWriter err, String label, long steps) {
    return steps(err, label, steps, Terminal.interactive(), System::nanoTime);
  }

  static Progress steps(PrintWriter err, String label, long steps, boolean redraw, LongSupplier nanos) {
    return new Progress(err, label, steps, redraw, nanos, true);
  }

  /** Redraws (or prints, when due) without progress, so a long step shows it is still running. */
  public synchronized void tick() {
    advance(0);
  }

  public synchronized void advance(long n) {
    done += n;
    long now = nanos.getAsLong();
    if (now - lastPrinted >= (redraw ? BAR_EVERY_NANOS : PLAIN_EVERY_NANOS)) {
      lastPrinted = now;
      print(now, false);
    }
  }

  public synchronized void finish() {
    print(nanos.getAsLong(), true);
  }

  private void print(long now, boolean last) {
    double seconds = Math.max(1e-9, (now - started) / 1e9);
    double rate = done / seconds;
    String counts = total > 0 ? String.format(Locale.ROOT, "%,d/%,d", done, total) : String.format(Locale.ROOT, "%,d", done);
    String eta = total > 0 && rate > 0 && done < total ? " ETA " + duration((total - done) / rate) : "";
    String text = steps
        ? String.format(Locale.ROOT, "%s %s, %s%s", label, counts, duration(seconds), last ? "" : " elapsed")
        : String.format(Locale.ROOT, "%s %s, %,.0f/s%s", label, counts, rate, last ? " in " + duration(seconds) : eta);
    if (redraw) {
      double share = total > 0 ? Math.min(1, (double) done / total) : 0;
      int filled = (int) Math.round(share * BAR_WIDTH);
      String bar = "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + String.format(Locale.ROOT, "%3.0f%% ", share * 100);
      err.print("\r" + bar + text + "\u001b[K" + (last ? System.lineSeparator() : ""));
    } else {
      err.println(text);
    }
    err.flush();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }
    return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
  }
}
