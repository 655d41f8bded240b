"""Runs botocore itself on the AWS files of the environment it is given and prints, as one
JSON object, what botocore makes of them. The oracle of tests/it/botocore.rs.

    python botocore_oracle.py files   # HOME, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE set
    python botocore_oracle.py times   # stdin: a JSON array of timestamp texts

`files` prints {"botocore": version, "error": null | "what botocore raised",
"profiles": [names], "regions": {name: region | null}, "tokens": {name: outcome}} where
"tokens" covers the profiles botocore's SSO credential provider takes on (those with
`sso_account_id` or `sso_role_name`), each one's outcome being how botocore's own provider,
token loader and refresher end when that profile's credentials are asked for:

    valid      the cached access token was sent as it is
    refreshed  a token refresh was sent and accepted, and its new token sent
    expired    botocore found the token expired and did not refresh it (it sent nothing)
    missing    botocore's cache has no token under that key (no file, or not JSON to
               Python's json module): "Token for ... does not exist"
    rejected   the service refused the access token botocore sent (an empty one)
    error      botocore failed with anything else (the text says what)

No request leaves the process. The two services are played here, and only their side is
decided here; everything else is botocore's: a refresh (`sso-oidc` CreateToken) is accepted
when its refreshToken, clientId and clientSecret are all non-empty, and role credentials
(`sso` GetRoleCredentials) are given for any non-empty access token. Requests reach them
only after botocore's own parameter validation. Refreshed tokens are not written back, so
every profile sees the cache as the test wrote it.

`times` prints, per text, the instant botocore's token code reads (`dateutil.parser.parse`,
as botocore calls it) in whole microseconds since the epoch, or null where that raises or
gives a time with no zone (which botocore then fails to subtract from the time now).
"""

import datetime
import json
import sys
import warnings

warnings.simplefilter("ignore")

import botocore  # noqa: E402
import botocore.loaders  # noqa: E402
import botocore.session  # noqa: E402
import dateutil.parser  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.exceptions import (  # noqa: E402
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.utils import JSONFileCache  # noqa: E402

# Refreshed tokens stay in memory: every profile reads the files as written.
JSONFileCache.__setitem__ = lambda self, key, value: None

_LOADER = botocore.loaders.create_loader()


def new_session(profile=None):
    """A botocore session. All share one loader of botocore's service models (the one a
    session makes when no `data_path` is set), which only saves reading them again."""
    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", _LOADER)
    return session


class Services:
    """The service side of one credentials request, and what botocore asked of it."""

    def __init__(self):
        self.refreshed = False
        self.rejected = False
        self.sent = []

    def create_token(self, params, **_):
        body = json.loads(params["body"])
        ok = all(body.get(k) for k in ("refreshToken", "clientId", "clientSecret"))
        if not ok:
            return error(400, "InvalidGrantException")
        self.refreshed = True
        return answer({"accessToken": "REFRESHED", "expiresIn": 8 * 3600, "tokenType": "Bearer"})

    def role_credentials(self, params, **_):
        token = params["headers"].get("x-amz-sso_bearer_token", "")
        self.sent.append(token)
        if not token:
            self.rejected = True
            return error(401, "UnauthorizedException")
        return answer(
            {
                "roleCredentials": {
                    "accessKeyId": "AKIAORACLE",
                    "secretAccessKey": "oracle",
                    "sessionToken": "oracle",
                    "expiration": 4102444800000,
                }
            }
        )


def answer(body):
    body["ResponseMetadata"] = {"HTTPStatusCode": 200}
    return AWSResponse(None, 200, {}, None), body


def error(status, code):
    body = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return AWSResponse(None, status, {}, None), body


def no_network(request, **_):
    raise RuntimeError(f"the oracle sends no request: {request.url}")


def token_outcome(name):
    session = new_session(name)
    services = Services()
    session.register("before-call.sso-oidc.CreateToken", services.create_token)
    session.register("before-call.sso.GetRoleCredentials", services.role_credentials)
    session.register("before-send", no_network)
    provider = session.get_component("credential_provider").get_provider("sso")
    try:
        creds = provider.load()
        if creds is None:
            return None
        creds.get_frozen_credentials()
    except SSOTokenLoadError as e:
        if "does not exist" in str(e):
            return {"outcome": "missing", "detail": str(e)}
        return {"outcome": "error", "detail": str(e)}
    except UnauthorizedSSOTokenError as e:
        return {"outcome": "rejected" if services.rejected else "expired", "detail": str(e)}
    except TokenRetrievalError as e:
        if "Token has expired and refresh failed" in str(e):
            return {"outcome": "expired", "detail": str(e)}
        return {"outcome": "error", "detail": str(e)}
    except Exception as e:  # botocore failing is an outcome, whatever it raised
        return {"outcome": "error", "detail": f"{type(e).__name__}: {e}"}
    if services.refreshed and services.sent == ["REFRESHED"]:
        return {"outcome": "refreshed", "detail": None}
    return {"outcome": "valid", "detail": None}


def files():
    out = {"botocore": botocore.__version__, "error": None, "profiles": [], "regions": {}, "tokens": {}}
    session = new_session()
    try:
        names = list(session.available_profiles)
        profiles = session.full_config.get("profiles", {})
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    out["profiles"] = names
    for name in names:
        out["regions"][name] = new_session(name).get_config_variable("region")
        conf = profiles.get(name, {})
        if "sso_account_id" in conf or "sso_role_name" in conf:
            out["tokens"][name] = token_outcome(name)
    return out


def read_time(text):
    try:
        t = dateutil.parser.parse(text)
        offset = t.utcoffset()
    except Exception:
        return None
    if offset is None:
        return None
    epoch = t.replace(tzinfo=None) - datetime.datetime(1970, 1, 1) - offset
    return (epoch.days * 86400 + epoch.seconds) * 1_000_000 + epoch.microseconds


def times():
    return [read_time(t) for t in json.load(sys.stdin)]


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "files":
        result = files()
    elif mode == "times":
        result = times()
    else:
        sys.exit("usage: botocore_oracle.py files|times")
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
