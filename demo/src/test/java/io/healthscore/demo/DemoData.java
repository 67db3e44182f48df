package io.healthscore.demo;

import com.google.protobuf.Timestamp;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Sample accounts with 90 days of history, in four health profiles, sending the metrics the
 * balanced scorecard template reads (docs/scorecards.md). Deterministic for a given seed.
 */
public final class DemoData {
  /** How an account behaves over its history. */
  public enum Profile {
    THRIVING(0.9, 0.08, 0.0, 9, 4.7, "yes", "yes", 1.0),
    STEADY(0.65, 0.0, 0.0, 8, 4.1, "yes", "none", 0.8),
    SLIPPING(0.45, -0.25, 0.02, 6, 3.4, "none", "yes", 0.4),
    AT_RISK(0.2, -0.45, 0.06, 3, 2.2, "lost", "lost", 0.1);

    final double utilization;
    final double usageTrend;
    final double paymentFailureRate;
    final int npsAnswer;
    final double csat;
    final String champion;
    final String sponsor;
    final double milestoneDiscipline;

    Profile(double utilization, double usageTrend, double paymentFailureRate, int npsAnswer,
        double csat, String champion, String sponsor, double milestoneDiscipline) {
      this.utilization = utilization;
      this.usageTrend = usageTrend;
      this.paymentFailureRate = paymentFailureRate;
      this.npsAnswer = npsAnswer;
      this.csat = csat;
      this.champion = champion;
      this.sponsor = sponsor;
      this.milestoneDiscipline = milestoneDiscipline;
    }
  }

  private static final String[] SEGMENTS = {"smb", "mid-market", "enterprise"};
  private static final String[] OWNERS = {"ana@acme.test", "ben@acme.test", "chloe@acme.test"};
  private static final String[] NAMES = {
    "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne",
    "Hooli", "Pied Piper", "Aperture", "Vandelay", "Soylent", "Wonka", "Gringotts", "Oscorp",
    "Monarch", "Dunder", "Prestige"
  };
  private static final String[][] MILESTONES = {
    {"milestone.kickoff_done", "10"}, {"milestone.integration_live", "40"},
    {"milestone.first_value", "55"}, {"milestone.users_trained", "85"}, {"milestone.first_qbr", "115"}
  };

  private final Instant now;
  private final int historyDays;
  private final Random random;
  private long nextEvent;

  public DemoData(Instant now, int historyDays, long seed) {
    this.now = now;
    this.historyDays = historyDays;
    this.random = new Random(seed);
  }

  /** The profile of the i-th account: an even spread over the four. */
  public static Profile profileOf(int index) {
    return Profile.values()[index % Profile.values().length];
  }

  public static String accountId(int index) {
    return String.format("acct-%03d", index);
  }

