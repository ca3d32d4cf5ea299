#!/usr/bin/env bash
# A port order's life after submission (SPEC.md §5, §6), over real HTTP against mnpd on the test
# clock: the recipient, and only it, cancels until SCHEDULED and never after; at the cutover the
# NPDB change is visible in the lookup and on every operator's feed, and the order waits in
# BROADCASTING until every operator has acknowledged it; only the regulator reverses an ACTIVE
# port, which gives the number back to the operator it came from, visibly in the lookup and the
# feed. Every refusal changes nothing. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
mnpd_start

id=430102199001011238
t0=$test_clock_start # 10:00:00.000Z
na=13007301260 nb=13007301261 # China Unicom, Changsha; China Mobile receives them
watch="$na $nb"
# sorted: $body with its members one per line and sorted, to match regardless of their order.
sorted() {
    tr ',' '\n' <<<"$body" | sort | paste -sd,
}

# Cancel: only the recipient, until SCHEDULED.
register "$cucc" "$na" "$id" 111111
submit_ok "$cmcc" "$na" "$id" 111111
oa=$order
refused "the donor cannot cancel" 404 not_found POST "/v1/orders/$oa/cancel" "$cucc" '{}'
refused "a third operator cannot cancel" 404 not_found POST "/v1/orders/$oa/cancel" "$ctcc" '{}'
refused "the regulator cannot cancel" 403 forbidden POST "/v1/orders/$oa/cancel" "$miit" '{}'
refused "a cancel with fields" 400 unknown_field POST "/v1/orders/$oa/cancel" "$cmcc" '{"why":"x"}'
http POST "/v1/orders/$oa/cancel" "$cmcc" '{}'
check "the recipient cancels while pending: 200" 200 "$status"
check "cancelled" CANCELLED "$(state_of "$oa")"
audit_has "the cancel is audited" \
    "\"action\":\"order.state\",\"actor\":\"CMCC\".*\"order\":$oa,.*\"state\":\"CANCELLED\""
refused "cancelled twice" 409 invalid_state POST "/v1/orders/$oa/cancel" "$cmcc" '{}'
refused "an unknown order" 404 not_found POST /v1/orders/999/cancel "$cmcc" '{}'

register "$cucc" "$nb" "$id" 222222
submit_ok "$cmcc" "$nb" "$id" 222222
ob=$order
accept "$ob" "$cucc"
refused "no cancel once SCHEDULED" 409 invalid_state POST "/v1/orders/$ob/cancel" "$cmcc" '{}'
check "still scheduled" SCHEDULED "$(state_of "$ob")"

# The cutover at 11:00: the NPDB says China Mobile serves the number at once.
http GET "/v1/numbers/$nb" "$ctcc"
check_match "before the cutover: China Unicom's, not ported" \
    '"holder":"CUCC".*"operator":"CUCC".*"ported":false' "$(sorted)"
clock_to $((t0 + hour_ms))
http GET "/v1/orders/$ob" "$cmcc"
check "at the cutover: broadcasting" BROADCASTING "$(json_str state)"
seq=$(json_int npdb_seq)
check_match "the order names its NPDB change" '^[0-9]+$' "$seq"
http GET "/v1/numbers/$nb" "$ctcc"
check_match "lookup: China Mobile's, ported, its Changsha routing number" \
    '"holder":"CUCC".*"local_network":"0731".*"operator":"CMCC".*"ported":true'\
'.*"routing_number":"1010731"' \
    "$(sorted)"
check_match "lookup: the history names the order" \
    "\"history\":\\[\\{\"at_ms\":$((t0 + hour_ms)),\"operator\":\"CMCC\",\"order\":$ob\\}\\]" \
    "$body"
lookup_seq=$(json_int seq)
check "lookup: reflects the change's seq" yes "$( ((lookup_seq >= seq)) && echo yes || echo no)"
for key in "$ctcc" "$cbn" "$cucc" "$cmcc"; do
    http GET "/v1/events?after=$((seq - 1))&limit=1" "$key"
    want="{\"events\":[{\"seq\":$seq,\"at_ms\":$((t0 + hour_ms)),\"kind\":\"npdb\","
    want+="\"event\":{\"number\":\"86$nb\",\"operator\":\"CMCC\",\"order\":$ob}}],"
    want+="\"next_after\":$seq}"
    check "every operator's feed has the NPDB change at its seq" "$want" "$body"
