"""botocore's own SSO token provider, run on the environment it is given, against the
Identity Center that AWS_ENDPOINT_URL_SSO_OIDC names (the tests' local server).

    python botocore_sso.py token PROFILE

prints {"token": the access token botocore would send, "expiration": ISO time}. Inside
its refresh window (15 minutes) botocore refreshes the token first, through CreateToken,
and writes the cache file back, as it does for any AWS call.
"""

import json
import sys
import warnings

warnings.simplefilter("ignore")

import botocore.session  # noqa: E402
from botocore.tokens import create_token_resolver  # noqa: E402


def main():
    mode, profile = sys.argv[1], sys.argv[2]
    if mode != "token":
        raise SystemExit(f"unknown mode {mode}")
    session = botocore.session.Session(profile=profile)
    token = create_token_resolver(session).load_token()
    if token is None:
        print(json.dumps({"token": None}))
        return
    frozen = token.get_frozen_token()
    print(json.dumps({"token": frozen.token, "expiration": frozen.expiration.isoformat()}))


main()
