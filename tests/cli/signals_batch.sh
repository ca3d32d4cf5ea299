#!/usr/bin/env bash
# Operators' reports in batches (POST /v1/signals/batch, SPEC.md §8), end to end over HTTP
# against a real mnpd: a gateway's batch is answered report by report, in order, each as
# POST /v1/signals would answer it; only operators may send one; the body is decoded strictly
# (an empty list, a malformed report named by its place, more than 200 reports are refused whole
# and record nothing); and the regulator's statistics count exactly the reports that were
# recorded. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
mnpd_setup
mnpd_start

n1=13007301001 # CUCC's numbers in Changsha (block 1300730)
n2=13007301002
m1=13407301003 # CMCC's in Changsha (block 1340730)

# results: one "status/code" line per result of $body, in order ("201/" when recorded).
results() {
    local obj
    grep -oE '\{[^{}]*\}' <<<"${body#\{}" | while IFS= read -r obj; do
        printf '%s/%s\n' "$(sed -nE 's/.*"status":([0-9]+).*/\1/p' <<<"$obj")" \
            "$(sed -nE 's/.*"code":"([^"]*)".*/\1/p' <<<"$obj")"
    done
}

# A mixed batch from CUCC: each report answered in its place.
http POST /v1/signals/batch "$cucc" "{\"signals\":[
 {\"kind\":\"query\",\"number\":\"$n1\"},
 {\"kind\":\"query\",\"number\":\"$m1\"},
 {\"kind\":\"query\",\"number\":\"1300730\"},
 {\"kind\":\"late_agreement\",\"number\":\"$n2\",\"detail\":\"contract added after the CXXZ\"}]}"
check "mixed batch: 200" 200 "$status"
check "mixed batch: results in order" "201/
403/not_serving
400/C08
201/" "$(results)"
check_match "mixed batch: the refusal says who serves the number" \
    '"code":"not_serving","detail":"[^"]*CMCC' "$body"

# Only operators; a key must be known.
http POST /v1/signals/batch "$miit" "{\"signals\":[{\"kind\":\"query\",\"number\":\"$n1\"}]}"
check "the regulator: 403" 403 "$status"
check_match "the regulator: forbidden" '"code":"forbidden"' "$body"
http POST /v1/signals/batch "not-a-key" "{\"signals\":[{\"kind\":\"query\",\"number\":\"$n1\"}]}"
check "a wrong key: 401" 401 "$status"
http POST /v1/signals/batch "" "{\"signals\":[{\"kind\":\"query\",\"number\":\"$n1\"}]}"
check "no key: 401" 401 "$status"

# Bodies refused whole, before any report is judged.
http POST /v1/signals/batch "$cucc" '{"signals":[]}'
check "an empty list: 400" 400 "$status"
check_match "an empty list: bad_value" '"code":"bad_value"' "$body"
http POST /v1/signals/batch "$cucc" "{\"signals\":[{\"kind\":\"query\",\"number\":\"$n1\"},{\"kind\":\"query\"}]}"
check "a malformed second report: 400" 400 "$status"
check_match "a malformed second report: missing_field" '"code":"missing_field"' "$body"
check_match "a malformed second report: named" 'signals\[1\]' "$body"
http POST /v1/signals/batch "$cucc" "{\"signals\":[{\"kind\":\"query\",\"number\":\"$n1\"},{\"kind\":\"query\",\"number\":\"$n1\",\"x\":1}]}"
check_match "an unknown member of a report: unknown_field" '"code":"unknown_field".*signals\[1\]' "$body"
http POST /v1/signals/batch "$cucc" '{"signals":{"kind":"query"}}'
check_match "not a list: wrong_type" '"code":"wrong_type"' "$body"
http POST /v1/signals/batch "$cucc" '{"signals":[{"kind":"query",'
check_match "bad JSON: bad_json" '"code":"bad_json"' "$body"
many='{"signals":['
for ((i = 0; i < 201; i++)); do
    ((i > 0)) && many+=','
    many+="{\"kind\":\"query\",\"number\":\"$n1\"}"
done
many+=']}'
http POST /v1/signals/batch "$cucc" "$many"
check "201 reports: 400" 400 "$status"
check_match "201 reports: too_long" '"code":"too_long"' "$body"

# The regulator counts what was recorded: one query and one late agreement, CUCC's.
http GET "/v1/stats?to=4102444800000" "$miit"
check "stats: 200" 200 "$status"
flat=$(tr -d '\n' <<<"$body" | sed -E 's/"(acceptances|answer_time|cancellations|codes_issued|rejections|requests|requests_received|returns|reversals|silences|time_to_active)":(\{[^}]*\}|[0-9]+|null),//g')
check_match "stats: CUCC's query and late agreement in Changsha" \
    '"late_agreements":1,"local_network":"0731","operator":"CUCC","queries":1,' "$flat"
check "stats: no other row" 1 "$(grep -o '"queries":' <<<"$body" | wc -l)"
check_match "stats: the late agreement flagged" \
    '"detail":"contract added after the CXXZ","kind":"late_agreement","local_network":"0731","number":"86'"$n2"'","operator":"CUCC"' "$body"
http GET "/v1/audit?limit=1000" "$miit"
check "audit: two reports recorded" 2 "$(grep -oE '"action":"signal\.' <<<"$body" | wc -l)"

mnpd_stop
finish
