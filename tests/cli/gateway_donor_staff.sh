#!/usr/bin/env bash
# The donor's answer left to its staff (donor_answer = by_staff, SPEC.md §5): China Unicom's
# gateway still objects with D01 by itself when its records show the phone reported lost after
# the code was issued, but otherwise does not answer: its staff may object, with D01-D03 only
# (D03 with a written justification), or stay silent, and when the window closes silence is
# consent. A value other than at_once or by_staff is refused with the line. Run by ctest with
# MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
{ echo "[gateway]"; gateway_operator CUCC; } >"$tmp/gw.conf"

sed 's/^store = sqlite:.*cucc.db$/&\ndonor_answer = maybe/' "$tmp/gw.conf" >"$tmp/bad.conf"
cat "$tmp/ch.conf" "$tmp/bad.conf" >"$tmp/bad-all.conf"
set +e
out=$("$mnpd" --config "$tmp/bad-all.conf" --check 2>&1)
rc=$?
set -e
check "donor_answer = maybe: refused" 1 "$rc"
check_match "the message names the line and the choices" \
    'bad-all\.conf:[0-9]+: \[operator "CUCC"\] donor_answer: at_once .* or by_staff' "$out"

sed 's/^store = sqlite:.*cucc.db$/&\ndonor_answer = by_staff/' "$tmp/gw.conf" >>"$tmp/ch.conf"
{ gateway_operator CMCC; } >>"$tmp/ch.conf"

donor_subscribers normal
test_clock_start=now
mnpd_start

# port NUMBER NAME ID: the subscriber's SQXZ at China Unicom, then China Mobile's port-in; sets
# order.
port() {
    http POST /v1/sms/inbound "$cucc" "{\"from\":\"$1\",\"to\":\"10010\",\"text\":\"SQXZ#$2#$3\"}"
    local code
    code=$(grep -oE '[0-9]{6}' <<<"$(json_str reply)" | head -1)
    check_match "SQXZ gives $2 a code" '^[0-9]{6}$' "$code"
    [[ -n "${lost:-}" ]] && donor_subscribers lost
    http POST /v1/port-in "$cmcc" "{\"number\":\"$1\",\"name\":\"$2\",\"identity\":\"$3\",\"code\":\"$code\",\"channel\":\"store\"}"
    check "port-in for $2: 201" 201 "$status"
    order=$(json_int order)
}
# logged REGEX: waits (at most 20 s) until the daemon's log has a line matching REGEX.
logged() {
    timeout 20 grep -qE -m1 "$1" <(tail -n +1 -f "$tmp/mnpd.log") || true
    check_match "logged: $1" "$1" "$(cat "$tmp/mnpd.log")"
}
state_is() { # state_is ORDER STATE [REASON]
    http GET "/v1/orders/$1" "$cmcc"
    check "order $1: $2${3:+ $3}" "$2${3:+ $3}" "$(json_str state)${3:+ $(json_str reason)}"
}

# 赵六 reports the phone lost after getting the code: D01 is still the gateway's own answer.
# (First, while the daemon's clock still stands at the real time mnpctl records the loss by.)
lost=yes port 13007301237 赵六 "$zhao"
logged "msg=\"donor answer\" operator=CUCC order=$order answer=.*D01"
state_is "$order" REJECTED D01
donor_subscribers normal

# 张三: the gateway leaves it to staff, who say nothing: the window closes, silence is consent.
port 13007301234 张三 "$zhang"
logged "msg=\"donor answer left to staff\" operator=CUCC order=$order\$"
state_is "$order" PENDING_DONOR
refused "staff object without a permitted reason" 422 not_an_objection \
    POST "/v1/orders/$order/answer" "$cucc" '{"reason":"D05","text":"a better offer"}'
refused "staff object with D03 but no justification" 422 justification_required \
    POST "/v1/orders/$order/answer" "$cucc" '{"reason":"D03"}'
advance $((10 * 60 * 1000 + 1000))
http GET "/v1/orders/$order" "$cmcc"
check "the window closed: accepted by silence" "SCHEDULED true" \
    "$(json_str state) $(grep -oE '"donor_silent":(true|false)' <<<"$body" | cut -d: -f2)"

# 钱七: staff suspect fraud and say why: D03, audited and flagged for the regulator.
port 13007301238 钱七 "$qian"
logged "msg=\"donor answer left to staff\" operator=CUCC order=$order\$"
http POST "/v1/orders/$order/answer" "$cucc" '{"reason":"D03","text":"证件疑似伪造，已报警"}'
check "staff object with D03 and a justification: 200" 200 "$status"
state_is "$order" REJECTED D03
advance 1000
http GET /v1/stats "$miit"
check_match "the regulator sees the D03 objection flagged" \
    '"kind":"d03_objection"[^}]*"order":'"$order" "$body"

mnpd_stop
finish
