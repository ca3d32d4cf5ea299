#!/usr/bin/env bash
# Drives the real mnpctl binary through `npdb build`, `npdb lookup` and `npdb stats` as a user or a
# script would: every accepted number form, header, blank and CRLF lines, duplicates, ported,
# native, not-portable, unallocated and invalid numbers in text and JSON, stdin input larger than
# one lookup batch, stats and checksum verification, bad input lines, usage errors and help.
# Run by ctest with MNP_BIN_DIR (where mnpctl is) and MNP_SOURCE_DIR; works on the ASan build too.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"

# ---- build -------------------------------------------------------------------------------------

csv="$tmp/ported.csv"
db="$tmp/ported.npdb"
# Header; national, +86, 0086, 86, spaced, dashed forms; a blank line; a duplicate (last wins);
# a CRLF line; spaces around fields; a quoted field.
printf '%s\n' \
    'number,operator' \
    '13012345678,CMCC' \
    '+8613112345678,CTCC' \
    '008613312345678,CMCC' \
    '8613512345678,CUCC' \
    '86 139 1234 5678,CBN' \
    '186-1234-5678,CMCC' \
    '' \
    '13012345678,CTCC' \
    $'18912345678,CUCC\r' \
    '  15012345678 , CTCC' \
    '"19212345678",CMCC' >"$csv"

run npdb build --input "$csv" --output "$db" --seq 42
check "build: exit status" 0 "$status"
check "build: nothing on stderr when it is not a terminal" "" "$err"
check_match "build: summary" \
    "^$db: 9 entries, ([0-9]+) bytes \(([0-9]+\.[0-9]{2}) bytes/entry\), 1 duplicates, [0-9]+\.[0-9]{2} s$" \
    "$out"
summary_bytes=$(sed -E 's/.* entries, ([0-9]+) bytes.*/\1/' <<<"$out")
check "build: summary bytes are the file size" "$(stat -c %s "$db")" "$summary_bytes"

# The same input from stdin gives the same index.
stdin="$csv"
run npdb build --input - --output "$tmp/stdin.npdb" --seq 42
check "build from stdin: exit status" 0 "$status"
check_match "build from stdin: summary" "^$tmp/stdin.npdb: 9 entries, $summary_bytes bytes" "$out"

# On a terminal a progress bar (here: its final phase) is drawn on stderr; script(1) gives a pty.
if command -v script >/dev/null 2>&1; then
    script -qec "'$bin' npdb build --input '$csv' --output '$tmp/tty.npdb'" /dev/null \
        >"$tmp/tty.log" 2>&1 || true
    check_match "build on a terminal: progress shown" "writing index" "$(cat "$tmp/tty.log")"
fi

# ---- lookup, text --------------------------------------------------------------------------------

run npdb lookup --db "$db" 13012345678 13012345679 +8613112345678 '86 139 1234 5678' \
    008613312345678 8613512345678 186-1234-5678 18912345678 15012345678 19212345678 \
    13412345678 13491234567 14012345678 17012345678 14512345678 12012345678 1440123456789 \
    1301234 abc +8713012345678 23012345678 ''
check "lookup text: exit status 1 (some invalid)" 1 "$status"
check "lookup text: nothing on stderr" "" "$err"
check "lookup text: answers" "8613012345678 CTCC ported
8613012345679 CUCC native
8613112345678 CTCC ported
8613912345678 CBN ported
8613312345678 CMCC ported
8613512345678 CUCC ported
8618612345678 CMCC ported
8618912345678 CUCC ported
8615012345678 CTCC ported
8619212345678 CMCC ported
8613412345678 CMCC native
8613491234567 CTCC not-portable satellite
8614012345678 - not-portable iot
8617012345678 - not-portable mvno
8614512345678 - not-portable data
8612012345678 - unallocated
861440123456789 - not-portable iot
1301234 invalid too short
abc invalid contains a character that is not part of a number
+8713012345678 invalid not a number of country code 86
23012345678 invalid not a mobile number
\"\" invalid no number given" "$out"

run npdb lookup --db "$db" 13012345678 13112345670
check "lookup all valid: exit status 0" 0 "$status"
check "lookup all valid: answers" "8613012345678 CTCC ported
8613112345670 CUCC native" "$out"

# ---- lookup, JSON --------------------------------------------------------------------------------