  public List<Account> accounts(int count) {
    List<Account> accounts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String segment = SEGMENTS[i % SEGMENTS.length];
      long licenses = segment.equals("enterprise") ? 60 : segment.equals("mid-market") ? 25 : 10;
      int tenureDays = 100 + (i * 37) % 500;
      accounts.add(
          Account.newBuilder()
              .setAccountId(accountId(i))
              .setName(NAMES[i % NAMES.length] + (i >= NAMES.length ? " " + (i / NAMES.length + 1) : ""))
              .setSegment(segment)
              .setLifecycleStage(tenureDays < 120 ? "onboarding" : "adoption")
              .setPlan(segment.equals("enterprise") ? "enterprise" : "growth")
              .setLicenses(licenses)
              .setMrr(licenses * (segment.equals("enterprise") ? 150 : segment.equals("mid-market") ? 90 : 60))
              .setContractStart(ts(now.minus(Duration.ofDays(tenureDays))))
              .setRenewalDate(ts(now.plus(Duration.ofDays(20 + (i * 53) % 340))))
              .setBillingPeriod(i % 2 == 0 ? BillingPeriod.BILLING_PERIOD_ANNUAL : BillingPeriod.BILLING_PERIOD_MONTHLY)
              .setOwner(OWNERS[i % OWNERS.length])
              .putAttributes("region", i % 2 == 0 ? "emea" : "amer")
              .build());
    }
    return accounts;
  }

  /** Every signal of one account's history, oldest first. */
  public List<Signal> history(Account account, Profile profile) {
    List<Signal> out = new ArrayList<>();
    String id = account.getAccountId();
    long licenses = account.getLicenses();
    long tenureDays = Duration.between(toInstant(account.getContractStart()), now).toDays();
    for (int daysAgo = historyDays; daysAgo >= 1; daysAgo--) {
      Instant day = now.minus(Duration.ofDays(daysAgo)).plus(Duration.ofHours(random.nextInt(8)));
      // Usage drifts by the profile's trend over the last 60 days.
      double drift = 1 + profile.usageTrend * Math.max(0, 60 - daysAgo) / 60.0;
      long active = Math.max(1, Math.round(licenses * profile.utilization * drift * (0.9 + 0.2 * random.nextDouble())));
      out.add(number(id, "active_users", active, day));
      for (int u = 0; u < active; u++) {
        out.add(userEvent(id, "logins", "user-" + u, day.plusSeconds(u)));
      }
      out.add(number(id, "features.available", 12, day));
      out.add(number(id, "features.active", Math.round(12 * profile.utilization * drift), day));
      long started = 5 + random.nextInt(5);
      out.add(number(id, "workflows.started", started, day));
      out.add(number(id, "workflows.completed", Math.round(started * Math.min(1, 0.4 + profile.utilization * 0.6)), day));
      if (random.nextDouble() < 0.1 + (1 - profile.utilization) * 0.2) {
        out.add(number(id, "support.tickets_opened", 1, day));
        out.add(number(id, "support.tickets_resolved", 1, day.plusSeconds(3600)));
        out.add(number(id, "support.sla_met", random.nextDouble() < profile.utilization + 0.2 ? 1 : 0, day.plusSeconds(3600)));
        if (random.nextDouble() < (1 - profile.utilization) * 0.4) {
          out.add(number(id, "support.tickets_reopened", 1, day.plusSeconds(7200)));
        }
      }
      if (daysAgo % 30 == 0 && random.nextDouble() < profile.paymentFailureRate * 15) {
        out.add(number(id, "billing.payment_failed", 1, day));
      }
      if (daysAgo % 14 == 0) {
        out.add(number(id, "meetings.planned", 1, day));
        if (random.nextDouble() < profile.milestoneDiscipline + 0.1) {
          out.add(number(id, "meetings.held", 1, day));
        }
      }
      if (daysAgo % 21 == 0 && random.nextDouble() < profile.milestoneDiscipline) {
        out.add(number(id, "training.attended", 1, day));
        out.add(number(id, "success_plan.action_completed", 1, day));
      }
      if (daysAgo == 45) {
        out.add(number(id, "survey.nps", profile.npsAnswer, day));
        out.add(number(id, "survey.csat", profile.csat, day));
        out.add(number(id, "qbr.held", 1, day));
      }
      if (daysAgo == 30) {
        out.add(label(id, "csm.champion", profile.champion, day, "csm"));
        out.add(label(id, "csm.executive_sponsor", profile.sponsor, day, "csm"));
        out.add(label(id, "csm.painkiller", profile.utilization > 0.5 ? "yes" : "no", day, "csm"));
        out.add(number(id, "csm.strategic_alignment", Math.round(1 + 4 * profile.utilization), day));
        out.add(number(id, "csm.relationship", Math.round(1 + 4 * profile.milestoneDiscipline), day));
      }
    }
    // Milestones: reached on their day of the contract when the team is disciplined, late otherwise.
    for (String[] milestone : MILESTONES) {
      long dueDay = Long.parseLong(milestone[1]);
      long reachedDay = random.nextDouble() < profile.milestoneDiscipline ? dueDay : dueDay + 40;
      long daysAgo = tenureDays - reachedDay;
      if (daysAgo >= 1 && daysAgo <= 3650) {
        out.add(number(id, milestone[0], 1, now.minus(Duration.ofDays(daysAgo))));
      }
    }
    return out;
  }

  /** A bad week for a healthy account: payments fail, champion and sponsor leave, tickets pile up. */
  public List<Signal> downturn(String accountId) {
    Instant at = now.minusSeconds(60);
    List<Signal> out = new ArrayList<>();
    out.add(number(accountId, "billing.payment_failed", 1, at));
    out.add(number(accountId, "billing.payment_failed", 1, at.plusSeconds(1)));
    out.add(number(accountId, "billing.payment_failed", 1, at.plusSeconds(2)));
    out.add(label(accountId, "csm.champion", "lost", at, "csm"));
    out.add(label(accountId, "csm.executive_sponsor", "lost", at, "csm"));
    out.add(label(accountId, "csm.painkiller", "no", at, "csm"));
    out.add(number(accountId, "csm.relationship", 1, at));
    out.add(number(accountId, "csm.strategic_alignment", 1, at));
    out.add(number(accountId, "survey.nps", 1, at));
    out.add(number(accountId, "survey.csat", 1, at));
    for (int i = 0; i < 6; i++) {
      out.add(number(accountId, "support.tickets_opened", 1, at.plusSeconds(10 + i)));
      out.add(number(accountId, "support.sla_met", 0, at.plusSeconds(20 + i)));
    }
    return out;
  }

  private Signal number(String account, String metric, double value, Instant at) {
    return base(account, metric, at, "demo").setNumber(value).build();
  }

  private Signal userEvent(String account, String metric, String user, Instant at) {
    return base(account, metric, at, "product").setUserId(user).setNumber(1).build();
  }

  private Signal label(String account, String metric, String value, Instant at, String source) {
    return base(account, metric, at, source).setLabel(value).build();
  }

  private Signal.Builder base(String account, String metric, Instant at, String source) {
    return Signal.newBuilder()
        .setEventId("demo-" + now.getEpochSecond() + "-" + (nextEvent++))
        .setAccountId(account)
        .setMetric(metric)
        .setOccurredAt(ts(at))
        .setSource(source);
  }

  static Timestamp ts(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  static Instant toInstant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
