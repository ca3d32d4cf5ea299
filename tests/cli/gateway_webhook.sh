#!/usr/bin/env bash
# Provisioning webhooks (SPEC.md §3.4): China Mobile's gateway POSTs its provisioning events to
# its network's webhook, China Unicom's network reads the queue. The webhook here points at a
# closed loopback port, so every attempt fails: after a real port between the two gateways the
# failures show in /metrics, the event stays pending and the queue endpoint still lists it, and
# the test clock moving past the back-off brings the next attempt. A configuration with a webhook
# URL that is not http(s), or a key file whose key is too short or open to others, keeps mnpd
# from starting, with the file and line in the message. Waits follow the feed (long poll), never
# a timer. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
printf '%s\n' "a webhook key for China Mobile's network, 32+ bytes" >"$tmp/hook.key"
printf '%s\n' "too short" >"$tmp/short.key"
chmod 600 "$tmp/hook.key" "$tmp/short.key"
cp "$tmp/hook.key" "$tmp/open.key"
chmod 644 "$tmp/open.key"
cp "$tmp/ch.conf" "$tmp/base.conf"

# gateway_conf FILE WEBHOOK KEY_FILE: base.conf with both gateways, CMCC's webhook as given.
gateway_conf() {
    {
        cat "$tmp/base.conf"
        echo "[gateway]"
        gateway_operator CUCC
        gateway_operator CMCC
        printf 'provisioning_webhook = %s\nprovisioning_webhook_key_file = %s\n' "$2" "$3"
    } >"$1"
}

# refuses_to_start NAME CONF KEY PATTERN: mnpd refuses to start with CONF, with a message that
# names CONF and the line of KEY (the log quotes it with \" for ").
refuses_to_start() {
    local line
    line=$(grep -n "^$3 " "$2" | cut -d: -f1)
    set +e
    "$mnpd" --config "$2" >/dev/null 2>"$tmp/refused.err"
    local rc=$?
    set -e
    check "$1: mnpd refuses to start" 1 "$rc"
    check_match "$1: the message names $2:$line" "$2:$line: \\[operator .?\"CMCC.?\"\\] $3.*$4" \
        "$(cat "$tmp/refused.err")"
}
gateway_conf "$tmp/bad-url.conf" "ftp://127.0.0.1/events" "$tmp/hook.key"
refuses_to_start "a webhook that is not http(s)" "$tmp/bad-url.conf" provisioning_webhook "http://"
gateway_conf "$tmp/short.conf" "http://127.0.0.1:1/events" "$tmp/short.key"
refuses_to_start "a webhook key of 9 bytes" "$tmp/short.conf" provisioning_webhook_key_file \
    "at least 32 bytes"
gateway_conf "$tmp/open.conf" "http://127.0.0.1:1/events" "$tmp/open.key"
refuses_to_start "a webhook key others can read" "$tmp/open.conf" provisioning_webhook_key_file "chmod 600"

# Port 1 on loopback: nothing listens there, every attempt fails at once.
gateway_conf "$tmp/ch.conf" "http://127.0.0.1:1/events" "$tmp/hook.key"
donor_subscribers normal
test_clock_start=now
mnpd_start

feed_seq=0
# next_event: waits for the next feed event, at most a second (the long poll is the pace).
next_event() {
    http GET "/v1/events?after=$feed_seq&wait=1" "$cmcc"
    feed_seq=$(json_int next_after)
}
# wait_state ORDER STATE: follows the feed until the order is in STATE, at most 20 events later.
wait_state() {
    local i
    for ((i = 0; i < 20; i++)); do
        http GET "/v1/orders/$1" "$cmcc"
        [[ "$(json_str state)" == "$2" ]] && break
        next_event
    done
    http GET "/v1/orders/$1" "$cmcc"
    check "order $1 reaches $2" "$2" "$(json_str state)"
}
# wait_metric REGEX: reads /metrics until it matches, at most 20 feed waits later.
wait_metric() {
    local i
    for ((i = 0; i < 20; i++)); do
        http GET /metrics ""
        [[ "$body" =~ $1 ]] && return 0
        next_event
    done
}

