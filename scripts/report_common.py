"""What scripts/bench_tool.py and scripts/load_report.py share (standard library only):
HTTP calls to the server under test and reading the files a run leaves behind.
"""

import json
import re
import urllib.error
import urllib.request


def fetch(url: str, data: bytes | None = None, timeout: float = 5.0):
    """(status, body) of GET url, or of POST url with a JSON body when `data` is given.

    An HTTP error status is an answer, not an exception; a socket error raises OSError.
    """
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_json(url: str, timeout: float = 5.0):
    """The JSON document at url; RuntimeError unless it answers 200."""
    status, body = fetch(url, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"GET {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def wrk_result(path: str) -> dict:
    """The MB_RESULT line the wrk Lua scripts print, as a dict (numbers where numeric)."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return {}
    line = next((l for l in text.splitlines() if l.startswith("MB_RESULT ")), "")
    out = {}
    for part in line.split()[1:]:
        key, _, value = part.partition("=")
        out[key] = float(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
    return out


def load_json(path: str) -> dict:
    """A JSON file written by an earlier step, or {} when it is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}
