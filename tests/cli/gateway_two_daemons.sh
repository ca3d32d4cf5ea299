#!/usr/bin/env bash
# A port between two operators whose gateways run in separate processes, as they do in
# production: one mnpd runs the clearinghouse and China Unicom's gateway, another runs only China
# Mobile's gateway, which reaches the clearinghouse over HTTP by its URL. China Mobile's shop
# submits the port at its own gateway; China Unicom's gateway accepts by itself; at cutover both
# gateways acknowledge the NPDB change, the port is ACTIVE, each network gets its provisioning
# event and the subscriber his welcome SMS; the web console's reads and answers go through China
# Mobile's gateway to the clearinghouse unchanged; then he leaves China Mobile and the number
# returns. Waits on the feed (long poll), never on a timer. Run by ctest with MNP_BIN_DIR and
# MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
{ echo "[gateway]"; gateway_operator CUCC; } >>"$tmp/ch.conf"
donor_subscribers normal
test_clock_start=now
mnpd_start
ch_port=$port

# China Mobile's gateway alone, in its own process, with its own listener.
printf '[gateway]\nlisten = 127.0.0.1:0\n' >"$tmp/gw.conf"
gateway_operator CMCC "http://127.0.0.1:$ch_port" >>"$tmp/gw.conf"
mkfifo "$tmp/gw.fifo"
"$mnpd" --config "$tmp/gw.conf" 2>"$tmp/gw.fifo" &
gw_pid=$!
trap 'kill -TERM $gw_pid $mnpd_pid 2>/dev/null || true; wait $gw_pid $mnpd_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
exec 5<"$tmp/gw.fifo"
gw_port=""
gw_start=""
while IFS= read -r -t 30 -u 5 line; do
    gw_start+="$line"$'\n'
    if [[ -z "$gw_port" && "$line" =~ msg=\"listening\".*addr=127\.0\.0\.1:([0-9]+) ]]; then
        gw_port=${BASH_REMATCH[1]}
    fi
    [[ "$line" =~ msg=\"ready\" ]] && break
done
cat <&5 >>"$tmp/gw.log" &
exec 5<&-
check_match "China Mobile's gateway listens on its own port" '^[0-9]+$' "$gw_port"
check_match "and talks to the clearinghouse by URL" \
    "msg=\"gateway tenant up\".*clearinghouse=http://127.0.0.1:$ch_port" "$gw_start"

at() { port=$1; } # at PORT: where the next http() goes
feed_seq=0
# follow: one long poll of the clearinghouse's feed, as China Mobile.
follow() {
    at "$ch_port"
    http GET "/v1/events?after=$feed_seq&wait=2" "$cmcc"
    feed_seq=$(json_int next_after)
}

# 张三 asks China Unicom for a code by SMS.
at "$ch_port"
http POST /v1/sms/inbound "$cucc" "{\"from\":\"13007301234\",\"to\":\"10010\",\"text\":\"SQXZ#张三#$zhang\"}"
code=$(grep -oE '[0-9]{6}' <<<"$(json_str reply)" | head -1)
check_match "SQXZ at China Unicom gives a code" '^[0-9]{6}$' "$code"

# China Mobile's shop submits the port at China Mobile's own gateway.
at "$gw_port"
http POST /v1/port-in "$cmcc" "{\"number\":\"13007301234\",\"name\":\"张三\",\"identity\":\"$zhang\",\"code\":\"$code\",\"channel\":\"store\"}"
check "port-in at China Mobile's gateway: 201" 201 "$status"
order=$(json_int order)
http POST /v1/port-in "$cucc" "{\"number\":\"13007301234\",\"name\":\"张三\",\"identity\":\"$zhang\",\"code\":\"$code\",\"channel\":\"store\"}"
check "China Unicom's key means nothing at China Mobile's gateway: 401" 401 "$status"

for ((i = 0; i < 20; i++)); do # China Unicom's gateway answers from the feed
    at "$ch_port"
    http GET "/v1/orders/$order" "$cmcc"
    [[ "$(json_str state)" == SCHEDULED ]] && break
    follow
done
check "the donor's gateway accepted: SCHEDULED" SCHEDULED "$(json_str state)"
at "$ch_port"
advance 3600000
http GET "/v1/orders/$order" "$cmcc"
seq=$(json_int npdb_seq)
for key in "$ctcc" "$cbn"; do # operators without a gateway here
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
done
for ((i = 0; i < 20; i++)); do # both gateways acknowledge on their own
    at "$ch_port"
    advance 0
    http GET "/v1/orders/$order" "$cmcc"
    [[ "$(json_str state)" == ACTIVE ]] && break
    follow
done
check "ACTIVE once both gateways acknowledged" ACTIVE "$(json_str state)"
http GET "/v1/numbers/13007301234" "$ctcc"
check_match "the lookup answers China Mobile" '"operator":"CMCC","ported":true' "$body"

# The web console on China Mobile's gateway reads the clearinghouse through it, with the
# operator's own key: the same answers, refusals with their status and code.
same() { # same NAME METHOD PATH [BODY]: the gateway relays exactly the clearinghouse's answer
    at "$ch_port"
    http "$2" "$3" "$cmcc" "${@:4}"
    local direct="$status $body"
    at "$gw_port"
    http "$2" "$3" "$cmcc" "${@:4}"
    check "console at the gateway: $1" "$direct" "$status $body"
}
same "whose key" GET /v1/me
check_match "console at the gateway: whose key, China Mobile's" '"principal":"CMCC","role":"operator"' "$body"
same "the number" GET /v1/numbers/%2B8613007301234
same "orders by side and number" GET "/v1/orders?role=recipient&number=%2B86%20130%200730%201234"
check_match "console at the gateway: the order is listed" "\"order\":$order,\"recipient\":\"CMCC\"" "$body"
same "the order" GET "/v1/orders/$order"
same "its timeline" GET "/v1/orders/$order/timeline?limit=3"
same "a bad side: 400 bad_query" GET "/v1/orders?role=sideways"
same "an order that is not there: 404" GET /v1/orders/999999
same "cancelling an ACTIVE order: 409" POST "/v1/orders/$order/cancel" '{}'
check_match "console at the gateway: the refusal's code" '"code":"invalid_state"' "$body"
at "$gw_port"
http GET /v1/me "$miit"
check "the regulator's key is no tenant's at the gateway: 401" 401 "$status"
http GET /ui/areas.json ""
check "the web interface at the gateway: self-service and console" \
    '{"areas":["subscriber","operator"]}' "$body"
at "$ch_port"
http GET /ui/areas.json ""
check "at the clearinghouse with a gateway on its listener: all three" \
    '{"areas":["subscriber","operator","regulator"]}' "$body"

# Each side's network and the subscriber were told, each by its own gateway.
for ((i = 0; i < 20; i++)); do
    at "$gw_port"
    http GET /v1/sms/outbound "$cmcc"
    grep -q '携入' <<<"$body" && break
    follow
done
check_match "China Mobile's welcome SMS" '"from":"10086".*"text":"【中国移动】欢迎！.*"to":"8613007301234"' "$body"
at "$gw_port"
http GET /v1/provisioning "$cmcc"
check_match "China Mobile's network activates the number" '"kind":"activate","number":"8613007301234","order":'"$order" "$body"
at "$ch_port"
http GET /v1/provisioning "$cucc"
check_match "China Unicom's network deactivates it" '"kind":"deactivate","number":"8613007301234","order":'"$order" "$body"

# 张三 leaves China Mobile: its gateway returns the number; its network hands it back.
at "$gw_port"
http POST /v1/terminations "$cmcc" '{"number":"13007301234"}'
check "termination at China Mobile's gateway: 200" 200 "$status"
for ((i = 0; i < 20; i++)); do
    at "$ch_port"
    advance 0
    at "$gw_port"
    http GET /v1/provisioning "$cmcc"
    grep -q '"kind":"return"' <<<"$body" && break
    follow
done
check_match "China Mobile's network hands the number back" '"kind":"return","number":"8613007301234"' "$body"
at "$ch_port"
http GET "/v1/numbers/13007301234" "$ctcc"
check_match "served by its range holder again" '"operator":"CUCC","ported":false' "$body"

# The clearinghouse goes away. China Mobile's gateway still answers its subscribers' CXXZ, and
# keeps the reports it owes the regulator until the clearinghouse is back: none is lost.
at "$gw_port"
li=$(idcard 43010219850505432)
http PUT /v1/subscribers "$cmcc" "{\"subscribers\":[{\"number\":\"13407301111\",\"name\":\"李四\",\"identity\":\"$li\",\"registration\":\"person\",\"status\":\"normal\",\"unpaid_fen\":0,\"balance_fen\":0}]}"
check "the billing system adds a China Mobile subscriber" 200 "$status"
mnpd_stop
at "$gw_port"
http POST /v1/sms/inbound "$cmcc" '{"from":"13407301111","to":"10086","text":"CXXZ#李四#'"$li"'"}'
check_match "CXXZ answered while the clearinghouse is down" '"eligible":true' "$body"
http GET /v1/me "$cmcc"
check "the console says the clearinghouse cannot be reached: 503" \
    "503 clearinghouse_unreachable" "$status $(json_str code)"
# The courier tries at once, fails, and says so in the log (once per outage).
outage=$(timeout 30 tail -n +1 -f "$tmp/gw.log" | grep -m1 'cannot send reports to the clearinghouse' || true)
check_match "the gateway logs that the clearinghouse cannot take its reports" 'operator=CMCC' "$outage"
waiting=""
for ((i = 0; i < 20; i++)); do
    http GET /metrics ""
    waiting=$(sed -nE 's/^mnp_gateway_reports_pending\{operator="CMCC"\} ([0-9]+)$/\1/p' <<<"$body")
    [[ "$waiting" == 1 ]] && break
    http GET "/v1/sms/outbound?after=1000000" "$cmcc" # the figures follow the log line at once
done
check "metrics: one report waits for the clearinghouse" 1 "$waiting"

# The clearinghouse comes back on the same port; the courier delivers the report.
sed -i "s/^listen = 127.0.0.1:0$/listen = 127.0.0.1:$ch_port/" "$tmp/ch.conf"
mnpd_start
check "the clearinghouse is back on its port" "$ch_port" "$port"
for ((i = 0; i < 20; i++)); do
    at "$gw_port"
    http GET /metrics ""
    waiting=$(sed -nE 's/^mnp_gateway_reports_pending\{operator="CMCC"\} ([0-9]+)$/\1/p' <<<"$body")
    [[ "$waiting" == 0 ]] && break
    at "$ch_port"
    http GET "/v1/events?after=1000000&wait=1" "$cmcc" # a pause of at most 1 s
done
check "metrics: the report was delivered" 0 "$waiting"
at "$ch_port"
http GET "/v1/stats?to=4102444800000" "$miit"
check_match "the regulator counts China Mobile's query" '"operator":"CMCC","queries":1' \
    "$(tr -d '\n' <<<"$body" | sed -E 's/"(acceptances|cancellations|codes_issued|late_agreements|rejections|requests|requests_received|returns|reversals|silences|answer_ms|to_active_ms)":(\{[^}]*\}|[0-9]+|null),//g')"

kill -TERM "$gw_pid"
set +e
wait "$gw_pid"
gw_status=$?
set -e
check "China Mobile's gateway stops cleanly" 0 "$gw_status"
mnpd_stop
trap 'rm -rf "$tmp"' EXIT
finish
