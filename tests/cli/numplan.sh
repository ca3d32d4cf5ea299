#!/usr/bin/env bash
# Drives `mnpctl numplan` and `mnpctl routing` as an administrator would: the demo block file is
# imported into a new database, a changed file reports what it added, removed and changed, a
# number is shown as the store knows it, the demo routing numbers are imported after the
# operators exist and listed, bad files are refused with the file and line named and change
# nothing, and usage errors and help behave. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"

src="${MNP_SOURCE_DIR:?MNP_SOURCE_DIR must name the source tree}"
db="$tmp/ch.db"
blocks="$src/data/blocks-demo.csv"
nblocks=$(grep -c '^1' "$blocks")

# ---- numplan -------------------------------------------------------------------------------

run numplan import "$blocks" --db "$db"
check "import: exit status" 0 "$status"
check "import: summary" \
    "$blocks: $nblocks blocks: $nblocks added, 0 removed, 0 changed, 0 unchanged" "$out"
check "import: nothing on stderr" "" "$err"

MNP_DB="$db" run numplan import "$blocks"
check "reimport via MNP_DB: summary" \
    "$blocks: $nblocks blocks: 0 added, 0 removed, 0 changed, $nblocks unchanged" "$out"

# One block moves, one goes, one comes.
grep '^1' "$blocks" | grep -v '^1340731,' | sed 's/^1300730,CUCC,0731$/1300730,CUCC,0732/' \
    >"$tmp/blocks2.csv"
echo '1390211,CMCC,021' >>"$tmp/blocks2.csv"
run numplan import "$tmp/blocks2.csv" --db "$db"
check "changed file: exit status" 0 "$status"
check "changed file: summary" \
    "$tmp/blocks2.csv: $nblocks blocks: 1 added, 1 removed, 1 changed, $((nblocks - 2)) unchanged" \
    "$out"

run numplan show 13007301234 --db "$db"
check "show: exit status" 0 "$status"
check "show: moved block" "number         8613007301234
holder         CUCC
type           mobile
portable       yes
block          1300730
local_network  0732" "$out"

run numplan show '+86 134 0731 0000' --db "$db"
check "show removed block: output" "number         8613407310000
holder         CMCC
type           mobile
portable       yes
block          1340731
local_network  - (not in the plan)" "$out"

run numplan show 17012345678 --db "$db"
check "show MVNO: output" "number         8617012345678
holder         -
type           mvno
portable       no
block          1701234
local_network  - (not in the plan)" "$out"

run numplan show 1234 --db "$db"
check "show bad number: exit status" 1 "$status"
check "show bad number: message" "mnpctl: '1234' is not a valid number: too short" "$err"

# A bad file is refused whole, naming file and line, and the store keeps what it had.
printf 'block,holder,local_network\n1300731,CUCC,0731\n1300732,CMCC,0731\n' >"$tmp/bad.csv"
run numplan import "$tmp/bad.csv" --db "$db"
check "bad blocks: exit status" 1 "$status"
check "bad blocks: message" \
    "mnpctl: $tmp/bad.csv: line 3: block 1300732 belongs to CUCC by the number plan, not CMCC" "$err"
check "bad blocks: no summary" "" "$out"
run numplan show 13007301234 --db "$db"
check "bad blocks: store unchanged" "local_network  0732" "$(tail -n 1 <<<"$out")"

run numplan import "$tmp/missing.csv" --db "$db"
check "missing file: exit status" 1 "$status"
check_match "missing file: names it" "missing\.csv" "$err"

# ---- routing -------------------------------------------------------------------------------

routing="$src/data/routing-demo.csv"
run routing import "$routing" --db "$db"
check "routing before operators: exit status" 1 "$status"
check "routing before operators: message" \
    "mnpctl: $routing: line 2: no operator CMCC (add the operator first)" "$err"

for op in CMCC:'China Mobile' CUCC:'China Unicom' CTCC:'China Telecom' CBN:'China Broadnet'; do
    run operator add "${op%%:*}" --name "${op#*:}" --db "$db"
    check "operator ${op%%:*}: exit status" 0 "$status"
done

run routing import "$routing" --db "$db"
check "routing import: exit status" 0 "$status"
check "routing import: summary" "$routing: 12 routing numbers: 12 added, 0 removed, 0 changed, 0 unchanged" "$out"

