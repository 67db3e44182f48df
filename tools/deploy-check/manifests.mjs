// Validates a rendered overlay: every object against the Kubernetes and prometheus-operator
// schemas, then the properties deploy/ promises (docs/operations.md, "Kubernetes").
//   node manifests.mjs <single|production> RENDERED.yaml PROJECT_VERSION
// Prints one line per failure and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [overlay, renderedFile, projectVersion] = process.argv.slice(2);
if (!["single", "production"].includes(overlay) || !renderedFile || !projectVersion) {
  console.error("usage: node manifests.mjs <single|production> RENDERED.yaml PROJECT_VERSION");
  process.exit(2);
}

const docs = parseAllDocuments(readFileSync(renderedFile, "utf8")).map((d) => d.toJS()).filter(Boolean);
const failures = [];
const fail = (what, why) => failures.push(`${overlay}: ${what}: ${why}`);
const id = (o) => `${o.kind}/${o.metadata?.name}`;

// --- schemas ---------------------------------------------------------------------------------
async function modelFor(apiVersion, kind) {
  const path = apiVersion.startsWith("monitoring.coreos.com/")
    ? `@kubernetes-models/prometheus-operator/${apiVersion}`
    : `kubernetes-models/${apiVersion}`;
  const module = await import(path).catch(() => ({}));
  return module[kind];
}

for (const o of docs) {
  const Model = await modelFor(o.apiVersion ?? "", o.kind ?? "");
  if (!Model) {
    fail(id(o), `no schema for ${o.apiVersion} ${o.kind}`);
    continue;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    fail(id(o), `schema: ${e.message}`);
  }
}

// --- properties ------------------------------------------------------------------------------
const SERVICES = ["signals-service", "scoring-service", "alerting-service"];
const byKind = (kind) => docs.filter((o) => o.kind === kind);
const named = (kind, name) => byKind(kind).find((o) => o.metadata.name === name);
const workloads = docs.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
const configMaps = new Map(byKind("ConfigMap").map((c) => [c.metadata.name, c]));

function envOf(container) {
  const env = {};
  for (const from of container.envFrom ?? []) {
    const cm = from.configMapRef && configMaps.get(from.configMapRef.name);
    if (from.configMapRef && !cm) fail(container.name, `envFrom names a missing ConfigMap ${from.configMapRef.name}`);
    Object.assign(env, cm?.data ?? {});
  }
  for (const e of container.env ?? []) env[e.name] = e.value ?? e.valueFrom;
  return env;
}

const selects = (selector, labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) &&
  (selector?.matchExpressions ?? []).every((m) =>
    m.operator === "In" ? m.values.includes(labels?.[m.key]) : m.operator === "Exists" ? m.key in (labels ?? {}) : false);

