package io.healthscore.signals.store;

import io.healthscore.signals.store.AccountRecord.BillingPeriod;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An account's fields as the attribute history stores them: by the accounts column name (free
 * attributes as "attr:" + key), values as text; null for an unset date.
 */
final class AccountFields {
  static final String ATTRIBUTE = "attr:";

  private AccountFields() {}

  static Map<String, String> encode(AccountRecord a) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("name", a.name());
    f.put("segment", a.segment());
    f.put("lifecycle_stage", a.lifecycleStage());
    f.put("parent_account_id", a.parentAccountId());
    f.put("plan", a.plan());
    f.put("licenses", Long.toString(a.licenses()));
    f.put("mrr", Double.toString(a.mrr()));
    f.put("contract_start_millis", a.contractStart() == null ? null : Long.toString(a.contractStart().toEpochMilli()));
    f.put("renewal_date_millis", a.renewalDate() == null ? null : Long.toString(a.renewalDate().toEpochMilli()));
    f.put("billing_period", a.billingPeriod().name());
    f.put("owner_id", a.owner());
    a.attributes().forEach((key, value) -> f.put(ATTRIBUTE + key, value));
    return f;
  }

  static AccountRecord decode(String accountId, Map<String, String> f, Instant createTime, Instant updateTime) {
    Map<String, String> attributes = new TreeMap<>();
    f.forEach(
        (field, value) -> {
          if (field.startsWith(ATTRIBUTE) && value != null) {
            attributes.put(field.substring(ATTRIBUTE.length()), value);
          }
        });
    return new AccountRecord(
        accountId,
        text(f, "name"),
        text(f, "segment"),
        text(f, "lifecycle_stage"),
        text(f, "parent_account_id"),
        text(f, "plan"),
        Long.parseLong(f.getOrDefault("licenses", "0")),
        Double.parseDouble(f.getOrDefault("mrr", "0")),
        instant(f.get("contract_start_millis")),
        instant(f.get("renewal_date_millis")),
        BillingPeriod.valueOf(f.getOrDefault("billing_period", BillingPeriod.UNSPECIFIED.name())),
        text(f, "owner_id"),
        attributes,
        createTime,
        updateTime);
  }

  private static String text(Map<String, String> f, String field) {
    String value = f.get(field);
    return value == null ? "" : value;
  }

  private static Instant instant(String millis) {
    return millis == null ? null : Instant.ofEpochMilli(Long.parseLong(millis));
  }
}
