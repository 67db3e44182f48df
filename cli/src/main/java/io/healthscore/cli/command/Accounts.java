package io.healthscore.cli.command;

import io.healthscore.cli.Services;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Account records read from signals-service, for the columns scores do not carry (MRR, owner, segment). */
final class Accounts {
  private final Services services;
  private final Map<String, Account> byId = new HashMap<>();

  Accounts(Services services) {
    this.services = services;
  }

  Account get(String accountId) {
    return byId.computeIfAbsent(accountId,
        id -> services.signals().getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount());
  }

  /** Every account, optionally only one owner's, keyed by id in the service's order. */
  Map<String, Account> all(String owner) {
    Map<String, Account> out = new LinkedHashMap<>();
    String token = "";
    do {
      ListAccountsResponse page = services.signals().listAccounts(
          ListAccountsRequest.newBuilder().setPageSize(1000).setPageToken(token).setOwner(owner == null ? "" : owner).build());
      for (Account a : page.getAccountsList()) {
        out.put(a.getAccountId(), a);
        byId.put(a.getAccountId(), a);
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }
}
