package io.healthscore.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ServiceConfigTest {

  @Test
  void defaultsFollowTheContract() {
    ServiceConfig c = ServiceConfig.fromMap("scoring-service", 7002, 9102, Map.of());
    assertEquals(7002, c.grpcPort());
    assertEquals(9102, c.metricsPort());
    assertEquals(Path.of("data", "scoring-service"), c.dataDir());
    assertEquals(Optional.empty(), c.dbUrl());
    assertEquals("localhost:7001", c.signalsAddr());
    assertEquals("localhost:7002", c.scoringAddr());
    assertEquals(Optional.empty(), c.configDir());
    assertEquals(List.of(), c.webhookAllowlist());
    assertEquals(Optional.empty(), c.authTokensFile());
    assertEquals(16 * 1024 * 1024, c.maxInboundMessageBytes());
    assertEquals(Duration.ofSeconds(10), c.shutdownGrace());
    assertEquals(OptionalInt.empty(), c.healthPort());
    assertEquals(Optional.empty(), c.maxConnectionAge());
  }

  @Test
  void healthPortAndConnectionAgeAreOptIn() {
    ServiceConfig c =
        ServiceConfig.fromMap(
            "scoring-service",
            7002,
            9102,
            Map.of("HEALTHSCORE_HEALTH_PORT", "7100", "HEALTHSCORE_MAX_CONNECTION_AGE", "5m"));
    assertEquals(OptionalInt.of(7100), c.healthPort());
    assertEquals(Optional.of(Duration.ofMinutes(5)), c.maxConnectionAge());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_HEALTH_PORT", "70000")));
    assertTrue(e.getMessage().contains("HEALTHSCORE_HEALTH_PORT"), e.getMessage());
  }

  @Test
  void variablesOverrideDefaults() {
    ServiceConfig c =
        ServiceConfig.fromMap(
            "alerting-service",
            7003,
            9103,
            Map.ofEntries(
                Map.entry("HEALTHSCORE_GRPC_PORT", "8003"),
                Map.entry("HEALTHSCORE_METRICS_PORT", " 9200 "),
                Map.entry("HEALTHSCORE_DATA_DIR", "/var/lib/hs"),
                Map.entry("HEALTHSCORE_DB_URL", "jdbc:postgresql://db/hs"),
                Map.entry("HEALTHSCORE_SIGNALS_ADDR", "signals:7001"),
                Map.entry("HEALTHSCORE_SCORING_ADDR", "scoring:7002"),
                Map.entry("HEALTHSCORE_CONFIG_DIR", "/etc/hs"),
                Map.entry("HEALTHSCORE_WEBHOOK_ALLOWLIST", "hooks.internal, 10.0.0.0/8,,"),
                Map.entry("HEALTHSCORE_AUTH_TOKENS", "/etc/hs/tokens"),
                Map.entry("HEALTHSCORE_MAX_MESSAGE_BYTES", "1048576"),
                Map.entry("HEALTHSCORE_SHUTDOWN_GRACE_SECONDS", "3")));
    assertEquals(8003, c.grpcPort());
    assertEquals(9200, c.metricsPort());
    assertEquals(Path.of("/var/lib/hs"), c.dataDir());
    assertEquals(Optional.of("jdbc:postgresql://db/hs"), c.dbUrl());
    assertEquals("signals:7001", c.signalsAddr());
    assertEquals("scoring:7002", c.scoringAddr());
    assertEquals(Optional.of(Path.of("/etc/hs")), c.configDir());
    assertEquals(List.of("hooks.internal", "10.0.0.0/8"), c.webhookAllowlist());
    assertEquals(Optional.of(Path.of("/etc/hs/tokens")), c.authTokensFile());
    assertEquals(1048576, c.maxInboundMessageBytes());
    assertEquals(Duration.ofSeconds(3), c.shutdownGrace());
  }

  @Test
  void badValuesNameTheVariableAndValue() {
    IllegalArgumentException port =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_GRPC_PORT", "70o1")));
    assertTrue(port.getMessage().contains("HEALTHSCORE_GRPC_PORT"), port.getMessage());
    assertTrue(port.getMessage().contains("'70o1'"), port.getMessage());

    IllegalArgumentException range =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_METRICS_PORT", "70000")));
    assertTrue(range.getMessage().contains("HEALTHSCORE_METRICS_PORT"), range.getMessage());

    IllegalArgumentException grace =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_SHUTDOWN_GRACE_SECONDS", "-1")));
    assertTrue(grace.getMessage().contains("HEALTHSCORE_SHUTDOWN_GRACE_SECONDS"), grace.getMessage());

    assertThrows(
        IllegalArgumentException.class,
        () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_MAX_MESSAGE_BYTES", "0")));
  }

  @Test
  void admissionLimitDefaultsAndBounds() {
    ServiceConfig defaults = ServiceConfig.fromMap("s", 1, 2, Map.of());
    assertEquals(256, defaults.maxCallsInFlight());
    assertEquals(8, defaults.minCallsInFlight());
    assertEquals(Duration.ofMillis(250), defaults.callLatencyTarget());
    assertEquals(2, ServiceConfig.fromMap("s", 1, 2, Map.of(ServiceConfig.MAX_CALLS_IN_FLIGHT, "2")).minCallsInFlight(),
        "a ceiling under the default floor is a fixed limit");

    IllegalArgumentException floor =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2,
                Map.of(ServiceConfig.MIN_CALLS_IN_FLIGHT, "20", ServiceConfig.MAX_CALLS_IN_FLIGHT, "10")));
    assertTrue(floor.getMessage().contains("HEALTHSCORE_MIN_CALLS_IN_FLIGHT: '20': expected at most"), floor.getMessage());
    IllegalArgumentException target =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of(ServiceConfig.CALL_LATENCY_TARGET, "0s")));
    assertTrue(target.getMessage().contains("HEALTHSCORE_CALL_LATENCY_TARGET: '0s'"), target.getMessage());
  }

  @Test
  void typedGettersParseAndReport() {
    ServiceConfig c =
        ServiceConfig.fromMap(
            "s",
            1,
            2,
            Map.of(
                "A_INT", "42", "A_LONG", "9000000000", "A_DOUBLE", "0.25", "A_BOOL", "Yes",
                "A_MS", "500ms", "A_S", "5s", "A_M", "2m", "A_H", "1h", "BAD", "five", "BLANK", "  "));
    assertEquals(42, c.getInt("A_INT", 0));
    assertEquals(7, c.getInt("UNSET", 7));
    assertEquals(7, c.getInt("BLANK", 7));
    assertEquals(9_000_000_000L, c.getLong("A_LONG", 0));
    assertEquals(0.25, c.getDouble("A_DOUBLE", 0));
    assertTrue(c.getBoolean("A_BOOL", false));
    assertFalse(c.getBoolean("UNSET", false));
    assertEquals("five", c.get("BAD", "x"));
    assertEquals("x", c.get("UNSET", "x"));
    assertEquals(Duration.ofMillis(500), c.getDuration("A_MS", Duration.ZERO));
    assertEquals(Duration.ofSeconds(5), c.getDuration("A_S", Duration.ZERO));
    assertEquals(Duration.ofMinutes(2), c.getDuration("A_M", Duration.ZERO));
    assertEquals(Duration.ofHours(1), c.getDuration("A_H", Duration.ZERO));
    assertEquals(Duration.ofSeconds(9), c.getDuration("UNSET", Duration.ofSeconds(9)));

    for (var getter :
        List.<Runnable>of(
            () -> c.getInt("BAD", 0),
            () -> c.getLong("BAD", 0),
            () -> c.getDouble("BAD", 0),
            () -> c.getBoolean("BAD", false),
            () -> c.getDuration("BAD", Duration.ZERO),
            () -> c.getInt("A_LONG", 0))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, getter::run);
      assertTrue(e.getMessage().contains("environment variable"), e.getMessage());
    }
    IllegalArgumentException noUnit =
        assertThrows(IllegalArgumentException.class, () -> c.getDuration("A_INT", Duration.ZERO));
    assertTrue(noUnit.getMessage().contains("A_INT") && noUnit.getMessage().contains("'42'"), noUnit.getMessage());
  }

  @Test
  void copiesChangeOnlyWhatTheySay() {
    ServiceConfig c =
        ServiceConfig.fromMap("s", 7001, 9101, Map.of("HEALTHSCORE_SHUTDOWN_GRACE_SECONDS", "2"));
    ServiceConfig copy = c.withGrpcPort(0).withMetricsPort(0).withDataDir(Path.of("/tmp/x"));
    assertEquals(0, copy.grpcPort());
    assertEquals(0, copy.metricsPort());
    assertEquals(Path.of("/tmp/x"), copy.dataDir());
    assertEquals(Duration.ofSeconds(2), copy.shutdownGrace());
    assertEquals(7001, c.grpcPort());
    assertThrows(IllegalArgumentException.class, () -> c.withGrpcPort(-1));
  }

  @Test
  void tlsVariablesDefaultOutboundToTheServerPairAndRejectHalfPairs() {
    ServiceConfig c =
        ServiceConfig.fromMap(
            "s",
            1,
            2,
            Map.of(
                "HEALTHSCORE_TLS_CERT", "/tls/tls.crt",
                "HEALTHSCORE_TLS_KEY", "/tls/tls.key",
                "HEALTHSCORE_TLS_CA", "/tls/ca.crt",
                "HEALTHSCORE_CLIENT_TOKEN_FILE", "/tokens/client",
                "HEALTHSCORE_METRICS_ADDR", "127.0.0.1",
                "HEALTHSCORE_METRICS_TOKEN_FILE", "/tokens/metrics"));
    assertTrue(c.tls().serverTls());
    assertTrue(c.tls().requireClientCertificates());
    assertEquals(Optional.of(Path.of("/tls/tls.crt")), c.tls().outboundCert());
    assertEquals(Optional.of(Path.of("/tls/tls.key")), c.tls().outboundKey());
    assertEquals(Duration.ofMinutes(1), c.tls().reloadInterval());
    assertEquals(Optional.of(Path.of("/tokens/client")), c.clientTokenFile());
    assertEquals(Optional.of("127.0.0.1"), c.metricsHost());
    assertEquals(Optional.of(Path.of("/tokens/metrics")), c.metricsTokenFile());
    assertFalse(ServiceConfig.fromMap("s", 1, 2, Map.of()).tls().serverTls());

    IllegalArgumentException halfPair =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_TLS_CERT", "/tls/tls.crt")));
    assertTrue(halfPair.getMessage().contains("HEALTHSCORE_TLS_KEY is missing"), halfPair.getMessage());
    IllegalArgumentException caWithoutServer =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServiceConfig.fromMap("s", 1, 2, Map.of("HEALTHSCORE_TLS_CA", "/tls/ca.crt")));
    assertTrue(caWithoutServer.getMessage().contains("HEALTHSCORE_TLS_CERT"), caWithoutServer.getMessage());
  }
}
