#!/usr/bin/env python3
"""Helpers for scripts/bench (standard library only).

  bench_tool.py preflight --base URL            one booking shaped like the wrk script's; 201 or exit 1
  bench_tool.py metrics --base URL --seconds S --out FILE
                                                sample outbox backlogs from GET /actuator/metrics
  bench_tool.py drain --base URL --seconds S --out FILE
                                                time until every outbox backlog is 0 again
  bench_tool.py report --dir DIR                the final summary table from the files in DIR

The outbox backlog is read from GET /actuator/metrics wherever it appears: any member named
`outboxBacklog`, either a number (its module is the enclosing object's key) or an object of
module -> number. A server without the endpoint or the member is reported as "not exposed".
"""

import argparse
import json
import math
import os
import sys
import time

from report_common import fetch, load_json, wrk_result


def backlogs(j, parent: str = "", out: dict | None = None) -> dict:
    """module -> backlog for every `outboxBacklog` member found in a metrics document."""
    out = {} if out is None else out
    if isinstance(j, dict):
        for key, value in j.items():
            if key == "outboxBacklog":
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[parent or "total"] = value
                elif isinstance(value, dict):
                    for module, n in value.items():
                        if isinstance(n, (int, float)) and not isinstance(n, bool):
                            out[module] = n
                        elif isinstance(n, dict):  # {"booking": {"pending": 3}} and the like
                            nums = [v for v in n.values() if isinstance(v, (int, float))]
                            if nums:
                                out[module] = sum(nums)
            else:
                backlogs(value, key, out)
    elif isinstance(j, list):
        for item in j:
            name = parent
            if isinstance(item, dict):
                name = str(item.get("module") or item.get("name") or parent)
            backlogs(item, name, out)
    return out


def sample(base: str):
    """One reading: (module -> backlog) or None when the server does not expose it."""
    try:
        status, body = fetch(base + "/actuator/metrics", timeout=2.0)
    except OSError:
        return None
    if status != 200:
        return None
    try:
        found = backlogs(json.loads(body))
    except ValueError:
        return None
    if len(found) > 1:
        found.pop("total", None)  # a top-level sum next to per-module values: keep the modules
    return found or None


def cmd_preflight(a) -> int:
    body = json.dumps({"qty": "1", "movieName": f"bench-preflight-{os.getpid()}", "seat": "1A",
                       "totalPrice": "10000", "customerId": "1"}).encode()
    try:
        status, data = fetch(a.base + "/books", body)
    except OSError as e:
        print(f"preflight: POST /books failed: {e}", file=sys.stderr)
        return 1
    if status != 201:
        print(f"preflight: POST /books {body.decode()} answered {status}:\n"
              f"{data.decode(errors='replace')[:2000]}", file=sys.stderr)
        return 1
    return 0


def cmd_metrics(a) -> int:
    deadline = time.monotonic() + a.seconds
    readings = []
    while time.monotonic() < deadline:
        s = sample(a.base)
        if s is not None:
            readings.append(s)
        elif not readings and time.monotonic() > deadline - a.seconds + 2:
            break  # nothing exposed after 2 s of trying: stop asking
        time.sleep(a.interval)
    result = {"exposed": bool(readings), "samples": len(readings), "modules": {}}
    if readings:
        modules = sorted({m for r in readings for m in r})
        for m in modules:
            values = [r[m] for r in readings if m in r]
            result["modules"][m] = {"min": min(values), "max": max(values)}
        totals = [sum(r.values()) for r in readings]
        result["total_min"], result["total_max"] = min(totals), max(totals)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


def cmd_joined(a) -> int:
    """Waits until every Kafka consumer group of the server has joined (been assigned)."""
    deadline = time.monotonic() + a.seconds
    while time.monotonic() < deadline:
        try:
            _, body = fetch(a.base + "/actuator/metrics")
            groups = json.loads(body).get("kafka", {}).get("consumerGroups", {})
            if groups and all(g.get("joined") for g in groups.values()):
                return 0
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    return 1


def cmd_drain(a) -> int:
    started = time.monotonic()
    result = {"exposed": False}
    while True:
        s = sample(a.base)
        if s is None:
            break
        result = {"exposed": True, "last": s, "total": sum(s.values())}
        if result["total"] == 0:
            result["seconds"] = round(time.monotonic() - started, 2)
            break
        if time.monotonic() - started > a.seconds:
            result["seconds"] = None  # not drained in time
            break
        time.sleep(0.1)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


def ms(us) -> str:
    return "-" if us is None else f"{us / 1000.0:.2f} ms"


