package io.healthscore.demo;

import com.google.protobuf.Timestamp;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A realistic portfolio: accounts in three segments with different desired outcomes, a year of
 * signals from every family (usage, money, support and engagement, CSM judgement, proactive
 * milestones and success-plan actions), CSM inputs that go stale, and the renewals, churn,
 * expansions and contractions of the past year. Deterministic for a seed.
 *
 * <p>Each account has a latent health between 0 and 1 that drifts over the year; every signal is a
 * noisy reading of it, and at each contract anniversary the account churns with a probability that
 * falls steeply with its health then, so the signals carry what predicts churn. Regular signals
 * come every {@value #PERIOD_DAYS} days (a 30-day window holds exactly three of them, so sums and
 * trends compare like with like); events (tickets, failed payments, meetings, trainings, surveys,
 * CSM assessments, milestones) when they happen.
 */
public final class Portfolio {
  static final int PERIOD_DAYS = 10;
  static final int HISTORY_DAYS = 365;

  /** A segment: its share of accounts, seats and price, and the outcome its customers want. */
  public enum Segment {
    SMB("smb", 0.5, 8, 45, "self-serve adoption: most seats active every week"),
    MID_MARKET("mid-market", 0.35, 25, 70, "a team rollout: onboarding milestones and logins per seat"),
    ENTERPRISE("enterprise", 0.15, 80, 110, "strategic value: sponsor, champion, QBRs and the success plan");

    public final String id;
    final double share;
    final int seats;
    final double pricePerSeat;
    public final String desiredOutcome;

    Segment(String id, double share, int seats, double pricePerSeat, String desiredOutcome) {
      this.id = id;
      this.share = share;
      this.seats = seats;
      this.pricePerSeat = pricePerSeat;
      this.desiredOutcome = desiredOutcome;
    }
  }

  /** The account record from a moment on. */
  public record RecordChange(Instant effective, Account account) {}

  /** One generated account: its record, hidden health path, outcomes and churn. */
  public static final class Member {
    public Account account;
    public final Segment segment;
    final double baseHealth;
    final double drift;
    final long tenureDays;
    final boolean csmGoesQuiet;
    final int csmQuietDaysAgo;
    /** Days ago the account churned, or -1. */
    public int churnedDaysAgo = -1;
    /** The record as it was a year ago, before any renewal or churn of the year. */
    public Account yearAgo;
    /** Each change of the record during the year (renewed, grown, shrunk, churned), oldest first. */
    public final List<RecordChange> recordChanges = new ArrayList<>();
    public final List<Outcome> outcomes = new ArrayList<>();

    Member(Segment segment, double baseHealth, double drift, long tenureDays, boolean csmGoesQuiet, int csmQuietDaysAgo) {
      this.segment = segment;
      this.baseHealth = baseHealth;
      this.drift = drift;
      this.tenureDays = tenureDays;
      this.csmGoesQuiet = csmGoesQuiet;
      this.csmQuietDaysAgo = csmQuietDaysAgo;
    }

    /** Latent health {@code daysAgo} days before now: the base plus a drift over the last 150 days. */
    double health(int daysAgo) {
      double recent = Math.max(0, 150 - daysAgo) / 150.0;
      return clamp(baseHealth + drift * recent);
    }

    public boolean churned() {
      return churnedDaysAgo >= 0;
    }
  }

  private static final String[] OWNERS = {"ana@example.com", "ben@example.com", "chloe@example.com", "dev@example.com", "eli@example.com"};
  private static final String[] WORDS = {
    "North", "Blue", "Iron", "Bright", "Silver", "Rapid", "Green", "Solid", "Clear", "Prime", "Lunar", "Cedar",
    "Harbor", "Summit", "Falcon", "Maple", "Orbit", "Pixel", "Quartz", "Vertex"
  };
  private static final String[] SUFFIXES = {"Labs", "Systems", "Logistics", "Health", "Foods", "Media", "Capital", "Works"};
  private static final String[][] MILESTONES = {
    {"milestone.kickoff_done", "14"}, {"milestone.integration_live", "45"}, {"milestone.first_value", "60"},
    {"milestone.users_trained", "90"}, {"milestone.first_qbr", "120"}
  };

  private final Instant now;
  private final long seed;
  private final List<Member> members = new ArrayList<>();
  private long nextEvent;

  public Portfolio(Instant now, int accounts, long seed) {
    this.now = now;
    this.seed = seed;
    Random r = new Random(seed);
    for (int i = 0; i < accounts; i++) {
      members.add(member(i, r));
    }
  }

  public List<Member> members() {
    return members;
  }

  public List<Account> accounts() {
    return members.stream().map(m -> m.account).toList();
  }

