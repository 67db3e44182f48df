#!/usr/bin/env bash
# Coverage-guided fuzzing of every RPC's request handling and of the files users write: scorecard and
# rule YAML, CSV and JSON-lines imports (docs/reliability.md).
#   tools/fuzz/run.sh        one round: 30 s per service, 15 s per file format (what CI runs)
#   tools/fuzz/run.sh 30     30 rounds per service; each round resumes the corpus of the last
# libFuzzer prints its executions and coverage ("Done N runs in S second(s)") as it goes.
# The corpus grows in <module>/.cifuzz-corpus/; a finding (an input that broke a check) is written
# to <module>/src/test/resources/<package>/<Test>Inputs/fuzz/ and replays as a regression test.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-1}"
tests=(
  "signals-service:SignalsRequestFuzzTest"
  "scoring-service:ScoringRequestFuzzTest"
  "alerting-service:AlertingRequestFuzzTest"
  "scoring-service:ScorecardYamlFuzzTest"
  "alerting-service:AlertingConfigFuzzTest"
  "cli:ImportFuzzTest"
)
for entry in "${tests[@]}"; do
  module="${entry%%:*}"
  test="${entry##*:}"
  for round in $(seq 1 "${rounds}"); do
    echo "== fuzz ${test}, round ${round} of ${rounds}"
    JAZZER_FUZZ=1 mvn -B -q -o test -Pfuzz -pl "${module}" -am -Dtest="${test}" -Dsurefire.failIfNoSpecifiedTests=false
  done
done
