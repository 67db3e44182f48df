package io.healthscore.runtime.db;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import java.sql.PreparedStatement;

/** A service that commits one row at a time and prints each commit after it returns. */
public final class DurableWriterMain {
  static final String SERVICE = "durable-writer";

  private DurableWriterMain() {}

  public static void main(String[] args) throws Exception {
    ServiceConfig config = ServiceConfig.fromEnv(SERVICE, 0, 0);
    Database db = Database.open(config);
    db.inTransaction(c -> c.createStatement().execute("CREATE TABLE IF NOT EXISTS acked (id BIGINT PRIMARY KEY)"));
    ServiceServer.builder(config, new Metrics(SERVICE)).onStop(db::close).build().start();
    for (long id = 1; ; id++) {
      long row = id;
      db.inTransaction(
          c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO acked (id) VALUES (?)")) {
              s.setLong(1, row);
              return s.executeUpdate();
            }
          });
      System.out.println("acked " + row);
    }
  }
}
