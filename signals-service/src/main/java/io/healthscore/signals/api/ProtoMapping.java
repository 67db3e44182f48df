package io.healthscore.signals.api;

import com.google.protobuf.Timestamp;
import io.healthscore.signals.features.Features;
import io.healthscore.signals.ingest.SignalRecord;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.ChangeEntry;
import io.healthscore.signals.store.ChangeKind;
import io.healthscore.signals.store.OutcomeRecord;
import io.healthscore.v1.Account;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.Signal;
import io.healthscore.v1.WatchChangesResponse;
import java.time.Instant;

/** Converts between the healthscore.v1 messages and the service's own records. */
public final class ProtoMapping {
  private ProtoMapping() {}

  public static Instant toInstant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  public static Timestamp toTimestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  /** Within google.protobuf.Timestamp's documented range, years 0001 to 9999. */
  public static boolean isValid(Timestamp t) {
    return t.getNanos() >= 0
        && t.getNanos() <= 999_999_999
        && t.getSeconds() >= -62_135_596_800L
        && t.getSeconds() <= 253_402_300_799L;
  }

  /** Milliseconds since the epoch, rounding toward the past. */
  public static long toMillis(Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  /** A validated signal as the ingest engine takes it. */
  public static SignalRecord toRecord(Signal s) {
    boolean isLabel = s.getValueCase() == Signal.ValueCase.LABEL;
    return new SignalRecord(
        s.getEventId(),
        s.getAccountId(),
        s.getUserId(),
        s.getMetric(),
        isLabel,
        isLabel ? 0 : s.getNumber(),
        isLabel ? s.getLabel() : null,
        toMillis(s.getOccurredAt()),
        s.getSource());
  }

  /** A validated account; create and update times are the caller's to set. */
  public static AccountRecord toRecord(Account a, Instant createTime, Instant updateTime) {
    return new AccountRecord(
        a.getAccountId(),
        a.getName(),
        a.getSegment(),
        a.getLifecycleStage(),
        a.getParentAccountId(),
        a.getPlan(),
        a.getLicenses(),
        a.getMrr(),
        a.hasContractStart() ? toInstant(a.getContractStart()) : null,
        a.hasRenewalDate() ? toInstant(a.getRenewalDate()) : null,
        switch (a.getBillingPeriod()) {
          case BILLING_PERIOD_MONTHLY -> AccountRecord.BillingPeriod.MONTHLY;
          case BILLING_PERIOD_ANNUAL -> AccountRecord.BillingPeriod.ANNUAL;
          default -> AccountRecord.BillingPeriod.UNSPECIFIED;
        },
        a.getOwner(),
        a.getAttributesMap(),
        createTime,
        updateTime);
  }

  public static Account toProto(AccountRecord a) {
    Account.Builder b =
        Account.newBuilder()
            .setAccountId(a.accountId())
            .setName(a.name())
            .setSegment(a.segment())
            .setLifecycleStage(a.lifecycleStage())
            .setParentAccountId(a.parentAccountId())
            .setPlan(a.plan())
            .setLicenses(a.licenses())
            .setMrr(a.mrr())
            .setBillingPeriod(
                switch (a.billingPeriod()) {
                  case MONTHLY -> BillingPeriod.BILLING_PERIOD_MONTHLY;
                  case ANNUAL -> BillingPeriod.BILLING_PERIOD_ANNUAL;
                  case UNSPECIFIED -> BillingPeriod.BILLING_PERIOD_UNSPECIFIED;
                })
            .setOwner(a.owner())
            .putAllAttributes(a.attributes())
            .setCreateTime(toTimestamp(a.createTime()))
            .setUpdateTime(toTimestamp(a.updateTime()));
    if (a.contractStart() != null) {
      b.setContractStart(toTimestamp(a.contractStart()));
    }
    if (a.renewalDate() != null) {
      b.setRenewalDate(toTimestamp(a.renewalDate()));
    }
    return b.build();
  }

  public static OutcomeRecord toRecord(Outcome o) {
    return new OutcomeRecord(
        o.getEventId(),
        o.getAccountId(),
        switch (o.getType()) {
          case OUTCOME_TYPE_RENEWED -> OutcomeRecord.OutcomeKind.RENEWED;
          case OUTCOME_TYPE_CHURNED -> OutcomeRecord.OutcomeKind.CHURNED;
          case OUTCOME_TYPE_EXPANDED -> OutcomeRecord.OutcomeKind.EXPANDED;
          case OUTCOME_TYPE_CONTRACTED -> OutcomeRecord.OutcomeKind.CONTRACTED;
          default -> throw new IllegalArgumentException("outcome type not validated: " + o.getType());
        },
        toInstant(o.getOccurredAt()),
        o.getMrrDelta());
  }

  public static Outcome toProto(OutcomeRecord o) {
    return Outcome.newBuilder()
        .setEventId(o.eventId())
        .setAccountId(o.accountId())
        .setType(
            switch (o.kind()) {
              case RENEWED -> OutcomeType.OUTCOME_TYPE_RENEWED;
              case CHURNED -> OutcomeType.OUTCOME_TYPE_CHURNED;
              case EXPANDED -> OutcomeType.OUTCOME_TYPE_EXPANDED;
              case CONTRACTED -> OutcomeType.OUTCOME_TYPE_CONTRACTED;
            })
        .setOccurredAt(toTimestamp(o.occurredAt()))
        .setMrrDelta(o.mrrDelta())
        .build();
  }

  public static WatchChangesResponse toWatchResponse(ChangeEntry e) {
    AccountChange.Builder change =
        AccountChange.newBuilder()
            .setCursor(e.cursor())
            .setAccountId(e.accountId())
            .addAllMetrics(e.metrics())
            .setChangeTime(toTimestamp(e.changeTime()));
    for (ChangeKind kind : ChangeKind.values()) {
      if (e.kinds().contains(kind)) {
        change.addKinds(
            switch (kind) {
              case SIGNALS -> io.healthscore.v1.ChangeKind.CHANGE_KIND_SIGNALS;
              case OUTCOME -> io.healthscore.v1.ChangeKind.CHANGE_KIND_OUTCOME;
              case ACCOUNT -> io.healthscore.v1.ChangeKind.CHANGE_KIND_ACCOUNT;
            });
      }
    }
    return WatchChangesResponse.newBuilder().setChange(change).build();
  }

  public static GetFeaturesResponse toProto(String accountId, Instant asOf, Features features) {
    return GetFeaturesResponse.newBuilder()
        .setAccountId(accountId)
        .setAsOf(toTimestamp(asOf))
        .putAllFeatures(features.numbers())
        .putAllLabels(features.labels())
        .build();
  }
}
