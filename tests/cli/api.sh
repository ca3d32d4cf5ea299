#!/usr/bin/env bash
# The clearinghouse's /v1 API end to end, with real programs: mnpctl sets up a store (operators,
# a regulator, the demo number plan and routing numbers), mnpd serves it on an ephemeral port,
# and plain HTTP/1.1 requests over bash's /dev/tcp register a code, submit a port, read and
# answer it, and meet the refusals a client must be able to rely on (authentication, strict
# bodies, other operators' orders, the regulator changing nothing). Run by ctest with MNP_BIN_DIR
# and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
mnpd_setup
mnpd_start

num=13007301234 # CUCC, Changsha
id=430102199001011238

http POST /v1/authcodes "" '{"number":"13007301234","identity":"430102199001011238","code":"123456"}'
check "no key: 401" 401 "$status"
check_match "no key: problem" '"code":"unauthorized"' "$body"
http POST /v1/authcodes "mnp_notakeyatallnotakeyatallnotakeyatallnota" '{}'
check "unknown key: 401" 401 "$status"

http POST /v1/authcodes "$cucc" "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\"}"
check "register code: 201" 201 "$status"
http POST /v1/authcodes "$cucc" "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\",\"x\":1}"
check "unknown field: 400" 400 "$status"
check_match "unknown field: code" '"code":"unknown_field"' "$body"
http POST /v1/authcodes "$cucc" "{\"number\":\"$num\",\"identity\":\"$id\"}"
check_match "missing field" '"code":"missing_field"' "$body"
http POST /v1/authcodes "$cucc" '{"number":'
check_match "bad JSON" '"code":"bad_json"' "$body"
http POST /v1/authcodes "$miit" "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\"}"
check "regulator changes nothing: 403" 403 "$status"

http POST /v1/orders "$cmcc" "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\",\"channel\":\"store\"}"
check "submit: 201" 201 "$status"
check_match "submit: order id" '^\{"order":[0-9]+\}$' "$body"
order=$(sed -E 's/.*"order":([0-9]+).*/\1/' <<<"$body")
http POST /v1/orders "$ctcc" "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\",\"channel\":\"store\"}"
check "second order: 409" 409 "$status"
check_match "second order: C04" '"code":"C04"' "$body"

http GET "/v1/orders/$order" "$cmcc"
check "recipient reads: 200" 200 "$status"
check_match "order is pending the donor" '"state":"PENDING_DONOR"' "$body"
check_match "order names the number as E.164 digits" '"number":"8613007301234"' "$body"
http GET "/v1/orders/$order" "$ctcc"
check "another operator: 404" 404 "$status"
http GET "/v1/orders/$order" "$miit"
check "regulator reads: 200" 200 "$status"

http POST "/v1/orders/$order/answer" "$cucc" '{"reason":"E04","text":"unfinished contract"}'
check "invented objection: 422" 422 "$status"
check_match "invented objection: code" '"code":"not_an_objection"' "$body"
http POST "/v1/orders/$order/answer" "$cmcc" '{}'
check "recipient cannot answer: 404" 404 "$status"
http POST "/v1/orders/$order/answer" "$cucc" '{}'
check "donor accepts: 200" 200 "$status"
http GET "/v1/orders/$order" "$cucc"
check_match "accepted (or already scheduled by the timer)" '"state":"(ACCEPTED|SCHEDULED)"' "$body"
http POST "/v1/orders/$order/reverse" "$cmcc" '{"text":"x"}'
check "operator cannot reverse: 403" 403 "$status"
http POST "/v1/events/ack" "$cmcc" '{"seq":1000000}'
check "ack beyond head: 422" 422 "$status"
http POST "/v1/events/ack" "$cmcc" '{"seq":1}'
check "ack: 200" 200 "$status"

# Through the timers on the test clock: the next whole hour cuts over, every operator's copy
# acknowledges the NPDB change, and the order is ACTIVE.
http POST /v1/test/clock "" '{"advance_ms":3600000}'
check "clock: 200" 200 "$status"
check_match "clock: now the next hour" '"now_ms":1795604400000' "$body"
http GET "/v1/orders/$order" "$cmcc"
check_match "cut over: broadcasting" '"state":"BROADCASTING"' "$body"
check_match "cut over at the whole hour" '"cutover_ms":1795604400000' "$body"
seq=$(sed -E 's/.*"npdb_seq":([0-9]+).*/\1/' <<<"$body")
check_match "the NPDB change's feed sequence" '^[0-9]+$' "$seq"
for key in "$cmcc" "$cucc" "$ctcc"; do
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
    check "ack $seq: 200" 200 "$status"
