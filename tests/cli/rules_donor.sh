#!/usr/bin/env bash
# The donor's answer (SPEC.md §5), over real HTTP against mnpd on the test clock: inside its
# 10-minute window the donor may object only with D01, D02 or D03 (D03 with a written
# justification, audited), each of which rejects the order with that reason; any other reason,
# an answer from anyone but the donor, and any answer once the window has closed are refused and
# change nothing; silence is consent, recorded as such; and the cutover is the next whole hour
# strictly after the acceptance. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
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
code=100000
# new_order NUMBER: China Unicom registers a code, China Mobile submits; the id in $order.
new_order() {
    code=$((code + 1))
    register "$cucc" "$1" "$id" "$code"
    submit_ok "$cmcc" "$1" "$id" "$code"
}
# answer ID KEY BODY: the answer route.
answer() {
    http POST "/v1/orders/$1/answer" "$2" "$3"
}
# reason_of ID: the order's reason as the regulator reads it.
reason_of() {
    http GET "/v1/orders/$1" "$miit"
    json_str reason
}

# D01 and D02 inside the window: REJECTED with that reason, audited, the number free again.
n1=13007301250 n2=13007301251 n3=13007301252 n4=13007301253 n5=13007301254
new_order "$n1"
o1=$order
new_order "$n2"
o2=$order
answer "$o1" "$cucc" '{"reason":"D01"}'
check "D01: 200" 200 "$status"
check "D01: rejected" REJECTED "$(state_of "$o1")"
check "D01: its reason" D01 "$(reason_of "$o1")"
answer "$o2" "$cucc" '{"reason":"D02","text":"the subscriber transferred the number"}'
check "D02: 200" 200 "$status"
check "D02: rejected" REJECTED "$(state_of "$o2")"
check "D02: its reason" D02 "$(reason_of "$o2")"
audit_has "D01 audited" '"action":"order.state".*"reason":"D01".*"state":"REJECTED"'
watch="$n1 $n2"
refused "a rejected order cannot be answered again" 409 invalid_state \
    POST "/v1/orders/$o1/answer" "$cucc" '{"reason":"D02"}'
refused "nor accepted" 409 invalid_state POST "/v1/orders/$o1/answer" "$cucc" '{}'
new_order "$n1"
check "after a rejection the number may be requested again" PENDING_DONOR "$(state_of "$order")"

# D03 needs its justification; the justification goes to the audit log.
new_order "$n3"
o3=$order
watch="$n3"
refused "D03 without text" 422 justification_required POST "/v1/orders/$o3/answer" "$cucc" \
    '{"reason":"D03"}'
refused "D03 with empty text" 422 justification_required POST "/v1/orders/$o3/answer" "$cucc" \
    '{"reason":"D03","text":""}'
check "D03 refused: still pending" PENDING_DONOR "$(state_of "$o3")"
answer "$o3" "$cucc" '{"reason":"D03","text":"identity card reported stolen, case 2026-0731-77"}'
check "D03 with text: 200" 200 "$status"
check "D03: rejected" REJECTED "$(state_of "$o3")"
check "D03: its reason" D03 "$(reason_of "$o3")"
audit_has "D03: the justification is audited" \
    '"action":"order.state".*"reason":"D03".*identity card reported stolen, case 2026-0731-77'

# Nothing else is an objection; only the donor answers.
new_order "$n4"
o4=$order
watch="$n4"
for reason in E04 E01 C01 C07 D04 X d01 "D01 " "合约"; do
    refused "reason '$reason' is not an objection" 422 not_an_objection \
        POST "/v1/orders/$o4/answer" "$cucc" \
        "{\"reason\":\"$reason\",\"text\":\"unfinished contract\"}"
done
refused "the recipient cannot answer" 404 not_found POST "/v1/orders/$o4/answer" "$cmcc" \
    '{"reason":"D01"}'
refused "a third operator cannot answer" 404 not_found POST "/v1/orders/$o4/answer" "$ctcc" '{}'
refused "the regulator cannot answer" 403 forbidden POST "/v1/orders/$o4/answer" "$miit" \
    '{"reason":"D01"}'
check "still pending the donor" PENDING_DONOR "$(state_of "$o4")"

# The window: an objection in its last millisecond counts; at its end silence has consented.
new_order "$n5"
o5=$order
clock_to $((t0 + 10 * min_ms - 1))
check "o4 pending in the window's last millisecond" PENDING_DONOR "$(state_of "$o4")"
answer "$o5" "$cucc" '{"reason":"D01"}'
check "D01 in the last millisecond: 200" 200 "$status"
check "D01 in the last millisecond: rejected" REJECTED "$(state_of "$o5")"
clock_to $((t0 + 10 * min_ms))
http GET "/v1/orders/$o4" "$cucc"
check "silence: accepted and scheduled at once" SCHEDULED "$(json_str state)"
check_match "silence: recorded on the order" '"donor_silent":true' "$body"
check "silence: no reason" "" "$(json_str reason)"
check "silence: cutover at the next whole hour (11:00)" $((t0 + hour_ms)) "$(json_int cutover_ms)"
audit_has "silence: audited as silent consent" \
    '"action":"order.state","actor":"system".*"order":'"$o4"',.*"silent":true.*"state":"ACCEPTED"'
http GET "/v1/events?after=0&limit=1000" "$cmcc"
re="\"order\":$o4,[^}]*\"state\":\"ACCEPTED\".*"
re+="\"order\":$o4,[^}]*\"state\":\"SCHEDULED\"[^}]*\"cutover_ms\":$((t0 + hour_ms))"
check_match "silence: the feed tells ACCEPTED, then SCHEDULED with the cutover" "$re" "$body"
refused "an objection after the window" 409 invalid_state POST "/v1/orders/$o4/answer" "$cucc" \
    '{"reason":"D01"}'
refused "a D03 after the window" 409 invalid_state POST "/v1/orders/$o4/answer" "$cucc" \
    '{"reason":"D03","text":"late"}'
refused "an acceptance after the window" 409 invalid_state POST "/v1/orders/$o4/answer" "$cucc" '{}'

# The cutover is the next whole hour strictly after the acceptance: accepted at 10:59:59.999 it
# is 11:00; accepted at 11:00:00.000 (also by silence) it is 12:00.
n6=13007301256 n7=13007301257 n8=13007301258
clock_to $((t0 + 50 * min_ms))
new_order "$n8"
o8=$order
clock_to $((t0 + 55 * min_ms))
new_order "$n6"
o6=$order
new_order "$n7"
o7=$order
clock_to $((t0 + hour_ms - 1))
accept "$o6" "$cucc"
http GET "/v1/orders/$o6" "$cmcc"
check "accepted at 10:59:59.999: cutover 11:00" $((t0 + hour_ms)) "$(json_int cutover_ms)"
check_match "an accepted order was not silent" '"donor_silent":false' "$body"
clock_to $((t0 + hour_ms))
check "cut over at 11:00" BROADCASTING "$(state_of "$o6")"
accept "$o7" "$cucc"
http GET "/v1/orders/$o7" "$cmcc"
check "accepted at 11:00:00.000: cutover 12:00" $((t0 + 2 * hour_ms)) "$(json_int cutover_ms)"
http GET "/v1/orders/$o8" "$cmcc"
check "silent until 11:00:00.000: scheduled" SCHEDULED "$(json_str state)"
check "silent until 11:00:00.000: cutover 12:00" $((t0 + 2 * hour_ms)) "$(json_int cutover_ms)"
check_match "silent: recorded" '"donor_silent":true' "$body"

mnpd_stop
finish
