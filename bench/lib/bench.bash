# Shared by the shell benchmarks (sourced, not run): waiting for a server's log line, and reading
# udp_load --json lines.

# started LOG PATTERN [TRIES]: prints the first capture of the extended regular expression
# PATTERN in LOG once a line matches, waiting for the log to grow (at most TRIES half-second
# waits, default 100); on failure says so with the log's last lines and returns 1.
started() {
    local i v
    for ((i = 0; i < ${3:-100}; i++)); do
        v=$(sed -nE "s/$2/\\1/p" "$1" | head -1)
        [[ -n "$v" ]] && { echo "$v"; return 0; }
        timeout 0.5 tail -n0 -f "$1" >/dev/null 2>&1 || true # until it writes, at most 0.5 s
    done
    echo "$(basename "$0"): no '$2' in $1" >&2
    tail -5 "$1" >&2
    return 1
}

# field NAME JSON: the number NAME holds in a udp_load --json line.
field() { sed -nE "s/.*\"$1\":([0-9.]+).*/\\1/p" <<<"$2"; }

# median: the middle one of three numbers on standard input.
median() { sort -n | sed -n 2p; }
