#!/usr/bin/env bash
# Drives `mnpctl subscribers import` and `mnpctl agreements import` as an operator's
# administrator would: a billing export creates the gateway database and is counted, the same
# file again changes nothing, a changed file reports what changed, standard input works, a bad
# file is refused with every bad line named (FILE:LINE: reason), exit status 1 and nothing
# imported, agreements need their subscribers and are not added twice, and usage errors and help
# behave. Run by ctest with MNP_BIN_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"

db="$tmp/gw.db"
header='number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen'
subs="$tmp/subscribers.csv"
cat >"$subs" <<EOF
$header
13012345678,张三,11010519491231002X,person,normal,0,,副卡;宽带,500
+86 130 1234 5679,"Li, Si",430102199003074515,company,normal,1200,2024-02-29,,0
13012345680,王五,440304198506151237,person,lost,0,,,0
EOF

# ---- subscribers ---------------------------------------------------------------------------

run subscribers import --operator CUCC "$subs" --db "$db"
check "import: exit status" 0 "$status"
check "import: summary" "$subs: 3 subscribers: 3 added, 0 changed, 0 unchanged" "$out"
check "import: nothing on stderr" "" "$err"

MNP_DB="$db" run subscribers import "$subs" --operator CUCC
check "reimport via MNP_DB: summary" "$subs: 3 subscribers: 0 added, 0 changed, 3 unchanged" "$out"

sed 's/,lost,/,normal,/' "$subs" >"$tmp/changed.csv"
run subscribers import --operator CUCC "$tmp/changed.csv" --db "$db"
check "changed file: summary" \
    "$tmp/changed.csv: 3 subscribers: 0 added, 1 changed, 2 unchanged" "$out"

# The same numbers belong to another tenant separately.
run subscribers import --operator CMCC "$subs" --db "$db"
check "second operator: summary" "$subs: 3 subscribers: 3 added, 0 changed, 0 unchanged" "$out"

stdin="$tmp/stdin.csv"
printf '%s\r\n13012345681,赵六,31011519780101888X,person,normal,0,,,0\r\n' "$header" >"$stdin"
run subscribers import --operator CUCC - --db "$db"
check "stdin: exit status" 0 "$status"
check "stdin: summary" "stdin: 1 subscribers: 1 added, 0 changed, 0 unchanged" "$out"

# A bad file: a good changed row, a good new row, and bad rows; all bad rows are named.
bad="$tmp/bad.csv"
cat >"$bad" <<EOF
$header
13012345678,张三,11010519491231002X,person,suspended,0,,,500
13012345690,新用户,510107199512310004,person,normal,0,,,0
1301234567,x,11010519491231002X,person,normal,0,,,0
13012345691,x,110105194912310021,person,normal,0,,,0
13012345692,x,11010519491231002X,firm,normal,0,,,0

13012345693,x,11010519491231002X,person,normal,0,2023-02-29,,0
+8613012345690,dup,510107199512310004,person,normal,0,,,0
13012345694,x,11010519491231002X,person,normal
EOF
run subscribers import --operator CUCC "$bad" --db "$db"
check "bad file: exit status" 1 "$status"
check "bad file: no summary" "" "$out"
check "bad file: every bad line" "$bad:4: number \"1301234567\": too short
$bad:5: identity: the check character of the identity number does not match
$bad:6: registration \"firm\" is not person, company or none
$bad:8: last_port \"2023-02-29\" is not a real date
$bad:9: number 8613012345690 is also on line 3
$bad:10: 5 fields, expected 9
mnpctl: $bad: 6 bad lines: nothing imported" "$err"
# Nothing of it was imported: the changed row did not change, the new row was not added.
run subscribers import --operator CUCC "$tmp/changed.csv" --db "$db"
check "bad file: old rows unchanged" \
    "$tmp/changed.csv: 3 subscribers: 0 added, 0 changed, 3 unchanged" "$out"
printf '%s\n13012345690,新用户,510107199512310004,person,normal,0,,,0\n' "$header" >"$tmp/new.csv"
run subscribers import --operator CUCC "$tmp/new.csv" --db "$db"
check "bad file: new row not added" "$tmp/new.csv: 1 subscribers: 1 added, 0 changed, 0 unchanged" \
    "$out"

# More than 20 bad lines: the first 20 and the count.
{
    echo "$header"
    for i in $(seq 10 34); do echo "130123456$i,x,11010519491231002X,person,normal,-1,,,0"; done
} >"$tmp/many.csv"
run subscribers import --operator CUCC "$tmp/many.csv" --db "$db"
check "many bad: exit status" 1 "$status"
check "many bad: 20 lines, the rest counted, the verdict" 22 "$(wc -l <<<"$err")"
check "many bad: last shown line" \
    "$tmp/many.csv:21: unpaid_fen \"-1\" is not a whole number of fen (0 or more)" \
    "$(sed -n 20p <<<"$err")"
check "many bad: the rest" "... and 5 more" "$(sed -n 21p <<<"$err")"
check "many bad: verdict" "mnpctl: $tmp/many.csv: 25 bad lines: nothing imported" \
    "$(sed -n 22p <<<"$err")"

printf 'number,name\n13012345678,x\n' >"$tmp/header.csv"
run subscribers import --operator CUCC "$tmp/header.csv" --db "$db"
check "wrong header: exit status" 1 "$status"
check "wrong header: message" "$tmp/header.csv:1: the header must be $header
mnpctl: $tmp/header.csv: 1 bad line: nothing imported" "$err"

