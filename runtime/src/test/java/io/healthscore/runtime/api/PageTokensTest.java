package io.healthscore.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PageTokensTest {
  @Test
  void roundTripsPartsOfAnyText() {
    String token = PageTokens.encode("outcomes", 1700000000123L, "ev|1:ä", -0.25);
    PageTokens.Position p = PageTokens.decode("outcomes", token).orElseThrow();
    assertEquals(1700000000123L, p.number(0));
    assertEquals("ev|1:ä", p.text(1));
    assertEquals(-0.25, p.decimal(2));
    assertTrue(token.matches("[A-Za-z0-9_-]+"), "url-safe, no padding: " + token);
  }

  @Test
  void anEmptyTokenIsTheFirstPage() {
    assertTrue(PageTokens.decode("accounts", "").isEmpty());
  }

  @Test
  void refusesTokensItDidNotIssueNamingPageToken() {
    String accounts = PageTokens.encode("accounts", "a-1");
    assertInvalid(() -> PageTokens.decode("outcomes", accounts));
    assertInvalid(() -> PageTokens.decode("accounts", "garbage!"));
    String tampered = accounts.substring(0, accounts.length() - 2) + "!!";
    assertInvalid(() -> PageTokens.decode("accounts", tampered));
  }

  @Test
  void aMissingOrMalformedPartIsInvalid() {
    PageTokens.Position p = PageTokens.decode("tasks", PageTokens.encode("tasks", "not-a-number")).orElseThrow();
    assertInvalid(() -> p.number(0));
    assertInvalid(() -> p.text(1));
  }

  @Test
  void tokensOfOtherPositionsDiffer() {
    assertNotEquals(PageTokens.encode("accounts", "a"), PageTokens.encode("accounts", "b"));
  }

  private static void assertInvalid(Executable decode) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, decode);
    assertEquals(List.of("page_token"), e.violations().stream().map(FieldViolation::field).toList());
  }
}
