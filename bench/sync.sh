#!/usr/bin/env bash
# The cost of `awsp sync` against the tests' Identity Center (tests/it/support), on
# 127.0.0.1: wall time against the floor the service's rate sets, and peak memory.
#   bench/sync.sh [AWSP_BINARY]      (default: target/release/awsp, built if missing)
# Prints one line per case: N accounts of 3 roles, the rate limit R (requests/s), the
# calls made, the wall time, the floor ((calls the listing needs) / R: one ListAccounts
# page per 100 accounts plus one ListAccountRoles per account) and the ratio, and peak RSS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/awsp}
[[ -x $bin ]] || (cd "$root" && cargo build --release --quiet)
support=$root/tests/it/support
work=$(mktemp -d "${TMPDIR:-/tmp}/awsp-sync-bench.XXXXXX")
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

case_run() { # ACCOUNTS RATE(or 0)
    local n=$1 rate=$2
    local home=$work/home-$n-$rate fifo=$work/fifo-$n-$rate
    mkdir -p "$home/.aws"
    printf '[sso-session org]\nsso_start_url = https://org.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile login]\nsso_session = org\nsso_account_id = 000000000000\nsso_role_name = R\n' >"$home/.aws/config"
    mkfifo "$fifo"
    local args=()
    ((rate > 0)) && args=(--rate "$rate")
    python3 "$support/identity_center.py" "${args[@]}" <"$fifo" >"$work/server-$n" &
    server_pid=$!
    exec 9>"$fifo"
    local url=""
    for _ in $(seq 100); do url=$(sed -n 's/^listening //p' "$work/server-$n"); [[ -n $url ]] && break; sleep 0.05; done
    python3 - "$url" "$n" <<'PY'
import json, sys, urllib.request as u
url, n = sys.argv[1], int(sys.argv[2])
accounts = [{"accountId": "%012d" % (100000000 + i), "accountName": "team%05d" % i,
             "emailAddress": "t%d@example.com" % i, "roles": ["Admin", "ReadOnly", "Billing"]} for i in range(n)]
body = json.dumps({"accounts": accounts, "page_size": 100}).encode()
u.urlopen(u.Request(url + "/_control/config", data=body, method="POST"), timeout=30).read()
PY
    local env=(env -i HOME="$home" PATH=/usr/bin:/bin AWS_ENDPOINT_URL="$url" BROWSER="$support/browser.py")
    "${env[@]}" "$bin" login login >/dev/null 2>&1
    local start end
    start=$(date +%s.%N)
    "${env[@]}" /usr/bin/time -f %M -o "$work/rss" "$bin" sync org >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    end=$(date +%s.%N)
    local calls last
    read -r calls last < <(python3 -c "import json,sys,urllib.request as u; l = json.load(u.urlopen(sys.argv[1] + '/_control/log')); print(len(l), max(r['time'] for r in l))" "$url")
    exec 9>&-
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    awk -v n="$n" -v r="$rate" -v s="$start" -v e="$end" -v calls="$calls" -v last="$last" -v rss="$(cat "$work/rss")" 'BEGIN {
        wall = e - s; need = int((n + 99) / 100) + n
        # After the last call: planning the edit and writing the file.
        tail = (e - last) * 1000
        if (r > 0) { floor = need / r; printf "%5d accounts x 3 roles, %2d req/s: %5d calls, %6.1f s (floor %5.1f s, ratio %.2f), after the last call %.0f ms, peak RSS %.1f MB\n", n, r, calls, wall, floor, wall / floor, tail, rss / 1024 }
        else printf "%5d accounts x 3 roles (%d profiles), no limit: %5d calls, %6.1f s, after the last call %.0f ms, peak RSS %.1f MB\n", n, n * 3, calls, wall, tail, rss / 1024 }'
}

case_run 100 20
case_run 1000 20
case_run 3334 0
