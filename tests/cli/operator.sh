#!/usr/bin/env bash
# Drives `mnpctl operator` and `mnpctl regulator` as an administrator would: a first operator
# creates the database and the hashing key (mode 0600), its key is printed once and never stored,
# duplicates and bad codes are refused, rotation replaces the stored hash, the regulator gets a
# key of its own, and usage errors and help behave. Run by ctest with MNP_BIN_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"

db="$tmp/ch.db"
key_re='^mnp_[A-Za-z0-9_-]{43}$'

run operator add CMCC --name 'China Mobile' --db "$db"
check "add: exit status" 0 "$status"
check_match "add: stdout is the key alone" "$key_re" "$out"
check "add: nothing on stderr" "" "$err"
key1=$out
check "add: key file created" "-rw-------" "$(stat -c %A "$db.key")"
check_match "add: key file is 64 hex digits" '^[0-9a-f]{64}$' "$(cat "$db.key")"
# Only a keyed hash reaches the database: the key's text appears nowhere in its files.
if grep -qaF -- "${key1#mnp_}" "$db"* 2>/dev/null; then found=yes; else found=no; fi
check "add: key not stored in clear" no "$found"

run operator add CUCC --name 'China Unicom' --db "$db"
check "second operator: exit status" 0 "$status"
key2=$out
check "keys differ" yes "$([[ "$key1" != "$key2" ]] && echo yes || echo no)"

run operator add CMCC --name 'Again' --db "$db"
check "duplicate: exit status" 1 "$status"
check "duplicate: message" "mnpctl: operator CMCC already exists" "$err"
check "duplicate: no key printed" "" "$out"

run operator list --db "$db"
check "list: exit status" 0 "$status"
check_match "list: both operators in code order" \
    $'^CMCC +[0-9T:.-]+Z China Mobile\nCUCC +[0-9T:.-]+Z China Unicom$' "$out"

run operator rotate-key CMCC --db "$db"
check "rotate: exit status" 0 "$status"
check_match "rotate: new key" "$key_re" "$out"
check "rotate: key changed" yes "$([[ "$out" != "$key1" ]] && echo yes || echo no)"

run operator rotate-key CTCC --db "$db"
check "rotate unknown: exit status" 1 "$status"
check "rotate unknown: message" "mnpctl: no operator CTCC" "$err"

# MNP_DB and MNP_KEY_FILE stand in for the options.
MNP_DB="$db" MNP_KEY_FILE="$db.key" run regulator add MIIT
check "regulator: exit status" 0 "$status"
check_match "regulator: key" "$key_re" "$out"

run operator rotate-key CMCC --db "$tmp/missing.db"
check "missing database: exit status" 1 "$status"
check_match "missing database: message names it" "missing\.db" "$err"

run operator add cmcc --name x --db "$db"
check "lower-case code: exit status" 2 "$status"
check "lower-case code: message" \
    $'mnpctl operator add: \'cmcc\' is not an operator code (2-15 upper-case letters or digits)\nTry \'mnpctl operator add --help\'.' \
    "$err"
run operator add CBN --db "$db"
check "no name: exit status" 2 "$status"
run operator add CBN --name x
check "no database: exit status" 2 "$status"
check_match "no database: says how" "pass --db FILE or set MNP_DB" "$err"
run operator frobnicate
check "unknown subcommand: exit status" 2 "$status"
run operator
check "no subcommand: exit status" 2 "$status"
run regulator add MIIT EXTRA --db "$db"
check "regulator two names: exit status" 2 "$status"
run operator --help
check "help: exit status" 0 "$status"
check_match "help: usage and every option" \
    'Usage: mnpctl operator add CODE.*--name.*--db.*--key-file.*--help.*Example' "$(tr '\n' ' ' <<<"$out")"
run regulator --help
check "regulator help: exit status" 0 "$status"

# The key file is refused when others can read it (like ssh refuses a private key).
chmod 0644 "$db.key"
run operator rotate-key CUCC --db "$db"
check "open key file: exit status" 1 "$status"
check_match "open key file: says chmod" "chmod 600" "$err"

finish
