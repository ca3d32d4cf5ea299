#!/usr/bin/env bash
# What the regulator sees (SPEC.md §8), end to end over HTTP against a real mnpd on the test
# clock: operators register codes and submit ports, the donor accepts one and objects to another
# with D03, a submission is refused for a wrong code, the donor's gateway reports a CXXZ query and
# a late agreement (POST /v1/signals, strictly decoded), one port goes ACTIVE at the next whole
# hour; then GET /v1/stats as the regulator gives every counter and flag, periods cut where they
# should be, and operators are refused. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
mnpd_setup
mnpd_start

id=430102199001011238
ten=$test_clock_start # 10:00
n1=13007301001        # CUCC's numbers in Changsha
n2=13007301002
n3=13007301003

for n in $n1 $n2 $n3; do
    http POST /v1/authcodes "$cucc" "{\"number\":\"$n\",\"identity\":\"$id\",\"code\":\"123456\"}"
    check "register a code for $n: 201" 201 "$status"
done
http POST /v1/orders "$cmcc" "{\"number\":\"$n1\",\"identity\":\"$id\",\"code\":\"123456\",\"channel\":\"store\"}"
check "port 1: 201" 201 "$status"
o1=$(json_int order)
http POST /v1/orders "$cmcc" "{\"number\":\"$n2\",\"identity\":\"$id\",\"code\":\"123456\",\"channel\":\"store\"}"
check "port 2: 201" 201 "$status"
o2=$(json_int order)
http POST /v1/orders "$ctcc" "{\"number\":\"$n3\",\"identity\":\"$id\",\"code\":\"000000\",\"channel\":\"online\"}"
check "a wrong code: C01" 422/C01 "$status/$(sed -nE 's/.*"code":"([^"]*)".*/\1/p' <<<"$body")"

# The gateways' reports: strict bodies, the serving operator only, never the regulator.
http POST /v1/signals "$cucc" "{\"kind\":\"query\",\"number\":\"$n3\"}"
check "query report: 201" 201 "$status"
check "query report: ok" '{"status":"ok"}' "$body"
http POST /v1/signals "$cmcc" "{\"kind\":\"query\",\"number\":\"$n3\"}"
check "report by a non-serving operator: 403" 403 "$status"
check_match "report by a non-serving operator: not_serving" '"code":"not_serving"' "$body"
http POST /v1/signals "$miit" "{\"kind\":\"query\",\"number\":\"$n3\"}"
check "report by the regulator: 403" 403 "$status"
check_match "report by the regulator: forbidden" '"code":"forbidden"' "$body"
http POST /v1/signals "$cucc" "{\"kind\":\"query\",\"number\":\"$n3\",\"x\":1}"
check_match "report: unknown field" '"code":"unknown_field"' "$body"
http POST /v1/signals "$cucc" '{"kind":"query"}'
check_match "report: missing field" '"code":"missing_field"' "$body"
http POST /v1/signals "$cucc" '{"kind":"query",'
check_match "report: bad JSON" '"code":"bad_json"' "$body"
http POST /v1/signals "$cucc" "{\"kind\":\"gossip\",\"number\":\"$n3\"}"
check "report: unknown kind: 400" 400 "$status"
check_match "report: unknown kind: bad_value" '"code":"bad_value"' "$body"
http POST /v1/signals "$cucc" '{"kind":"query","number":"1300730"}'
check_match "report: malformed number: C08" '"code":"C08"' "$body"
http POST /v1/signals "$cucc" '{"kind":"query","number":"13099990000"}'
check_match "report: number outside the plan: C07" '"code":"C07"' "$body"

# A minute later: the donor accepts port 1, objects to port 2, and reports a late agreement.
advance 60000
http POST "/v1/orders/$o1/answer" "$cucc" '{}'
check "accept: 200" 200 "$status"
http POST "/v1/orders/$o2/answer" "$cucc" '{"reason":"D03","text":"the SIM was reported cloned"}'
check "D03: 200" 200 "$status"
http POST /v1/signals "$cucc" "{\"kind\":\"late_agreement\",\"number\":\"$n3\",\"detail\":\"contract added after the CXXZ\"}"
check "late agreement report: 201" 201 "$status"

# 11:00: cutover; every operator acknowledges; port 1 is ACTIVE an hour after its request.
advance 3540000
http GET "/v1/orders/$o1" "$cmcc"
seq=$(json_int npdb_seq)
for key in "$cmcc" "$cucc" "$ctcc" "$cbn"; do
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
    check "ack: 200" 200 "$status"
done
advance 0
http GET "/v1/orders/$o1" "$cmcc"
check_match "port 1 ACTIVE" '"state":"ACTIVE"' "$body"

# The regulator's report for the morning. Keys come sorted; each row is one object.
rows() { grep -oE '\{"acceptances":([^{}]|\{[^{}]*\})*\}' <<<"$body"; }
zero='"C02":0,"C03":0,"C04":0,"C05":0,"C06":0,"C07":0,"C08":0,"D01":0,"D02":0'
none='{"count":0,"median_ms":null,"worst_ms":null}'
http GET "/v1/stats?from=$ten&to=$((ten + 3600001))" "$miit"
check "stats: 200" 200 "$status"
check "stats: the period" "$ten $((ten + 3600001))" "$(json_int from_ms) $(json_int to_ms)"
check "stats: one row per operator and local network" \
    "{\"acceptances\":0,\"answer_time\":$none,\"cancellations\":0,\"codes_issued\":0,\"late_agreements\":0,\"local_network\":\"0731\",\"operator\":\"CMCC\",\"queries\":0,\"rejections\":{\"C01\":0,$zero,\"D03\":0},\"requests\":2,\"requests_received\":0,\"returns\":0,\"reversals\":0,\"silences\":0,\"time_to_active\":{\"count\":1,\"median_ms\":3600000,\"worst_ms\":3600000}}
{\"acceptances\":0,\"answer_time\":$none,\"cancellations\":0,\"codes_issued\":0,\"late_agreements\":0,\"local_network\":\"0731\",\"operator\":\"CTCC\",\"queries\":0,\"rejections\":{\"C01\":1,$zero,\"D03\":0},\"requests\":0,\"requests_received\":0,\"returns\":0,\"reversals\":0,\"silences\":0,\"time_to_active\":$none}
{\"acceptances\":1,\"answer_time\":{\"count\":2,\"median_ms\":60000,\"worst_ms\":60000},\"cancellations\":0,\"codes_issued\":3,\"late_agreements\":1,\"local_network\":\"0731\",\"operator\":\"CUCC\",\"queries\":1,\"rejections\":{\"C01\":0,$zero,\"D03\":1},\"requests\":0,\"requests_received\":2,\"returns\":0,\"reversals\":0,\"silences\":0,\"time_to_active\":$none}" \
    "$(rows)"
# n3's code expired at 11:00 unused; CMCC's orders all came through the store.
check "stats: the flags, by time" \
    "{\"at_ms\":$ten,\"detail\":\"\",\"kind\":\"code_unused\",\"local_network\":\"0731\",\"number\":\"8613007301003\",\"operator\":\"CUCC\"}
{\"at_ms\":$ten,\"detail\":\"\",\"kind\":\"store_only\",\"local_network\":\"\",\"operator\":\"CMCC\",\"orders\":2}
{\"at_ms\":$((ten + 60000)),\"detail\":\"the SIM was reported cloned\",\"kind\":\"d03_objection\",\"local_network\":\"0731\",\"number\":\"8613007301002\",\"operator\":\"CUCC\",\"order\":$o2}
{\"at_ms\":$((ten + 60000)),\"detail\":\"contract added after the CXXZ\",\"kind\":\"late_agreement\",\"local_network\":\"0731\",\"number\":\"8613007301003\",\"operator\":\"CUCC\"}" \
    "$(grep -oE '\{"at_ms":[^{}]*\}' <<<"$body")"
check "stats: flags_total" 4 "$(json_int flags_total)"

# The defaults (from the epoch to now) see the same; the period excludes its end.
http GET /v1/stats "$miit"
check "stats: defaults: the same rows" 3 "$(rows | wc -l)"
check "stats: defaults: to is now" "$((ten + 3600000))" "$(json_int to_ms)"
http GET "/v1/stats?from=$ten&to=$ten" "$miit"
check "stats: an empty period" "{\"flags\":[],\"flags_total\":0,\"from_ms\":$ten,\"rows\":[],\"to_ms\":$ten}" "$body"
http GET "/v1/stats?from=$((ten + 3600000))&to=$((ten + 3600001))" "$miit"
check "stats: the last millisecond: the activation only" 1 "$(rows | wc -l)"
check_match "stats: the last millisecond: CMCC's activation" '"operator":"CMCC".*"time_to_active":\{"count":1,' "$body"
http GET "/v1/stats?flag_limit=1" "$miit"
check "stats: flag_limit" "1 4" "$(grep -oE '"kind":' <<<"$body" | wc -l) $(json_int flags_total)"

# Refusals.
http GET /v1/stats "$cmcc"
check "stats: an operator: 403" 403 "$status"
check_match "stats: an operator: forbidden" '"code":"forbidden"' "$body"
http GET /v1/stats ""
check "stats: no key: 401" 401 "$status"
http GET "/v1/stats?from=$((ten + 1))&to=$ten" "$miit"
check "stats: from after to: 400" 400 "$status"
check_match "stats: from after to: bad_query" '"code":"bad_query"' "$body"
http GET "/v1/stats?from=yesterday" "$miit"
check_match "stats: not a number: bad_query" '"code":"bad_query"' "$body"
http GET "/v1/stats?to=-1" "$miit"
check "stats: a negative instant: 400" 400 "$status"
http GET "/v1/stats?flag_limit=100001" "$miit"
check "stats: flag_limit too large: 400" 400 "$status"

# The reports are in the hash-chained audit log.
http GET "/v1/audit?limit=1000" "$miit"
check_match "audit: the query report" '"action":"signal.query","actor":"CUCC"' "$body"
check_match "audit: the late agreement report" '"action":"signal.late_agreement","actor":"CUCC","at_ms":[0-9]+,"detail":\{"detail":"contract added after the CXXZ"\}' "$body"
check "audit: refused reports left no record" 2 "$(grep -oE '"action":"signal\.' <<<"$body" | wc -l)"

mnpd_stop
finish
