package io.healthscore.runtime.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The service's meter registry, with JVM and process metrics bound and every meter tagged
 * {@code service=<name>} so one Prometheus query can tell the services apart.
 *
 * <p>Services register their domain metrics on {@link #registry()}; keep label values bounded
 * (enums, method names), never account ids.
 */
public final class Metrics implements AutoCloseable {
  public static final String SERVICE_TAG = "service";

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;

  public Metrics(String serviceName) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(SERVICE_TAG, serviceName);
    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** All meters in the Prometheus text exposition format 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }

  /** Detaches the GC listeners and closes the registry. */
  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