def num(v, fmt="{:.2f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return fmt.format(v)


def cmd_report(a) -> int:
    d = a.dir
    post, get = wrk_result(os.path.join(d, "wrk_post.out")), wrk_result(os.path.join(d, "wrk_get.out"))
    idle, load = load_json(os.path.join(d, "probe_idle.json")), load_json(os.path.join(d, "probe_load.json"))
    metrics, drain = load_json(os.path.join(d, "metrics.json")), load_json(os.path.join(d, "drain.json"))

    rows = []

    def row(name, value):
        rows.append((name, value))

    if post:
        secs = post["duration_us"] / 1e6 or 1
        errs = sum(post.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
        row("POST /books  bookings/s (201s)", num(post["created"] / secs, "{:.0f}"))
        row("POST /books  latency p50 / p99 / max",
            f"{ms(post['p50_us'])} / {ms(post['p99_us'])} / {ms(post['max_us'])}")
        row("POST /books  201 / non-201 (by status)",
            f"{post['created']:.0f} / {post['other']:.0f} ({post['statuses']})")
        row("POST /books  socket errors (connect/read/write/timeout)",
            f"{errs:.0f} ({post['err_connect']:.0f}/{post['err_read']:.0f}/"
            f"{post['err_write']:.0f}/{post['err_timeout']:.0f})")
    else:
        row("POST /books", "no result")
    if get:
        secs = get["duration_us"] / 1e6 or 1
        row("GET My page by bookingId  req/s", num(get["requests"] / secs, "{:.0f}"))
        row("GET My page  latency p50 / p99 / max",
            f"{ms(get['p50_us'])} / {ms(get['p99_us'])} / {ms(get['max_us'])}")
        row("GET My page  found / empty / non-200",
            f"{get['found']:.0f} / {get['empty']:.0f} / {get['other']:.0f}")
    else:
        row("GET My page", "no result")
    for label, p in (("idle", idle), ("under POST load", load)):
        if p:
            row(f"visibility 201 -> My page row, {label}",
                f"p50 {num(p.get('p50_ms'))} ms, p99 {num(p.get('p99_ms'))} ms, "
                f"max {num(p.get('max_ms'))} ms (n={p.get('samples')}, timeouts {p.get('timeouts')})")
        else:
            row(f"visibility, {label}", "no result")
    if metrics.get("exposed"):
        per = ", ".join(f"{m} {v['min']:.0f}..{v['max']:.0f}" for m, v in metrics["modules"].items())
        row("outbox backlog during load, total min..max",
            f"{metrics['total_min']:.0f}..{metrics['total_max']:.0f} ({metrics['samples']} samples)")
        row("outbox backlog per module min..max", per)
        if drain.get("exposed"):
            row("outbox drained to 0 after load",
                f"in {drain['seconds']} s" if drain.get("seconds") is not None
                else f"NOT within the wait (left: {drain.get('last')})")
    else:
        row("outbox backlog", "not exposed (GET /actuator/metrics has no outboxBacklog)")

    summary = {"bus": a.bus}
    if post:
        summary["bookings_per_s"] = post["created"] / (post["duration_us"] / 1e6 or 1)
    if load:
        summary["visibility_load_p99_ms"] = load.get("p99_ms")
    if idle:
        summary["visibility_idle_p99_ms"] = idle.get("p99_ms")
    rows.insert(0, ("event bus", a.bus))
    base = load_json(a.baseline) if a.baseline else {}
    if base.get("bookings_per_s") and summary.get("bookings_per_s"):
        ratio = summary["bookings_per_s"] / base["bookings_per_s"]
        row("in-memory baseline, same run: bookings/s",
            f"{base['bookings_per_s']:.0f} -> {a.bus} at {ratio * 100:.0f} % "
            f"(target >= 50 %: {'met' if ratio >= 0.5 else 'NOT met'})")
        summary["ratio_to_baseline"] = ratio
    if a.bus == "kafka":
        worst = max((p.get("p99_ms") or 0) for p in (idle, load) if p) if (idle or load) else None
        if worst is not None:
            row("visibility p99 target (<= 50 ms on Kafka)",
                f"{'met' if worst <= 50 else 'NOT met'} (worst p99 {worst:.1f} ms)")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(summary, f)

    width = max(len(n) for n, _ in rows)
    print()
    print("=" * (width + 40))
    print("movie-booking bench summary")
    print("=" * (width + 40))
    for n, v in rows:
        print(f"{n:<{width}}  {v}")
    print("=" * (width + 40))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description="helpers for scripts/bench")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("preflight")
    p.add_argument("--base", required=True)
    p = sub.add_parser("metrics")
    p.add_argument("--base", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--interval", type=float, default=0.25)
    p.add_argument("--out", required=True)
    p = sub.add_parser("drain")
    p.add_argument("--base", required=True)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--out", required=True)
    p = sub.add_parser("joined")
    p.add_argument("--base", required=True)
    p.add_argument("--seconds", type=float, default=60)
    p = sub.add_parser("report")
    p.add_argument("--dir", required=True)
    p.add_argument("--bus", default="memory")
    p.add_argument("--json", default="", help="also write the headline figures here")
    p.add_argument("--baseline", default="", help="the in-memory pass's --json, for the ratio")
    a = ap.parse_args()
    return {"preflight": cmd_preflight, "metrics": cmd_metrics, "drain": cmd_drain,
            "joined": cmd_joined,
            "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