http GET /metrics ""
check_match "metrics: no failure before any event" \
    'mnp_gateway_provisioning_failures_total\{operator="CMCC"\} 0' "$body"

# 张三 ports from China Unicom to China Mobile, as in gateway_donor.sh.
http POST /v1/sms/inbound "$cucc" "{\"from\":\"13007301234\",\"to\":\"10010\",\"text\":\"SQXZ#张三#$zhang\"}"
code=$(grep -oE '[0-9]{6}' <<<"$(json_str reply)" | head -1)
check_match "SQXZ gives 张三 a code" '^[0-9]{6}$' "$code"
http POST /v1/port-in "$cmcc" "{\"number\":\"13007301234\",\"name\":\"张三\",\"identity\":\"$zhang\",\"code\":\"$code\",\"channel\":\"store\"}"
check "port-in at China Mobile's shop: 201" 201 "$status"
order=$(json_int order)
wait_state "$order" SCHEDULED
advance 3600000
wait_state "$order" BROADCASTING
seq=$(
    http GET "/v1/orders/$order" "$cmcc"
    json_int npdb_seq
)
for key in "$ctcc" "$cbn"; do # operators without a gateway here
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
done
for ((i = 0; i < 10; i++)); do # both gateways acknowledge on their own
    advance 0
    http GET "/v1/orders/$order" "$cmcc"
    [[ "$(json_str state)" == ACTIVE ]] && break
    next_event
done
check "ACTIVE once both gateways acknowledged" ACTIVE "$(json_str state)"

# China Mobile's courier tried its webhook at once, and failed.
wait_metric 'mnp_gateway_provisioning_failures_total\{operator="CMCC"\} [1-9]'
check_match "metrics: the webhook's failures are counted" \
    'mnp_gateway_provisioning_failures_total\{operator="CMCC"\} [1-9]' "$body"
check_match "metrics: the event is still pending" \
    'mnp_gateway_provisioning_pending\{operator="CMCC"\} 1' "$body"
check_match "metrics: nothing delivered" \
    'mnp_gateway_provisioning_delivered_total\{operator="CMCC"\} 0' "$body"
check_match "metrics: the queue-reading operator has no webhook failures" \
    'mnp_gateway_provisioning_failures_total\{operator="CUCC"\} 0' "$body"
check_match "metrics: the reports gauge is there" \
    'mnp_gateway_reports_pending\{operator="CMCC"\} [0-9]+' "$body"
attempts=$(grep -oE 'mnp_gateway_provisioning_attempts_max\{operator="CMCC"\} [0-9]+' <<<"$body" |
    grep -oE '[0-9]+$')
check_match "metrics: the event's failed attempts" '^[1-9][0-9]*$' "$attempts"

# The queue still lists it for the network.
http GET /v1/provisioning "$cmcc"
check_match "the queue still has the activation" \
    '"kind":"activate","number":"8613007301234","order":'"$order" "$body"
http GET /v1/provisioning "$cucc"
check_match "China Unicom's network reads its deactivation from the queue" \
    '"kind":"deactivate","number":"8613007301234"' "$body"

# The back-off runs on the daemon's clock: past it, the courier tries again within a second of
# real time.
advance 300000
wait_metric "mnp_gateway_provisioning_attempts_max\\{operator=\"CMCC\"\\} $((attempts + 1))"
check_match "metrics: one more attempt once the clock passed the back-off" \
    "mnp_gateway_provisioning_attempts_max\\{operator=\"CMCC\"\\} $((attempts + 1))" "$body"

mnpd_stop
wait # the log reader ends with mnpd's stderr
check_match "the log says why" 'msg="provisioning webhook failed" operator=CMCC .*error="[^"]*onnect' \
    "$(cat "$tmp/mnpd.log")"
finish