blocks="$tmp/blocks.csv"
printf '%s\n' 'block,holder,local_network' '1301234,CUCC,0731' '1391234,CMCC,0371' >"$blocks"
json_expected_blocks='{"number":"8613012345678","operator":"CTCC","ported":true,"local_network":"0731"}
{"number":"8613012345679","operator":"CUCC","ported":false,"local_network":"0731"}
{"number":"8613912345678","operator":"CBN","ported":true,"local_network":"0371"}
{"number":"8613512345678","operator":"CUCC","ported":true}
{"number":"8613491234567","operator":"CTCC","ported":false,"portable":false,"type":"satellite"}
{"number":"8614012345678","operator":null,"ported":false,"portable":false,"type":"iot"}
{"number":"8612012345678","operator":null,"ported":false,"portable":false,"type":"unallocated"}
{"input":"1301234","error":"too_short","message":"too short"}
{"input":"a\"b\\c\u0001\ufffd","error":"bad_char","message":"contains a character that is not part of a number"}'
json_args=(13012345678 13012345679 8613912345678 13512345678 13491234567 14012345678
    12012345678 1301234 $'a"b\\c\x01\xff')

run npdb lookup --db "$db" --blocks "$blocks" --json "${json_args[@]}"
check "lookup json --blocks: exit status" 1 "$status"
check "lookup json --blocks: answers" "$json_expected_blocks" "$out"

MNP_BLOCKS="$blocks" run npdb lookup --db "$db" --json "${json_args[@]}"
check "lookup json \$MNP_BLOCKS: answers" "$json_expected_blocks" "$out"

run npdb lookup --db "$db" --json 13012345678 13012345679
check "lookup json without blocks: exit status" 0 "$status"
check "lookup json without blocks: no local network" '{"number":"8613012345678","operator":"CTCC","ported":true}
{"number":"8613012345679","operator":"CUCC","ported":false}' "$out"

run npdb lookup --db "$db" --blocks "$tmp/missing.csv" 13012345678
check "lookup with a missing blocks file: exit status" 1 "$status"
check "lookup with a missing blocks file: message" \
    "mnpctl: $tmp/missing.csv: No such file or directory" "$err"

# ---- lookup, stdin -------------------------------------------------------------------------------

printf '13012345678\n\n  13512345678 \r\n1301234\n8613112345670' >"$tmp/numbers.txt"
stdin="$tmp/numbers.txt"
run npdb lookup --db "$db" -
check "lookup stdin: exit status" 1 "$status"
check "lookup stdin: answers (blank line skipped, CRLF and no final newline)" \
    "8613012345678 CTCC ported
8613512345678 CUCC ported
1301234 invalid too short
8613112345670 CUCC native" "$out"

# Arguments and stdin mixed keep their order.
stdin="$tmp/numbers.txt"
run npdb lookup --db "$db" --json 18912345678 - 13412345678
check "lookup args and stdin: order" '{"number":"8618912345678","operator":"CUCC","ported":true}
{"number":"8613012345678","operator":"CTCC","ported":true}
{"number":"8613512345678","operator":"CUCC","ported":true}
{"input":"1301234","error":"too_short","message":"too short"}
{"number":"8613112345670","operator":"CUCC","ported":false}
{"number":"8613412345678","operator":"CMCC","ported":false}' "$out"

# More numbers than one lookup batch: answers stay in input order across batches.
{
    seq 13012340000 13012344999
    echo 13012345678
    echo 12
    seq 13012350000 13012354998
} >"$tmp/many.txt"
stdin="$tmp/many.txt"
run npdb lookup --db "$db" -
check "lookup 10001 from stdin: exit status" 1 "$status"
check "lookup 10001 from stdin: line count" 10001 "$(wc -l <"$tmp/stdout")"
check "lookup 10001 from stdin: ported one in place" "8613012345678 CTCC ported" \
    "$(sed -n 5001p "$tmp/stdout")"
check "lookup 10001 from stdin: invalid one in place" "12 invalid too short" \
    "$(sed -n 5002p "$tmp/stdout")"
check "lookup 10001 from stdin: last" "8613012354998 CUCC native" "$(tail -n 1 "$tmp/stdout")"
check "lookup 10001 from stdin: native count" 9999 "$(grep -c ' CUCC native$' "$tmp/stdout")"

# A program feeding numbers one at a time through a pipe gets each answer before it sends the
# next (the read timeout only bounds a failure; a passing run never waits on it).
coproc LOOKUP { "$bin" npdb lookup --db "$db" -; }
echo 13012345678 >&"${LOOKUP[1]}"
answer1=""
read -r -t 30 answer1 <&"${LOOKUP[0]}" || true
echo 1301234 >&"${LOOKUP[1]}"
answer2=""
read -r -t 30 answer2 <&"${LOOKUP[0]}" || true
lookup_in=${LOOKUP[1]}
lookup_pid=${LOOKUP_PID:?}
exec {lookup_in}>&-
set +e
wait "$lookup_pid"
status=$?
set -e
check "lookup through a pipe: first answer before more input" "8613012345678 CTCC ported" "$answer1"
check "lookup through a pipe: second answer" "1301234 invalid too short" "$answer2"
check "lookup through a pipe: exit status" 1 "$status"

