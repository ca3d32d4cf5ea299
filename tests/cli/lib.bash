# Shared by the command-line tests (sourced, not run): finds mnpctl, makes a temporary
# directory removed on exit, and provides exact-match checks and a runner that captures output.
# A test sources it after `set -euo pipefail` and ends with `finish`. It also unsets the MNP_*
# variables mnpctl reads, so the caller's environment cannot change a result.

bin="${MNP_BIN_DIR:?MNP_BIN_DIR must name the directory holding mnpctl}/mnpctl"
[[ -x "$bin" ]] || { echo "no executable $bin" >&2; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
unset MNP_BLOCKS MNP_DB MNP_KEY_FILE

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
checks=0

# check NAME EXPECTED ACTUAL: exact string comparison.
check() {
    checks=$((checks + 1))
    if [[ "$2" == "$3" ]]; then
        return 0
    fi
    failures=$((failures + 1))
    printf 'FAIL: %s\n--- expected:\n%s\n--- actual:\n%s\n---\n' "$1" "$2" "$3"
}

# check_match NAME REGEX ACTUAL: ACTUAL must match the extended regular expression.
check_match() {
    checks=$((checks + 1))
    if [[ "$3" =~ $2 ]]; then
        return 0
    fi
    failures=$((failures + 1))
    printf 'FAIL: %s\n--- expected to match:\n%s\n--- actual:\n%s\n---\n' "$1" "$2" "$3"
}

# run ARGS...: runs mnpctl with stdin from $stdin (default /dev/null); sets out, err, status.
stdin=/dev/null
run() {
    set +e
    "$bin" "$@" <"$stdin" >"$tmp/stdout" 2>"$tmp/stderr"
    status=$?
    set -e
    out=$(cat "$tmp/stdout")
    err=$(cat "$tmp/stderr")
    stdin=/dev/null
}

# finish: prints the tally; the test's exit status is non-zero when any check failed.
finish() {
    echo "$checks checks, $failures failed"
    ((failures == 0))
}
