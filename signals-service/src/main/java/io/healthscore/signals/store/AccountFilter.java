package io.healthscore.signals.store;

/** ListAccounts filters; an empty string matches every account. */
public record AccountFilter(String segment, String lifecycleStage, String owner, String parentAccountId) {}
