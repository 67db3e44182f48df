package io.healthscore.cli.importing;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.Signal;
import java.text.ParseException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/**
 * Rows to Account, Signal and Outcome messages. Columns are the proto field names; docs/import.md
 * lists them. Only what a file cannot express is checked here (a number that is not one, a
 * timestamp that does not parse, an unknown enum value); everything else the service validates.
 */
public final class RowMapping {
  private static final String ATTRIBUTE_PREFIX = "attributes.";

  private RowMapping() {}

  public static Account account(Row row) throws RowException {
    Account.Builder a = Account.newBuilder()
        .setAccountId(row.get("account_id"))
        .setName(row.get("name"))
        .setSegment(row.get("segment"))
        .setLifecycleStage(row.get("lifecycle_stage"))
        .setParentAccountId(row.get("parent_account_id"))
        .setPlan(row.get("plan"))
        .setOwner(row.get("owner"));
    String licenses = row.get("licenses");
    if (!licenses.isEmpty()) {
      try {
        a.setLicenses(Long.parseLong(licenses));
      } catch (NumberFormatException e) {
        throw new RowException("licenses", "not a whole number: '" + licenses + "'");
      }
    }
    String mrr = row.get("mrr");
    if (!mrr.isEmpty()) {
      a.setMrr(number(mrr, "mrr"));
    }
    Timestamp start = timestamp(row, "contract_start");
    if (start != null) {
      a.setContractStart(start);
    }
    Timestamp renewal = timestamp(row, "renewal_date");
    if (renewal != null) {
      a.setRenewalDate(renewal);
    }
    String period = row.get("billing_period");
    if (!period.isEmpty()) {
      a.setBillingPeriod(enumValue(BillingPeriod.class, "BILLING_PERIOD_", period, "billing_period"));
    }
    for (Map.Entry<String, String> e : row.values().entrySet()) {
      if (e.getKey().startsWith(ATTRIBUTE_PREFIX) && !e.getValue().isBlank()) {
        a.putAttributes(e.getKey().substring(ATTRIBUTE_PREFIX.length()), e.getValue().strip());
      }
    }
    return a.build();
  }

  public static Signal signal(Row row) throws RowException {
    Signal.Builder s = Signal.newBuilder()
        .setEventId(row.get("event_id"))
        .setAccountId(row.get("account_id"))
        .setUserId(row.get("user_id"))
        .setMetric(row.get("metric"))
        .setSource(row.get("source"));
    String number = row.get("number");
    String label = row.get("label");
    if (!number.isEmpty() && !label.isEmpty()) {
      throw new RowException("number", "set number or label, not both");
    }
    if (!number.isEmpty()) {
      s.setNumber(number(number, "number"));
    } else if (!label.isEmpty()) {
      s.setLabel(label);
    }
    Timestamp at = timestamp(row, "occurred_at");
    if (at != null) {
      s.setOccurredAt(at);
    }
    return s.build();
  }

  public static Outcome outcome(Row row) throws RowException {
    Outcome.Builder o = Outcome.newBuilder()
        .setEventId(row.get("event_id"))
        .setAccountId(row.get("account_id"));
    String type = row.get("type");
    if (!type.isEmpty()) {
      o.setType(enumValue(OutcomeType.class, "OUTCOME_TYPE_", type, "type"));
    }
    Timestamp at = timestamp(row, "occurred_at");
    if (at != null) {
      o.setOccurredAt(at);
    }
    String delta = row.get("mrr_delta");
    if (!delta.isEmpty()) {
      o.setMrrDelta(number(delta, "mrr_delta"));
    }
    return o.build();
  }

  private static double number(String text, String field) throws RowException {
    try {
      double v = Double.parseDouble(text);
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        throw new RowException(field, "not a finite number: '" + text + "'");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new RowException(field, "not a number: '" + text + "'");
    }
  }

  /** RFC 3339 ({@code 2026-11-22T10:00:00Z}, any offset); a bare date is midnight UTC. */
  static Timestamp timestamp(Row row, String field) throws RowException {
    String text = row.get(field);
    if (text.isEmpty()) {
      return null;
    }
    try {
      if (text.length() == 10) {
        return Timestamps.fromSeconds(LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toEpochSecond());
      }
      return Timestamps.parse(text);
    } catch (ParseException | DateTimeParseException e) {
      throw new RowException(field, "not an RFC 3339 timestamp such as 2026-11-22T10:00:00Z: '" + text + "'");
    }
  }

  /** A value named in full ({@code OUTCOME_TYPE_CHURNED}) or short and in any case ({@code churned}). */
  private static <E extends Enum<E> & com.google.protobuf.ProtocolMessageEnum> E enumValue(
      Class<E> type, String prefix, String text, String field) throws RowException {
    String name = text.toUpperCase(Locale.ROOT);
    if (!name.startsWith(prefix)) {
      name = prefix + name;
    }
    StringBuilder choices = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      if (e.name().endsWith("_UNSPECIFIED") || e.name().equals("UNRECOGNIZED")) {
        continue;
      }
      if (e.name().equals(name)) {
        return e;
      }
      choices.append(choices.length() == 0 ? "" : ", ").append(e.name().substring(prefix.length()).toLowerCase(Locale.ROOT));
    }
    throw new RowException(field, "unknown value '" + text + "'; one of " + choices);
  }
}