for (const name of SERVICES) {
  const w = workloads.find((o) => o.metadata.name === name);
  if (!w) {
    fail(name, "no Deployment or StatefulSet");
    continue;
  }
  const pod = w.spec.template.spec;
  const labels = w.spec.template.metadata.labels;
  const replicas = w.spec.replicas ?? 1;
  const container = pod.containers.find((c) => c.name === name);
  if (!container) {
    fail(id(w), `no container named ${name}`);
    continue;
  }
  const env = envOf(container);

  // Pod security.
  if (pod.securityContext?.runAsNonRoot !== true) fail(id(w), "runAsNonRoot is not true");
  if (pod.securityContext?.seccompProfile?.type !== "RuntimeDefault") fail(id(w), "seccomp profile is not RuntimeDefault");
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) fail(`${id(w)} ${c.name}`, "root file system is writable");
    if (sc.allowPrivilegeEscalation !== false) fail(`${id(w)} ${c.name}`, "allowPrivilegeEscalation is not false");
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail(`${id(w)} ${c.name}`, "capabilities are not all dropped");
  }
  const mountPaths = (container.volumeMounts ?? []).map((m) => m.mountPath);
  for (const needed of ["/tmp", env.HEALTHSCORE_DATA_DIR]) {
    if (!mountPaths.includes(needed)) fail(id(w), `nothing writable mounted at ${needed}`);
  }
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const claimTemplates = (w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
  for (const m of container.volumeMounts ?? []) {
    if (!volumes.has(m.name) && !claimTemplates.includes(m.name)) fail(id(w), `mount ${m.name} has no volume`);
  }
  for (const [vname, v] of volumes) {
    if (v.configMap && !configMaps.has(v.configMap.name)) fail(id(w), `volume ${vname}: no ConfigMap ${v.configMap.name}`);
    if (v.persistentVolumeClaim && !named("PersistentVolumeClaim", v.persistentVolumeClaim.claimName)) {
      fail(id(w), `volume ${vname}: no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
    }
  }

  // The loaders read HEALTHSCORE_CONFIG_DIR/<folder>: one generated ConfigMap per folder.
  const folders = { "scoring-service": ["scorecards"], "alerting-service": ["rules", "channels"], "signals-service": [] }[name];
  for (const folder of folders) {
    const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === `${env.HEALTHSCORE_CONFIG_DIR}/${folder}`);
    const cm = mount && volumes.get(mount.name)?.configMap;
    if (!cm) fail(id(w), `no ConfigMap mounted at ${env.HEALTHSCORE_CONFIG_DIR}/${folder}`);
    else if (!/-[a-z0-9]{10}$/.test(cm.name)) fail(id(w), `ConfigMap ${cm.name} has no hash suffix: a change would not roll the pods`);
  }

  // Image built by the project, tagged with its version.
  if (container.image !== `healthscore/${name}:${projectVersion}`) {
    fail(id(w), `image ${container.image} is not healthscore/${name}:${projectVersion}`);
  }

  // Native gRPC probes on the health port.
  const healthPort = Number(env.HEALTHSCORE_HEALTH_PORT);
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    if (container[probe]?.grpc?.port !== healthPort) fail(id(w), `${probe} is not a gRPC probe on HEALTHSCORE_HEALTH_PORT ${healthPort}`);
  }

  // Drain: preStop, then the service's own grace, then 5 s to cancel and close stores, within the
  // grace period the kubelet gives before SIGKILL.
  const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = Number(env.HEALTHSCORE_SHUTDOWN_GRACE_SECONDS);
  if (!(preStop > 0)) fail(id(w), "no preStop sleep: callers would still be sent here after SIGTERM");
  if (!(grace > 0)) fail(id(w), "HEALTHSCORE_SHUTDOWN_GRACE_SECONDS unset");
  if (preStop + grace + 5 > (pod.terminationGracePeriodSeconds ?? 30)) {
    fail(id(w), `preStop ${preStop}s + grace ${grace}s + 5s exceeds terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds}`);
  }

  // Memory: requests = limits, and the heap a share of the limit that leaves room for the rest.
  const req = container.resources?.requests ?? {};
  const lim = container.resources?.limits ?? {};
  if (!req.cpu || !req.memory || !lim.memory) fail(id(w), "cpu and memory requests and a memory limit are required");
  if (req.memory !== lim.memory) fail(id(w), `memory request ${req.memory} differs from the limit ${lim.memory}`);
  const ram = /-XX:MaxRAMPercentage=(\d+(?:\.\d+)?)/.exec(env.JAVA_TOOL_OPTIONS ?? "");
  if (!ram || Number(ram[1]) > 80 || Number(ram[1]) < 50) fail(id(w), "JAVA_TOOL_OPTIONS needs -XX:MaxRAMPercentage between 50 and 80");
  if (/-Xmx/.test(env.JAVA_TOOL_OPTIONS ?? "")) fail(id(w), "-Xmx would ignore the memory limit; use MaxRAMPercentage");

  // Headless Service with the ports the workload serves; clients use dns:/// targets.
  const svc = named("Service", name);
  if (!svc) fail(name, "no Service");
  else {
    if (svc.spec.clusterIP !== "None") fail(id(svc), "not headless (clusterIP: None): no per-pod DNS, no client balancing");
    if (!selects({ matchLabels: svc.spec.selector }, labels)) fail(id(svc), "selects no pod of the workload");
    for (const port of svc.spec.ports) {
      if (!container.ports.some((p) => p.name === port.targetPort)) fail(id(svc), `targetPort ${port.targetPort} not on the container`);
    }
  }
  for (const [variable, target] of [["HEALTHSCORE_SIGNALS_ADDR", "signals-service"], ["HEALTHSCORE_SCORING_ADDR", "scoring-service"]]) {
    const port = named("Service", target)?.spec.ports.find((p) => p.name === "grpc")?.port;
    const expected = `dns:///${target}.${w.metadata.namespace}.svc.cluster.local:${port}`;
    if (env[variable] !== expected) fail(id(w), `${variable} is ${env[variable]}, not ${expected}`);
  }

  // Replicas and disruption budgets.
  const pdbs = byKind("PodDisruptionBudget").filter((p) => selects(p.spec.selector, labels));
  for (const pdb of pdbs) {
    if (replicas < 2) fail(id(pdb), `covers ${name}, which has ${replicas} replica: it can only block drains`);
    if (pdb.spec.minAvailable === undefined || pdb.spec.minAvailable < 1 || pdb.spec.minAvailable >= replicas) {
      fail(id(pdb), `minAvailable must be at least 1 and below the ${replicas} replicas`);
    }
  }
  if (replicas >= 2 && pdbs.length === 0) fail(id(w), `${replicas} replicas and no PodDisruptionBudget`);

  // NetworkPolicies: some policy admits the gRPC port, another Prometheus to the metrics port.
  const policies = byKind("NetworkPolicy").filter((p) => selects(p.spec.podSelector, labels));
  const admits = (portName) => policies.some((p) => (p.spec.ingress ?? []).some((r) => (r.ports ?? []).some((x) => x.port === portName) && (r.from ?? []).length > 0));
  if (!admits("grpc")) fail(id(w), "no NetworkPolicy admits callers to the gRPC port");
  if (!admits("metrics")) fail(id(w), "no NetworkPolicy admits Prometheus to the metrics port");

  // What each overlay promises.
  const secretFile = (variable) => {
    const path = env[variable];
    const mount = (container.volumeMounts ?? []).find((m) => path?.startsWith(`${m.mountPath}/`));
    if (!mount || !volumes.get(mount.name)?.secret) fail(id(w), `${variable} (${path}) is not in a mounted Secret`);
  };
  if (name === "signals-service" && (w.kind !== "StatefulSet" || replicas !== 1)) {
    fail(id(w), "signals-service must be exactly one StatefulSet replica: one writer per store");
  }
  if (w.kind === "Deployment" && replicas === 1 && volumes.get("data")?.persistentVolumeClaim && w.spec.strategy?.type !== "Recreate") {
    fail(id(w), "one ReadWriteOnce store and a rolling update: two pods would open it");
  }
  if (overlay === "single") {
    if (replicas !== 1) fail(id(w), `single runs one replica, not ${replicas}`);
    if (env.HEALTHSCORE_DB_URL) fail(id(w), "single runs on the embedded store");
    if (w.kind === "Deployment" && !volumes.get("data")?.persistentVolumeClaim) fail(id(w), "the embedded store needs a persistent volume");
  } else {
    if (name !== "signals-service" && replicas < 2) fail(id(w), `production runs 2 or more replicas, not ${replicas}`);
    if (!env.HEALTHSCORE_DB_URL?.secretKeyRef) fail(id(w), "HEALTHSCORE_DB_URL is not read from a Secret");
    for (const v of ["HEALTHSCORE_AUTH_TOKENS", "HEALTHSCORE_TLS_CERT", "HEALTHSCORE_TLS_KEY", "HEALTHSCORE_TLS_CA", "HEALTHSCORE_METRICS_TOKEN_FILE"]) secretFile(v);
    if (name !== "signals-service") secretFile("HEALTHSCORE_CLIENT_TOKEN_FILE");
  }
}

if (!byKind("NetworkPolicy").some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && (p.spec.policyTypes ?? []).includes("Ingress") && !(p.spec.ingress ?? []).length)) {
  fail("NetworkPolicy", "no default deny of ingress");
}
if (overlay === "production") {
  if (byKind("PrometheusRule").length === 0) fail("PrometheusRule", "production installs none");
  const sm = byKind("ServiceMonitor")[0];
  if (!sm) fail("ServiceMonitor", "production installs none");
  else {
    for (const name of SERVICES) {
      const svc = named("Service", name);
      if (svc && !selects(sm.spec.selector, svc.metadata.labels)) fail(id(sm), `does not select Service ${name}`);
    }
    if (!sm.spec.endpoints.every((e) => e.authorization?.credentials?.name)) fail(id(sm), "scrapes without the metrics token");
  }
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`${overlay}: ${docs.length} objects checked, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
