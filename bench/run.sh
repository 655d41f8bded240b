#!/usr/bin/env bash
# The awsp benchmark: builds the release binary, generates AWS setups of 10, 1,000 and
# 10,000 profiles (bench/gen-config.sh: several sso-sessions, legacy SSO, role chains,
# static keys, a token cache) in temporary HOMEs, and prints a markdown table of
#   - `awsp prompt` wall time (fish and PowerShell run it on every prompt),
#   - every shell hook's cost per prompt, in the shell itself, divided by the number of
#     calls: bash, zsh, nushell and xonsh keep the segment (the steady state spawns
#     nothing; HOOK_CALLS calls); fish and elvish run `awsp prompt` each time
#     (SPAWN_CALLS calls),
#   - `awsp use NAME --shell bash`, completion of a profile name (`awsp __complete fish`),
#     `awsp list --names` and `awsp list` wall time,
#   - each command's median as a ratio to the spawn floor: `/bin/true` (or `true` on
#     PATH), run by hyperfine in the same run with the same settings,
#   - the picker's first frame and last row in a real terminal (tmux),
#   - peak RSS of each command.
# awsp keeps a profile index in its state directory (see the README's speed section): the
# first command after the files change makes it, so each size is switched to once, with its
# files left alone for more than the index's 3 s, before anything is timed.
#
# Usage: bench/run.sh [--no-build]
# Needs: cargo, hyperfine, bash >= 5 (zsh, fish, nu, elvish, xonsh for their hook rows; a
# missing one shows n/a), GNU time or python3 (peak RSS). Environment: SIZES="10 1000
# 10000", RUNS=100, HOOK_CALLS=20000, SPAWN_CALLS=200, and AWSP_BIN to measure another
# binary (implies --no-build).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/pick-once.sh
. "$root/bench/pick-once.sh"
sizes=${SIZES:-10 1000 10000}
runs=${RUNS:-100}
hook_calls=${HOOK_CALLS:-20000}
spawn_calls=${SPAWN_CALLS:-200}

# On x86_64 Linux the benchmark measures the build the README recommends there: a static,
# non-PIE binary, which starts about 0.6 ms faster here (no dynamic loader, no relocations).
if [[ $(uname -sm) == "Linux x86_64" ]]; then
    target=(--target x86_64-unknown-linux-gnu)
    export RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"
    default_bin=$root/target/x86_64-unknown-linux-gnu/release/awsp
else
    target=()
    default_bin=$root/target/release/awsp
fi
bin=${AWSP_BIN:-$default_bin}
if [[ ${1-} != --no-build && -z ${AWSP_BIN-} ]]; then
    (cd "$root" && cargo build --release --quiet "${target[@]}")