run subscribers import --operator CUCC "$tmp/missing.csv" --db "$db"
check "missing file: exit status" 1 "$status"
check "missing file: message" "mnpctl: $tmp/missing.csv: No such file or directory" "$err"

# ---- agreements ----------------------------------------------------------------------------

agr="$tmp/agreements.csv"
cat >"$agr" <<EOF
number,name,start,end,fee_fen,has_term
13012345678,合约计划 A,2024-01-01,2025-12-31,10000,yes
13012345678,宽带优惠,2024-01-01,2024-12-31,0,no
+8613012345679,"Plan, 2 years",2023-06-01,2025-05-31,5000,yes
EOF
run agreements import --operator CUCC "$agr" --db "$db"
check "agreements: exit status" 0 "$status"
check "agreements: summary" "$agr: 3 agreements: 3 added, 0 already stored" "$out"
check "agreements: nothing on stderr" "" "$err"
run agreements import --operator CUCC "$agr" --db "$db"
check "agreements again: nothing added" "$agr: 3 agreements: 0 added, 3 already stored" "$out"

printf 'number,name,start,end,fee_fen,has_term\n13012345699,x,2024-01-01,2024-12-31,0,yes\n' \
    >"$tmp/unknown.csv"
run agreements import --operator CUCC "$tmp/unknown.csv" --db "$db"
check "agreement of unknown subscriber: exit status" 1 "$status"
check "agreement of unknown subscriber: message" \
    "mnpctl: $tmp/unknown.csv: CUCC has no subscriber 8613012345699: an agreement needs its subscriber first" \
    "$err"

cat >"$tmp/badagr.csv" <<EOF
number,name,start,end,fee_fen,has_term
13012345678,x,2024-02-01,2024-01-31,0,yes
13012345678,y,2024-01-01,2024-12-31,0,maybe
13012345678,z,2024-01-01,2024-12-31,0,yes
EOF
run agreements import --operator CUCC "$tmp/badagr.csv" --db "$db"
check "bad agreements: exit status" 1 "$status"
check "bad agreements: messages" "$tmp/badagr.csv:2: end 2024-01-31 is before start 2024-02-01
$tmp/badagr.csv:3: has_term \"maybe\" is not yes or no
mnpctl: $tmp/badagr.csv: 2 bad lines: nothing imported" "$err"
printf 'number,name,start,end,fee_fen,has_term\n13012345678,z,2024-01-01,2024-12-31,0,yes\n' \
    >"$tmp/z.csv"
run agreements import --operator CUCC "$tmp/z.csv" --db "$db"
check "bad agreements: the good row was not imported" "$tmp/z.csv: 1 agreements: 1 added, 0 already stored" \
    "$out"

# ---- usage and help ------------------------------------------------------------------------

run subscribers import "$subs" --db "$db"
check "no operator: exit status" 2 "$status"
check "no operator: message" "mnpctl subscribers import: no operator: pass --operator CODE
Try 'mnpctl subscribers import --help'." "$err"

run subscribers import --operator cucc "$subs" --db "$db"
check "bad operator: exit status" 2 "$status"
check_match "bad operator: message" "operator 'cucc' is not 2-15 upper-case letters or digits" "$err"

run agreements import --operator CUCC --db "$db"
check "no file: exit status" 2 "$status"
check_match "no file: message" "needs exactly one FILE" "$err"

run subscribers import --operator CUCC "$subs"
check "no database: exit status" 2 "$status"
check_match "no database: message" "no database: pass --db FILE or set MNP_DB" "$err"

run subscribers import --operator CUCC "$subs" --db "$db" --frobnicate
check "unknown option: exit status" 2 "$status"
check_match "unknown option: message" "unknown option '--frobnicate'" "$err"

run subscribers export
check "unknown subcommand: exit status" 2 "$status"
check_match "unknown subcommand: message" "unknown subscribers command 'export'" "$err"

run subscribers
check "no subcommand: exit status" 2 "$status"

run subscribers --help
check "group help: exit status" 0 "$status"
check_match "group help: columns" "$header" "$out"
check_match "group help: every column explained" \
    "registration  person, company or none.*last_port +date of the last port" "$(tr '\n' ' ' <<<"$out")"

run subscribers import --help
check "import help: exit status" 0 "$status"
check_match "import help: usage" "^Usage: mnpctl subscribers import --operator CODE FILE" "$out"

run agreements import --help
check "agreements help: exit status" 0 "$status"
check_match "agreements help: columns" "number,name,start,end,fee_fen,has_term" "$out"
check_match "agreements help: has_term" "has_term +yes for a term agreement" "$out"

run --help
check_match "top help lists both" "subscribers .*agreements " "$(tr '\n' ' ' <<<"$out")"

# The example in the help works as printed.
example=$("$bin" subscribers --help | grep -A1 '^  printf' |
    sed -e 's/mnpctl /"$bin" /' -e "s|gw.db|$tmp/ex.db|")
set +e
ex_out=$(eval "$example" 2>&1)
ex_status=$?
set -e
check "help example: exit status" 0 "$ex_status"
check "help example: summary" "stdin: 1 subscribers: 1 added, 0 changed, 0 unchanged" "$ex_out"

finish
