#!/usr/bin/env python3
"""Helpers for scripts/bench-scale (standard library only).

  bench_scale.py catalogue --base URL --screenings N --out FILE
                               one 26 x 50 screen, one movie, N screenings (POST /screenings over
                               8 keep-alive connections); their ids, one a line, into FILE
  bench_scale.py customer --base URL --screening ID --customer C --bookings N
                               N one-seat bookings of customer C on screening ID (201 each)
  bench_scale.py count --base URL REL
                               page.totalElements of /REL
  bench_scale.py start --base URL --log FILE --seconds S -- BINARY ARGS...
                               starts the server (output to FILE), polls
                               /actuator/health/readiness every 5 ms until 200; prints its pid,
                               the start (time.time_ns() just before the exec) and the ms from
                               the exec to readiness. The stopwatch runs in this already started
                               interpreter, so the server's start-up is all it measures
  bench_scale.py drain --base URL --since-ns T --seconds S --books N
                               polls until the outbox backlog in /actuator/metrics is 0 and My
                               page holds N rows; prints the seconds since T
  bench_scale.py backlog --base URL
                               the outbox backlog (all modules) from /actuator/metrics
  bench_scale.py report --dir DIR --date D --load L
                               the scale table from DIR/size_*.json (markdown)
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

from bench_tool import PER_ROW, PRICE, ROWS, STARTS_AT, Pool, wrk_text
from report_common import fetch, get_json


def cmd_catalogue(a) -> int:
    pool = Pool(a.base)
    tag = f"scale-{os.getpid()}"
    screen = pool.post("/screens", {"name": tag, "rows": ROWS, "seatsPerRow": PER_ROW})
    movie = pool.post("/movies", {"title": tag, "runtimeMinutes": 100, "rating": "ALL"})
    doc = {"movieId": movie["id"], "screenId": screen["id"], "startsAt": STARTS_AT,
           "price": PRICE}
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        ids = sorted(s["id"] for s in ex.map(lambda _: pool.post("/screenings", doc),
                                             range(a.screenings)))
    with open(a.out, "w", encoding="utf-8") as f:
        f.writelines(f"{i}\n" for i in ids)
    return 0


def cmd_customer(a) -> int:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for n in range(a.bookings):
        seat = f"{letters[n // PER_ROW]}{n % PER_ROW + 1}"
        body = json.dumps({"screeningId": a.screening, "seats": [seat],
                           "customerId": a.customer}).encode()
        status, data = fetch(a.base + "/books", body)
        if status != 201:
            print(f"POST /books {body.decode()} answered {status}: {data[:300]!r}",
                  file=sys.stderr)
            return 1
    return 0


def count(base: str, rel: str) -> int:
    return int(get_json(f"{base}/{rel}?size=1", timeout=30)["page"]["totalElements"])


def backlog(base: str) -> int:
    return int(get_json(base + "/actuator/metrics")["outboxBacklog"])


def cmd_count(a) -> int:
    print(count(a.base, a.rel))
    return 0


def cmd_backlog(a) -> int:
    m = get_json(a.base + "/actuator/metrics")
    print(", ".join(f"{k} {v['outboxBacklog']}" for k, v in m["modules"].items()),
          file=sys.stderr)
    print(int(m["outboxBacklog"]))
    return 0


def cmd_start(a) -> int:
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    url = a.base + "/actuator/health/readiness"
    log = open(a.log, "wb")
    started_ns = time.time_ns()
    t0 = time.monotonic()
    # Its own session: the server outlives this helper (the caller stops it by pid).
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    while time.monotonic() - t0 < a.seconds:
        if proc.poll() is not None:
            print(f"the server exited ({proc.returncode}) before it was ready", file=sys.stderr)
            return 1
        try:
            status, _ = fetch(url, timeout=2)
            if status == 200:
                print(proc.pid, started_ns, f"{(time.monotonic() - t0) * 1000:.0f}")
                return 0
        except OSError:
            pass
        time.sleep(0.005)
    print(f"not ready after {a.seconds} s", file=sys.stderr)
    proc.kill()
    return 1


def cmd_drain(a) -> int:
    deadline = time.monotonic() + a.seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            b = backlog(a.base)
            rows = count(a.base, "mypages") if b == 0 else -1
            if b == 0 and rows >= a.books:
                print(f"{(time.time_ns() - a.since_ns) / 1e9:.2f}")
                return 0
            last = f"backlog {b}, my page rows {rows if rows >= 0 else '?'} of {a.books}"
        except (OSError, KeyError, ValueError, RuntimeError) as e:
            last = str(e)
        time.sleep(0.1)
    print(f"not drained after {a.seconds} s: {last}", file=sys.stderr)
    return 1


def ms(us) -> str:
    return "–" if us is None else f"{us / 1000:.1f} ms"


def cmd_report(a) -> int:
    sizes = []
    for name in sorted(os.listdir(a.dir)):
        if name.startswith("size_") and name.endswith(".json"):
            with open(os.path.join(a.dir, name), encoding="utf-8") as f:
                sizes.append(json.load(f))
    sizes.sort(key=lambda s: s["target"])
    rows = []
    for s in sizes:
        post = wrk_text(os.path.join(a.dir, f"post_{s['target']}.out"))
        get = wrk_text(os.path.join(a.dir, f"get_{s['target']}.out"))
        s["post"], s["get"] = post, get
        dbs = ", ".join(f"{k} {v / 1e6:.0f}" for k, v in sorted(s["db_bytes"].items()))
        rows.append([
            f"{s['target']:,} ({s['books']:,} stored)",
            f"{post.get('requests', 0) / (post.get('duration_us') or 1) * 1e6:,.0f}/s, "
            f"{ms(post.get('p50_us'))} / {ms(post.get('p99_us'))}"
            + (f", {post['other'] + post['socket_errors']} errors"
               if post.get("other") or post.get("socket_errors") else ""),
            f"{ms(get.get('p50_us'))} / {ms(get.get('p99_us'))}",
            f"{s['rss_kib'] / 1024:.0f} MiB",
            f"{sum(s['db_bytes'].values()) / 1e6:,.0f} MB ({dbs})",
            f"{s['startup_ms']} ms",
            f"{s['drain_s']} s ({s['drain_entries']:,} entries; ready after "
            f"{s['drain_startup_ms']} ms)",
        ])
    header = ["stored bookings", "POST /books: bookings/s, p50 / p99",
              "GET findByCustomerId (100 rows): p50 / p99", "server RSS",
              "database files (MB)", "start-up to readiness",
              "100 k pending outbox entries delivered after restart"]
    print(f"Scale run {a.date}; load average at the start: {a.load}")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        for what in ("post", "get"):
            p0, p1 = first[what].get("p99_us"), last[what].get("p99_us")
            if p0 and p1:
                print(f"{what.upper()} p99 from {first['target']:,} to {last['target']:,}: "
                      f"{(p1 / p0 - 1) * 100:+.0f} % (target <= +20 %)")
    with open(os.path.join(a.dir, "scale.json"), "w", encoding="utf-8") as f:
        json.dump(sizes, f, indent=1)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("catalogue")
    p.add_argument("--base", required=True)
    p.add_argument("--screenings", type=int, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("customer")
    p.add_argument("--base", required=True)
    p.add_argument("--screening", type=int, required=True)
    p.add_argument("--customer", required=True)
    p.add_argument("--bookings", type=int, default=100)
    p = sub.add_parser("count")
    p.add_argument("--base", required=True)
    p.add_argument("rel")
    p = sub.add_parser("backlog")
    p.add_argument("--base", required=True)
    p = sub.add_parser("start")
    p.add_argument("--base", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--seconds", type=float, default=120)
    p.add_argument("command", nargs=argparse.REMAINDER)
    p = sub.add_parser("drain")
    p.add_argument("--base", required=True)
    p.add_argument("--since-ns", type=int, required=True)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--books", type=int, required=True)
    p = sub.add_parser("report")
    p.add_argument("--dir", required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--load", required=True)
    a = ap.parse_args()
    return globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
