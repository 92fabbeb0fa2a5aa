#!/usr/bin/env python3
"""How long after a booking's 201 its My page row becomes visible (read-model lag).

Repeatedly POSTs a booking of one seat of a catalogued screening (the screenings given with
--screenings belong to the probe alone, and it walks their seats A1..Z50 in order, so there is
no seat contention), then polls
GET /mypages/search/findByBookingId?bookingId=N in a tight loop on a keep-alive connection
until the row is there, and records the delay from receiving the 201 to receiving the first
response that holds the row. The resolution is one round trip of the poll.

    scripts/visibility_probe.py --base http://127.0.0.1:8088 --screenings 7,8 --samples 300 \
        [--json out.json]

The screenings must be on 26 x 50 screens (1,300 seats each); the probe stops when their seats
run out. Standard library only. Bounded: at most --samples bookings, the seats of
--screenings, and --max-seconds of wall time; a row
not visible within --sample-timeout seconds counts as a timeout. Exit 0 when at least one sample
was taken, 1 otherwise.
"""

import argparse
import http.client
import json
import os
import re
import sys
import time
import urllib.parse


class Client:
    """One keep-alive HTTP/1.1 connection that reconnects when the server closes it."""

    def __init__(self, base: str, timeout: float) -> None:
        url = urllib.parse.urlsplit(base)
        if url.scheme != "http":
            raise SystemExit(f"only http:// is supported, got {base}")
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.prefix = url.path.rstrip("/")
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None):
        headers = {"Accept": "application/hal+json, application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, self.prefix + path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, resp.getheader("Location"), data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def booking_id(location: str | None, data: bytes) -> int | None:
    try:
        j = json.loads(data)
        if isinstance(j, dict) and j.get("id") is not None:
            return int(j["id"])
        href = j.get("_links", {}).get("self", {}).get("href", "") if isinstance(j, dict) else ""
    except (ValueError, TypeError):
        href = ""
    for text in (location or "", href):
        m = re.search(r"/(\d+)/?$", text)
        if m:
            return int(m.group(1))
    return None


def row_visible(data: bytes, bid: int) -> bool:
    try:
        rows = json.loads(data).get("_embedded", {}).get("mypages", [])
    except (ValueError, AttributeError):
        return False
    for row in rows:
        try:
            if int(row.get("bookingId")) == bid:
                return True
        except (TypeError, ValueError):
            continue
    return False


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil
    return sorted_values[int(rank) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="http://127.0.0.1:8088")
    ap.add_argument("--screenings", required=True,
                    help="comma-separated ids of screenings (26 x 50 seats) reserved for the probe")
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--start-delay", type=float, default=0.0, help="sleep first (seconds)")
    ap.add_argument("--sample-timeout", type=float, default=10.0)
    ap.add_argument("--label", default="probe")
    ap.add_argument("--json", help="write the result as JSON to this file")
    args = ap.parse_args()

    if args.start_delay > 0:
        time.sleep(args.start_delay)
    client = Client(args.base, timeout=max(5.0, args.sample_timeout))
    delays: list[float] = []
    polls: list[int] = []
    failed: dict[str, int] = {}
    timeouts = 0
    started = time.monotonic()
    tag = f"{args.label}-{os.getpid()}"
    seats = [(int(sid), f"{chr(ord('A') + r)}{n}")
             for sid in args.screenings.split(",") if sid.strip()
             for r in range(26) for n in range(1, 51)]
    i = 0
    while (len(delays) + timeouts < args.samples and i < len(seats)
           and time.monotonic() - started < args.max_seconds):
        screening, seat = seats[i]
        i += 1
        body = json.dumps({"screeningId": screening, "seats": [seat],
                           "customerId": f"probe-{tag}-{i}"}).encode()
        try:
            status, location, data = client.request("POST", "/books", body)
        except (http.client.HTTPException, OSError) as e:
            failed[type(e).__name__] = failed.get(type(e).__name__, 0) + 1
            time.sleep(0.05)
            continue
        t0 = time.perf_counter()
        bid = booking_id(location, data) if status == 201 else None
        if bid is None:
            key = f"HTTP {status}" if status != 201 else "201 without id"
            failed[key] = failed.get(key, 0) + 1
            time.sleep(0.01)
            continue
        n = 0
        path = f"/mypages/search/findByBookingId?bookingId={bid}"
        while True:
            n += 1
            try:
                status, _, data = client.request("GET", path)
            except (http.client.HTTPException, OSError):
                status, data = 0, b""
            now = time.perf_counter()
            if status == 200 and row_visible(data, bid):
                delays.append((now - t0) * 1000.0)
                polls.append(n)
                break
            if now - t0 > args.sample_timeout:
                timeouts += 1
                break
    client.close()

    values = sorted(delays)
    result = {
        "label": args.label,
        "samples": len(values),
        "timeouts": timeouts,
        "failed_posts": failed,
        "seconds": round(time.monotonic() - started, 2),
        "p50_ms": percentile(values, 50),
        "p90_ms": percentile(values, 90),
        "p99_ms": percentile(values, 99),
        "max_ms": values[-1] if values else float("nan"),
        "mean_ms": sum(values) / len(values) if values else float("nan"),
        "mean_polls": sum(polls) / len(polls) if polls else float("nan"),
    }
    print(f"visibility [{args.label}]: {result['samples']} samples in {result['seconds']} s, "
          f"p50 {result['p50_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms, "
          f"p99 {result['p99_ms']:.2f} ms, max {result['max_ms']:.2f} ms "
          f"({result['mean_polls']:.1f} polls/sample), timeouts {timeouts}"
          + (f", failed POSTs {failed}" if failed else ""))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f)
    return 0 if values else 1


if __name__ == "__main__":
    sys.exit(main())
