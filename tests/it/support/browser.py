#!/usr/bin/env python3
"""A stand-in web browser for tests: `BROWSER=browser.py`, called as `browser.py URL`.

It acts as a person who opens the URL and approves: it GETs the URL and follows
redirects itself, so `/authorize` -> 302 -> the test's callback on 127.0.0.1 (also
fetched), and `/device?user_code=...` approves the device code. It exits 0 once the last
page answered, whatever its HTTP status (a browser shows error pages too).

Environment:
  AWSP_TEST_BROWSER_LOG   when set, the URL is appended to this file as one line first.
  AWSP_TEST_BROWSER_MODE  approve (default) | ignore | wrong-state | deny
    approve      open the URL and follow redirects.
    ignore       log only, open nothing (a person who never clicks).
    wrong-state  /authorize: replace `state` in the redirect with another value.
    deny         /authorize: fetch the callback with error=access_denied&state=... and
                 no code; /device: deny the request instead of approving it.

Only http URLs on loopback hosts are fetched; anything else (such as a real AWS URL) is
refused with exit status 1, so a test can never reach AWS through this script.
Exit status: 0 done, 1 refused URL or network failure, 2 usage error.
Standard library only.
"""

import os
import secrets
import sys
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

MODES = ("approve", "ignore", "wrong-state", "deny")
TIMEOUT = 10  # seconds, per request
MAX_HOPS = 10  # redirects followed at most
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands 3xx answers back to the caller, which decides where to go next."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(url):
    """GET `url`: (status, Location header or None)."""
    request = urllib.request.Request(url, headers={"User-Agent": "awsp-test-browser"})
    try:
        with OPENER.open(request, timeout=TIMEOUT) as resp:
            resp.read()
            return resp.status, resp.headers.get("Location")
    except urllib.error.HTTPError as e:  # 3xx (not followed) and 4xx/5xx
        location = e.headers.get("Location") if e.headers else None
        e.read()
        e.close()
        return e.code, location


def is_loopback_http(url):
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def replace_query(url, changes, drop=()):
    """`url` with query parameters in `changes` set and those in `drop` removed."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in changes and k not in drop]
    pairs.extend(changes.items())
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def query_value(url, name):
    for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if k == name:
            return v
    return None


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: browser.py URL\n")
        return 2
    url = argv[1]
    mode = os.environ.get("AWSP_TEST_BROWSER_MODE") or "approve"
    if mode not in MODES:
        sys.stderr.write("browser.py: AWSP_TEST_BROWSER_MODE must be one of %s\n" % ", ".join(MODES))
        return 2
    log = os.environ.get("AWSP_TEST_BROWSER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(url.replace("\n", " ") + "\n")
    if mode == "ignore":
        return 0

    if mode == "deny" and urlsplit(url).path == "/device":
        url = replace_query(url, {"action": "deny"})

    for _ in range(MAX_HOPS + 1):
        if not is_loopback_http(url):
            sys.stderr.write("browser.py: refusing to open a non-loopback URL: %s\n" % url)
            return 1
        try:
            status, location = fetch(url)
        except (urllib.error.URLError, OSError) as e:
            sys.stderr.write("browser.py: %s: %s\n" % (url, e))
            return 1
        if not (300 <= status < 400 and location):
            if status >= 400:
                sys.stderr.write("browser.py: %s answered %d\n" % (url, status))
            return 0
        target = urljoin(url, location)
        if urlsplit(url).path == "/authorize":
            if mode == "wrong-state":
                target = replace_query(target, {"state": "wrong-" + secrets.token_hex(8)})
            elif mode == "deny":
                state = query_value(target, "state")
                if state is None:
                    state = query_value(url, "state")
                denial = {"error": "access_denied", "error_description": "The user denied the request"}
                if state is not None:
                    denial["state"] = state
                target = replace_query(target, denial, drop=("code", "state"))
        url = target
    sys.stderr.write("browser.py: more than %d redirects\n" % MAX_HOPS)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
