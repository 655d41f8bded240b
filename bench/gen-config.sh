#!/usr/bin/env bash
# Writes a synthetic AWS setup with N profiles into HOME_DIR (for the benchmark):
#   ~/.aws/config       sso-session profiles (most), legacy SSO, role chains
#   ~/.aws/credentials  static-key profiles
#   ~/.aws/sso/cache/   a valid token for every sso-session and legacy start URL
# Usage: bench/gen-config.sh N HOME_DIR
# Profile `p<i>` exists for every i in 0..N-1; p<i> with i % 20 < 16 is an sso-session
# profile, so `p$((N/2))` (N a multiple of 20) is one whose token is valid.
set -euo pipefail
n=${1:?N}
home=${2:?HOME_DIR}
sessions=$(( n / 500 < 2 ? 2 : (n / 500 > 20 ? 20 : n / 500) ))
mkdir -p "$home/.aws/sso/cache"

awk -v n="$n" -v s="$sessions" 'BEGIN {
    for (j = 0; j < s; j++) {
        printf "[sso-session org%d]\nsso_start_url = https://org%d.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n", j, j
    }
    split("AdministratorAccess ReadOnly PowerUser Billing", roles, " ")
    split("us-east-1 eu-west-1 ap-southeast-2 us-west-2", regions, " ")
    for (i = 0; i < n; i++) {
        k = i % 20
        acct = sprintf("1%011d", int(i / 4))
        role = roles[i % 4 + 1]
        region = regions[int(i / 7) % 4 + 1]
        if (k < 16) {
            printf "[profile p%d]\nsso_session = org%d\nsso_account_id = %s\nsso_role_name = %s\nsso_account_name = team-%d\nregion = %s\noutput = json\n\n", i, i % s, acct, role, int(i / 4), region
        } else if (k < 18) {
            printf "[profile p%d]\nsso_start_url = https://legacy%d.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = %s\nsso_role_name = %s\nregion = %s\n\n", i, i % 2, acct, role, region
        } else if (k < 19) {
            printf "[profile p%d]\nrole_arn = arn:aws:iam::%s:role/Deploy\nsource_profile = p%d\nregion = %s\n\n", i, acct, i - k, region
        } else {
            printf "[profile p%d]\nregion = %s\n\n", i, region
        }
    }
}' >"$home/.aws/config"

awk -v n="$n" 'BEGIN {
    for (i = 19; i < n; i += 20) {
        printf "[p%d]\naws_access_key_id = AKIAEXAMPLE%09d\naws_secret_access_key = bench-secret-%d\n\n", i, i, i
    }
}' >"$home/.aws/credentials"

expires=$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)
token() { # KEY REFRESHABLE
    local file
    file="$home/.aws/sso/cache/$(printf '%s' "$1" | sha1sum | cut -d' ' -f1).json"
    if [ "$2" = 1 ]; then
        printf '{"startUrl":"x","region":"us-east-1","accessToken":"bench","expiresAt":"%s","clientId":"c","clientSecret":"s","refreshToken":"r","registrationExpiresAt":"2999-01-01T00:00:00Z"}' "$expires" >"$file"
    else
        printf '{"startUrl":"x","region":"us-east-1","accessToken":"bench","expiresAt":"%s"}' "$expires" >"$file"
    fi
}
for ((j = 0; j < sessions; j++)); do token "org$j" 1; done
for j in 0 1; do token "https://legacy$j.awsapps.com/start" 0; done