run npdb lookup --db "$tmp/missing.npdb" 13012345678
check "lookup missing index: exit status" 1 "$status"
check_match "lookup missing index: message" "^mnpctl: $tmp/missing.npdb: " "$err"

# ---- stats -----------------------------------------------------------------------------------------

run npdb stats --db "$db"
check "stats: exit status" 0 "$status"
size=$(stat -c %s "$db")
per_entry=$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 9 }')
created=$(sed -n 's/^created *//p' "$tmp/stdout")
check "stats: fields" "file            $db
format version  1
sequence        42
created         $created
entries         9
blocks          9
file bytes      $size
bytes per entry $per_entry
operators       CMCC CTCC CUCC CBN" "$out"
check_match "stats: created is RFC 3339" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' "$created"
age=$(($(date +%s) - $(date -d "$created" +%s)))
check_match "stats: created is the build time (age ${age}s)" '^[0-9]{1,3}$' "$age"

run npdb stats --db "$db" --verify
check "stats --verify: exit status" 0 "$status"
check "stats --verify: checksum line" "checksum        ok" "$(tail -n 1 "$tmp/stdout")"

# Corrupt the last byte (an entry of the data section): the header and directory still check
# out, so only --verify can notice.
cp "$db" "$tmp/corrupt.npdb"
last=$((size - 1))
byte=$(od -An -tu1 -j "$last" -N 1 "$tmp/corrupt.npdb" | tr -d ' ')
printf '%b' "\\0$(printf '%03o' $(((byte + 1) % 256)))" |
    dd of="$tmp/corrupt.npdb" bs=1 seek="$last" conv=notrunc status=none
check "corruption applied" 1 "$(cmp -l "$db" "$tmp/corrupt.npdb" | wc -l)"
run npdb stats --db "$tmp/corrupt.npdb" --verify
check "stats --verify corrupt: exit status" 1 "$status"
check "stats --verify corrupt: no stats printed" "" "$out"
check_match "stats --verify corrupt: message" "^mnpctl: .*checksum" "$err"

# ---- bad input lines ---------------------------------------------------------------------------

# bad_line NAME LINE3 EXPECTED-REASON: a bad third line stops the build and writes nothing.
bad_line() {
    local name=$1 line=$2 reason=$3 f="$tmp/bad.csv" o="$tmp/bad.npdb"
    printf '%s\n' 'number,operator' '13012345678,CMCC' "$line" '13112345678,CTCC' >"$f"
    run npdb build --input "$f" --output "$o"
    check "bad line ($name): exit status" 1 "$status"
    check "bad line ($name): message" "mnpctl: $f:3: $reason" "$err"
    check "bad line ($name): no output file" "absent" "$([[ -e "$o" ]] && echo present || echo absent)"
    check "bad line ($name): no temporary file left" "" "$(find "$tmp" -name 'bad.npdb?*')"
}
bad_line "too short" '1301234,CMCC' 'bad number "1301234": too short'
bad_line "letters" 'number,operator' \
    'bad number "number": contains a character that is not part of a number'
bad_line "not portable" '14012345678,CMCC' 'number "14012345678" is an IoT number, not portable'
bad_line "unallocated" '12012345678,CMCC' \
    'number "12012345678" is in no allocated number range, not portable'
bad_line "unknown operator" '13012345679,XYZ' \
    'unknown operator "XYZ" (known: CMCC, CUCC, CTCC, CBN)'
bad_line "lower-case operator" '13012345679,cmcc' \
    'unknown operator "cmcc" (known: CMCC, CUCC, CTCC, CBN)'
bad_line "three fields" '13012345679,CMCC,x' 'expected 2 fields (number,operator), found 3'
bad_line "one field" '13012345679' 'expected 2 fields (number,operator), found 1'
bad_line "over-long line" "13012345679,$(printf 'C%.0s' $(seq 5000))" 'line longer than 4096 bytes'

# A first line with digits is data, not a header.
printf '%s\n' '1301234,CMCC' '13012345678,CMCC' >"$tmp/first.csv"
run npdb build --input "$tmp/first.csv" --output "$tmp/first.npdb"
check "bad first line: message" "mnpctl: $tmp/first.csv:1: bad number \"1301234\": too short" "$err"

