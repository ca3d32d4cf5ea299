#!/usr/bin/env bash
# The operator gateway as the donor (SPEC.md §5): China Unicom's gateway follows the
# clearinghouse's feed and answers port orders for its numbers by itself: it accepts, or objects
# with D01 when the owner reported the phone lost after the code was issued. At cutover it
# acknowledges the NPDB change like every operator's copy, and the port becomes ACTIVE. One mnpd
# runs both roles; the test waits on the feed (long poll), never on a timer. Run by ctest with
# MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
{ echo "[gateway]"; gateway_operator CUCC; gateway_operator CMCC; } >>"$tmp/ch.conf"

donor_subscribers normal
test_clock_start=now
mnpd_start

feed_seq=0
# wait_state ORDER STATE: follows the feed (long poll) until the order is in STATE, at most 20
# feed events later.
wait_state() {
    local i
    for ((i = 0; i < 20; i++)); do
        http GET "/v1/orders/$1" "$cmcc"
        [[ "$(json_str state)" == "$2" ]] && break
        http GET "/v1/events?after=$feed_seq&wait=5" "$cmcc"
        feed_seq=$(json_int next_after)
    done
    http GET "/v1/orders/$1" "$cmcc"
    check "order $1 reaches $2" "$2" "$(json_str state)"
}
# code NUMBER NAME ID: the subscriber's SQXZ; sets code.
code() {
    http POST /v1/sms/inbound "$cucc" "{\"from\":\"$1\",\"to\":\"10010\",\"text\":\"SQXZ#$2#$3\"}"
    code=$(grep -oE '[0-9]{6}' <<<"$(json_str reply)" | head -1)
    check_match "SQXZ gives $2 a code" '^[0-9]{6}$' "$code"
}

# D01: 赵六 reports the phone lost after getting the code; the donor's gateway objects. (First,
# while the daemon's clock still stands at the real time mnpctl records the loss by.)
code 13007301237 赵六 "$zhao"
donor_subscribers lost
http POST /v1/orders "$cmcc" "{\"number\":\"13007301237\",\"identity\":\"$zhao\",\"code\":\"$code\",\"channel\":\"store\"}"
check "port order for 赵六: 201" 201 "$status"
order_zhao=$(json_int order)
wait_state "$order_zhao" REJECTED
http GET "/v1/orders/$order_zhao" "$cmcc"
check "rejected with D01" D01 "$(json_str reason)"
http POST /v1/port-in "$cmcc" "{\"number\":\"13007301237\",\"name\":\"赵六\",\"identity\":\"$zhao\",\"code\":\"$code\",\"channel\":\"store\"}"
check "the code was used up by that order: C03" "422 C03" "$status $(json_str code)"

# A port between two gateways: China Mobile's shop submits it, China Unicom's gateway accepts,
# the cutover comes, both gateways and the other copies acknowledge: ACTIVE.
code 13007301234 张三 "$zhang"
http POST /v1/port-in "$cmcc" "{\"number\":\"13007301234\",\"name\":\"张三\",\"identity\":\"$zhang\",\"code\":\"000000\",\"channel\":\"store\"}"
check "port-in with a wrong code: the clearinghouse's C01" "422 C01" "$status $(json_str code)"
http POST /v1/port-in "$cmcc" "{\"number\":\"13007301234\",\"name\":\"张三\",\"identity\":\"$zhang\",\"code\":\"$code\",\"channel\":\"store\"}"
check "port-in at China Mobile's shop: 201" 201 "$status"
order=$(json_int order)
wait_state "$order" SCHEDULED
http GET "/v1/audit?limit=1000" "$miit"
check_match "the donor's gateway accepted it" \
    '"action":"order.state","actor":"CUCC","at_ms":[0-9]+,"detail":\{[^}]*"state":"ACCEPTED"' "$body"
advance 3600000
wait_state "$order" BROADCASTING
seq=$(http GET "/v1/orders/$order" "$cmcc"; json_int npdb_seq)
for key in "$ctcc" "$cbn"; do # operators without a gateway here
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
done
for ((i = 0; i < 10; i++)); do # the gateway acknowledges on its own; the timers then move it
    advance 0
    http GET "/v1/orders/$order" "$cmcc"
    [[ "$(json_str state)" == ACTIVE ]] && break
    http GET "/v1/events?after=$feed_seq&wait=1" "$cmcc"
    feed_seq=$(json_int next_after)
