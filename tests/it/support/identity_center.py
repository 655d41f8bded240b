#!/usr/bin/env python3
"""A local stand-in for AWS IAM Identity Center: the OIDC service and the access portal.

Integration tests run it instead of AWS; it never talks to the network beyond 127.0.0.1.

    python3 identity_center.py [--rate N] [--ignore-stdin] [--verbose]

It binds 127.0.0.1 on an ephemeral port, prints exactly one line
`listening http://127.0.0.1:PORT` to stdout, and serves until its stdin reaches EOF
(so it dies with the process that spawned it) or it gets SIGTERM/SIGINT.

Both services share the root URL, as AWS serves them on two hosts with disjoint paths:
- OIDC (https://oidc.{region}.amazonaws.com): POST /client/register, POST
  /device_authorization, POST /token, and the browser pages GET /authorize, GET /device.
- Portal (https://portal.sso.{region}.amazonaws.com): GET /assignment/accounts, GET
  /assignment/roles, GET /federation/credentials, POST /logout.
- STS (https://sts.{region}.amazonaws.com): POST / with Action=AssumeRole (the query
  protocol, answered in XML). Every request must carry a valid SigV4 signature (service
  `sts`), made with keys this server issued (GetRoleCredentials, AssumeRole) or the
  long-term keys in the `iam_users` setting; a wrong signature is SignatureDoesNotMatch.
- Federation (https://signin.aws.amazon.com): GET /federation?Action=getSigninToken with
  issued temporary credentials, and ?Action=login, which redirects to the destination.
- Test control (never rate limited): /_control/{config,fail,log,tokens,reset}.

Wire shapes follow botocore's service models (sso-oidc 2019-06-10, sso 2019-06-10) and
responses recorded from AWS; README.md in this directory lists the sources.
Standard library only.
"""

import argparse
import base64
import calendar
import copy
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlsplit

HOST = "127.0.0.1"

# The suffix AWS's OIDC service puts after the exception name in `x-amzn-ErrorType`
# (recorded: `AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/`).
OIDC_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = {DEVICE_GRANT, "authorization_code", "refresh_token"}

# Request bodies larger than this are refused (413); Identity Center requests are < 4 KB.
MAX_BODY = 1 << 20

# Operation names as in botocore's models, plus the two browser pages.
OIDC_OPS = ("RegisterClient", "StartDeviceAuthorization", "CreateToken")
PORTAL_OPS = ("ListAccounts", "ListAccountRoles", "GetRoleCredentials", "Logout")
BROWSER_OPS = ("Authorize", "VerifyDevice")
STS_OPS = ("AssumeRole",)
FEDERATION_OPS = ("GetSigninToken", "Login")
ALL_OPS = OIDC_OPS + PORTAL_OPS + BROWSER_OPS + STS_OPS + FEDERATION_OPS

ROUTES = {
    ("POST", "/client/register"): "RegisterClient",
    ("POST", "/device_authorization"): "StartDeviceAuthorization",
    ("POST", "/token"): "CreateToken",
    ("GET", "/authorize"): "Authorize",
    ("GET", "/device"): "VerifyDevice",
    ("GET", "/assignment/accounts"): "ListAccounts",
    ("GET", "/assignment/roles"): "ListAccountRoles",
    ("GET", "/federation/credentials"): "GetRoleCredentials",
    ("POST", "/logout"): "Logout",
    ("POST", "/"): "AssumeRole",
    ("GET", "/federation"): "GetSigninToken",
}

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
# Messages as STS words them.
MSG_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MSG_BAD_KEY = "The security token included in the request is invalid."
MSG_EXPIRED = "The security token included in the request is expired"
MSG_MFA = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")

# The OAuth `error` code (RFC 6749 section 5.2, RFC 8628 section 3.5) the OIDC service
# sends in the body for each exception name.
OAUTH_CODES = {
    "AccessDeniedException": "access_denied",
    "AuthorizationPendingException": "authorization_pending",
    "ExpiredTokenException": "expired_token",
    "InternalServerException": "server_error",
    "InvalidClientException": "invalid_client",
    "InvalidClientMetadataException": "invalid_client_metadata",
    "InvalidGrantException": "invalid_grant",
    "InvalidRedirectUriException": "invalid_redirect_uri",
    "InvalidRequestException": "invalid_request",
    "InvalidScopeException": "invalid_scope",
    "SlowDownException": "slow_down",
    "UnauthorizedClientException": "unauthorized_client",
    "UnsupportedGrantTypeException": "unsupported_grant_type",
}

# Messages AWS was recorded sending; the others in this file are this server's wording.
MSG_PENDING = "Authorization is still pending"
MSG_INVALID_GRANT = "Invalid grant provided"
MSG_INVALID_REFRESH = "Invalid refresh token provided"
MSG_UNAUTHORIZED = "Session token not found or invalid"
MSG_NO_ACCESS = "No access"
MSG_RATE = "Rate exceeded"

DEFAULT_ACCOUNTS = [
    {
        "accountId": "111111111111",
        "accountName": "Dev",
        "emailAddress": "dev@example.com",
        "roles": ["ReadOnly", "Admin"],
    },
    {
        "accountId": "222222222222",
        "accountName": "Prod",
        "emailAddress": "prod@example.com",
        "roles": ["ReadOnly"],
    },
]