done
http POST /v1/test/clock "" '{"advance_ms":0}'
http GET "/v1/orders/$order" "$cmcc"
check_match "not ACTIVE before every operator acknowledged" '"state":"BROADCASTING"' "$body"
http POST /v1/events/ack "$cbn" "{\"seq\":$seq}"
check "last operator acks: 200" 200 "$status"
# The last acknowledgement wakes the timers at once: they may have taken the step already.
http POST /v1/test/clock "" '{"advance_ms":0}'
check_match "clock: the last step, unless the timers took it" '"changed":[01]' "$body"
http GET "/v1/orders/$order" "$cmcc"
check_match "ACTIVE" '"state":"ACTIVE"' "$body"

# Looking the number up: the recipient serves it now, with its routing number in Changsha.
http GET "/v1/numbers/+86%20130%200730%201234" "$ctcc"
check "lookup: 200" 200 "$status"
check_match "lookup: ported to CMCC with its routing number" \
    '"number":"8613007301234".*"operator":"CMCC".*"ported":true.*"routing_number":"1010731"' \
    "$(tr ',' '\n' <<<"$body" | sort | tr '\n' ',')"
check_match "lookup: history" '"history":\[\{"at_ms":1795604400000,"operator":"CMCC","order":1\}\]' "$body"
http GET "/v1/numbers/1300730" "$ctcc"
check "lookup of a malformed number: 400" 400 "$status"
http GET "/v1/orders" "$cmcc"
check_match "list: the recipient's order" '^\{"orders":\[\{"channel":"store","created_ms":1795600800000,"donor":"CUCC","number":"8613007301234","order":1,"recipient":"CMCC"' "$body"
http GET "/v1/orders" "$ctcc"
check "list: nothing for a third operator" '{"orders":[]}' "$body"
http GET "/v1/orders?state=ACTIVE" "$miit"
check_match "list: the regulator sees it, by state" '"state":"ACTIVE"' "$body"
http GET "/v1/orders?state=active" "$miit"
check "list: unknown state: 400" 400 "$status"

# The NPDB snapshot, in the index format, opens with mnpctl and answers like the API.
snap="$tmp/snap.npdb"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/npdb/snapshot HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer %s\r\n\r\n' "$ctcc" >&3
# Headers end at the first empty line; the rest is the file.
IFS= read -r status_line <&3
while IFS= read -r hline <&3 && [[ "$hline" != $'\r' ]]; do
    [[ "$hline" =~ ^X-MNP-Seq:\ ([0-9]+) ]] && snap_seq=${BASH_REMATCH[1]}
done
cat <&3 >"$snap"
exec 3<&-
check_match "snapshot: 200" '^HTTP/1\.1 200 ' "$status_line"
check_match "snapshot: its seq in a header" '^[0-9]+$' "${snap_seq:-}"
"$bin" npdb stats --db "$snap" --verify >"$tmp/snapstats"
check_match "snapshot: one ported number, checksum ok" $'entries +1\n.*checksum +ok' \
    "$(grep -E '^(entries|checksum)' "$tmp/snapstats")"
check_match "snapshot: made at the daemon's (test) clock time" 'created +2026-11-25T11:00:00\.000Z' \
    "$(cat "$tmp/snapstats")"
check "snapshot: the number is CMCC's" "8613007301234 CMCC ported" \
    "$("$bin" npdb lookup --db "$snap" 13007301234)"

# A ported subscriber leaves: the number goes back to its range holder.
http POST /v1/returns "$cucc" "{\"number\":\"$num\"}"
check "return by a non-serving operator: 404" 404 "$status"
http POST /v1/returns "$cmcc" "{\"number\":\"$num\"}"
check "return: 200" 200 "$status"
http POST /v1/test/clock "" '{"advance_ms":0}'
http GET "/v1/orders/$order" "$cmcc"
check_match "RETURNED" '"state":"RETURNED"' "$body"
http GET "/v1/numbers/$num" "$ctcc"
check_match "back with its range holder" '"operator":"CUCC","ported":false' "$body"
http GET /metrics ""
check_match "metrics: orders by state" 'mnp_orders\{state="RETURNED"\} 1' "$body"
check_match "metrics: the store's group commits" 'mnp_store_commits_total [1-9]' "$body"
check_match "metrics: no order waits for the donor" 'mnp_timers_pending\{timer="donor_window"\} 0' "$body"
check_match "metrics: nor for acknowledgements" 'mnp_timers_pending\{timer="acknowledgement"\} 0' "$body"
http GET "/v1/audit?limit=1000" "$cmcc"
check "audit log: operators may not read it" 403 "$status"
http GET "/v1/audit?limit=1000" "$miit"
check "audit log: the regulator reads it" 200 "$status"
check_match "audit log: the refusal by C04 is recorded" '"action":"order.refused".*"code":"C04"' "$body"
check_match "audit log: hash-chained records" '"hash":"[0-9a-f]{64}"' "$body"
http POST /v1/test/clock "" '{"set_ms":1}'
check "the clock never goes back: 422" 422 "$status"