done
check "ACTIVE once both gateways acknowledged too" ACTIVE "$(json_str state)"

# Both sides acted: the recipient welcomed the subscriber, the donor no longer serves him.
for ((i = 0; i < 10; i++)); do
    http GET "/v1/sms/outbound?limit=1000" "$cmcc"
    grep -q '携入' <<<"$body" && break
    http GET "/v1/events?after=$feed_seq&wait=1" "$cmcc"
    feed_seq=$(json_int next_after)
done
check_match "the recipient's SMS to the subscriber" '"from":"10086","id":[0-9]+,"segments":1,"text":"【中国移动】欢迎！.*携入' "$body"
http POST /v1/sms/inbound "$cucc" "{\"from\":\"13007301234\",\"to\":\"10010\",\"text\":\"CXXZ#张三#$zhang\"}"
check_match "the donor has no subscriber there any more" '"eligible":false' "$body"
http POST /v1/sms/inbound "$cmcc" "{\"from\":\"13007301234\",\"to\":\"10086\",\"text\":\"CXXZ#张三#$zhang\"}"
check_match "the recipient has him, ported just now (E05)" '"eligible":false.*120天' "$body"

# Provisioning: each network hears what to do with the number, once, until it acknowledges.
http GET /v1/provisioning "$cmcc"
check_match "the recipient's network activates it" '"kind":"activate","number":"8613007301234","order":'"$order" "$body"
last=$(json_int next_after)
http POST /v1/provisioning/ack "$cmcc" "{\"up_to\":$last}"
check "the recipient's network acknowledged" '{"acknowledged":1}' "$body"
http GET /v1/provisioning "$cucc"
check_match "the donor's network deactivates it" '"kind":"deactivate","number":"8613007301234"' "$body"
for ((i = 0; i < 10; i++)); do # the gateway refreshes its figures after each feed poll
    http GET /metrics ""
    grep -q 'mnp_gateway_provisioning_pending{operator="CUCC"} 1' <<<"$body" && break
    http GET "/v1/events?after=$feed_seq&wait=1" "$cmcc"
    feed_seq=$(json_int next_after)
done
check_match "metrics: the donor's network has one event waiting" \
    'mnp_gateway_provisioning_pending\{operator="CUCC"\} 1' "$body"

# 张三 leaves China Mobile: the number returns to its range holder.
http POST /v1/terminations "$cucc" '{"number":"13007301234"}'
check "a non-serving operator cannot return it: 404" 404 "$status"
http POST /v1/terminations "$cmcc" '{"number":"13007301234"}'
check "termination: 200" 200 "$status"
for ((i = 0; i < 10; i++)); do
    advance 0
    http GET /v1/provisioning "$cmcc"
    grep -q '"kind":"return"' <<<"$body" && break
    http GET "/v1/events?after=$feed_seq&wait=1" "$cmcc"
    feed_seq=$(json_int next_after)
done
check_match "the recipient's network hands it back" '"kind":"return","number":"8613007301234"' "$body"
http GET "/v1/numbers/13007301234" "$ctcc"
check_match "served by its range holder again" '"operator":"CUCC","ported":false' "$body"

# Codes seen from the SMS side: an expired one, then a lockout that the subscriber hears of.
code 13007301238 钱七 "$qian"
advance 3600001
port_in() { # port_in CODE: China Mobile's shop submits 钱七's port
    http POST /v1/port-in "$cmcc" "{\"number\":\"13007301238\",\"name\":\"钱七\",\"identity\":\"$qian\",\"code\":\"$1\",\"channel\":\"store\"}"
}
port_in "$code"
check "a code 60 minutes old: C02" "422 C02" "$status $(json_str code)"
code 13007301238 钱七 "$qian"
good=$code
for i in 1 2 3 4 5; do # five codes that are surely not the right one
    port_in "$(printf '%06d' $(((10#$good + i) % 1000000)))"
    if ((i < 5)); then
        check "wrong code $i: C01" "422 C01" "$status $(json_str code)"
    fi
done
check "the fifth wrong code in the hour locks the number" 429 "$status"
port_in "$good"
check "locked: even the right code, until the next hour" 429 "$status"
http GET "/v1/sms/outbound?limit=1000" "$cmcc"
check_match "the subscriber is told by SMS" '"text":"【中国移动】您的号码携号转网授权码错误次数过多' "$body"

mnpd_stop
finish