  /** A moment before every signal of the year. */
  public Instant historyStart() {
    return now.minus(Duration.ofDays(HISTORY_DAYS + 1));
  }

  public List<Outcome> outcomes() {
    List<Outcome> out = new ArrayList<>();
    members.forEach(m -> out.addAll(m.outcomes));
    return out;
  }

  private Member member(int i, Random r) {
    Segment segment = r.nextDouble() < Segment.SMB.share ? Segment.SMB
        : r.nextDouble() < Segment.MID_MARKET.share / (1 - Segment.SMB.share) ? Segment.MID_MARKET : Segment.ENTERPRISE;
    long seats = Math.max(3, Math.round(segment.seats * (0.5 + r.nextDouble())));
    double mrr = Math.round(seats * segment.pricePerSeat * (0.85 + 0.3 * r.nextDouble()));
    long tenure = 60 + r.nextInt(1040);
    double base = clamp(0.2 + 0.75 * Math.pow(r.nextDouble(), 0.6));
    double roll = r.nextDouble();
    double drift = roll < 0.22 ? -(0.2 + 0.4 * r.nextDouble()) : roll < 0.35 ? 0.1 + 0.2 * r.nextDouble() : 0;
    boolean quiet = segment != Segment.SMB && r.nextDouble() < 0.3;
    String id = String.format("%s-%04d", segment == Segment.SMB ? "smb" : segment == Segment.MID_MARKET ? "mm" : "ent", i);
    Account.Builder a = Account.newBuilder()
        .setAccountId(id)
        .setName(WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)] + " " + SUFFIXES[r.nextInt(SUFFIXES.length)])
        .setSegment(segment.id)
        .setLifecycleStage(tenure < 120 ? "onboarding" : "adoption")
        .setPlan(segment == Segment.ENTERPRISE ? "enterprise" : segment == Segment.MID_MARKET ? "business" : "team")
        .setLicenses(seats)
        .setMrr(mrr)
        .setContractStart(ts(now.minus(Duration.ofDays(tenure))))
        .setBillingPeriod(segment == Segment.SMB && r.nextBoolean() ? BillingPeriod.BILLING_PERIOD_MONTHLY : BillingPeriod.BILLING_PERIOD_ANNUAL)
        .setOwner(OWNERS[r.nextInt(OWNERS.length)])
        .putAttributes("region", r.nextBoolean() ? "emea" : "amer");
    Member m = new Member(segment, base, drift, tenure, quiet, 100 + r.nextInt(120));
    anniversaries(m, a, r);
    m.account = a.build();
    return m;
  }

  /**
   * At each contract anniversary of the past year the account renews or churns; renewing accounts
   * in good health may expand, poor ones contract. A churned account keeps its record with MRR 0.
   */
  private void anniversaries(Member m, Account.Builder a, Random r) {
    double mrr = a.getMrr();
    long nextRenewal = 365 - (m.tenureDays % 365);
    Instant firstRenewal = now.plus(Duration.ofDays(nextRenewal));
    for (long year = 1; year * 365 <= m.tenureDays; year++) {
      long daysAgo = m.tenureDays - year * 365;
      if (daysAgo <= HISTORY_DAYS) {
        firstRenewal = now.minus(Duration.ofDays(daysAgo));
        break;
      }
    }
    m.yearAgo = a.clone().setRenewalDate(ts(firstRenewal)).build();
    for (long year = 1; year * 365 <= m.tenureDays; year++) {
      int daysAgo = (int) (m.tenureDays - year * 365);
      if (daysAgo > HISTORY_DAYS) {
        continue;
      }
      double h = m.health(daysAgo);
      double churn = 1 / (1 + Math.exp(12 * (h - 0.33)));
      Instant at = now.minus(Duration.ofDays(daysAgo));
      if (r.nextDouble() < churn) {
        m.churnedDaysAgo = daysAgo;
        m.outcomes.add(outcome(a.getAccountId(), OutcomeType.OUTCOME_TYPE_CHURNED, at, -mrr));
        a.setMrr(0).setLifecycleStage("churned").clearRenewalDate();
        m.recordChanges.add(new RecordChange(at, a.build()));
        return;
      }
      m.outcomes.add(outcome(a.getAccountId(), OutcomeType.OUTCOME_TYPE_RENEWED, at, 0));
      if (h > 0.7 && r.nextDouble() < 0.35) {
        double delta = Math.round(mrr * 0.2);
        m.outcomes.add(outcome(a.getAccountId(), OutcomeType.OUTCOME_TYPE_EXPANDED, at.plusSeconds(3600), delta));
        mrr += delta;
      } else if (h < 0.45 && r.nextDouble() < 0.3) {
        double delta = -Math.round(mrr * 0.15);
        m.outcomes.add(outcome(a.getAccountId(), OutcomeType.OUTCOME_TYPE_CONTRACTED, at.plusSeconds(3600), delta));
        mrr += delta;
      }
      a.setMrr(mrr).setRenewalDate(ts(at.plus(Duration.ofDays(365))));
      m.recordChanges.add(new RecordChange(at, a.build()));
    }
    a.setMrr(mrr).setRenewalDate(ts(now.plus(Duration.ofDays(nextRenewal))));
  }

  /** Every signal of one account's year, oldest first; nothing after it churned. */
  public List<Signal> signals(Member m) {
    Random r = new Random(seed * 31 + m.account.getAccountId().hashCode());
    List<Signal> out = new ArrayList<>();
    String id = m.account.getAccountId();
    long seats = m.account.getLicenses();
    int firstDay = (int) Math.min(HISTORY_DAYS, m.tenureDays);
    int lastDay = m.churned() ? m.churnedDaysAgo + 1 : 1;
    for (int daysAgo = firstDay; daysAgo >= lastDay; daysAgo--) {
      double h = clamp(m.health(daysAgo) + 0.05 * r.nextGaussian());
      Instant day = now.minus(Duration.ofDays(daysAgo)).plus(Duration.ofMinutes(r.nextInt(600)));
      if (daysAgo % PERIOD_DAYS == 0) {
        usage(out, id, seats, h, daysAgo, day, r);
      }
      events(out, m, id, h, daysAgo, day, r);
    }
    milestones(out, m, id, r);
    return out;
  }

  private void usage(List<Signal> out, String id, long seats, double h, int daysAgo, Instant day, Random r) {
    long active = Math.max(1, Math.round(seats * (0.15 + 0.8 * h)));
    out.add(number(id, "active_users", active, day));
    // Each active user's logins of three periods in one signal, once every three periods, the users
    // staggered so that some log in every period: a 30-day window holds each active user once. The
    // pattern is the same all year, so features as of a past moment (what the model learns from)
    // read like today's (what it scores).
    for (int u = 0; u < active; u++) {
      if ((daysAgo / PERIOD_DAYS + u) % 3 == 0) {
        long logins = 0;
        for (int period = 0; period < 3; period++) {
          logins += 1 + Math.round(8 * h * r.nextDouble());
        }
        out.add(base(id, "logins", day.plusSeconds(u), "product").setUserId("u" + u).setNumber(logins).build());
      }
    }
    out.add(number(id, "features.available", 10, day));
    out.add(number(id, "features.active", Math.round(10 * (0.1 + 0.8 * h)), day));
    long started = 20 + r.nextInt(20);
    out.add(number(id, "workflows.started", started, day));
    out.add(number(id, "workflows.completed", Math.round(started * (0.4 + 0.58 * h)), day));
    long sessions = active * 6L;
    out.add(number(id, "sessions.all", sessions, day));
    out.add(number(id, "sessions.mobile", Math.round(sessions * (0.05 + 0.3 * h * r.nextDouble())), day));
    if (h > 0.35 + 0.2 * r.nextDouble()) {
      out.add(number(id, "feature.reports.used", 1, day));
      out.add(number(id, "feature.automation.used", 1, day));
    }
  }

  private void events(List<Signal> out, Member m, String id, double h, int daysAgo, Instant day, Random r) {
    boolean managed = m.segment != Segment.SMB;
    if (r.nextDouble() < 0.02 + 0.08 * (1 - h)) {
      out.add(number(id, "support.tickets_opened", 1, day));
      out.add(number(id, "support.tickets_resolved", 1, day.plusSeconds(7200)));
      out.add(number(id, "support.sla_met", r.nextDouble() < 0.5 + 0.5 * h ? 1 : 0, day.plusSeconds(7200)));
      if (r.nextDouble() < 0.4 * (1 - h)) {
        out.add(number(id, "support.tickets_reopened", 1, day.plusSeconds(9000)));
      }
    }
    if (daysAgo % 30 == 3 && r.nextDouble() < 0.45 * Math.pow(1 - h, 2.5)) {
      out.add(number(id, "billing.payment_failed", 1, day));
    }
    if (daysAgo % 30 == 7 && r.nextDouble() < 0.15 + 0.6 * h) {
      out.add(number(id, "training.attended", 1, day));
    }
    if (managed && daysAgo % 30 == 11) {
      out.add(number(id, "meetings.planned", 1, day));
      if (r.nextDouble() < 0.3 + 0.7 * h) {
        out.add(number(id, "meetings.held", 1, day.plusSeconds(86_000)));
      }
      if (r.nextDouble() < h) {
        out.add(number(id, "success_plan.action_completed", 1, day));
      }
    }
    if (managed && daysAgo % 90 == 20 && r.nextDouble() < 0.2 + 0.8 * h) {
      out.add(number(id, "qbr.held", 1, day));
    }
    if (daysAgo % 90 == 40) {
      out.add(number(id, "survey.csat", Math.round(10 * (1 + 4 * h)) / 10.0, day));
      out.add(number(id, "roi.value_planned", 100, day));
      out.add(number(id, "roi.value_realized", Math.round(100 * (0.2 + 0.9 * h)), day));
    }
    if (daysAgo % 180 == 50) {
      out.add(number(id, "survey.nps", Math.max(0, Math.min(10, Math.round(10 * h + r.nextGaussian()))), day));
    }
    // CSM judgement every 45 days, until a CSM of some accounts stops updating: those inputs go stale.
    boolean csmActive = !m.csmGoesQuiet || daysAgo > m.csmQuietDaysAgo;
    if (managed && csmActive && daysAgo % 45 == 15) {
      out.add(label(id, "csm.executive_sponsor", h > 0.4 + 0.1 * r.nextGaussian() ? "yes" : "lost", day));
      out.add(label(id, "csm.champion", h > 0.45 + 0.1 * r.nextGaussian() ? "yes" : "lost", day));
      out.add(label(id, "csm.painkiller", h > 0.5 ? "yes" : "no", day));
      out.add(label(id, "csm.outcome_achieved", h > 0.6 ? "yes" : "no", day));
      out.add(number(id, "csm.strategic_alignment", Math.max(1, Math.min(5, Math.round(1 + 4 * h + 0.5 * r.nextGaussian()))), day));
      out.add(number(id, "csm.relationship", Math.max(1, Math.min(5, Math.round(1 + 4 * h + 0.5 * r.nextGaussian()))), day));
    }
  }

  /** Milestones of the contract's first months: on time when the account was healthy then, late or never otherwise. */
  private void milestones(List<Signal> out, Member m, String id, Random r) {
    if (m.segment == Segment.SMB) {
      return;
    }
    for (String[] milestone : MILESTONES) {
      int due = Integer.parseInt(milestone[1]);
      long dueDaysAgo = m.tenureDays - due;
      double h = m.health((int) Math.max(0, Math.min(HISTORY_DAYS, dueDaysAgo)));
      if (r.nextDouble() > 0.3 + 0.7 * h) {
        continue;
      }
      long reachedDay = h > 0.5 ? due - r.nextInt(5) : due + 10 + r.nextInt(40);
      long daysAgo = m.tenureDays - reachedDay;
      if (daysAgo >= 1 && daysAgo <= 3000 && (!m.churned() || daysAgo > m.churnedDaysAgo)) {
        out.add(number(id, milestone[0], 1, now.minus(Duration.ofDays(daysAgo))));
      }
    }
  }

  /** A bad week for a healthy account: payments fail, champion and sponsor leave, tickets pile up. */
  public List<Signal> downturn(String accountId) {
    Instant at = now.minusSeconds(60);
    List<Signal> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      out.add(number(accountId, "billing.payment_failed", 1, at.plusSeconds(i)));
    }
    out.add(label(accountId, "csm.champion", "lost", at));
    out.add(label(accountId, "csm.executive_sponsor", "lost", at));
    for (int i = 0; i < 4; i++) {
      out.add(number(accountId, "support.tickets_opened", 1, at.plusSeconds(10 + i)));
    }
    return out;
  }

  private Outcome outcome(String account, OutcomeType type, Instant at, double delta) {
    return Outcome.newBuilder().setEventId(account + "-" + type.name().toLowerCase(java.util.Locale.ROOT) + "-" + at.getEpochSecond())
        .setAccountId(account).setType(type).setOccurredAt(ts(at)).setMrrDelta(delta).build();
  }

  private Signal number(String account, String metric, double value, Instant at) {
    return base(account, metric, at, "demo").setNumber(value).build();
  }

  private Signal label(String account, String metric, String value, Instant at) {
    return base(account, metric, at, "crm").setLabel(value).build();
  }

  private Signal.Builder base(String account, String metric, Instant at, String source) {
    return Signal.newBuilder()
        .setEventId("demo-" + now.getEpochSecond() + "-" + (nextEvent++))
        .setAccountId(account)
        .setMetric(metric)
        .setOccurredAt(ts(at))
        .setSource(source);
  }

  static double clamp(double h) {
    return h < 0.02 ? 0.02 : (h > 0.98 ? 0.98 : h);
  }

  static Timestamp ts(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
