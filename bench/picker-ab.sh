#!/usr/bin/env bash
# Compares builds of awsp on the picker, where one run of the benchmark cannot: its first
# frame and last row move by several milliseconds from one median of 9 to the next on a
# shared host. Each build gets its own copy of one generated 10,000-profile HOME (kept rows
# belong to the build that wrote them), and the builds take turns in one tmux session, N
# rounds, so that the host's slow and fast minutes fall on all of them alike. Prints, per
# build, the median, mean and range of the first frame and of the last row (the counter
# showing N/N), in ms from Enter on a bare `awsp`.
#
# Usage: bench/picker-ab.sh [-n ROUNDS] [-p PROFILES] BINARY...
# Needs: bash >= 5, tmux. Example, a change against the build before it:
#   cp target/x86_64-unknown-linux-gnu/release/awsp /tmp/awsp-before   # then rebuild
#   bench/picker-ab.sh -n 30 /tmp/awsp-before target/x86_64-unknown-linux-gnu/release/awsp
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/pick-once.sh
. "$root/bench/pick-once.sh"
rounds=30 profiles=10000
while getopts n:p: o; do
    case $o in
        n) rounds=$OPTARG ;;
        p) profiles=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
(($#)) || { sed -n '2,13p' "$0" >&2; exit 2; }
command -v tmux >/dev/null || { echo "picker-ab: needs tmux" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/awsp-ab.XXXXXX")
sock="awsp-ab-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || :; rm -rf "$work"' EXIT
"$root/bench/gen-config.sh" "$profiles" "$work/home"
# Files older than the index's 3 s, as in bench/run.sh.
sleep 3.5

bins=() totals=()
for b in "$@"; do
    k=${#bins[@]}
    mkdir -p "$work/bin-$k"
    ln -s "$(realpath "$b")" "$work/bin-$k/awsp"
    cp -a "$work/home" "$work/home-$k"
    run() { env -i HOME="$work/home-$k" PATH="$work/bin-$k:/usr/bin:/bin" "$@"; }
    run awsp use "p$((profiles / 2))" --shell bash --no-login >/dev/null
    run awsp list >/dev/null # keeps this build's rows
    totals+=("$(run awsp list --names | wc -l)")
    bins+=("$b")
done

tmux -L "$sock" new-session -d -x 200 -y 50 \
    env -i HOME="$work" PATH=/usr/bin:/bin LANG=C.UTF-8 TERM=xterm-256color HISTFILE=/dev/null \
    bash --norc --noprofile
declare -a first last
for ((r = 0; r < rounds; r++)); do
    for k in "${!bins[@]}"; do
        tmux -L "$sock" send-keys "export HOME=$work/home-$k PATH=$work/bin-$k:/usr/bin:/bin; eval \"\$(awsp init bash)\"; clear" Enter
        sleep 0.2
        read -r f l < <(pick_once "$sock" "${totals[k]}")
        first[k]+=" $f" last[k]+=" $l"
        tmux -L "$sock" send-keys Escape
        sleep 0.3
    done
done

stats() { # MS...
    printf '%s\n' "$@" | sort -n |
        awk '{ a[NR] = $1; s += $1 } END { printf "median %d, mean %.1f (%d–%d)", a[int((NR + 1) / 2)], s / NR, a[1], a[NR] }'
}
for k in "${!bins[@]}"; do
    read -ra f <<<"${first[k]}"
    read -ra l <<<"${last[k]}"
    printf '%s: first frame %s; every row %s\n' "${bins[k]}" "$(stats "${f[@]}")" "$(stats "${l[@]}")"
done