# The change feed: the recipient sees its order's events and the NPDB changes; another operator
# sees the NPDB changes only; a long poll past the head answers empty when its wait is over.
http GET "/v1/events?after=0&limit=1000" "$cmcc"
check "feed: 200" 200 "$status"
check_match "feed: the order was created" '"kind":"order","event":\{"order":1,"number":"8613007301234","state":"PENDING_DONOR"' "$body"
check_match "feed: the NPDB change" '"kind":"npdb","event":\{"number":"8613007301234","operator":"CMCC"' "$body"
http GET "/v1/events?after=0&limit=1000" "$ctcc"
check_match "feed: other operators get NPDB changes" '"kind":"npdb"' "$body"
check "feed: but not others' orders" no "$(grep -q '"kind":"order"' <<<"$body" && echo yes || echo no)"
head=$(sed -E 's/.*"next_after":([0-9]+).*/\1/' <<<"$body")
http GET "/v1/events?after=$head&wait=1" "$ctcc"
check "long poll: nothing new" "{\"events\":[],\"next_after\":$head}" "$body"
http GET "/v1/events?after=x" "$ctcc"
check "bad query: 400" 400 "$status"

# The same feed as server-sent events: every event with its id, a heartbeat when nothing
# happens, new events as they are written, and a resume after Last-Event-ID.
exec 5<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/events?after=0&heartbeat=1 HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\nAuthorization: Bearer %s\r\n\r\n' "$cmcc" >&5
# sse_until REGEX: reads the stream (chunk-size lines and all) until a line matches; sets sse.
sse_until() {
    sse=""
    local l
    while IFS= read -r -t 10 -u 5 l; do
        l=${l%$'\r'}
        sse+="$l"$'\n'
        [[ "$l" =~ $1 ]] && return 0
    done
    return 0
}
sse_until '^: heartbeat$'
check_match "sse: 200 event stream" $'^HTTP/1\.1 200 .*\n.*[Cc]ontent-[Tt]ype: text/event-stream' "$sse"
check_match "sse: the order's first event with its id" $'id: [0-9]+\nevent: order\ndata: \{"seq":[0-9]+,"at_ms":[0-9]+,"kind":"order","event":\{"order":1,' "$sse"
check_match "sse: the NPDB change" $'event: npdb\ndata: .*"operator":"CMCC"' "$sse"
check_match "sse: a heartbeat once the feed is quiet" $'\n: heartbeat\n' "$sse"
sse_last=$(grep -E '^id: ' <<<"$sse" | tail -1 | cut -d' ' -f2)
http POST /v1/authcodes "$cucc" "{\"number\":\"13007305678\",\"identity\":\"$id\",\"code\":\"654321\"}"
http POST /v1/orders "$cmcc" "{\"number\":\"13007305678\",\"identity\":\"$id\",\"code\":\"654321\",\"channel\":\"app\"}"
check "sse: a new order while streaming: 201" 201 "$status"
sse_until '"number":"8613007305678"'
check_match "sse: it arrives on the open stream" $'id: [0-9]+\nevent: order\ndata: .*"number":"8613007305678"' "$sse"
exec 5<&-
exec 5<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/events?heartbeat=1 HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\nLast-Event-ID: %s\r\nAuthorization: Bearer %s\r\n\r\n' "$sse_last" "$cmcc" >&5
sse_until '^: heartbeat$'
check_match "sse: resumed after Last-Event-ID, the new order first" $'^HTTP/1\.1 200 .*\nid: [0-9]+\nevent: order\ndata: .*"number":"8613007305678"' "$(grep -v -E '^[0-9a-f]+$|^$|^: the change' <<<"$sse" | tr -d '\r')"
check "sse: nothing before it" 0 "$(grep -c '"number":"8613007301234"' <<<"$sse" || true)"
exec 5<&-
advance 0
http GET /metrics ""
check_match "metrics: the new order waits for its donor" 'mnp_timers_pending\{timer="donor_window"\} 1' "$body"
http GET "/v1/events?heartbeat=99" "$cmcc"
check "plain long poll ignores the stream's parameters: 200" 200 "$status"

mnpd_stop
finish
