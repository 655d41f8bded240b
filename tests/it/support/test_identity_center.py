#!/usr/bin/env python3
"""Self-test of identity_center.py and browser.py: `python3 test_identity_center.py`.

Starts the server as a subprocess (as the Rust tests do), drives every endpoint and
failure mode over HTTP with urllib, runs browser.py as a subprocess against a real
127.0.0.1 callback listener, and prints `N passed, M failed` last. When botocore is
importable, two more tests check that botocore itself parses the server's answers, and
that the server's STS accepts botocore's SigV4 signatures and refuses wrong ones.
Standard library only (botocore optional).
"""

import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "identity_center.py")
BROWSER = os.path.join(HERE, "browser.py")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OIDC_NS = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name)


def start_server(*args):
    """(process, base URL) of a fresh server; its stdin is a pipe we hold open."""
    proc = subprocess.Popen(
        [sys.executable, SERVER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line.startswith("listening http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError("unexpected first line %r; stderr: %s" % (line, proc.stderr.read()))
    return proc, line.split(" ", 1)[1].strip()


def stop_server(proc):
    """Close stdin (EOF) and wait; True when the process exited by itself in time."""
    try:
        proc.stdin.close()
        proc.wait(timeout=5)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False
    finally:
        proc.stdout.close()
        proc.stderr.close()


class Client:
    """A tiny HTTP client bound to one server."""

    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with OPENER.open(req, timeout=10) as resp:
                return Reply(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            body = e.read()
            e.close()
            return Reply(e.code, e.headers, body)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def get(self, path, query=None, token=None):
        headers = {"x-amz-sso_bearer_token": token} if token is not None else {}
        return self.call("GET", path + ("?" + urlencode(query) if query else ""), headers=headers)

    # -- control
    def config(self, **settings):
        r = self.post("/_control/config", settings)
        assert r.status == 200, r.body
        return r.json()

    def fail(self, **spec):
        r = self.post("/_control/fail", spec)
        assert r.status == 200, r.body
        return r.json()

    def log(self):
        return self.get("/_control/log").json()

    def tokens(self):
        return self.get("/_control/tokens").json()

    def reset(self):
        assert self.post("/_control/reset", {}).status == 200

    # -- API shortcuts
    def register(self, grants=None, **extra):
        body = {"clientName": "awsp-test", "clientType": "public", "scopes": ["sso:account:access"]}
        if grants is not None:
            body["grantTypes"] = grants
        body.update(extra)
        r = self.post("/client/register", body)
        assert r.status == 200, r.body
        return r.json()

    def start_device(self, client):
        r = self.post(
            "/device_authorization",
            {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": "https://d-1234.awsapps.com/start"},
        )
        assert r.status == 200, r.body
        return r.json()

    def token(self, client, grant, **fields):
        body = {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "grantType": grant}
        body.update(fields)
        return self.post("/token", body)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)[:64]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class Callback:
    """A real 127.0.0.1 listener for /oauth/callback, as awsp runs during login."""

    def __init__(self):
        received = self.received = []

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                received.append((url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))
                body = b"<html><body>You can close this window.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.uri = "http://127.0.0.1:%d/oauth/callback" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def run_browser(url, mode=None, log=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWSP_TEST_BROWSER")}
    if mode:
        env["AWSP_TEST_BROWSER_MODE"] = mode
    if log:
        env["AWSP_TEST_BROWSER_LOG"] = log
    return subprocess.run([sys.executable, BROWSER, url], env=env, capture_output=True, text=True, timeout=30)


PROC = None
BASE = None


def setUpModule():
    global PROC, BASE
    PROC, BASE = start_server()


def tearDownModule():
    if PROC is not None:
        stop_server(PROC)


class Base(unittest.TestCase):
    def setUp(self):
        self.c = Client(BASE)
        self.c.reset()

    def assertOidcError(self, r, status, name, code):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.header("x-amzn-ErrorType"), name + ":" + OIDC_NS)
        self.assertEqual(r.header("Content-Type"), "application/json")
        body = r.json()
        self.assertEqual(body["error"], code)
        self.assertIsInstance(body["error_description"], str)
        self.assertEqual(set(body), {"error", "error_description"})

    def assertPortalError(self, r, status, name, message=None):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.header("x-amzn-ErrorType"), name)
        body = r.json()
        self.assertEqual(set(body), {"message"})
        if message is not None:
            self.assertEqual(body["message"], message)

    def device_login(self, grants=None):
        """A client and a finished device-flow token answer (auto-approved)."""
        self.c.config(approve_device_after_polls=0)
        client = self.c.register(grants)
        dev = self.c.start_device(client)
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertEqual(r.status, 200, r.body)
        return client, r.json()


class StartAndStop(unittest.TestCase):
    def test_start_line_and_exit_on_stdin_eof(self):
        proc, base = start_server()
        self.assertRegex(base, r"^http://127\.0\.0\.1:\d+$")
        self.assertEqual(Client(base).get("/_control/log").status, 200)
        self.assertTrue(stop_server(proc), "server did not exit on stdin EOF")
        self.assertEqual(proc.returncode, 0)

    def test_exit_on_sigterm_and_sigint(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            proc, base = start_server()
            proc.send_signal(sig)
            try:
                proc.wait(timeout=5)
            finally:
                stop_server(proc)
            self.assertEqual(proc.returncode, 0, sig)

    def test_only_loopback(self):
        self.assertTrue(BASE.startswith("http://127.0.0.1:"))


class RegisterClient(Base):
    def test_success_shape(self):
        before = int(time.time())
        r = self.c.post(
            "/client/register",
            {
                "clientName": "botocore-client-x",
                "clientType": "public",
                "scopes": ["sso:account:access"],
                "grantTypes": ["authorization_code", "refresh_token"],
                "redirectUris": ["http://127.0.0.1/oauth/callback"],
                "issuerUrl": "https://d-1234.awsapps.com/start",
            },
        )
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("x-amzn-RequestId"))
        body = r.json()
        self.assertEqual(set(body), {"clientId", "clientSecret", "clientIdIssuedAt", "clientSecretExpiresAt"})
        self.assertIsInstance(body["clientIdIssuedAt"], int)
        self.assertGreaterEqual(body["clientIdIssuedAt"], before)
        self.assertEqual(body["clientSecretExpiresAt"] - body["clientIdIssuedAt"], 90 * 24 * 3600)

    def test_missing_fields_and_bad_values(self):
        r = self.c.post("/client/register", {"clientType": "public"})
        self.assertOidcError(r, 400, "InvalidRequestException", "invalid_request")
        r = self.c.post("/client/register", {"clientName": "x", "clientType": "confidential"})
        self.assertOidcError(r, 400, "InvalidClientMetadataException", "invalid_client_metadata")
        r = self.c.post("/client/register", {"clientName": "x", "clientType": "public", "grantTypes": ["password"]})
        self.assertOidcError(r, 400, "UnsupportedGrantTypeException", "unsupported_grant_type")
        r = self.c.post("/client/register", raw=b"{not json")
        self.assertOidcError(r, 400, "InvalidRequestException", "invalid_request")


class DeviceFlow(Base):
    def test_start_shape(self):
        client = self.c.register()
        dev = self.c.start_device(client)
        self.assertEqual(set(dev), {"deviceCode", "userCode", "verificationUri", "verificationUriComplete", "expiresIn", "interval"})
        self.assertRegex(dev["userCode"], r"^[A-Z]{4}-[A-Z]{4}$")
        self.assertEqual(dev["verificationUri"], BASE + "/device")
        self.assertEqual(dev["verificationUriComplete"], BASE + "/device?user_code=" + dev["userCode"])
        self.assertEqual((dev["expiresIn"], dev["interval"]), (600, 1))

    def test_start_rejects_bad_client(self):
        client = self.c.register()
        r = self.c.post("/device_authorization", {"clientId": "nope", "clientSecret": "x", "startUrl": "https://s"})
        self.assertOidcError(r, 401, "InvalidClientException", "invalid_client")
        r = self.c.post("/device_authorization", {"clientId": client["clientId"], "clientSecret": "wrong", "startUrl": "https://s"})
        self.assertOidcError(r, 401, "InvalidClientException", "invalid_client")
        r = self.c.post("/device_authorization", {"clientId": client["clientId"], "clientSecret": client["clientSecret"]})
        self.assertOidcError(r, 400, "InvalidRequestException", "invalid_request")

    def test_pending_then_browser_approval_then_token(self):
        client = self.c.register()  # no grantTypes, like legacy device-code registrations
        dev = self.c.start_device(client)
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "AuthorizationPendingException", "authorization_pending")
        self.assertEqual(r.json()["error_description"], "Authorization is still pending")
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "opens")
            done = run_browser(dev["verificationUriComplete"], log=log)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(log) as f:
                self.assertEqual(f.read(), dev["verificationUriComplete"] + "\n")
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertEqual(r.status, 200, r.body)
        tok = r.json()
        self.assertEqual(tok["tokenType"], "Bearer")
        self.assertEqual(tok["expiresIn"], 3600)
        self.assertNotIn("refreshToken", tok)  # client not registered for refresh_token
        # A device code is good for one token.
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")

    def test_refresh_token_only_with_refresh_grant(self):
        _, tok = self.device_login(grants=[DEVICE_GRANT, "refresh_token"])
        self.assertTrue(tok["refreshToken"].startswith("aor"))

    def test_device_page(self):
        client = self.c.register()
        dev = self.c.start_device(client)
        r = self.c.get("/device", {"user_code": "ZZZZ-ZZZZ"})
        self.assertEqual(r.status, 400)
        self.assertIn("text/html", r.header("Content-Type"))
        r = self.c.get("/device")
        self.assertEqual(r.status, 200)
        self.assertIn(b"user_code", r.body)
        r = self.c.get("/device", {"user_code": dev["userCode"].lower()})
        self.assertEqual(r.status, 200)
        self.assertIn(b"approved", r.body)

    def test_slow_down(self):
        self.c.config(slow_down=True, device_interval=1)
        client = self.c.register()
        dev = self.c.start_device(client)
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "AuthorizationPendingException", "authorization_pending")
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "SlowDownException", "slow_down")
        time.sleep(1.1)
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "AuthorizationPendingException", "authorization_pending")

    def test_fast_polls_are_fine_without_slow_down(self):
        client = self.c.register()
        dev = self.c.start_device(client)
        for _ in range(3):
            r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
            self.assertOidcError(r, 400, "AuthorizationPendingException", "authorization_pending")

    def test_expired_device_code(self):
        self.c.config(device_expires_in=0)
        client = self.c.register()
        dev = self.c.start_device(client)
        self.assertEqual(dev["expiresIn"], 0)
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "ExpiredTokenException", "expired_token")

    def test_auto_approve_after_polls(self):
        self.c.config(approve_device_after_polls=2)
        client = self.c.register()
        dev = self.c.start_device(client)
        statuses = [self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"]).status for _ in range(3)]
        self.assertEqual(statuses, [400, 400, 200])

    def test_unknown_device_code_and_other_client(self):
        client = self.c.register()
        other = self.c.register()
        dev = self.c.start_device(client)
        r = self.c.token(client, DEVICE_GRANT, deviceCode="nope")
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        r = self.c.token(other, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")

    def test_browser_deny_device(self):
        client = self.c.register()
        dev = self.c.start_device(client)
        done = run_browser(dev["verificationUriComplete"], mode="deny")
        self.assertEqual(done.returncode, 0, done.stderr)
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "AccessDeniedException", "access_denied")

    def test_browser_ignore_opens_nothing(self):
        client = self.c.register()
        dev = self.c.start_device(client)
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "opens")
            for _ in range(2):
                done = run_browser(dev["verificationUriComplete"], mode="ignore", log=log)
                self.assertEqual(done.returncode, 0)
            with open(log) as f:
                self.assertEqual(f.read().splitlines(), [dev["verificationUriComplete"]] * 2)
        self.assertEqual([e["op"] for e in self.c.log()], ["RegisterClient", "StartDeviceAuthorization"])
        r = self.c.token(client, DEVICE_GRANT, deviceCode=dev["deviceCode"])
        self.assertOidcError(r, 400, "AuthorizationPendingException", "authorization_pending")


