package io.healthscore.signals.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.Account;
import io.healthscore.v1.BillingPeriod;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import io.healthscore.v1.UpsertAccountsResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountsTest {
  @TempDir Path dir;
  private TestSignalsServer signals;

  @BeforeEach
  void start() {
    signals = TestSignalsServer.start(dir);
  }

  @AfterEach
  void stop() {
    signals.close();
  }

  private static Account full(String id) {
    return Account.newBuilder()
        .setAccountId(id)
        .setName("Acme " + id)
        .setSegment("enterprise")
        .setLifecycleStage("adoption")
        .setPlan("gold")
        .setLicenses(50)
        .setMrr(1200.5)
        .setContractStart(Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(123_000_000))
        .setRenewalDate(Timestamp.newBuilder().setSeconds(1_731_622_400))
        .setBillingPeriod(BillingPeriod.BILLING_PERIOD_ANNUAL)
        .setOwner("csm@example.com")
        .putAttributes("region", "emea")
        .putAttributes("industry", "retail")
        .build();
  }

  private UpsertAccountsResponse upsert(Account... accounts) {
    return signals.blocking().upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(List.of(accounts)).build());
  }

  private Account get(String id) {
    return signals.blocking().getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
  }

  private List<FieldViolation> invalid(UpsertAccountsRequest request) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> signals.blocking().upsertAccounts(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    return ApiErrors.fieldViolations(e);
  }

  @Test
  void storesEveryFieldAndCountsCreatedAndUpdated() {
    UpsertAccountsResponse first = upsert(full("a"), full("b"));
    assertEquals(2, first.getCreated());
    assertEquals(0, first.getUpdated());
    Account stored = get("a");
    assertEquals(full("a"), stored.toBuilder().clearCreateTime().clearUpdateTime().build());
    assertTrue(stored.hasCreateTime());

    UpsertAccountsResponse second = upsert(full("a").toBuilder().setMrr(99).build(), full("c"));
    assertEquals(1, second.getCreated());
    assertEquals(1, second.getUpdated());
    Account updated = get("a");
    assertEquals(99, updated.getMrr());
    assertEquals(stored.getCreateTime(), updated.getCreateTime());
  }

  @Test
  void updateMaskWritesOnlyTheNamedFieldsOfExistingAccounts() {
    upsert(full("a"));
    Account patch =
        Account.newBuilder()
            .setAccountId("a")
            .setMrr(2000)
            .setRenewalDate(Timestamp.newBuilder().setSeconds(1_800_000_000))
            .build();
    Account fresh = Account.newBuilder().setAccountId("new").setName("New").setMrr(5).build();
    UpsertAccountsResponse response =
        signals.blocking()
            .upsertAccounts(
                UpsertAccountsRequest.newBuilder()
                    .addAccounts(patch)
                    .addAccounts(fresh)
                    .setUpdateMask(FieldMask.newBuilder().addPaths("mrr").addPaths("renewal_date"))
                    .build());
    assertEquals(1, response.getCreated());
    Account a = get("a");
    assertEquals(2000, a.getMrr());
    assertEquals(1_800_000_000, a.getRenewalDate().getSeconds());
    assertEquals("Acme a", a.getName());
    assertEquals("emea", a.getAttributesOrThrow("region"));
    assertEquals("New", get("new").getName());
  }

  @Test
  void updateMaskNamingAnUnknownOrOutputOnlyFieldIsInvalid() {
    upsert(full("a"));
    List<FieldViolation> violations =
        invalid(
            UpsertAccountsRequest.newBuilder()
                .addAccounts(full("a"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("nope").addPaths("create_time"))
                .build());
    assertEquals("update_mask.paths[0]", violations.get(0).field());
    assertEquals("update_mask.paths[1]", violations.get(1).field());
  }

  @Test
  void wholeBatchIsValidatedFirstAndNothingIsStoredOnAViolation() {
    Account bad = full("b").toBuilder().setMrr(Double.NaN).setLicenses(-1).build();
    List<FieldViolation> violations =
        invalid(UpsertAccountsRequest.newBuilder().addAccounts(full("a")).addAccounts(bad).addAccounts(full("")).build());
    List<String> fields = violations.stream().map(FieldViolation::field).toList();
    assertEquals(List.of("accounts[1].licenses", "accounts[1].mrr", "accounts[2].account_id"), fields);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> get("a"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void attributesAreBoundedInNumber() {
    Account.Builder wide = full("w").toBuilder().clearAttributes();
    for (int i = 0; i < 201; i++) {
      wide.putAttributes("k" + i, "v");
    }
    List<FieldViolation> violations = invalid(UpsertAccountsRequest.newBuilder().addAccounts(wide).build());
    assertEquals(List.of("accounts[0].attributes"), violations.stream().map(FieldViolation::field).toList());
    wide.removeAttributes("k200");
    assertEquals(1, upsert(wide.build()).getCreated());
  }

  @Test
  void duplicateIdsInOneBatchAreInvalid() {
    List<FieldViolation> violations =
        invalid(UpsertAccountsRequest.newBuilder().addAccounts(full("a")).addAccounts(full("a")).build());
    assertEquals("accounts[1].account_id", violations.get(0).field());
  }

  @Test
  void parentMustExistOrComeInTheSameBatch() {
    List<FieldViolation> violations =
        invalid(UpsertAccountsRequest.newBuilder().addAccounts(full("child").toBuilder().setParentAccountId("ghost")).build());
    assertEquals("accounts[0].parent_account_id", violations.get(0).field());
    assertTrue(violations.get(0).description().contains("unknown parent account 'ghost'"));

    assertEquals(2, upsert(full("child").toBuilder().setParentAccountId("parent").build(), full("parent")).getCreated());
    assertEquals("parent", get("child").getParentAccountId());
    assertEquals(1, upsert(full("grandchild").toBuilder().setParentAccountId("child").build()).getCreated());
  }

  @Test
  void cyclesAreRefusedWithinABatchAndAgainstStoredAccounts() {
    List<FieldViolation> inBatch =
        invalid(
            UpsertAccountsRequest.newBuilder()
                .addAccounts(full("x").toBuilder().setParentAccountId("y"))
                .addAccounts(full("y").toBuilder().setParentAccountId("x"))
                .build());
    assertEquals("accounts[0].parent_account_id", inBatch.get(0).field());
    assertTrue(inBatch.get(0).description().contains("cycle"), inBatch.get(0).description());

    upsert(full("root"));
    upsert(full("mid").toBuilder().setParentAccountId("root").build());
    upsert(full("leaf").toBuilder().setParentAccountId("mid").build());
    List<FieldViolation> stored =
        invalid(UpsertAccountsRequest.newBuilder().addAccounts(full("root").toBuilder().setParentAccountId("leaf")).build());
    assertTrue(stored.get(0).description().contains("root -> leaf -> mid -> root"), stored.get(0).description());

    List<FieldViolation> self =
        invalid(UpsertAccountsRequest.newBuilder().addAccounts(full("root").toBuilder().setParentAccountId("root")).build());
    assertTrue(self.get(0).description().contains("itself"));
  }

  @Test
  void getAccountOfAnUnknownIdIsNotFound() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> get("missing"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void listAccountsPagesInIdOrderWithOpaqueTokens() {
    for (int i = 0; i < 25; i++) {
      upsert(full(String.format("acct-%02d", i)));
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListAccountsResponse page =
          signals.blocking().listAccounts(ListAccountsRequest.newBuilder().setPageSize(10).setPageToken(token).build());
      page.getAccountsList().forEach(a -> seen.add(a.getAccountId()));
      token = page.getNextPageToken();
      pages++;
      assertFalse(token.contains("acct"), "token is opaque");
    } while (!token.isEmpty());
    assertEquals(3, pages);
    assertEquals(25, seen.size());
    assertEquals("acct-00", seen.get(0));
    assertEquals("acct-24", seen.get(24));
    assertEquals(
        25, signals.blocking().listAccounts(ListAccountsRequest.getDefaultInstance()).getAccountsCount(), "default page 100");
  }

  @Test
  void listAccountsFilters() {
    upsert(full("p"));
    upsert(
        full("c1").toBuilder().setParentAccountId("p").setSegment("smb").build(),
        full("c2").toBuilder().setParentAccountId("p").setLifecycleStage("renewal").setOwner("other@example.com").build());
    assertEquals(List.of("c1"), ids(ListAccountsRequest.newBuilder().setSegment("smb")));
    assertEquals(List.of("c2"), ids(ListAccountsRequest.newBuilder().setLifecycleStage("renewal")));
    assertEquals(List.of("c2"), ids(ListAccountsRequest.newBuilder().setOwner("other@example.com")));
    assertEquals(List.of("c1", "c2"), ids(ListAccountsRequest.newBuilder().setParentAccountId("p")));
    assertEquals(List.of("p"), ids(ListAccountsRequest.newBuilder().setSegment("enterprise").setLifecycleStage("adoption")));
  }

  private List<String> ids(ListAccountsRequest.Builder request) {
    return signals.blocking().listAccounts(request.build()).getAccountsList().stream().map(Account::getAccountId).toList();
  }

  @Test
  void badPageTokenAndNegativePageSizeAreInvalid() {
    for (ListAccountsRequest request :
        List.of(
            ListAccountsRequest.newBuilder().setPageToken("garbage!").build(),
            ListAccountsRequest.newBuilder().setPageToken("b3V0Y29tZXM6eA").build(),
            ListAccountsRequest.newBuilder().setPageSize(-1).build())) {
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> signals.blocking().listAccounts(request));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
  }

  @Test
  void pageSizeOverTheMaximumIsCappedAtOneThousand() {
    List<Account> many = new ArrayList<>();
    for (int i = 0; i < 1005; i++) {
      many.add(Account.newBuilder().setAccountId("m" + i).build());
    }
    signals.blocking().upsertAccounts(UpsertAccountsRequest.newBuilder().addAllAccounts(many).build());
    ListAccountsResponse page =
        signals.blocking().listAccounts(ListAccountsRequest.newBuilder().setPageSize(5000).build());
    assertEquals(1000, page.getAccountsCount());
    assertFalse(page.getNextPageToken().isEmpty());
  }
}
