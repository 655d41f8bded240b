# shellcheck shell=bash
# Sourced by bench/run.sh and bench/picker-ab.sh.
#
# pick_once SOCK TOTAL: types a bare `awsp` into tmux session SOCK (whose shell has loaded
# `awsp init bash`) and prints two numbers, the milliseconds from Enter until the first
# profile row is on screen and until the counter shows TOTAL/TOTAL (the rows past the
# first screen stream in after it). The picker is left open, for the caller to read its
# memory and close it. The screen is read every 2 ms: a loop that spawns
# `tmux capture-pane` back to back would take a core from the picker it is timing.
pick_once() { # SOCK TOTAL
    local sock=$1 total=$2 t0 t1 t2 never
    exec {never}<> <(:)
    t0=${EPOCHREALTIME/[.,]/}
    tmux -L "$sock" send-keys awsp Enter
    until tmux -L "$sock" capture-pane -p | grep -q ' p[0-9]'; do
        read -rt 0.002 -u "$never" || :
    done
    t1=${EPOCHREALTIME/[.,]/}
    until tmux -L "$sock" capture-pane -p | sed -n 2p | grep -q " $total/$total"; do
        read -rt 0.002 -u "$never" || :
    done
    t2=${EPOCHREALTIME/[.,]/}
    exec {never}<&-
    echo "$(((t1 - t0) / 1000)) $(((t2 - t0) / 1000))"
}