class AuthCodeFlow(Base):
    def setUp(self):
        super().setUp()
        self.cb = Callback()
        self.client = self.c.register(
            ["authorization_code", "refresh_token"],
            redirectUris=["http://127.0.0.1/oauth/callback"],
            issuerUrl="https://d-1234.awsapps.com/start",
        )

    def tearDown(self):
        self.cb.close()

    def authorize_url(self, challenge, state, **over):
        q = {
            "response_type": "code",
            "client_id": self.client["clientId"],
            "redirect_uri": self.cb.uri,
            "state": state,
            "code_challenge_method": "S256",
            "scopes": "sso:account:access",
            "code_challenge": challenge,
        }
        q.update(over)
        return BASE + "/authorize?" + urlencode(q)

    def test_full_flow_through_browser(self):
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "opens")
            done = run_browser(self.authorize_url(challenge, state), log=log)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(log) as f:
                self.assertEqual(len(f.read().splitlines()), 1)
        self.assertEqual(len(self.cb.received), 1)
        path, params = self.cb.received[0]
        self.assertEqual(path, "/oauth/callback")
        self.assertEqual(params["state"], state)
        r = self.c.token(self.client, "authorization_code", code=params["code"], redirectUri=self.cb.uri, codeVerifier=verifier)
        self.assertEqual(r.status, 200, r.body)
        tok = r.json()
        self.assertEqual(set(tok), {"accessToken", "tokenType", "expiresIn", "refreshToken"})
        # The code is single use.
        r = self.c.token(self.client, "authorization_code", code=params["code"], redirectUri=self.cb.uri, codeVerifier=verifier)
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        # The token works on the portal.
        self.assertEqual(self.c.get("/assignment/accounts", token=tok["accessToken"]).status, 200)

    def authorize_code(self, challenge):
        r = self.c.get("/authorize?" + urlsplit(self.authorize_url(challenge, "s1")).query)
        self.assertEqual(r.status, 302, r.body)
        return parse_qs(urlsplit(r.header("Location")).query)["code"][0]

    def test_token_checks(self):
        verifier, challenge = pkce_pair()
        other = self.c.register(["authorization_code", "refresh_token"])
        cases = [
            ("wrong verifier", self.client, dict(redirectUri=self.cb.uri, codeVerifier=pkce_pair()[0])),
            ("short verifier", self.client, dict(redirectUri=self.cb.uri, codeVerifier="abc")),
            ("no verifier", self.client, dict(redirectUri=self.cb.uri)),
            ("other redirect", self.client, dict(redirectUri=self.cb.uri + "x", codeVerifier=verifier)),
            ("other client", other, dict(redirectUri=self.cb.uri, codeVerifier=verifier)),
        ]
        for name, client, fields in cases:
            code = self.authorize_code(challenge)
            r = self.c.token(client, "authorization_code", code=code, **fields)
            with self.subTest(name):
                self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        r = self.c.token(self.client, "authorization_code", code="unknown", redirectUri=self.cb.uri, codeVerifier=verifier)
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        code = self.authorize_code(challenge)
        bad = dict(self.client, clientSecret="wrong")
        r = self.c.token(bad, "authorization_code", code=code, redirectUri=self.cb.uri, codeVerifier=verifier)
        self.assertOidcError(r, 401, "InvalidClientException", "invalid_client")
        r = self.c.token(self.client, "password")
        self.assertOidcError(r, 400, "UnsupportedGrantTypeException", "unsupported_grant_type")

    def test_authorize_validation(self):
        _, challenge = pkce_pair()
        for name, over in [
            ("unknown client", {"client_id": "nope"}),
            ("localhost", {"redirect_uri": "http://localhost:%d/oauth/callback" % self.cb.port}),
            ("https", {"redirect_uri": "https://127.0.0.1:%d/oauth/callback" % self.cb.port}),
            ("no port", {"redirect_uri": "http://127.0.0.1/oauth/callback"}),
            ("other path", {"redirect_uri": "http://127.0.0.1:%d/callback" % self.cb.port}),
            ("other host", {"redirect_uri": "http://127.0.0.1:80@evil.example/oauth/callback"}),
        ]:
            r = self.c.get("/authorize?" + urlsplit(self.authorize_url(challenge, "s", **over)).query)
            with self.subTest(name):
                self.assertEqual(r.status, 400)
                self.assertIn("text/html", r.header("Content-Type"))
        r = self.c.get("/authorize?" + urlsplit(self.authorize_url("", "s9")).query)
        self.assertEqual(r.status, 302)
        q = parse_qs(urlsplit(r.header("Location")).query)
        self.assertEqual((q["error"][0], q["state"][0]), ("invalid_request", "s9"))
        self.assertNotIn("code", q)
        r = self.c.get("/authorize?" + urlsplit(self.authorize_url(challenge, "s", code_challenge_method="plain")).query)
        self.assertEqual(parse_qs(urlsplit(r.header("Location")).query)["error"][0], "invalid_request")

    def test_browser_wrong_state(self):
        _, challenge = pkce_pair()
        done = run_browser(self.authorize_url(challenge, "the-state"), mode="wrong-state")
        self.assertEqual(done.returncode, 0, done.stderr)
        _, params = self.cb.received[0]
        self.assertIn("code", params)
        self.assertNotEqual(params["state"], "the-state")

    def test_browser_deny(self):
        _, challenge = pkce_pair()
        done = run_browser(self.authorize_url(challenge, "the-state"), mode="deny")
        self.assertEqual(done.returncode, 0, done.stderr)
        _, params = self.cb.received[0]
        self.assertEqual(params["error"], "access_denied")
        self.assertEqual(params["state"], "the-state")
        self.assertNotIn("code", params)

    def test_browser_refuses_non_loopback(self):
        done = run_browser("https://oidc.us-east-1.amazonaws.com/authorize?x=1")
        self.assertEqual(done.returncode, 1)
        self.assertIn("refusing", done.stderr)
        done = run_browser(BASE + "/authorize", mode="bogus")
        self.assertEqual(done.returncode, 2)