DEFAULT_CONFIG = {
    "access_token_ttl": 3600,
    "device_interval": 1,
    "device_expires_in": 600,
    "slow_down": False,
    "approve_device_after_polls": None,
    "session_end": None,
    "rotate_refresh_tokens": True,
    "revoke_rotated_refresh_tokens": False,
    "accounts": DEFAULT_ACCOUNTS,
    "page_size": 2,
    "retry_after": None,
    "client_secret_ttl": 90 * 24 * 3600,
    "auth_code_ttl": 300,
    "role_credentials_ttl": 3600,
    "rate": None,
    # Long-term keys STS accepts as a source: {"AKIA…": "secret"}.
    "iam_users": {},
    # The code each MFA device shows: {"arn:aws:iam::…:mfa/me": "123456"}.
    "mfa_devices": {},
    # Conditions of a role's trust policy: {"role ARN": {"external_id": "x", "mfa": true}}.
    "role_conditions": {},
    # The longest AssumeRole session a role allows (DurationSeconds above it is refused).
    "max_session_duration": 43200,
}


class ApiError(Exception):
    """An error answer: HTTP status, exception name (`x-amzn-ErrorType`), description."""

    def __init__(self, status, name, description):
        super().__init__(description)
        self.status = status
        self.name = name
        self.description = description


class Response:
    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


# ---------------------------------------------------------------------------
# Settings validation for POST /_control/config


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def _check_accounts(v):
    if not isinstance(v, list):
        return False
    for a in v:
        if not isinstance(a, dict) or not isinstance(a.get("accountId"), str):
            return False
        if not isinstance(a.get("accountName", ""), str):
            return False
        if not isinstance(a.get("emailAddress", ""), str):
            return False
        roles = a.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            return False
    return True


SETTING_CHECKS = {
    "access_token_ttl": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "device_interval": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "device_expires_in": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "slow_down": (lambda v: isinstance(v, bool), "a boolean"),
    "approve_device_after_polls": (lambda v: v is None or (_is_int(v) and v >= 0), "null or an integer >= 0"),
    "session_end": (lambda v: v is None or _is_number(v), "null or epoch seconds"),
    "rotate_refresh_tokens": (lambda v: isinstance(v, bool), "a boolean"),
    "revoke_rotated_refresh_tokens": (lambda v: isinstance(v, bool), "a boolean"),
    "accounts": (_check_accounts, 'a list of {"accountId","accountName","emailAddress","roles"}'),
    "page_size": (lambda v: _is_int(v) and 1 <= v <= 100, "an integer 1..100"),
    "retry_after": (lambda v: v is None or (_is_int(v) and v >= 0), "null or an integer >= 0"),
    "client_secret_ttl": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "auth_code_ttl": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "role_credentials_ttl": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "rate": (lambda v: v is None or (_is_number(v) and v > 0), "null or a number > 0"),
    "iam_users": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "an object of strings"),
    "mfa_devices": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "an object of strings"),
    "role_conditions": (lambda v: isinstance(v, dict) and all(isinstance(x, dict) for x in v.values()), "an object of objects"),
    "max_session_duration": (lambda v: _is_int(v) and 900 <= v <= 43200, "an integer 900..43200"),
}


# ---------------------------------------------------------------------------
# Helpers


def oauth_code(name):
    """The body's `error` for an exception name: FooBarException -> foo_bar."""
    if name in OAUTH_CODES:
        return OAUTH_CODES[name]
    stem = (name or "Error").removesuffix("Exception")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def _token(prefix, nbytes=48):
    return prefix + secrets.token_urlsafe(nbytes)


def _user_code():
    # Letters only, no vowels: no words, no 0/O or 1/I confusion.
    alphabet = "BCDFGHJKLMNPQRSTVWXZ"
    letters = "".join(secrets.choice(alphabet) for _ in range(8))
    return letters[:4] + "-" + letters[4:]


def _access_key_id():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))


def pkce_challenge(verifier):
    """base64url(sha256(verifier)) without padding (RFC 7636, S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# RFC 7636 section 4.1: 43 to 128 characters of [A-Za-z0-9-._~].
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def _encode_page_token(kind, key, offset):
    raw = json.dumps({"k": kind, "a": key, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_page_token(token, kind, key):
    """The offset in `token`, or None when it was not issued for this listing."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("k") != kind or data.get("a") != key:
        return None
    offset = data.get("o")
    return offset if _is_int(offset) and offset >= 0 else None


def _is_loopback_callback(uri):
    """True for http://127.0.0.1:PORT/oauth/callback (any query), the only redirect accepted."""
    if not isinstance(uri, str) or not uri.startswith("http://127.0.0.1:"):
        return False
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        return False
    return parts.hostname == "127.0.0.1" and port is not None and parts.path == "/oauth/callback"


def _with_query(uri, params):
    sep = "&" if "?" in uri else "?"
    return uri + sep + urlencode(params)


def _page(title, text):
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>"
        "<body><h1>{t}</h1><p>{x}</p></body></html>".format(t=html.escape(title), x=html.escape(text))
    ).encode("utf-8")


# ---------------------------------------------------------------------------
# State


