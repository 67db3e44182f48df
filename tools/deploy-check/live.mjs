// Against a real Prometheus that scrapes the running services and evaluates the rules:
// - every target is up;
// - every expression of the rules and of the Grafana dashboard parses;
// - every metric they name is exported now, recorded by a rule, or listed below as appearing with
//   its first event (and named in docs/operations.md), so a misspelt name fails here;
// - every recording rule and dashboard query whose series are all exported now returns data.
//   node live.mjs PROMETHEUS_URL RULES.yaml DASHBOARD.json OPERATIONS.md
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const [prometheus, rulesFile, dashboardFile, operationsFile] = process.argv.slice(2);

// Series a service creates on the event they count, or that the services are about to export.
const APPEAR_WITH_FIRST_EVENT = new Set([
  "healthscore_alerting_alerts_opened_total", // first alert opened
  "healthscore_alert_deliveries_total", // first delivery attempt
  "healthscore_model_auc", // an active learned model
  "healthscore_model_recent_auc",
  "healthscore_model_score_psi",
  "healthscore_model_feature_psi",
  "healthscore_model_recalibration_due",
]);
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

async function api(path, params) {
  const response = await fetch(`${prometheus}/api/v1/${path}?${new URLSearchParams(params)}`);
  const body = await response.json();
  if (body.status !== "success") throw new Error(`${body.errorType}: ${body.error}`);
  return body.data;
}

/** Metric names an expression reads: identifiers outside label matchers, grouping and ranges, not called. */
function metricNames(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set();
  for (const m of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    if (!m[2] && !KEYWORDS.has(m[1].toLowerCase())) names.add(m[1]);
  }
  return names;
}

const rules = parse(readFileSync(rulesFile, "utf8")).groups.flatMap((g) => g.rules);
const recorded = new Set(rules.filter((r) => r.record).map((r) => r.record));
const expressions = rules.map((r) => ({ what: r.record ? `record ${r.record}` : `alert ${r.alert}`, expr: r.expr, wantsData: Boolean(r.record) }));
const dashboard = JSON.parse(readFileSync(dashboardFile, "utf8"));
for (const panel of dashboard.panels) {
  for (const target of panel.targets ?? []) {
    // Grafana's variables as Grafana would fill them for "All".
    const expr = target.expr
      .replaceAll("$__rate_interval", "1m")
      .replaceAll("$namespace", ".*")
      .replaceAll("$job", "signals-service|scoring-service|alerting-service");
    expressions.push({ what: `panel "${panel.title}" ${target.refId}`, expr, wantsData: true });
  }
}
for (const v of dashboard.templating.list.filter((t) => t.type === "query")) {
  const inner = /label_values\((.*),\s*\w+\)$/.exec(v.definition);
  if (inner) expressions.push({ what: `variable ${v.name}`, expr: inner[1], wantsData: true });
}

const failures = [];
const targets = await api("targets", { state: "active" });
for (const t of targets.activeTargets) {
  if (t.health !== "up") failures.push(`target ${t.labels.job} is ${t.health}: ${t.lastError}`);
}
const exported = new Set(await api("label/__name__/values", {}));
const operations = readFileSync(operationsFile, "utf8");
for (const name of APPEAR_WITH_FIRST_EVENT) {
  if (!operations.includes(name)) failures.push(`${name} is not described in docs/operations.md`);
}

let withData = 0;
for (const { what, expr, wantsData } of expressions) {
  let result;
  try {
    result = await api("query", { query: expr });
  } catch (e) {
    failures.push(`${what}: does not parse: ${e.message}`);
    continue;
  }
  const names = [...metricNames(expr)];
  const unknown = names.filter((n) => !exported.has(n) && !recorded.has(n) && !APPEAR_WITH_FIRST_EVENT.has(n));
  if (unknown.length) failures.push(`${what}: no such series: ${unknown.join(", ")}`);
  const alwaysPresent = names.every((n) => exported.has(n) || recorded.has(n));
  if (wantsData && alwaysPresent) {
    if (result.result.length === 0) failures.push(`${what}: no data although every series it reads exists: ${expr}`);
    else withData++;
  }
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(
  `live Prometheus: ${targets.activeTargets.length} targets, ${expressions.length} expressions parsed, ${withData} returned data, ${failures.length} failures`,
);
process.exit(failures.length ? 1 : 0);