run routing list --db "$db"
check "routing list: exit status" 0 "$status"
check "routing list: output" "CBN             010  104010
CBN             021  104021
CBN             0731 1040731
CMCC            010  101010
CMCC            021  101021
CMCC            0731 1010731
CTCC            010  103010
CTCC            021  103021
CTCC            0731 1030731
CUCC            010  102010
CUCC            021  102021
CUCC            0731 1020731" "$out"

printf 'CMCC,0731,77\nCUCC,0731,1020731\n' >"$tmp/r2.csv"
run routing import "$tmp/r2.csv" --db "$db"
check "routing replace: summary" \
    "$tmp/r2.csv: 2 routing numbers: 0 added, 10 removed, 1 changed, 1 unchanged" "$out"
run routing list --db "$db"
check "routing replace: list" "CMCC            0731 77
CUCC            0731 1020731" "$out"

# Bad routing files: each names its line and leaves the table as it was.
bad_routing() { # NAME CONTENT EXPECTED-MESSAGE
    printf '%s' "$2" >"$tmp/rbad.csv"
    run routing import "$tmp/rbad.csv" --db "$db"
    check "$1: exit status" 1 "$status"
    check "$1: message" "mnpctl: $tmp/rbad.csv: $3" "$err"
    run routing list --db "$db"
    check "$1: table unchanged" "CMCC            0731 77
CUCC            0731 1020731" "$out"
}
bad_routing "unknown operator" $'operator,local_network,routing_number\nCMCC,010,1\nCMCX,010,2\n' \
    "line 3: no operator CMCX (add the operator first)"
bad_routing "repeated pair" $'CMCC,010,1\nCTCC,021,2\nCMCC,010,3\n' \
    "line 3: CMCC in local network 010 repeats line 1"
bad_routing "bad local network" $'CMCC,10,1\n' \
    'line 1: local network "10" is not 2-4 digits starting with 0'
bad_routing "bad routing number" $'\nCMCC,010,1x\n' \
    'line 2: routing number "1x" is not 1-15 digits'
bad_routing "too long routing number" $'CMCC,010,1234567890123456\n' \
    'line 1: routing number "1234567890123456" is not 1-15 digits'
bad_routing "missing field" $'CMCC,010\n' \
    "line 1: 2 fields, expected operator,local_network,routing_number"

# ---- usage and help ------------------------------------------------------------------------

run numplan import
check "import without file: exit status" 2 "$status"
check "import without file: message" "mnpctl numplan import: no database: pass --db FILE or set MNP_DB
Try 'mnpctl numplan import --help'." "$err"
run numplan import --db "$db"
check "import no FILE: exit status" 2 "$status"
check "import no FILE: message" "mnpctl numplan import: needs exactly one FILE
Try 'mnpctl numplan import --help'." "$err"
run numplan show 1 2 --db "$db"
check "show two numbers: exit status" 2 "$status"
run numplan frobnicate
check "numplan unknown: exit status" 2 "$status"
check "numplan unknown: message" "mnpctl numplan: unknown numplan command 'frobnicate'
Try 'mnpctl numplan --help'." "$err"
run numplan
check "numplan nothing: exit status" 2 "$status"
run routing list extra --db "$db"
check "routing list argument: exit status" 2 "$status"
run routing import --bogus --db "$db"
check "routing unknown option: exit status" 2 "$status"
check "routing unknown option: message" "mnpctl routing import: unknown option '--bogus'
Try 'mnpctl routing import --help'." "$err"
run routing
check "routing nothing: exit status" 2 "$status"

run numplan --help
check "numplan help: exit status" 0 "$status"
check_match "numplan help: usage, commands, options" \
    'Usage: mnpctl numplan import FILE.*numplan show NUMBER.*--db FILE.*--help.*Example' \
    "$(tr '\n' ' ' <<<"$out")"
run numplan show --help
check "numplan show help: exit status" 0 "$status"
check_match "numplan show help: usage" '^Usage: mnpctl numplan' "$out"
run routing --help
check "routing help: exit status" 0 "$status"
check_match "routing help: usage, commands, options" \
    'Usage: mnpctl routing import FILE.*routing list.*1 to 15 digits.*--db FILE.*--help' \
    "$(tr '\n' ' ' <<<"$out")"
run --help
check_match "top help lists numplan and routing" 'numplan .*routing ' "$(tr '\n' ' ' <<<"$out")"

finish