run npdb build --input "$tmp/missing.csv" --output "$tmp/x.npdb"
check "build missing input: exit status" 1 "$status"
check "build missing input: message" "mnpctl: $tmp/missing.csv: No such file or directory" "$err"

# ---- usage errors, help, version -----------------------------------------------------------------

# usage NAME EXPECTED-FIRST-LINE HINT-COMMAND ARGS...: exit 2, one error line and a hint, no stdout.
usage() {
    local name=$1 first=$2 hint=$3
    shift 3
    run "$@"
    check "usage ($name): exit status" 2 "$status"
    check "usage ($name): message" "$first
Try '$hint --help'." "$err"
    check "usage ($name): nothing on stdout" "" "$out"
}
usage "no command" "mnpctl: no command given" "mnpctl"
usage "unknown command" "mnpctl: unknown command 'frob'" "mnpctl" frob
usage "unknown option" "mnpctl: unknown option '--bogus'" "mnpctl" --bogus
usage "npdb no command" "mnpctl npdb: no command given" "mnpctl npdb" npdb
usage "npdb unknown command" "mnpctl npdb: unknown command 'frob'" "mnpctl npdb" npdb frob
usage "build no output" "mnpctl npdb build: --output is required" "mnpctl npdb build" \
    npdb build --input "$csv"
usage "build no input" "mnpctl npdb build: --input is required" "mnpctl npdb build" \
    npdb build --output "$db"
usage "build missing value" "mnpctl npdb build: option '--input' needs a value" \
    "mnpctl npdb build" npdb build --input
usage "build short unknown" "mnpctl npdb build: unknown option '-x'" "mnpctl npdb build" \
    npdb build -x
usage "build bad seq" "mnpctl npdb build: --seq needs a non-negative integer, not '-1'" \
    "mnpctl npdb build" npdb build --input "$csv" --output "$db" --seq -1
usage "build extra argument" "mnpctl npdb build: unexpected argument 'extra'" \
    "mnpctl npdb build" npdb build --input "$csv" --output "$db" extra
usage "lookup no db" "mnpctl npdb lookup: --db is required" "mnpctl npdb lookup" \
    npdb lookup 13012345678
usage "lookup no numbers" "mnpctl npdb lookup: no numbers given (use '-' to read them from stdin)" \
    "mnpctl npdb lookup" npdb lookup --db "$db"
usage "lookup unknown option" "mnpctl npdb lookup: unknown option '--jsn'" \
    "mnpctl npdb lookup" npdb lookup --db "$db" --jsn 13012345678
usage "stats no db" "mnpctl npdb stats: --db is required" "mnpctl npdb stats" npdb stats
usage "stats missing value" "mnpctl npdb stats: option '--db' needs a value" \
    "mnpctl npdb stats" npdb stats --db

# help NAME USAGE-LINE "OPTION..." ARGS...: exit 0, help on stdout with its usage line, each
# option documented on a line of its own, and an example.
help() {
    local name=$1 usage_line=$2 options=$3
    shift 3
    run "$@"
    check "help ($name): exit status" 0 "$status"
    check "help ($name): nothing on stderr" "" "$err"
    check "help ($name): usage line" "$usage_line" "$(head -n 1 "$tmp/stdout")"
    check "help ($name): has an example" 1 "$(grep -c '^Example:$' "$tmp/stdout")"
    for o in $options; do
        check "help ($name): documents $o" yes \
            "$(grep -qE -- "^  (-[a-zA-Z], )?$o( |$)" "$tmp/stdout" && echo yes || echo no)"
    done
}
help "mnpctl --help" "Usage: mnpctl [--help] [--version] COMMAND [ARGS...]" "--help --version" \
    --help
help "mnpctl -h" "Usage: mnpctl [--help] [--version] COMMAND [ARGS...]" "" -h
help "npdb" "Usage: mnpctl npdb [--help] COMMAND [ARGS...]" "--help" npdb --help
help "build" "Usage: mnpctl npdb build --input FILE --output FILE [--seq N]" \
    "--input --output --seq --help" npdb build --help
help "lookup" "Usage: mnpctl npdb lookup --db FILE [--blocks FILE] [--json] NUMBER..." \
    "--db --blocks --json --help" npdb lookup -h
help "stats" "Usage: mnpctl npdb stats --db FILE [--verify]" "--db --verify --help" \
    npdb stats --help

run --version
check "version: exit status" 0 "$status"
check_match "version: line" '^mnpctl [0-9]+\.[0-9]+\.[0-9]+$' "$out"

finish
