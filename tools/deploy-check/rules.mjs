// Turns the PrometheusRule into a plain rule file for promtool and the live Prometheus, and checks
// that every alert has a runbook_url whose anchor is a heading of docs/operations.md.
//   node rules.mjs PROMETHEUSRULE.yaml OPERATIONS.md OUT.yaml
import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";

const [ruleFile, operationsFile, out] = process.argv.slice(2);
const rule = parse(readFileSync(ruleFile, "utf8"));
// GitHub's anchors: lower case, punctuation dropped, spaces to hyphens.
const anchors = new Set(
  readFileSync(operationsFile, "utf8")
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, "").trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-")),
);
const failures = [];
for (const group of rule.spec.groups) {
  for (const r of group.rules.filter((x) => x.alert)) {
    const url = r.annotations?.runbook_url ?? "";
    const anchor = url.split("#")[1];
    if (!url.includes("docs/operations.md#") || !anchors.has(anchor)) {
      failures.push(`${r.alert}: runbook_url ${url || "(none)"} has no heading in docs/operations.md`);
    }
    if (!r.labels?.severity) failures.push(`${r.alert}: no severity label`);
  }
}
writeFileSync(out, stringify({ groups: rule.spec.groups }));
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