fi
[[ -x $bin ]] || { echo "bench: $bin is missing; run without --no-build" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/awsp-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$bin" "$work/bin/awsp"
path="$work/bin:/usr/local/bin:/usr/bin:/bin"

# Runs a command with nothing from this environment but what a profile switch would leave.
clean() { # HOME PROFILE CMD...
    local home=$1 profile=$2
    shift 2
    env -i HOME="$home" PATH="$path" LANG=C.UTF-8 ${profile:+AWS_PROFILE="$profile"} "$@"
}

# The median (robust to the odd run a busy host delays) and the fastest run, in ms; with
# the floor's median known, the ratio to it. `wall_cmd` times any program.
wall_cmd() { # HOME PROFILE CMD...
    local home=$1 profile=$2 csv="$work/h.csv"
    shift 2
    clean "$home" "$profile" hyperfine -N --style none --warmup 10 --runs "$runs" \
        --export-csv "$csv" "$*" >/dev/null 2>&1
    awk -F, -v floor="${floor_ms:-0}" 'NR == 2 {
        printf "%.2f ms (min %.2f)", $4 * 1000, $7 * 1000
        if (floor > 0) printf " %.2f×", $4 * 1000 / floor
    }' "$csv"
}
wall() { # HOME PROFILE ARGS...
    local home=$1 profile=$2
    shift 2
    wall_cmd "$home" "$profile" "$bin" "$@"
}
true_bin=$(command -v true)
[[ $true_bin == /* ]] || true_bin=/bin/true

# Peak resident memory in MB of one run.
rss() { # HOME PROFILE ARGS...
    local home=$1 profile=$2 kb
    shift 2
    if /usr/bin/time -f %M true >/dev/null 2>&1; then
        kb=$(clean "$home" "$profile" /usr/bin/time -f %M "$bin" "$@" 2>&1 >/dev/null | tail -n 1)
    elif command -v python3 >/dev/null; then
        kb=$(clean "$home" "$profile" python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$bin" "$@")
    else
        printf 'n/a'
        return
    fi
    awk -v kb="$kb" 'BEGIN { printf "%.1f MB", kb / 1024 }'
}

# Microseconds per call of the prompt hook, in the shell itself, after a first call.
hook() { # SHELL HOME PROFILE
    local sh=$1 home=$2 profile=$3
    command -v "$sh" >/dev/null || { printf 'n/a (no %s)' "$sh"; return; }
    case $sh in
    bash)
        clean "$home" "$profile" bash --norc --noprofile -c '
            eval "$(awsp init bash)"
            __awsp_prompt_update
            [[ -n $AWSP_SEGMENT ]] || { echo "no segment"; exit 1; }
            n='"$hook_calls"'
            t0=${EPOCHREALTIME/[.,]/}
            for ((i = 0; i < n; i++)); do __awsp_prompt_update; done
            t1=${EPOCHREALTIME/[.,]/}
            printf "%.1f µs" "$(( (t1 - t0) * 10 / n ))e-1"'
        ;;
    zsh)
        clean "$home" "$profile" zsh -f -c '
            eval "$(awsp init zsh)"
            zmodload zsh/datetime
            __awsp_prompt_update
            [[ -n $AWSP_SEGMENT ]] || { echo "no segment"; exit 1; }
            integer n='"$hook_calls"' i
            float t0=$EPOCHREALTIME
            for ((i = 0; i < n; i++)); do __awsp_prompt_update; done
            float t1=$EPOCHREALTIME
            printf "%.1f µs" $(( (t1 - t0) * 1e6 / n ))'
        ;;
    fish)
        # fish has no clock of its own: `date` before and after the loop only.
        clean "$home" "$profile" fish --no-config -c '
            awsp init fish | source
            test -n "$(awsp_prompt)"; or begin; echo "no segment"; exit 1; end
            set n '"$spawn_calls"'
            set t0 (date +%s%N)
            for i in (seq $n); awsp_prompt >/dev/null; end
            set t1 (date +%s%N)
            printf "%.1f µs" (math "($t1 - $t0) / 1000 / $n")'
        ;;
    nu)
        clean "$home" "$profile" nu --no-config-file -c '
            ^awsp init nu | save -f '"$work"'/hook.nu' &&
            clean "$home" "$profile" nu --no-config-file -c '
            source '"$work"'/hook.nu
            __awsp_prompt_update
            if (awsp_prompt) == "" { print "no segment"; exit 1 }
            let n = '"$hook_calls"'
            let t0 = (date now)
            for i in 1..$n { __awsp_prompt_update }
            let ns = (((date now) - $t0) | into int)
            print -n $"($ns / $n / 1000 | math round --precision 1) µs"'
        ;;
    elvish)
        # The loop runs in the hook's own `eval`, where its functions are defined.
        cat >"$work/bench.elv" <<EOF
if (==s (awsp_prompt | slurp) '') { echo 'no segment'; exit 1 }
var n = $spawn_calls
time &on-end={|d| printf '%.1f µs' (/ (* \$d 1000000) \$n) } { range \$n | each {|_| awsp_prompt >/dev/null } }
EOF
        clean "$home" "$profile" elvish -norc -c "eval (awsp init elvish | slurp)\"\\n\"(slurp < $work/bench.elv)"
        ;;
    xonsh)
        clean "$home" "$profile" xonsh --no-rc -c '
execx($(awsp init xonsh), "exec", __xonsh__.ctx, filename="awsp")
import time
if not _awsp_prompt(): print("no segment"); exit(1)
n = '"$hook_calls"'
t0 = time.perf_counter()
for _ in range(n): _s = _awsp_prompt()
print("%.1f µs" % ((time.perf_counter() - t0) * 1e6 / n), end="")'
        ;;
    esac
}

# The picker's first frame and last row (`pick_once`), medians of 9; then its peak RSS once
# every row is in (the most of the 9 runs), from /proc (Linux only).
first_frame() { # HOME
    local home=$1 sock="awsp-bench-$$" ms=() all=() first last total pid kb peak=0
    total=$(clean "$home" "" "$bin" list --names | wc -l)
    command -v tmux >/dev/null || { printf 'n/a (no tmux)'; return; }
    tmux -L "$sock" new-session -d -x 200 -y 50 \
        env -i HOME="$home" PATH="$path" LANG=C.UTF-8 TERM=xterm-256color bash --norc --noprofile
    tmux -L "$sock" send-keys 'eval "$(awsp init bash)"; clear' Enter
    sleep 0.5
    for _ in 1 2 3 4 5 6 7 8 9; do
        read -r first last < <(pick_once "$sock" "$total")
        ms+=("$first") all+=("$last")
        pid=$(pgrep -n -x awsp || :)
        kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || :)
        ((${kb:-0} > peak)) && peak=$kb
        tmux -L "$sock" send-keys Escape
        sleep 0.3
        tmux -L "$sock" send-keys clear Enter
        sleep 0.2
    done
    tmux -L "$sock" kill-server
    printf '%s\n' "${ms[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%d ms (range %d–%d)", a[5], a[1], a[9] }'
    printf '\t%s' "$(printf '%s\n' "${all[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%d ms (range %d–%d)", a[5], a[1], a[9] }')"
    if ((peak > 0)); then
        awk -v kb="$peak" 'BEGIN { printf "\t%.1f MB", kb / 1024 }'
    else
        printf '\tn/a'
    fi
}

# CPU time the hypervisor gave to other guests while this ran (`steal` in /proc/stat):
# on a shared VM it is what makes one run's numbers differ from the next's.
steal() { awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat 2>/dev/null; }
read -r steal0 total0 < <(steal || echo "0 0")

declare -A cell
for n in $sizes; do
    home="$work/home-$n"
    "$root/bench/gen-config.sh" "$n" "$home"
    profile="p$((n / 2))" # an sso-session profile with a valid, refreshable token
    # Files older than the index's 3 s, then the switch that makes the index.
    sleep 3.5
    clean "$home" "" "$bin" use "$profile" --shell bash --no-login >/dev/null
    floor_ms=
    cell[floor,$n]=$(wall_cmd "$home" "" "$true_bin")
    floor_ms=$(awk -F, 'NR == 2 { print $4 * 1000 }' "$work/h.csv")
    cell[start,$n]=$(wall "$home" "" --version)
    cell[prompt,$n]=$(wall "$home" "$profile" prompt --shell fish)
    cell[bash,$n]=$(hook bash "$home" "$profile")
    cell[zsh,$n]=$(hook zsh "$home" "$profile")
    for sh in fish nu elvish xonsh; do
        cell[$sh,$n]=$(hook "$sh" "$home" "$profile")
    done
    cell[use,$n]=$(wall "$home" "" use "$profile" --shell bash --no-login)
    prefix="p$((n / 20))" # about ten names at 1,000 and 10,000
    cell[complete,$n]=$(wall "$home" "" __complete fish -- awsp "$prefix")
    cell[names,$n]=$(wall "$home" "" list --names)
    cell[list,$n]=$(wall "$home" "" list)
    IFS=$'\t' read -r frame rows picker_kb < <(first_frame "$home") || : # no final newline
    cell[frame,$n]=$frame cell[rows,$n]=$rows cell[rss_picker,$n]=${picker_kb:-n/a}
    cell[rss_prompt,$n]=$(rss "$home" "$profile" prompt)
    cell[rss_use,$n]=$(rss "$home" "" use "$profile" --shell bash --no-login)
    cell[rss_complete,$n]=$(rss "$home" "" __complete fish -- awsp "$prefix")
    cell[rss_names,$n]=$(rss "$home" "" list --names)
    cell[rss_list,$n]=$(rss "$home" "" list)
    cell[rss_json,$n]=$(rss "$home" "" list --json)
done

row() { # KEY LABEL BUDGET
    printf '| %s |' "$2"
    for n in $sizes; do printf ' %s |' "${cell[$1,$n]}"; done
    printf ' %s |\n' "$3"
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
read -r steal1 total1 < <(steal || echo "0 0")
if ((total1 > total0)); then
    echo "CPU stolen by the hypervisor during the run: $(((steal1 - steal0) * 100 / (total1 - total0)))%"
fi
echo "awsp $("$bin" --version | cut -d' ' -f2), hyperfine $(hyperfine --version | cut -d' ' -f2), $runs runs each (median, and the fastest), hooks called $hook_calls times"
echo
printf '| measure |'
for n in $sizes; do printf ' %s profiles |' "$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$n")"; done
printf ' budget |\n|---|'
for _ in $sizes; do printf -- '---|'; done
printf -- '---|\n'
row floor '`/bin/true` (spawn floor; × below: median / this median)' '-'
row start '`awsp --version` (start-up floor)' '-'
row prompt '`awsp prompt`' '≤ 1.3× at 10,000'
row bash 'bash hook, per prompt' '≤ 0.3 ms at 1,000'
row zsh 'zsh hook, per prompt' '≤ 0.3 ms at 1,000'
row nu 'nushell hook, per prompt' '-'
row xonsh 'xonsh `{awsp}` field, per prompt' '-'
row fish 'fish `awsp_prompt`, per prompt (spawns)' '-'
row elvish 'elvish `awsp_prompt`, per prompt (spawns)' '-'
row use '`awsp use NAME --shell bash`' '≤ 2× at 10,000'
row complete '`awsp __complete fish -- awsp PREFIX` (~10 names)' '≤ 2× at 10,000'
row names '`awsp list --names`' '< 10 ms at 10,000'
row list '`awsp list` (table, every token)' '≤ 20 ms at 10,000'
row frame 'picker first frame (tmux, median of 9)' '≤ 30 ms at 10,000'
row rows 'picker, every row in (counter N/N)' '≤ 50 ms at 10,000'
row rss_prompt 'peak RSS, `awsp prompt`' '≤ 10 MB'
row rss_use 'peak RSS, `awsp use NAME`' '≤ 10 MB'
row rss_complete 'peak RSS, `awsp __complete`' '≤ 10 MB'
row rss_names 'peak RSS, `awsp list --names`' '≤ 10 MB'
row rss_list 'peak RSS, `awsp list`' '≤ 10 MB'
row rss_json 'peak RSS, `awsp list --json`' '≤ 10 MB'
row rss_picker 'peak RSS, picker (every row in)' '≤ 10 MB'