class TokenBucket:
    """`rate` requests per second, bursts up to max(1, rate)."""

    def __init__(self, rate):
        self.rate = float(rate)
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class State:
    """Everything the server remembers; every access holds `lock`."""

    def __init__(self, base_url, rate):
        self.base_url = base_url
        self.initial_rate = rate
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            self.config["rate"] = self.initial_rate
            self.bucket = TokenBucket(self.initial_rate) if self.initial_rate else None
            self.clients = {}  # clientId -> client record
            self.devices = {}  # deviceCode -> device authorization record
            self.user_codes = {}  # userCode -> deviceCode
            self.auth_codes = {}  # code -> authorization code record
            self.sessions = {}  # sessionId -> {"ended": bool}
            self.access_tokens = {}  # accessToken -> record (insertion ordered)
            self.refresh_tokens = {}  # refreshToken -> record
            self.issued_keys = {}  # accessKeyId -> {"secret", "token", "expires", "arn", "chained"}
            self.signin_tokens = {}  # SigninToken -> {"arn", "used"}
            self.failures = {op: [] for op in ALL_OPS}
            self.log = []

    def set_config(self, changes):
        with self.lock:
            for key, value in changes.items():
                self.config[key] = copy.deepcopy(value)
                if key == "rate":
                    self.bucket = TokenBucket(value) if value else None

    def take_rate(self):
        with self.lock:
            return self.bucket is None or self.bucket.take()

    def take_failure(self, op):
        """The next queued failure for `op`, consuming one of its `times`, or None."""
        with self.lock:
            queue = self.failures[op]
            if not queue:
                return None
            failure = queue[0]
            failure["times"] -= 1
            if failure["times"] <= 0:
                queue.pop(0)
            return dict(failure)

    # -- OIDC -------------------------------------------------------------

    def register_client(self, body):
        name = body.get("clientName")
        ctype = body.get("clientType")
        if not isinstance(name, str) or not name or not isinstance(ctype, str) or not ctype:
            raise ApiError(400, "InvalidRequestException", "clientName and clientType are required")
        if ctype != "public":
            raise ApiError(400, "InvalidClientMetadataException", "Invalid client type: " + ctype)
        scopes = body.get("scopes") or []
        grants = body.get("grantTypes") or []
        redirects = body.get("redirectUris") or []
        for field, value in (("scopes", scopes), ("grantTypes", grants), ("redirectUris", redirects)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ApiError(400, "InvalidRequestException", field + " must be a list of strings")
        for grant in grants:
            if grant not in GRANT_TYPES:
                raise ApiError(400, "UnsupportedGrantTypeException", "Unsupported grant type: " + grant)
        now = int(time.time())
        with self.lock:
            client_id = _token("", 16)
            secret = _token("", 96)
            expires = now + self.config["client_secret_ttl"]
            self.clients[client_id] = {
                "clientId": client_id,
                "clientSecret": secret,
                "clientName": name,
                "scopes": scopes,
                "grantTypes": grants,
                "redirectUris": redirects,
                "issuerUrl": body.get("issuerUrl"),
                "secretExpiresAt": expires,
            }
        return {
            "clientId": client_id,
            "clientSecret": secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": expires,
        }

    def _client(self, body):
        """The registered client named by clientId/clientSecret, or InvalidClientException."""
        client_id = body.get("clientId")
        secret = body.get("clientSecret")
        if not isinstance(client_id, str) or not client_id or not isinstance(secret, str) or not secret:
            raise ApiError(400, "InvalidRequestException", "clientId and clientSecret are required")
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client["clientSecret"], secret):
            raise ApiError(401, "InvalidClientException", "Invalid client provided")
        if time.time() >= client["secretExpiresAt"]:
            raise ApiError(401, "InvalidClientException", "Client secret has expired")
        return client

    def start_device_authorization(self, body):
        with self.lock:
            client = self._client(body)
            start_url = body.get("startUrl")
            if not isinstance(start_url, str) or not start_url:
                raise ApiError(400, "InvalidRequestException", "startUrl is required")
            device_code = _token("", 64)
            user_code = _user_code()
            while user_code in self.user_codes:  # 20^8 codes: a repeat is rare
                user_code = _user_code()
            interval = self.config["device_interval"]
            expires_in = self.config["device_expires_in"]
            self.devices[device_code] = {
                "clientId": client["clientId"],
                "userCode": user_code,
                "startUrl": start_url,
                "expiresAt": time.time() + expires_in,
                "interval": interval,
                "approved": False,
                "denied": False,
                "redeemed": False,
                "lastPoll": None,
                "pendingPolls": 0,
            }
            self.user_codes[user_code] = device_code
        verify = self.base_url + "/device"
        return {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": verify,
            "verificationUriComplete": verify + "?user_code=" + user_code,
            "expiresIn": expires_in,
            "interval": interval,
        }

    def verify_device(self, user_code, deny):
        """A person at /device: returns (status, title, text)."""
        with self.lock:
            device_code = self.user_codes.get(user_code.strip().upper())
            device = self.devices.get(device_code) if device_code else None
            if device is None:
                return 400, "Invalid code", "No pending request has the code " + user_code + "."
            if time.time() >= device["expiresAt"]:
                return 400, "Code expired", "The code " + user_code + " has expired."
            if device["redeemed"]:
                return 400, "Already used", "The code " + user_code + " was already used."
            if deny:
                device["denied"] = True
                return 200, "Request denied", "You denied access. You can close this window."
            device["approved"] = True
            return 200, "Request approved", "You can close this window and return to the terminal."

    def create_token(self, body, ctx):
        grant = body.get("grantType")
        if isinstance(grant, str):
            ctx["grantType"] = grant
        with self.lock:
            client = self._client(body)
            if not isinstance(grant, str) or not grant:
                raise ApiError(400, "InvalidRequestException", "grantType is required")
            if grant == DEVICE_GRANT:
                return self._device_grant(client, body)
            if grant == "authorization_code":
                return self._code_grant(client, body)
            if grant == "refresh_token":
                return self._refresh_grant(client, body)
            raise ApiError(400, "UnsupportedGrantTypeException", "Unsupported grant type: " + grant)

    def _device_grant(self, client, body):
        device = self.devices.get(body.get("deviceCode") if isinstance(body.get("deviceCode"), str) else "")
        if device is None or device["clientId"] != client["clientId"] or device["redeemed"]:
            raise ApiError(400, "InvalidGrantException", MSG_INVALID_GRANT)
        now = time.time()
        if now >= device["expiresAt"]:
            raise ApiError(400, "ExpiredTokenException", "Device code has expired")
        last, device["lastPoll"] = device["lastPoll"], now
        if self.config["slow_down"] and last is not None and now - last < device["interval"]:
            raise ApiError(400, "SlowDownException", "Client is polling too quickly")
        if device["denied"]:
            raise ApiError(400, "AccessDeniedException", "Access denied by the user")
        after = self.config["approve_device_after_polls"]
        if not device["approved"] and after is not None and device["pendingPolls"] >= after:
            device["approved"] = True
        if not device["approved"]:
            device["pendingPolls"] += 1
            raise ApiError(400, "AuthorizationPendingException", MSG_PENDING)
        device["redeemed"] = True
        with_refresh = "refresh_token" in client["grantTypes"]
        return self._issue(client, self._new_session(client), DEVICE_GRANT, with_refresh)

    def _code_grant(self, client, body):
        code = body.get("code")
        record = self.auth_codes.get(code) if isinstance(code, str) else None
        verifier = body.get("codeVerifier")
        if (
            record is None
            or record["used"]
            or time.time() >= record["expiresAt"]
            or record["clientId"] != client["clientId"]
            or body.get("redirectUri") != record["redirectUri"]
            or not isinstance(verifier, str)
            or not VERIFIER_RE.match(verifier)
            or not secrets.compare_digest(pkce_challenge(verifier), record["codeChallenge"])
        ):
            raise ApiError(400, "InvalidGrantException", MSG_INVALID_GRANT)
        record["used"] = True
        return self._issue(client, self._new_session(client), "authorization_code", True)

    def _refresh_grant(self, client, body):
        token = body.get("refreshToken")
        record = self.refresh_tokens.get(token) if isinstance(token, str) else None
        if (
            record is None
            or record["revoked"]
            or record["clientId"] != client["clientId"]
            or self.sessions[record["sessionId"]]["ended"]
            or self._past_session_end()
        ):
            raise ApiError(400, "InvalidGrantException", MSG_INVALID_REFRESH)
        session_id = record["sessionId"]
        if self.config["rotate_refresh_tokens"]:
            if self.config["revoke_rotated_refresh_tokens"]:
                record["revoked"] = True
            refresh = None  # _issue makes a new one
        else:
            refresh = token
        return self._issue(client, session_id, "refresh_token", True, refresh)

    def _past_session_end(self):
        end = self.config["session_end"]
        return end is not None and time.time() >= end

    def _new_session(self, client):
        session_id = "session-" + uuid.uuid4().hex[:12]
        self.sessions[session_id] = {"ended": False, "clientId": client["clientId"]}
        return session_id

    def _issue(self, client, session_id, grant, with_refresh, refresh=None):
        now = time.time()
        ttl = self.config["access_token_ttl"]
        end = self.config["session_end"]
        if end is not None:
            ttl = max(0, min(ttl, int(end - now)))
        access = _token("aoa", 48)
        if with_refresh and refresh is None:
            refresh = _token("aor", 64)
            self.refresh_tokens[refresh] = {
                "sessionId": session_id,
                "clientId": client["clientId"],
                "revoked": False,
            }
        self.access_tokens[access] = {
            "accessToken": access,
            "refreshToken": refresh if with_refresh else None,
            "sessionId": session_id,
            "clientId": client["clientId"],
            "grantType": grant,
            "issuedAt": now,
            "expiresIn": ttl,
            "expiresAt": now + ttl,
            "revoked": False,
        }
        answer = {"accessToken": access, "tokenType": "Bearer", "expiresIn": ttl}
        if with_refresh:
            answer["refreshToken"] = refresh
        return answer

    def authorize(self, q, ctx):
        """GET /authorize: a Response (302 to the callback, or a 400 page)."""
        client_id = q.get("client_id", "")
        redirect_uri = q.get("redirect_uri", "")
        if client_id:
            ctx["clientId"] = client_id
        with self.lock:
            client = self.clients.get(client_id)
            if client is None or time.time() >= client["secretExpiresAt"]:
                return Response(400, _page("Invalid request", "Unknown client_id."), "text/html; charset=utf-8")
            if not _is_loopback_callback(redirect_uri):
                return Response(
                    400,
                    _page("Invalid request", "redirect_uri must be http://127.0.0.1:PORT/oauth/callback."),
                    "text/html; charset=utf-8",
                )
            state = q.get("state")
            back = {}
            if q.get("response_type") != "code":
                back = {"error": "unsupported_response_type", "error_description": "response_type must be code"}
            elif q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                back = {"error": "invalid_request", "error_description": "PKCE with S256 is required"}
            else:
                code = _token("", 32)
                self.auth_codes[code] = {
                    "clientId": client_id,
                    "redirectUri": redirect_uri,
                    "codeChallenge": q["code_challenge"],
                    "scopes": q.get("scopes", ""),
                    "expiresAt": time.time() + self.config["auth_code_ttl"],
                    "used": False,
                }
                back = {"code": code}
            if state is not None:
                back["state"] = state
        return Response(302, headers=[("Location", _with_query(redirect_uri, back))], content_type=None)

    # -- Portal -----------------------------------------------------------

    def _bearer(self, token):
        """The session id of a live access token, or UnauthorizedException."""
        record = self.access_tokens.get(token) if token else None
        if (
            record is None
            or record["revoked"]
            or time.time() >= record["expiresAt"]
            or self.sessions[record["sessionId"]]["ended"]
            or self._past_session_end()
        ):
            raise ApiError(401, "UnauthorizedException", MSG_UNAUTHORIZED)
        return record["sessionId"]

    def _page_size(self, q):
        raw = q.get("max_result")
        if raw is None or raw == "":
            return self.config["page_size"]
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= 100:
            raise ApiError(400, "InvalidRequestException", "max_result must be between 1 and 100")
        # The service may answer fewer than asked for; `page_size` caps every page, so a
        # client that asks for 100 still meets pagination.
        return min(size, self.config["page_size"])

    def _paginate(self, items, q, kind, key):
        size = self._page_size(q)
        offset = 0
        token = q.get("next_token")
        if token:
            offset = _decode_page_token(token, kind, key)
            if offset is None:
                raise ApiError(400, "InvalidRequestException", "Invalid next token")
        page = items[offset : offset + size]
        more = offset + size < len(items)
        return page, (_encode_page_token(kind, key, offset + size) if more else None)

    def _account(self, account_id):
        for account in self.config["accounts"]:
            if account["accountId"] == account_id:
                return account
        return None

    def list_accounts(self, token, q):
        with self.lock:
            self._bearer(token)
            items = [
                {
                    "accountId": a["accountId"],
                    "accountName": a.get("accountName", ""),
                    "emailAddress": a.get("emailAddress", ""),
                }
                for a in self.config["accounts"]
            ]
            page, next_token = self._paginate(items, q, "accounts", "")
        answer = {"accountList": page}
        if next_token:
            answer["nextToken"] = next_token
        return answer

    def list_account_roles(self, token, q):
        with self.lock:
            self._bearer(token)
            account_id = q.get("account_id")
            if not account_id:
                raise ApiError(400, "InvalidRequestException", "account_id is required")
            account = self._account(account_id)
            if account is None:
                raise ApiError(403, "ForbiddenException", MSG_NO_ACCESS)
            items = [{"roleName": r, "accountId": account_id} for r in account.get("roles", [])]
            page, next_token = self._paginate(items, q, "roles", account_id)
        answer = {"roleList": page}
        if next_token:
            answer["nextToken"] = next_token
        return answer

    def get_role_credentials(self, token, q):
        with self.lock:
            self._bearer(token)
            account_id = q.get("account_id")
            role_name = q.get("role_name")
            if not account_id or not role_name:
                raise ApiError(400, "InvalidRequestException", "account_id and role_name are required")
            account = self._account(account_id)
            if account is None or role_name not in account.get("roles", []):
                raise ApiError(403, "ForbiddenException", MSG_NO_ACCESS)
            ttl = self.config["role_credentials_ttl"]
            arn = "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s/user" % (account_id, role_name)
            key = self._issue_keys(ttl, arn, chained=False)
        return {
            "roleCredentials": {
                "accessKeyId": key["id"],
                "secretAccessKey": key["secret"],
                "sessionToken": key["token"],
                "expiration": int(key["expires"] * 1000),
            }
        }

    def _issue_keys(self, ttl, arn, chained):
        """New temporary keys, remembered so that STS and federation can check them."""
        key = {
            "id": _access_key_id(),
            "secret": secrets.token_urlsafe(30)[:40],
            "token": _token("IQoJb3JpZ2luX2Vj", 120),
            "expires": time.time() + ttl,
            "arn": arn,
            "chained": chained,
        }
        self.issued_keys[key["id"]] = key
        return key

    # -- STS ----------------------------------------------------------------

    def verify_sigv4(self, method, raw_path, headers, body, service):
        """Checks the request's SigV4 signature; returns the signing key's record."""
        auth = headers.get("Authorization") or ""
        m = re.match(
            r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
            r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$",
            auth,
        )
        if not m:
            raise ApiError(400, "IncompleteSignature", "Authorization header is not a SigV4 signature")
        key_id, date, region, svc, signed, signature = m.groups()
        if svc != service:
            raise ApiError(400, "IncompleteSignature", "Credential should be scoped to correct service: '%s'." % service)
        amz_date = headers.get("X-Amz-Date") or ""
        if not re.match(r"^\d{8}T\d{6}Z$", amz_date) or amz_date[:8] != date:
            raise ApiError(400, "IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope")
        stamp = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        if abs(time.time() - stamp) > 300:
            raise ApiError(400, "SignatureDoesNotMatch", "Signature expired: the request time is too skewed")
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names or names != sorted(names):
            raise ApiError(400, "IncompleteSignature", "host and x-amz-date must be signed")
        with self.lock:
            issued = self.issued_keys.get(key_id)
            user_secret = self.config["iam_users"].get(key_id)
        if issued is not None:
            secret = issued["secret"]
            if headers.get("X-Amz-Security-Token") != issued["token"] or "x-amz-security-token" not in names:
                raise ApiError(403, "InvalidClientTokenId", MSG_BAD_KEY)
            if time.time() >= issued["expires"]:
                raise ApiError(400, "ExpiredToken", MSG_EXPIRED)
        elif user_secret is not None:
            secret = user_secret
            issued = {"arn": "arn:aws:iam::000000000000:user/test", "chained": False}
        else:
            raise ApiError(403, "InvalidClientTokenId", MSG_BAD_KEY)
        url = urlsplit(raw_path)
        pairs = parse_qs(url.query, keep_blank_values=True)
        query = "&".join(
            sorted("%s=%s" % (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, vs in pairs.items() for v in vs)
        )
        lines = []
        for name in names:
            values = headers.get_all(name) or []
            if not values:
                raise ApiError(400, "IncompleteSignature", "signed header %s is missing" % name)
            lines.append("%s:%s\n" % (name, ",".join(" ".join(v.split()) for v in values)))
        canonical = "\n".join(
            [method, quote(url.path or "/", safe="/-_.~"), query, "".join(lines), signed, hashlib.sha256(body).hexdigest()]
        )
        scope = "%s/%s/%s/aws4_request" % (date, region, service)
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        k = ("AWS4" + secret).encode()
        for part in (date, region, service, "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise ApiError(403, "SignatureDoesNotMatch", MSG_SIGNATURE)
        return issued

    def assume_role(self, caller, form, ctx):
        get = lambda k: (form.get(k) or [None])[0]  # noqa: E731
        if get("Version") != "2011-06-15":
            raise ApiError(400, "InvalidAction", "Could not find operation AssumeRole for version %s" % get("Version"))
        arn = get("RoleArn") or ""
        name = get("RoleSessionName") or ""
        ctx["roleArn"] = arn
        ctx["sessionName"] = name
        m = ROLE_ARN_RE.match(arn)
        if not m:
            raise ApiError(400, "ValidationError", "%s is invalid" % arn)
        if not SESSION_NAME_RE.match(name):
            raise ApiError(400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint")
        duration = get("DurationSeconds")
        ttl = 3600
        if duration is not None:
            if not duration.isdigit() or not 900 <= int(duration) <= 43200:
                raise ApiError(400, "ValidationError", "DurationSeconds must be between 900 and 43200")
            ttl = int(duration)
            ctx["durationSeconds"] = ttl
        with self.lock:
            max_duration = self.config["max_session_duration"]
            conditions = self.config["role_conditions"].get(arn, {})
            devices = dict(self.config["mfa_devices"])
        if ttl > max_duration:
            raise ApiError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        if caller["chained"] and ttl > 3600:
            raise ApiError(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            )
        denied = "User: %s is not authorized to perform: sts:AssumeRole on resource: %s" % (caller["arn"], arn)
        if "external_id" in conditions and get("ExternalId") != conditions["external_id"]:
            raise ApiError(403, "AccessDenied", denied)
        serial, code = get("SerialNumber"), get("TokenCode")
        if serial is not None:
            ctx["mfa"] = serial
            if devices.get(serial) != code:
                raise ApiError(403, "AccessDenied", MSG_MFA)
        elif conditions.get("mfa"):
            raise ApiError(403, "AccessDenied", denied)
        partition, account, role = m.groups()
        user_arn = "arn:%s:sts::%s:assumed-role/%s/%s" % (partition, account, role, name)
        with self.lock:
            key = self._issue_keys(ttl, user_arn, chained=True)
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(key["expires"]))
        xml = (
            '<AssumeRoleResponse xmlns="%s">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n'
            "      <AssumedRoleId>AROA:%s</AssumedRoleId>\n      <Arn>%s</Arn>\n    </AssumedRoleUser>\n"
            "    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n      <SecretAccessKey>%s</SecretAccessKey>\n"
            "      <SessionToken>%s</SessionToken>\n      <Expiration>%s</Expiration>\n    </Credentials>\n"
            "  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
            "</AssumeRoleResponse>\n"
        ) % (
            STS_NAMESPACE,
            html.escape(name),
            html.escape(user_arn),
            key["id"],
            html.escape(key["secret"]),
            html.escape(key["token"]),
            expiration,
            uuid.uuid4(),
        )
        return Response(200, xml.encode(), "text/xml")

    # -- Federation -----------------------------------------------------------

    def federation(self, q, ctx):
        action = q.get("Action")
        ctx["action"] = action or ""
        if action == "getSigninToken":
            try:
                session = json.loads(q.get("Session") or "")
            except ValueError:
                session = None
            if not isinstance(session, dict):
                raise ApiError(400, "", "Session is not JSON")
            with self.lock:
                key = self.issued_keys.get(session.get("sessionId"))
                ok = (
                    key is not None
                    and key["secret"] == session.get("sessionKey")
                    and key["token"] == session.get("sessionToken")
                    and time.time() < key["expires"]
                )
                if not ok:
                    raise ApiError(400, "", "")
                token = _token("signin-", 96)
                self.signin_tokens[token] = {"arn": key["arn"], "used": False, "expires": time.time() + 900}
            return {"SigninToken": token}
        if action == "login":
            destination = q.get("Destination") or ""
            with self.lock:
                record = self.signin_tokens.get(q.get("SigninToken"))
                if record is None or record["used"] or time.time() >= record["expires"]:
                    raise ApiError(400, "", "")
                record["used"] = True
            if not destination.startswith("https://") or not q.get("Issuer"):
                raise ApiError(400, "", "")
            ctx["arn"] = record["arn"]
            return Response(302, headers=[("Location", destination)], content_type=None)
        raise ApiError(400, "", "")

    def logout(self, token):
        """Ends the token's session: its access tokens and refresh tokens stop working."""
        with self.lock:
            session_id = self._bearer(token)
            self.sessions[session_id]["ended"] = True
            for record in self.access_tokens.values():
                if record["sessionId"] == session_id:
                    record["revoked"] = True
            for record in self.refresh_tokens.values():
                if record["sessionId"] == session_id:
                    record["revoked"] = True

    # -- Control ----------------------------------------------------------

    def tokens_view(self):
        with self.lock:
            now = time.time()
            return [
                {
                    "accessToken": r["accessToken"],
                    "refreshToken": r["refreshToken"],
                    "sessionId": r["sessionId"],
                    "clientId": r["clientId"],
                    "grantType": r["grantType"],
                    "issuedAt": r["issuedAt"],
                    "expiresIn": r["expiresIn"],
                    "expiresAt": r["expiresAt"],
                    "revoked": r["revoked"] or self.sessions[r["sessionId"]]["ended"],
                    "expired": now >= r["expiresAt"],
                }
                for r in self.access_tokens.values()
            ]


# ---------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries Content-Length
    server_version = "identity-center-test"
    sys_version = ""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def version_string(self):
        # The `Server` header: portal.sso answers with "AWS SSO" (smithy-rs fixtures).
        return "AWS SSO" if ROUTES.get((self.command, urlsplit(self.path).path)) in PORTAL_OPS else self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("identity_center: " + (fmt % args) + "\n")

    # -- plumbing -----------------------------------------------------------

    def _read_body(self):
        """The request body as bytes (Content-Length or chunked), or None when too large."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            for _ in range(10000):  # a bound on the number of chunks
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    return b""
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
            return b"".join(chunks)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, resp):
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    @staticmethod
    def _json(status, obj, headers=None):
        # Compact, as AWS sends it (smithy-rs fixtures).
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        return Response(status, body, "application/json", headers)

    def _request_id_headers(self, op):
        rid = str(uuid.uuid4())
        if op in PORTAL_OPS:
            # As recorded from portal.sso (smithy-rs fixtures, sso_assume_role).
            return [
                ("x-amzn-RequestId", rid),
                ("RequestId", rid),
                ("Access-Control-Expose-Headers", "RequestId"),
                ("Cache-Control", "no-cache"),
            ]
        return [("x-amzn-RequestId", rid)]

    def _error(self, op, status, name, description, raw=None):
        """An error answer in the shape the service that owns `op` uses."""
        state = self.server.state
        headers = self._request_id_headers(op)
        if name:
            # Throttling comes from AWS's front door, named without the service namespace.
            suffix = ":" + OIDC_ERROR_NAMESPACE if op in OIDC_OPS and name != "TooManyRequestsException" else ""
            headers.append(("x-amzn-ErrorType", name + suffix))
        if status == 429:
            with state.lock:
                retry_after = state.config["retry_after"]
            if retry_after is not None:
                headers.append(("Retry-After", str(retry_after)))
        if raw is not None:
            # An empty raw body goes out with no Content-Type, like the recorded bare 503
            # (smithy-rs fixture sso_server_error).
            return Response(status, raw.encode("utf-8"), "application/json" if raw else None, headers)
        if op in BROWSER_OPS:
            return Response(status, _page(name or "Error", description), "text/html; charset=utf-8", headers)
        if op in FEDERATION_OPS:
            # The sign-in endpoint answers a bad request with a bare 400 page.
            return Response(status, b"", None, [])
        if op in STS_OPS:
            kind = "Receiver" if status >= 500 else "Sender"
            xml = (
                '<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
                "    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n"
            ) % (STS_NAMESPACE, kind, html.escape(name or ""), html.escape(description or ""), uuid.uuid4())
            return Response(status, xml.encode(), "text/xml", [h for h in headers if h[0] != "x-amzn-ErrorType"])
        if name == "TooManyRequestsException":
            body = {"message": MSG_RATE if description is None else description}
        elif op in OIDC_OPS:
            body = {"error": oauth_code(name), "error_description": description}
        else:
            body = {"message": description}
        return self._json(status, body, headers)

    # -- dispatch -------------------------------------------------------------

    def _handle(self, method):
        arrived = time.time()
        url = urlsplit(self.path)
        path = url.path
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw_body = self._read_body()
        if raw_body is None:
            self.close_connection = True
            self._send(self._json(413, {"message": "Request body too large"}))
            return
        if path.startswith("/_control/"):
            self._send(self._control(method, path, raw_body))
            return

        state = self.server.state
        op = ROUTES.get((method, path))
        if op == "GetSigninToken" and query.get("Action") == "login":
            op = "Login"
        entry = {"op": op or "Unknown", "method": method, "path": path}
        ctx = {}
        try:
            resp = self._api(op, method, query, raw_body, ctx)
        except ApiError as e:
            resp = self._error(op, e.status, e.name, e.description)
        except Exception as e:  # a bug in this server: answer 500 and say so on stderr
            sys.stderr.write("identity_center: internal error: %r\n" % (e,))
            resp = self._error(op, 500, "InternalServerException", "internal error in the test server")
        for key in ("grantType", "clientId", "accountId", "roleName", "roleArn", "sessionName", "durationSeconds", "mfa", "sourceKey", "action", "arn"):
            if key in ctx:
                entry[key] = ctx[key]
        entry["status"] = resp.status
        entry["time"] = arrived
        with state.lock:
            state.log.append(entry)
        self._send(resp)

    def _api(self, op, method, query, raw_body, ctx):
        state = self.server.state
        if op is None:
            raise ApiError(404, "UnknownOperationException", "No operation at %s %s" % (method, urlsplit(self.path).path))
        # Browser pages are what a person loads, not API calls: not rate limited.
        if op not in BROWSER_OPS and not state.take_rate():
            raise ApiError(429, "TooManyRequestsException", MSG_RATE)

        body = {}
        if op in OIDC_OPS:
            try:
                body = json.loads(raw_body.decode("utf-8")) if raw_body.strip() else {}
            except (ValueError, UnicodeDecodeError):
                body = None
            if isinstance(body, dict) and isinstance(body.get("clientId"), str):
                ctx["clientId"] = body["clientId"]
            if isinstance(body, dict) and op == "CreateToken" and isinstance(body.get("grantType"), str):
                ctx["grantType"] = body["grantType"]
        for key, name in (("account_id", "accountId"), ("role_name", "roleName"), ("client_id", "clientId")):
            if query.get(key):
                ctx[name] = query[key]

        failure = state.take_failure(op)
        if failure is not None:
            if failure["delay_ms"] > 0:
                time.sleep(failure["delay_ms"] / 1000.0)
            if failure["status"]:
                description = failure.get("description")
                if description is None and failure["error"] != "TooManyRequestsException":
                    description = "Injected failure"
                return self._error(op, failure["status"], failure["error"], description, failure.get("raw"))

        if op in OIDC_OPS and not isinstance(body, dict):
            raise ApiError(400, "InvalidRequestException", "The request body is not a JSON object")

        ok = lambda obj: self._json(200, obj, self._request_id_headers(op))  # noqa: E731
        token = self.headers.get("x-amz-sso_bearer_token")
        if op == "RegisterClient":
            return ok(state.register_client(body))
        if op == "StartDeviceAuthorization":
            return ok(state.start_device_authorization(body))
        if op == "CreateToken":
            return ok(state.create_token(body, ctx))
        if op == "Authorize":
            return state.authorize(query, ctx)
        if op == "VerifyDevice":
            code = query.get("user_code", "")
            if not code:
                form = (
                    b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Authorize request</title></head>"
                    b"<body><form method=\"get\" action=\"/device\"><label>Code <input name=\"user_code\">"
                    b"</label><button>Allow</button></form></body></html>"
                )
                return Response(200, form, "text/html; charset=utf-8")
            status, title, text = state.verify_device(code, query.get("action") == "deny")
            return Response(status, _page(title, text), "text/html; charset=utf-8")
        if op == "ListAccounts":
            return ok(state.list_accounts(token, query))
        if op == "ListAccountRoles":
            return ok(state.list_account_roles(token, query))
        if op == "GetRoleCredentials":
            return ok(state.get_role_credentials(token, query))
        if op == "Logout":
            state.logout(token)
            return Response(200, b"", None, self._request_id_headers(op))
        if op == "AssumeRole":
            caller = state.verify_sigv4(method, self.path, self.headers, raw_body, "sts")
            ctx["sourceKey"] = (self.headers.get("Authorization") or "").split("Credential=")[-1].split("/")[0]
            form = parse_qs(raw_body.decode("utf-8", "replace"), keep_blank_values=True)
            if (form.get("Action") or [None])[0] != "AssumeRole":
                raise ApiError(400, "InvalidAction", "Could not find operation %s" % (form.get("Action") or [""])[0])
            return state.assume_role(caller, form, ctx)
        if op in FEDERATION_OPS:
            answer = state.federation(query, ctx)
            return answer if isinstance(answer, Response) else self._json(200, answer)
        raise AssertionError("unrouted operation " + op)

    # -- control ----------------------------------------------------------------

    def _control(self, method, path, raw_body):
        state = self.server.state
        bad = lambda msg: self._json(400, {"error": msg})  # noqa: E731
        body = {}
        if method == "POST" and raw_body.strip():
            try:
                body = json.loads(raw_body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                return bad("body is not JSON")
            if not isinstance(body, dict):
                return bad("body is not a JSON object")

        if path == "/_control/config" and method == "GET":
            with state.lock:
                return self._json(200, state.config)
        if path == "/_control/config" and method == "POST":
            for key, value in body.items():
                if key not in SETTING_CHECKS:
                    return bad("unknown setting: " + key)
                check, wanted = SETTING_CHECKS[key]
                if not check(value):
                    return bad("%s must be %s" % (key, wanted))
            state.set_config(body)
            with state.lock:
                return self._json(200, state.config)
        if path == "/_control/fail" and method == "POST":
            op = body.get("op")
            if op not in ALL_OPS:
                return bad("op must be one of " + ", ".join(ALL_OPS))
            failure = {
                "op": op,
                "status": body.get("status", 500),
                "error": body.get("error", "InternalServerException"),
                "times": body.get("times", 1),
                "delay_ms": body.get("delay_ms", 0),
                "description": body.get("description"),
                "raw": body.get("raw"),
            }
            if not _is_int(failure["status"]) or not (failure["status"] == 0 or 100 <= failure["status"] <= 599):
                return bad("status must be 0 or an HTTP status")
            if failure["error"] is not None and not isinstance(failure["error"], str):
                return bad("error must be a string or null")
            if not _is_int(failure["times"]) or failure["times"] < 1:
                return bad("times must be an integer >= 1")
            if not _is_int(failure["delay_ms"]) or not 0 <= failure["delay_ms"] <= 60000:
                return bad("delay_ms must be an integer 0..60000")
            for key in ("raw", "description"):
                if failure[key] is not None and not isinstance(failure[key], str):
                    return bad(key + " must be a string")
            with state.lock:
                state.failures[op].append(failure)
                queued = [dict(f) for f in state.failures[op]]
            return self._json(200, {"queued": queued})
        if path == "/_control/log" and method == "GET":
            with state.lock:
                return self._json(200, list(state.log))
        if path == "/_control/tokens" and method == "GET":
            return self._json(200, state.tokens_view())
        if path == "/_control/reset" and method == "POST":
            state.reset()
            return self._json(200, {})
        return self._json(404, {"error": "no control endpoint at %s %s" % (method, path)})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    parser = argparse.ArgumentParser(description="A local IAM Identity Center for tests.")
    parser.add_argument("--rate", type=float, default=None, help="token-bucket limit, requests per second")
    parser.add_argument("--ignore-stdin", action="store_true", help="do not exit when stdin reaches EOF")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be > 0")

    server = Server((HOST, 0), Handler)
    port = server.server_address[1]
    server.verbose = args.verbose
    server.state = State("http://%s:%d" % (HOST, port), args.rate)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watch_stdin():
        # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside the
        # buffered reader holds its lock and makes interpreter shutdown abort.
        fd = sys.stdin.fileno()
        try:
            while os.read(fd, 65536):  # b"" only at EOF
                pass
        except OSError:
            pass
        stop.set()

    if not args.ignore_stdin and sys.stdin is not None:
        threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()

    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http", daemon=True).start()
    sys.stdout.write("listening http://%s:%d\n" % (HOST, port))
    sys.stdout.flush()

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
