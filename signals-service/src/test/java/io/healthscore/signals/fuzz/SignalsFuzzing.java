package io.healthscore.signals.fuzz;

import io.healthscore.runtime.testing.fuzz.ServiceFuzzer;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.Signals;
import java.time.Instant;
import java.util.Set;
import java.util.TreeMap;

/** The SignalService fuzzer over a small seeded store, shared by the corpus test and the fuzz run. */
final class SignalsFuzzing {
  private SignalsFuzzing() {}

  static ServiceFuzzer fuzzer(TestSignalsServer signals) {
    signals.createAccounts("x-1", "acme");
    signals.blocking().ingestSignals(
        IngestSignalsRequest.newBuilder()
            .addSignals(TestSignalsServer.number("seed-1", "acme", "logins", 3, Instant.now().minusSeconds(3600)))
            .build());
    return new ServiceFuzzer(
        signals.channel(),
        Signals.getDescriptor().findServiceByName("SignalService"),
        () -> state(signals),
        Set.of("WatchChanges"));
  }

  /** Accounts, their outcomes and the time-independent part of their features. */
  private static String state(TestSignalsServer signals) {
    StringBuilder state = new StringBuilder();
    String token = "";
    do {
      ListAccountsResponse page =
          signals.blocking().listAccounts(ListAccountsRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      for (Account account : page.getAccountsList()) {
        state.append(account).append(signals.blocking().listOutcomes(
            ListOutcomesRequest.newBuilder().setAccountId(account.getAccountId()).setPageSize(1000).build()));
        GetFeaturesResponse features =
            signals.blocking().getFeatures(GetFeaturesRequest.newBuilder().setAccountId(account.getAccountId()).build());
        new TreeMap<>(features.getFeaturesMap()).forEach((name, value) -> {
          if (name.contains(".count_") || name.contains(".sum_")) {
            state.append(name).append('=').append(value).append(';');
          }
        });
        state.append(new TreeMap<>(features.getLabelsMap()));
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return state.toString();
  }
}
