#!/usr/bin/env bash
# Checks deploy/ without a cluster (docs/operations.md, "Checks in CI"): renders and validates both
# overlays, tests the alert rules, evaluates the rules and the dashboard on a real Prometheus that
# scrapes the running services, and runs buf breaking against the previous commit.
# Needs the service jars (mvn -B package -DskipTests); builds them when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
check="$root/tools/deploy-check"
out="$(mktemp -d /tmp/deploy-check.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT

echo "== deploy-check: tools"
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
if command -v kubectl >/dev/null; then
  kustomize_build() { kubectl kustomize "$1"; }
elif command -v kustomize >/dev/null; then
  kustomize_build() { kustomize build "$1"; }
else
  echo "deploy-check: needs kubectl (kubectl kustomize) or kustomize" >&2
  exit 1
fi
(cd "$check" && npm ci --no-audit --no-fund --loglevel=error)
version="$(sed -n 's|^  <version>\(.*\)</version>|\1|p' pom.xml | head -1)"

echo "== deploy-check: render and validate the overlays"
for overlay in single production; do
  kustomize_build "deploy/k8s/overlays/$overlay" > "$out/$overlay.yaml"
  node "$check/manifests.mjs" "$overlay" "$out/$overlay.yaml" "$version"
done

echo "== deploy-check: promtool"
node "$check/rules.mjs" deploy/k8s/monitoring/prometheusrule.yaml docs/operations.md "$out/rules.yaml"
cp "$check/rules-test.yaml" "$out/"
promtool check rules "$out/rules.yaml"
promtool test rules "$out/rules-test.yaml"

echo "== deploy-check: live Prometheus"
for service in signals-service scoring-service alerting-service; do
  if [ ! -f "$service/target/$service.jar" ]; then
    mvn -B -q package -DskipTests
    break
  fi
done
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
declare -A grpc metrics
for service in signals-service scoring-service alerting-service; do
  grpc[$service]="$(free_port)"
  metrics[$service]="$(free_port)"
done
for service in signals-service scoring-service alerting-service; do
  HEALTHSCORE_GRPC_PORT="${grpc[$service]}" HEALTHSCORE_METRICS_PORT="${metrics[$service]}" \
  HEALTHSCORE_HEALTH_PORT=0 HEALTHSCORE_DATA_DIR="$out/data/$service" \
  HEALTHSCORE_SIGNALS_ADDR="dns:///localhost:${grpc[signals-service]}" \
  HEALTHSCORE_SCORING_ADDR="dns:///localhost:${grpc[scoring-service]}" \
  HEALTHSCORE_CONFIG_DIR="$root/deploy/k8s/base/config" HEALTHSCORE_LOG_FORMAT=json \
    java -Xmx384m -jar "$service/target/$service.jar" > "$out/$service.log" 2>&1 &
  pids+=("$!")
done
for service in signals-service scoring-service alerting-service; do
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:${metrics[$service]}/metrics" >/dev/null && break
    sleep 1
  done
  if ! curl -sf "http://127.0.0.1:${metrics[$service]}/metrics" >/dev/null; then
    echo "deploy-check: $service did not start"; tail -n 30 "$out/$service.log"; exit 1
  fi
done
# The shipped configuration loaded: the example rules are known to alerting-service (their
# quality gauges appear with the first refresh after start, so wait for it).
rules_loaded=""
for _ in $(seq 1 90); do
  curl -sf "http://127.0.0.1:${metrics[alerting-service]}/metrics" | grep -q 'rule_id="turned-red"' && { rules_loaded=1; break; }
  sleep 1
done
[ -n "$rules_loaded" ] \
  || { echo "deploy-check: alerting-service did not load deploy/k8s/base/config/rules"; tail -n 30 "$out/alerting-service.log"; exit 1; }

prometheus_port="$(free_port)"
cat > "$out/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yaml]
scrape_configs:
EOF
for service in signals-service scoring-service alerting-service; do
  printf '  - job_name: %s\n    static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$service" "${metrics[$service]}" >> "$out/prometheus.yml"
done
prometheus --config.file="$out/prometheus.yml" --storage.tsdb.path="$out/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" > "$out/prometheus.log" 2>&1 &
pids+=("$!")
prom="http://127.0.0.1:$prometheus_port"
await_query() { # PromQL that returns a result once ready
  for _ in $(seq 1 90); do
    curl -sf "$prom/api/v1/query" --data-urlencode "query=$1" | grep -q '"result":\[{' && return 0
    sleep 1
  done
  echo "deploy-check: Prometheus never answered $1"; tail -n 20 "$out/prometheus.log"; exit 1
}
await_query 'count(up == 1) == 3'
# Traffic while Prometheus watches, then until the recording rules saw it as a rate. Twice, a few
# scrapes apart: a counter whose first sample already holds all the traffic has no increase, and
# its ratio stays 0/0 = NaN.
node "$check/traffic.mjs" proto "127.0.0.1:${grpc[signals-service]}" "127.0.0.1:${grpc[scoring-service]}"
sleep 3
node "$check/traffic.mjs" proto "127.0.0.1:${grpc[signals-service]}" "127.0.0.1:${grpc[scoring-service]}"
await_query 'healthscore:scoring_read_slow:ratio_rate5m >= 0'
node "$check/live.mjs" "$prom" "$out/rules.yaml" deploy/grafana/healthscore.json docs/operations.md

echo "== deploy-check: image"
# Jib builds the image tar without a daemon; scratch stands in for the base image no registry here
# serves, which is enough to check the layers, the user and the tag.
mvn -B -q package jib:buildTar -pl signals-service -am -DskipTests -Djib.from.image=scratch
node -e '
  const fs = require("fs");
  const image = JSON.parse(fs.readFileSync("signals-service/target/jib-image.json", "utf8"));
  if (image.image !== `healthscore/signals-service:${process.argv[1]}`) throw new Error(`image ${image.image}`);
  console.log(`image: ${image.image} ${image.imageDigest}`);
' "$version"

echo "== deploy-check: buf breaking against the previous commit"
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  git fetch -q --deepen=1 origin || true
fi
if git rev-parse -q --verify HEAD~1 >/dev/null; then
  [ -x tools/buf/node_modules/.bin/buf ] || (cd tools/buf && npm install --no-audit --no-fund --loglevel=error)
  (cd proto && ../tools/buf/node_modules/.bin/buf breaking --against '../.git#ref=HEAD~1,subdir=proto')
  echo "buf breaking: no breaking change against $(git rev-parse --short HEAD~1)"
else
  echo "buf breaking: skipped, no previous commit to compare with"
fi
echo "deploy-check: passed"
