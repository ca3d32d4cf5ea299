#!/usr/bin/env bash
# Every eligibility condition of SPEC.md §4 alone, then several at once, as the subscriber sees
# them: a CXXZ by SMS to a real mnpd's gateway and the Chinese reply. A reply with one unmet
# condition lists exactly that one, with its remedy (and amount or date), and nothing else;
# a number of a type that never ports (E06) is told so without an invitation to ask again.
# Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
{ echo "[gateway]"; gateway_operator CUCC; } >>"$tmp/ch.conf"

# Beijing dates: the last port 30 days ago, and 120 days after it, as the reply writes a date.
today=$(TZ=Asia/Shanghai date +%F)
ported=$(TZ=Asia/Shanghai date -d "$today -30 days" +%F)
again=$(TZ=Asia/Shanghai date -d "$ported +120 days" +'%Y年%-m月%-d日')
in_a_year=$(TZ=Asia/Shanghai date -d "$today +1 year" +%F)
in_a_year_zh=$(TZ=Asia/Shanghai date -d "$in_a_year" +'%Y年%-m月%-d日')

idn() { idcard "4301021990010$1"; } # a valid identity number per subscriber
cat >"$tmp/subscribers.csv" <<CSV
number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen
13007300010,甲,$(idn 1010),person,normal,0,,,0
13007300011,乙,$(idn 1011),company,normal,0,,,0
13007300012,丙,$(idn 1012),none,normal,0,,,0
13007300013,丁,$(idn 1013),person,lost,0,,,0
13007300014,戊,$(idn 1014),person,suspended,0,,,0
13007300015,己,$(idn 1015),person,normal,1234,,,0
13007300016,庚,$(idn 1016),person,normal,0,,,0
13007300017,辛,$(idn 1017),person,normal,0,$ported,,0
14507300018,壬,$(idn 1018),person,normal,0,,,0
13007300019,癸,$(idn 1019),person,suspended,990,$ported,,0
CSV
cat >"$tmp/agreements.csv" <<CSV
number,name,start,end,fee_fen,has_term
13007300016,合约计划A,2025-01-01,$in_a_year,30000,yes
13007300016,流量包,2025-01-01,$in_a_year,0,no
CSV
run subscribers import --operator CUCC "$tmp/subscribers.csv" --db "$tmp/cucc.db"
check "import subscribers" 0 "$status"
run agreements import --operator CUCC "$tmp/agreements.csv" --db "$tmp/cucc.db"
check "import agreements" 0 "$status"
test_clock_start=now
mnpd_start

# cxxz NUMBER NAME IDENTITY: the subscriber's query; sets reply (as JSON writes it, line breaks
# as \n) and items (its numbered lines).
cxxz() {
    http POST /v1/sms/inbound "$cucc" "{\"from\":\"$1\",\"to\":\"10010\",\"text\":\"CXXZ#$2#$3\"}"
    reply=$(json_str reply)
    items=$({ grep -oE '\\n[0-9]+\.' <<<"$reply" || true; } | wc -l)
}
# alone WHAT PATTERN: the last reply is a refusal listing one condition, matching PATTERN.
alone() {
    check_match "$1: not eligible" '"eligible":false' "$body"
    check "$1: exactly one condition" 1 "$items"
    check_match "$1: its remedy" "$2" "$reply"
}

cxxz 13007300010 甲 "$(idn 1010)"
check_match "all conditions met: eligible" '"eligible":true' "$body"
check "all conditions met: no condition listed" 0 "$items"

cxxz 13007300011 乙 "$(idn 1011)"
alone "E01 (a company's number)" '单位名下.*过户'
cxxz 13007300012 丙 "$(idn 1012)"
alone "E01 (not registered under a real name)" '未实名登记'
cxxz 13007300013 丁 "$(idn 1013)"
alone "E02 (reported lost)" '挂失.*解挂'
cxxz 13007300014 戊 "$(idn 1014)"
alone "E02 (suspended)" '停机.*复机'
cxxz 13007300015 己 "$(idn 1015)"
alone "E03 (unpaid, with the amount)" '未缴费用12\.34元'
cxxz 13007300016 庚 "$(idn 1016)"
alone "E04 (a term agreement, its end and fee)" "合约计划A.*至$in_a_year_zh.*违约金300\.00元"
check "E04: a promotion without term is not a condition" 0 "$(grep -c '流量包' <<<"$reply" || true)"
cxxz 13007300017 辛 "$(idn 1017)"
alone "E05 (ported 30 days ago, with the day it may port again)" "120天，$again起可办理"
check_match "E05: ask again then" '届时请发送CXXZ' "$reply"
cxxz 14507300018 壬 "$(idn 1018)"
alone "E06 (a data-only number)" '该号码类型不支持携号转网'
check_match "E06: told plainly, not to wait" '您的号码不满足' "$reply"
check "E06: no invitation to ask again" 0 "$(grep -c '重新查询' <<<"$reply" || true)"
cxxz 13007300010 甲 "$(idn 1011)"
alone "E07 (another identity number)" '姓名或证件号码与登记信息不符'
cxxz 13007300011 乙乙 "$(idn 1011)"
alone "E07 (another name), nothing else about the number" '不符'
check "E07: the company registration is not disclosed" 0 "$(grep -c '单位' <<<"$reply" || true)"

cxxz 13007300019 癸 "$(idn 1019)"
check "several at once: E02, E03 and E05 in one reply" 3 "$items"
check_match "several at once: each with its remedy" "停机.*未缴费用9\.90元.*$again" "$reply"

mnpd_stop
finish