done
refused "no cancel while broadcasting" 409 invalid_state POST "/v1/orders/$ob/cancel" "$cmcc" '{}'

# ACTIVE only when every operator acknowledged that seq.
for key in "$cmcc" "$cucc" "$ctcc"; do
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
    check "ack: 200" 200 "$status"
done
http POST /v1/events/ack "$cbn" "{\"seq\":$((seq - 1))}"
now_ms >/dev/null
check "not ACTIVE while one operator is behind" BROADCASTING "$(state_of "$ob")"
http POST /v1/events/ack "$cbn" "{\"seq\":$seq}"
now_ms >/dev/null
check "ACTIVE once all four acknowledged" ACTIVE "$(state_of "$ob")"
refused "no cancel once ACTIVE" 409 invalid_state POST "/v1/orders/$ob/cancel" "$cmcc" '{}'
refused "no late answer once ACTIVE" 409 invalid_state POST "/v1/orders/$ob/answer" "$cucc" \
    '{"reason":"D03","text":"too late"}'

# Reversal: the regulator's alone, of an ACTIVE port, with a reason.
refused "the recipient cannot reverse" 403 forbidden \
    POST "/v1/orders/$ob/reverse" "$cmcc" '{"text":"x"}'
refused "the donor cannot reverse" 403 forbidden \
    POST "/v1/orders/$ob/reverse" "$cucc" '{"text":"x"}'
refused "a third operator cannot reverse" 403 forbidden POST "/v1/orders/$ob/reverse" "$ctcc" \
    '{"text":"x"}'
refused "a reversal without a reason" 400 missing_field POST "/v1/orders/$ob/reverse" "$miit" '{}'
refused "a reversal with an empty reason" 400 C08 \
    POST "/v1/orders/$ob/reverse" "$miit" '{"text":""}'
refused "a cancelled order cannot be reversed" 409 invalid_state POST "/v1/orders/$oa/reverse" \
    "$miit" '{"text":"wrong port"}'
refused "an unknown order cannot be reversed" 404 not_found POST /v1/orders/999/reverse "$miit" \
    '{"text":"wrong port"}'
clock_to $((t0 + 2 * hour_ms))
http POST "/v1/orders/$ob/reverse" "$miit" '{"text":"ported without the owner consent, case 88"}'
check "the regulator reverses: 200" 200 "$status"
check "reversed" REVERSED "$(state_of "$ob")"
http GET "/v1/numbers/$nb" "$cmcc"
check_match "lookup: back with China Unicom, not ported" \
    '"holder":"CUCC".*"operator":"CUCC".*"ported":false.*"routing_number":"1020731"' "$(sorted)"
re="\"history\":\\[\\{\"at_ms\":$((t0 + hour_ms)),\"operator\":\"CMCC\",\"order\":$ob\\},"
re+="\\{\"at_ms\":$((t0 + 2 * hour_ms)),\"operator\":\"CUCC\",\"order\":$ob\\}\\]"
check_match "lookup: the history has both changes" "$re" "$body"
http GET "/v1/events?after=$seq&limit=1000" "$cbn"
check_match "feed: the reversal's NPDB change" \
    "\"kind\":\"npdb\",\"event\":\\{\"number\":\"86$nb\",\"operator\":\"CUCC\",\"order\":$ob\\}" \
    "$body"
re="\"actor\":\"regulator:MIIT\".*\"order\":$ob,.*\"state\":\"REVERSED\""
audit_has "the reversal and its reason are audited" "$re.*ported without the owner consent, case 88"
refused "reversed twice" 409 invalid_state POST "/v1/orders/$ob/reverse" "$miit" '{"text":"again"}'
refused "China Mobile no longer serves it" 409 not_ported POST /v1/returns "$cmcc" \
    "{\"number\":\"$nb\"}"

mnpd_stop
finish
