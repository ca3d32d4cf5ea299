#!/usr/bin/env bash
# Drives `mnpctl audit verify` and `mnpctl audit tail` as an administrator would: a fresh store
# has an empty log that verifies; administrative changes (operator add, rotate-key, regulator add)
# each leave one record, without the key, and the chain verifies over them; tail prints the last
# records; help, usage errors and a missing database behave. Tampering is covered by
# tests/test_store_audit.c. Run by ctest with MNP_BIN_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"

db="$tmp/ch.db"
zeros=0000000000000000000000000000000000000000000000000000000000000000

# A failed first command leaves an empty log behind: the store exists, nothing was audited.
run operator add CMCC --name x --db "$db" --key-file "$tmp/nonexistent-dir/k"
check "failed add: exit status" 1 "$status"
run audit verify --db "$db"
check "empty log: exit status" 0 "$status"
check "empty log: message" "audit log: 0 records, head $zeros, chain intact" "$out"
run audit tail --db "$db"
check "empty log tail: exit status" 0 "$status"
check "empty log tail: nothing" "" "$out"

run operator add CMCC --name 'China "Mobile"' --db "$db"
check "add: exit status" 0 "$status"
key=$out
run operator rotate-key CMCC --db "$db"
check "rotate: exit status" 0 "$status"
key2=$out
run operator add CMCC --name again --db "$db"
check "duplicate add: refused" 1 "$status"
MNP_DB="$db" run regulator add MIIT
check "regulator: exit status" 0 "$status"

run audit verify --db "$db"
check "verify: exit status" 0 "$status"
check_match "verify: three records and the head" \
    '^audit log: 3 records, head [0-9a-f]{64}, chain intact$' "$out"
check "verify: nothing on stderr" "" "$err"
head1=$out

MNP_DB="$db" run audit tail
check "tail: exit status" 0 "$status"
check_match "tail: one line per record, oldest first" \
    $'^1 [0-9T:.-]+Z admin operator\\.add CMCC \\{"name":"China \\\\"Mobile\\\\""\\}\n2 [0-9T:.-]+Z admin operator\\.rotate_key CMCC \\{"name":"China \\\\"Mobile\\\\""\\}\n3 [0-9T:.-]+Z admin regulator\\.add MIIT \\{"name":"MIIT"\\}$' \
    "$out"
if grep -qF -- "$key" <<<"$out" || grep -qF -- "$key2" <<<"$out"; then leaked=yes; else leaked=no; fi
check "tail: no key in the log" no "$leaked"

run audit tail --db "$db" -n 1
check "tail -n 1: exit status" 0 "$status"
check_match "tail -n 1: the last record" '^3 [0-9T:.-]+Z admin regulator\.add MIIT' "$out"
check "tail -n 1: one line" 1 "$(wc -l <<<"$out")"
run audit tail --db "$db" --lines 100
check "tail --lines 100: every record" 3 "$(wc -l <<<"$out")"

# Verification does not change the log: the same head again.
run audit verify --db "$db"
check "verify twice: same head" "$head1" "$out"

run audit verify --db "$tmp/missing.db"
check "missing database: exit status" 1 "$status"
check_match "missing database: names it" '^mnpctl: .*missing\.db' "$err"
if [[ -e "$tmp/missing.db" ]]; then created=yes; else created=no; fi
check "missing database: not created" no "$created"

run audit verify
check "no database: exit status" 2 "$status"
check "no database: message" \
    $'mnpctl audit verify: no database: pass --db FILE or set MNP_DB\nTry \'mnpctl audit verify --help\'.' \
    "$err"
run audit
check "no subcommand: exit status" 2 "$status"
check_match "no subcommand: hint" "Try 'mnpctl audit --help'" "$err"
run audit frobnicate --db "$db"
check "unknown subcommand: exit status" 2 "$status"
check_match "unknown subcommand: names it" "unknown audit command 'frobnicate'" "$err"
run audit verify --db "$db" extra
check "verify argument: exit status" 2 "$status"
run audit verify --db "$db" -n 3
check "verify -n: exit status" 2 "$status"
run audit tail --db "$db" -n 0
check "tail -n 0: exit status" 2 "$status"
run audit tail --db "$db" -n x
check "tail -n x: exit status" 2 "$status"
run audit tail --db "$db" -n
check "tail -n without value: exit status" 2 "$status"
check_match "tail -n without value: message" "option '-n' needs a value" "$err"
run audit verify --bogus
check "unknown option: exit status" 2 "$status"

run audit --help
check "help: exit status" 0 "$status"
check_match "help: both commands and every option" \
    'Usage: mnpctl audit verify.*mnpctl audit tail.*--db.*--lines.*--help.*Example' \
    "$(tr '\n' ' ' <<<"$out")"
run audit verify --help
check "verify help: exit status" 0 "$status"
check_match "verify help: usage" '^Usage: mnpctl audit verify' "$out"
run audit tail -h
check "tail help: exit status" 0 "$status"
run --help
check_match "top help lists audit" $'\n  audit ' "$out"

finish