class Refresh(Base):
    def login(self):
        return self.device_login(grants=[DEVICE_GRANT, "refresh_token"])

    def test_rotation_keeps_old_valid_by_default(self):
        client, tok = self.login()
        r = self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"])
        self.assertEqual(r.status, 200, r.body)
        new = r.json()
        self.assertNotEqual(new["accessToken"], tok["accessToken"])
        self.assertNotEqual(new["refreshToken"], tok["refreshToken"])
        self.assertEqual(new["expiresIn"], 3600)
        self.assertEqual(self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"]).status, 200)
        self.assertEqual(self.c.token(client, "refresh_token", refreshToken=new["refreshToken"]).status, 200)
        tokens = self.c.tokens()
        self.assertEqual(len(tokens), 4)
        self.assertEqual(len({t["sessionId"] for t in tokens}), 1)
        self.assertEqual([t["grantType"] for t in tokens], [DEVICE_GRANT] + ["refresh_token"] * 3)
        self.assertEqual(tokens[1]["accessToken"], new["accessToken"])
        self.assertEqual(tokens[1]["refreshToken"], new["refreshToken"])

    def test_strict_rotation(self):
        self.c.config(revoke_rotated_refresh_tokens=True)
        client, tok = self.login()
        new = self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"]).json()
        r = self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"])
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        self.assertEqual(r.json()["error_description"], "Invalid refresh token provided")
        self.assertEqual(self.c.token(client, "refresh_token", refreshToken=new["refreshToken"]).status, 200)

    def test_no_rotation(self):
        self.c.config(rotate_refresh_tokens=False)
        client, tok = self.login()
        new = self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"]).json()
        self.assertEqual(new["refreshToken"], tok["refreshToken"])

    def test_unknown_and_other_client(self):
        client, tok = self.login()
        r = self.c.token(client, "refresh_token", refreshToken="aor-unknown")
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        other = self.c.register([DEVICE_GRANT, "refresh_token"])
        r = self.c.token(other, "refresh_token", refreshToken=tok["refreshToken"])
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")

    def test_session_end(self):
        self.c.config(session_end=time.time() + 100)
        client, tok = self.login()
        self.assertLessEqual(tok["expiresIn"], 100)
        self.assertGreaterEqual(tok["expiresIn"], 98)
        self.c.config(session_end=time.time() - 1)
        r = self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"])
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        r = self.c.get("/assignment/accounts", token=tok["accessToken"])
        self.assertPortalError(r, 401, "UnauthorizedException")
        self.c.config(session_end=None)
        self.assertEqual(self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"]).status, 200)

    def test_client_secret_expiry(self):
        self.c.config(client_secret_ttl=0)
        client = self.c.register()
        self.assertEqual(client["clientSecretExpiresAt"], client["clientIdIssuedAt"])
        r = self.c.post("/device_authorization", {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": "https://s"})
        self.assertOidcError(r, 401, "InvalidClientException", "invalid_client")


class Portal(Base):
    def setUp(self):
        super().setUp()
        _, tok = self.device_login()
        self.at = tok["accessToken"]

    def test_bearer_required(self):
        for path in ("/assignment/accounts", "/assignment/roles", "/federation/credentials"):
            for token in (None, "", "aoa-unknown"):
                r = self.c.get(path, {"account_id": "111111111111", "role_name": "Admin"}, token=token)
                with self.subTest(path=path, token=token):
                    self.assertPortalError(r, 401, "UnauthorizedException", "Session token not found or invalid")
        r = self.c.post("/logout")
        self.assertPortalError(r, 401, "UnauthorizedException")

    def test_expired_access_token(self):
        self.c.config(access_token_ttl=0)
        _, tok = self.device_login()
        self.assertEqual(tok["expiresIn"], 0)
        self.assertPortalError(self.c.get("/assignment/accounts", token=tok["accessToken"]), 401, "UnauthorizedException")
        self.assertTrue(self.c.tokens()[-1]["expired"])

    def test_list_accounts_paginated(self):
        r = self.c.get("/assignment/accounts", token=self.at)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Server"), "AWS SSO")
        self.assertEqual(r.header("RequestId"), r.header("x-amzn-RequestId"))
        body = r.json()
        self.assertEqual(
            body["accountList"],
            [
                {"accountId": "111111111111", "accountName": "Dev", "emailAddress": "dev@example.com"},
                {"accountId": "222222222222", "accountName": "Prod", "emailAddress": "prod@example.com"},
            ],
        )
        self.assertNotIn("nextToken", body)
        accounts = [{"accountId": "%012d" % i, "accountName": "A%d" % i, "emailAddress": "a%d@x" % i, "roles": ["R"]} for i in range(5)]
        self.c.config(accounts=accounts)
        seen, token, pages = [], None, 0
        for _ in range(10):
            q = {"next_token": token} if token else None
            body = self.c.get("/assignment/accounts", q, token=self.at).json()
            pages += 1
            seen += [a["accountId"] for a in body["accountList"]]
            token = body.get("nextToken")
            if not token:
                break
        self.assertEqual((seen, pages), ([a["accountId"] for a in accounts], 3))
        # max_result is honoured up to the configured page size, which caps every page.
        body = self.c.get("/assignment/accounts", {"max_result": 1}, token=self.at).json()
        self.assertEqual(len(body["accountList"]), 1)
        body = self.c.get("/assignment/accounts", {"max_result": 4}, token=self.at).json()
        self.assertEqual(len(body["accountList"]), 2)
        self.c.config(page_size=4)
        body = self.c.get("/assignment/accounts", {"max_result": 4}, token=self.at).json()
        self.assertEqual(len(body["accountList"]), 4)
        r = self.c.get("/assignment/accounts", {"max_result": 0}, token=self.at)
        self.assertPortalError(r, 400, "InvalidRequestException")
        r = self.c.get("/assignment/accounts", {"next_token": "garbage"}, token=self.at)
        self.assertPortalError(r, 400, "InvalidRequestException")

    def test_list_roles(self):
        body = self.c.get("/assignment/roles", {"account_id": "111111111111"}, token=self.at).json()
        self.assertEqual(body, {"roleList": [{"roleName": "ReadOnly", "accountId": "111111111111"}, {"roleName": "Admin", "accountId": "111111111111"}]})
        body = self.c.get("/assignment/roles", {"account_id": "111111111111", "max_result": 1}, token=self.at).json()
        self.assertEqual(len(body["roleList"]), 1)
        body = self.c.get("/assignment/roles", {"account_id": "111111111111", "max_result": 1, "next_token": body["nextToken"]}, token=self.at).json()
        self.assertEqual(body, {"roleList": [{"roleName": "Admin", "accountId": "111111111111"}]})
        self.assertPortalError(self.c.get("/assignment/roles", token=self.at), 400, "InvalidRequestException")
        r = self.c.get("/assignment/roles", {"account_id": "999999999999"}, token=self.at)
        self.assertPortalError(r, 403, "ForbiddenException", "No access")

    def test_role_credentials(self):
        r = self.c.get("/federation/credentials", {"account_id": "111111111111", "role_name": "Admin"}, token=self.at)
        self.assertEqual(r.status, 200)
        creds = r.json()["roleCredentials"]
        self.assertEqual(set(creds), {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"})
        self.assertRegex(creds["accessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertAlmostEqual(creds["expiration"] / 1000.0, time.time() + 3600, delta=5)
        for q in ({"account_id": "222222222222", "role_name": "Admin"}, {"account_id": "999999999999", "role_name": "ReadOnly"}):
            r = self.c.get("/federation/credentials", q, token=self.at)
            self.assertPortalError(r, 403, "ForbiddenException", "No access")
        r = self.c.get("/federation/credentials", {"account_id": "111111111111"}, token=self.at)
        self.assertPortalError(r, 400, "InvalidRequestException")

    def test_logout_ends_session(self):
        client, tok = self.device_login(grants=[DEVICE_GRANT, "refresh_token"])
        r = self.c.post("/logout", headers={"x-amz-sso_bearer_token": tok["accessToken"]})
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertPortalError(self.c.get("/assignment/accounts", token=tok["accessToken"]), 401, "UnauthorizedException")
        r = self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"])
        self.assertOidcError(r, 400, "InvalidGrantException", "invalid_grant")
        # Other sessions are untouched.
        self.assertEqual(self.c.get("/assignment/accounts", token=self.at).status, 200)


class Failures(Base):
    def test_injected_oidc_failure_then_recovery(self):
        client = self.c.register()
        self.c.fail(op="StartDeviceAuthorization", status=500, error="InternalServerException", times=2)
        for _ in range(2):
            r = self.c.post("/device_authorization", {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": "https://s"})
            self.assertOidcError(r, 500, "InternalServerException", "server_error")
        self.assertEqual(self.c.start_device(client)["interval"], 1)

    def test_injected_portal_failure(self):
        _, tok = self.device_login()
        self.c.config(retry_after=3)
        self.c.fail(op="ListAccounts", status=429, error="TooManyRequestsException")
        r = self.c.get("/assignment/accounts", token=tok["accessToken"])
        self.assertPortalError(r, 429, "TooManyRequestsException", "Rate exceeded")
        self.assertEqual(r.header("Retry-After"), "3")
        self.c.fail(op="GetRoleCredentials", status=503, error=None, raw="")
        r = self.c.get("/federation/credentials", {"account_id": "111111111111", "role_name": "Admin"}, token=tok["accessToken"])
        # The bare 503 of smithy-rs's sso_server_error fixture: no body, no error headers.
        self.assertEqual((r.status, r.body, r.header("x-amzn-ErrorType"), r.header("Content-Type")), (503, b"", None, None))
        self.assertEqual(self.c.get("/assignment/accounts", token=tok["accessToken"]).status, 200)

    def test_raw_malformed_body(self):
        client = self.c.register()
        self.c.fail(op="CreateToken", status=200, error=None, raw="{\"accessToken\": ")
        r = self.c.token(client, DEVICE_GRANT, deviceCode="x")
        self.assertEqual((r.status, r.body), (200, b"{\"accessToken\": "))

    def test_delay_only(self):
        self.c.fail(op="RegisterClient", status=0, delay_ms=300)
        t0 = time.monotonic()
        client = self.c.register()
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        self.assertIn("clientId", client)

    def test_authorize_failure_is_a_page(self):
        client = self.c.register()
        self.c.fail(op="Authorize", status=500)
        r = self.c.get("/authorize", {"client_id": client["clientId"]})
        self.assertEqual(r.status, 500)
        self.assertIn("text/html", r.header("Content-Type"))

    def test_fail_validation(self):
        self.assertEqual(self.c.post("/_control/fail", {"op": "Nope"}).status, 400)
        self.assertEqual(self.c.post("/_control/fail", {"op": "Logout", "times": 0}).status, 400)
        self.assertEqual(self.c.post("/_control/config", {"nope": 1}).status, 400)
        self.assertEqual(self.c.post("/_control/config", {"page_size": "2"}).status, 400)
        self.assertEqual(self.c.post("/_control/config", {"slow_down": 1}).status, 400)

    def test_unknown_path(self):
        r = self.c.get("/nothing/here")
        self.assertPortalError(r, 404, "UnknownOperationException")
        self.assertEqual(self.c.get("/token").status, 404)


class RateLimit(unittest.TestCase):
    def test_bucket(self):
        proc, base = start_server("--rate", "3")
        try:
            c = Client(base)
            c.config(retry_after=2)
            statuses = [c.post("/client/register", {"clientName": "x", "clientType": "public"}) for _ in range(8)]
            codes = [r.status for r in statuses]
            self.assertIn(200, codes)
            self.assertIn(429, codes)
            limited = next(r for r in statuses if r.status == 429)
            self.assertEqual(limited.header("x-amzn-ErrorType"), "TooManyRequestsException")
            self.assertEqual(limited.json(), {"message": "Rate exceeded"})
            self.assertEqual(limited.header("Retry-After"), "2")
            # Control endpoints are never limited.
            for _ in range(20):
                self.assertEqual(c.get("/_control/log").status, 200)
            self.assertEqual(sum(1 for e in c.log() if e["status"] == 429), codes.count(429))
            time.sleep(1.0)
            self.assertEqual(c.post("/client/register", {"clientName": "x", "clientType": "public"}).status, 200)
            # The limit can be lifted and reset restores the command line's.
            c.config(rate=None)
            self.assertTrue(all(c.post("/client/register", {"clientName": "x", "clientType": "public"}).status == 200 for _ in range(10)))
            c.reset()
            self.assertEqual(c.get("/_control/config").json()["rate"], 3)
        finally:
            self.assertTrue(stop_server(proc))


class Control(Base):
    def test_log_has_no_tokens(self):
        client, tok = self.device_login(grants=[DEVICE_GRANT, "refresh_token"])
        self.c.token(client, "refresh_token", refreshToken=tok["refreshToken"])
        self.c.get("/federation/credentials", {"account_id": "111111111111", "role_name": "Admin"}, token=tok["accessToken"])
        log = self.c.log()
        self.assertEqual(
            [(e["op"], e["method"], e["path"], e["status"]) for e in log],
            [
                ("RegisterClient", "POST", "/client/register", 200),
                ("StartDeviceAuthorization", "POST", "/device_authorization", 200),
                ("CreateToken", "POST", "/token", 200),
                ("CreateToken", "POST", "/token", 200),
                ("GetRoleCredentials", "GET", "/federation/credentials", 200),
            ],
        )
        self.assertEqual([e.get("grantType") for e in log[2:4]], [DEVICE_GRANT, "refresh_token"])
        self.assertEqual(log[2]["clientId"], client["clientId"])
        self.assertEqual((log[4]["accountId"], log[4]["roleName"]), ("111111111111", "Admin"))
        self.assertTrue(all(isinstance(e["time"], float) for e in log))
        text = json.dumps(log)
        for t in self.c.tokens():
            self.assertNotIn(t["accessToken"], text)
            if t["refreshToken"]:
                self.assertNotIn(t["refreshToken"], text)
        self.assertNotIn(client["clientSecret"], text)

    def test_reset(self):
        client = self.c.register()
        self.c.config(page_size=5, slow_down=True)
        self.c.fail(op="Logout", times=3)
        self.c.reset()
        cfg = self.c.get("/_control/config").json()
        self.assertEqual((cfg["page_size"], cfg["slow_down"], cfg["access_token_ttl"]), (2, False, 3600))
        self.assertEqual(self.c.log(), [])
        self.assertEqual(self.c.tokens(), [])
        r = self.c.post("/device_authorization", {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": "https://s"})
        self.assertOidcError(r, 401, "InvalidClientException", "invalid_client")

    def test_defaults(self):
        cfg = self.c.get("/_control/config").json()
        self.assertEqual(
            {k: cfg[k] for k in ("access_token_ttl", "device_interval", "device_expires_in", "slow_down", "approve_device_after_polls", "session_end", "rotate_refresh_tokens", "page_size", "retry_after")},
            {
                "access_token_ttl": 3600,
                "device_interval": 1,
                "device_expires_in": 600,
                "slow_down": False,
                "approve_device_after_polls": None,
                "session_end": None,
                "rotate_refresh_tokens": True,
                "page_size": 2,
                "retry_after": None,
            },
        )
        self.assertEqual([(a["accountId"], a["accountName"], a["roles"]) for a in cfg["accounts"]], [("111111111111", "Dev", ["ReadOnly", "Admin"]), ("222222222222", "Prod", ["ReadOnly"])])


class Botocore(Base):
    """botocore itself against the server: the wire shapes parse as AWS's do."""

    def test_botocore_parses_answers(self):
        try:
            import botocore.session
            from botocore import UNSIGNED
            from botocore.config import Config
        except ImportError:
            self.skipTest("botocore is not installed")
        env = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}
        with mock.patch.dict(os.environ, env):
            session = botocore.session.Session()
            cfg = Config(signature_version=UNSIGNED, retries={"max_attempts": 1, "mode": "standard"})
            oidc = session.create_client("sso-oidc", region_name="us-east-1", endpoint_url=BASE, config=cfg)
            sso = session.create_client("sso", region_name="us-east-1", endpoint_url=BASE, config=cfg)
            reg = oidc.register_client(clientName="b", clientType="public", grantTypes=[DEVICE_GRANT, "refresh_token"])
            dev = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl="https://s")
            with self.assertRaises(oidc.exceptions.AuthorizationPendingException):
                oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])
            with self.assertRaises(oidc.exceptions.InvalidClientException) as caught:
                oidc.create_token(clientId=reg["clientId"], clientSecret="wrong", grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])
            self.assertEqual(caught.exception.response["error"], "invalid_client")
            self.assertEqual(run_browser(dev["verificationUriComplete"]).returncode, 0)
            tok = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])
            self.assertEqual(tok["tokenType"], "Bearer")
            pages = list(sso.get_paginator("list_accounts").paginate(accessToken=tok["accessToken"], PaginationConfig={"PageSize": 1}))
            self.assertEqual([a["accountId"] for p in pages for a in p["accountList"]], ["111111111111", "222222222222"])
            creds = sso.get_role_credentials(accessToken=tok["accessToken"], accountId="222222222222", roleName="ReadOnly")["roleCredentials"]
            self.assertIsInstance(creds["expiration"], int)
            with self.assertRaises(sso.exceptions.UnauthorizedException) as caught:
                sso.list_accounts(accessToken="nope")
            self.assertEqual(caught.exception.response["Error"]["Message"], "Session token not found or invalid")
            sso.logout(accessToken=tok["accessToken"])
            with self.assertRaises(oidc.exceptions.InvalidGrantException):
                oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken=tok["refreshToken"])


class Sts(Base):
    """STS AssumeRole checks every signature; the federation endpoint takes what it issued."""

    def test_unsigned_requests_are_refused(self):
        body = b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FR&RoleSessionName=s"
        r = self.c.call("POST", "/", raw=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.assertIn(b"<Code>IncompleteSignature</Code>", r.body)
        r = self.c.call(
            "POST",
            "/",
            raw=body,
            headers={
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAX/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
                "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            },
        )
        self.assertEqual(r.status, 400)  # the date is not the scope's
        r = self.c.get("/federation", {"Action": "getSigninToken", "Session": json.dumps({"sessionId": "x", "sessionKey": "y", "sessionToken": "z"})})
        self.assertEqual(r.status, 400)

    def test_botocore_signatures_are_verified(self):
        try:
            import botocore.session
            from botocore.config import Config
            from botocore.exceptions import ClientError
        except ImportError:
            self.skipTest("botocore is not installed")
        self.c.config(
            iam_users={"AKIATESTUSER": "user-secret"},
            mfa_devices={"arn:aws:iam::000000000000:mfa/me": "123456"},
            role_conditions={"arn:aws:iam::222222222222:role/Guarded": {"mfa": True}},
        )
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"})

        def sts(key, secret, token=None):
            session = botocore.session.Session()
            return session.create_client(
                "sts", region_name="eu-west-1", endpoint_url=BASE, config=cfg,
                aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
            )

        one = sts("AKIATESTUSER", "user-secret").assume_role(RoleArn="arn:aws:iam::111111111111:role/One", RoleSessionName="s1")
        c = one["Credentials"]
        self.assertTrue(c["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(one["AssumedRoleUser"]["Arn"], "arn:aws:sts::111111111111:assumed-role/One/s1")
        # A chain: the issued keys sign the next call; more than an hour is refused.
        chained = sts(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        two = chained.assume_role(RoleArn="arn:aws:iam::111111111111:role/Two", RoleSessionName="s2")
        with self.assertRaises(ClientError) as caught:
            chained.assume_role(RoleArn="arn:aws:iam::111111111111:role/Two", RoleSessionName="s2", DurationSeconds=7200)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationError")
        for key, secret, code in (("AKIATESTUSER", "wrong", "SignatureDoesNotMatch"), ("AKIANOBODY", "x", "InvalidClientTokenId")):
            with self.assertRaises(ClientError) as caught:
                sts(key, secret).assume_role(RoleArn="arn:aws:iam::111111111111:role/One", RoleSessionName="s1")
            self.assertEqual(caught.exception.response["Error"]["Code"], code)
        guarded = dict(RoleArn="arn:aws:iam::222222222222:role/Guarded", RoleSessionName="mfa-session")
        user = sts("AKIATESTUSER", "user-secret")
        for extra in ({}, {"SerialNumber": "arn:aws:iam::000000000000:mfa/me", "TokenCode": "000000"}):
            with self.assertRaises(ClientError) as caught:
                user.assume_role(**guarded, **extra)
            self.assertEqual(caught.exception.response["Error"]["Code"], "AccessDenied")
        user.assume_role(**guarded, SerialNumber="arn:aws:iam::000000000000:mfa/me", TokenCode="123456")
        # Federation: issued keys buy one sign-in token, good for one login.
        t = two["Credentials"]
        session = json.dumps({"sessionId": t["AccessKeyId"], "sessionKey": t["SecretAccessKey"], "sessionToken": t["SessionToken"]})
        r = self.c.get("/federation", {"Action": "getSigninToken", "Session": session})
        self.assertEqual(r.status, 200)
        token = r.json()["SigninToken"]
        login = {"Action": "login", "Issuer": "t", "Destination": "https://console.aws.amazon.com/", "SigninToken": token}
        r = self.c.get("/federation", login)
        self.assertEqual((r.status, r.header("Location")), (302, "https://console.aws.amazon.com/"))
        self.assertEqual(self.c.get("/federation", login).status, 400)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
