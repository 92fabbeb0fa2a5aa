#!/usr/bin/env python3
"""Helpers for scripts/bench (standard library only).

  bench_tool.py catalogue --base URL --dir DIR --tag T --duration S --wrk-threads N [...]
                                                registers a catalogue sized for the run (concurrent
                                                POSTs) and writes DIR/catalogue.json + id files
  bench_tool.py preflight --base URL --dir DIR  one booking of each shape the phases send; 201s or exit 1
  bench_tool.py metrics --base URL --seconds S --out FILE
                                                sample outbox backlogs from GET /actuator/metrics
  bench_tool.py drain --base URL --seconds S --out FILE
                                                time until every outbox backlog is 0 again
  bench_tool.py report --dir DIR [...]          the summary tables from the files in DIR; exit 1
                                                when any phase had a non-201 or a socket error

The outbox backlog is read from GET /actuator/metrics wherever it appears: any member named
`outboxBacklog`, either a number (its module is the enclosing object's key) or an object of
module -> number. A server without the endpoint or the member is reported as "not exposed".
"""

import argparse
import concurrent.futures
import http.client
import json
import math
import os
import re
import sys
import threading
import time
import urllib.parse

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


# ---------------------------------------------------------------------------------------------
# The catalogue a run books from

ROWS, PER_ROW = 26, 50  # the largest screen the API allows: 1,300 seats a screening
PRICE = 10000  # KRW a seat
STARTS_AT = "2030-01-01T19:30:00Z"
# Seats per booking of each phase, cycled in this order by bench_post_books.lua.
PHASE_SIZES = {"p1": [1], "p2": [2, 3, 4], "p3": [2]}


def screenings_needed(bookings: int, sizes: list[int]) -> int:
    """Screenings one wrk thread walks through for `bookings` bookings, packing blocks of
    `sizes` (cycled) along rows of PER_ROW seats exactly as bench_post_books.lua does."""
    if bookings <= 0:
        return 0
    per_cycle = len(sizes)
    # Whole rows repeat once the cycle realigns with a row start; simulate, it is cheap enough
    # (one step per booking, a few hundred thousand at most).
    row, col, screenings, k = 0, 1, 1, 0
    for _ in range(bookings):
        size = sizes[k % per_cycle]
        k += 1
        if col + size - 1 > PER_ROW:
            row, col = row + 1, 1
        if row >= ROWS:
            screenings, row, col = screenings + 1, 0, 1
        col += size
    return screenings


class Pool:
    """Keep-alive HTTP connections, one per worker thread, for registering the catalogue."""

    def __init__(self, base: str) -> None:
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.local = threading.local()

    def post(self, path: str, doc: dict) -> dict:
        body = json.dumps(doc).encode()
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                conn.request("POST", path, body=body, headers={
                    "Content-Type": "application/json", "Accept": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                continue
            if resp.status != 201:
                raise RuntimeError(f"POST {path} {body.decode()} answered {resp.status}: "
                                   f"{data.decode(errors='replace')[:500]}")
            return json.loads(data)
        raise AssertionError("unreachable")


def cmd_catalogue(a) -> int:
    """Registers a catalogue sized for the run and writes the files the wrk script and the
    probe read. Bookings per phase = rate x duration x margin, split over the wrk threads."""
    t0 = time.monotonic()
    pool = Pool(a.base)
    tag = a.tag
    bookings = math.ceil(a.rate * a.duration * a.margin)
    per_thread = math.ceil(bookings / a.wrk_threads)
    plan = {}  # file stem -> screenings
    for r in range(1, a.p1_rounds + 1):
        plan[f"p1_r{r}"] = screenings_needed(per_thread, PHASE_SIZES["p1"]) * a.wrk_threads
    plan["p2"] = screenings_needed(per_thread, PHASE_SIZES["p2"]) * a.wrk_threads
    p3_movies = screenings_needed(per_thread, PHASE_SIZES["p3"]) * a.wrk_threads
    probe_runs = [p for p in a.probe_runs.split(",") if p]
    per_probe = max(1, math.ceil(a.probe_samples / (ROWS * PER_ROW)))

    screen = pool.post("/screens", {"name": f"bench-{tag}", "rows": ROWS, "seatsPerRow": PER_ROW})
    main_movie = pool.post("/movies", {"title": f"bench-{tag}", "runtimeMinutes": 100,
                                       "rating": "ALL"})
    screening_doc = {"movieId": main_movie["id"], "screenId": screen["id"],
                     "startsAt": STARTS_AT, "price": PRICE}
    n_main = sum(plan.values()) + per_probe * len(probe_runs) + 1  # + 1: the preflight's
    titles = [f"bench-{tag}-m{i}" for i in range(p3_movies + 1)]  # [0]: the preflight's
    with concurrent.futures.ThreadPoolExecutor(a.connections) as ex:
        main_ids = sorted(s["id"] for s in ex.map(
            lambda _: pool.post("/screenings", screening_doc), range(n_main)))
        movies = list(ex.map(lambda t: pool.post(
            "/movies", {"title": t, "runtimeMinutes": 100, "rating": "ALL"}), titles))
        list(ex.map(lambda m: pool.post("/screenings", {
            "movieId": m["id"], "screenId": screen["id"], "startsAt": STARTS_AT,
            "price": PRICE}), movies))
    seconds = time.monotonic() - t0

    ids = iter(main_ids)
    files = {}
    for stem, n in plan.items():
        path = os.path.join(a.dir, stem + ".ids")
        with open(path, "w", encoding="utf-8") as f:
            for _ in range(n):
                f.write(f"{next(ids)}\n")
        files[stem] = path
    probes = {run: [next(ids) for _ in range(per_probe)] for run in probe_runs}
    preflight_screening = next(ids)
    path = os.path.join(a.dir, "p3.titles")
    with open(path, "w", encoding="utf-8") as f:
        for t in titles[1:]:
            f.write(f"{t}\t{PRICE}\n")
    files["p3"] = path
    requests = 2 + n_main + 2 * len(titles)
    result = {
        "seconds": round(seconds, 2), "requests": requests, "screenings": n_main + len(titles),
        "movies": 1 + len(titles), "screens": 1, "connections": a.connections,
        "sized_for_rate": a.rate, "bookings_per_phase": bookings, "margin": a.margin,
        "files": files, "probes": probes, "preflight_screening": preflight_screening,
        "preflight_movie": titles[0], "price": PRICE,
    }
    with open(os.path.join(a.dir, "catalogue.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(f"catalogue: {result['screenings']} screenings of 26 x 50 seats, {result['movies']} "
          f"movies, 1 screen: {requests} POSTs in {seconds:.2f} s "
          f"({requests / seconds:.0f} req/s over {a.connections} connections); sized for "
          f"{a.rate} bookings/s x {a.duration} s x {a.margin} per phase")
    return 0


def cmd_preflight(a) -> int:
    """One booking of each shape the phases send; both must answer 201."""
    cat = load_json(os.path.join(a.dir, "catalogue.json"))
    shapes = [
        {"screeningId": cat["preflight_screening"], "seats": ["A1"], "customerId": "c-preflight"},
        {"qty": 2, "movieName": cat["preflight_movie"], "seat": "1A,2A",
         "totalPrice": 2 * cat["price"], "customerId": "c-preflight"},
    ]
    for doc in shapes:
        body = json.dumps(doc).encode()
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


# ---------------------------------------------------------------------------------------------
# The report

UNITS_US = {"us": 1.0, "ms": 1000.0, "s": 1e6, "m": 60e6}


def wrk_text(path: str) -> dict:
    """The figures of wrk's own text output (run with --latency): for scripts whose Lua prints
    no MB_RESULT line (the ceiling's post.lua)."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return {}
    out = {}
    for pct, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        out[f"p{pct}_us"] = float(value) * UNITS_US[unit]
    m = re.search(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m),", text, re.M)
    if not m:
        return {}
    out["requests"] = int(m.group(1))
    out["duration_us"] = float(m.group(2)) * UNITS_US[m.group(3)]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["other"] = int(m.group(1)) if m else 0
    out["created"] = out["requests"] - out["other"]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(int(g) for g in m.groups()) if m else 0
    return out


def ms(us) -> str:
    return "-" if us is None else f"{us / 1000.0:.2f} ms"


def num(v, fmt="{:.2f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return fmt.format(v)


def wrk_bodies(path: str) -> list[str]:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return []
    return [l[len("MB_BODY "):] for l in text.splitlines() if l.startswith("MB_BODY ")]


PHASE_NAMES = {
    "p1": "1  one seat, {screeningId, seats}",
    "p2": "2  2-4 adjacent seats, {screeningId, seats}",
    "p3": "3  seed shape, 2 seats, {qty, movieName, seat}",
}


def phase_figures(d: str, stem: str) -> dict:
    """The figures of one wrk POST run (wrk_<stem>.out) and what ran alongside it."""
    post = wrk_result(os.path.join(d, f"wrk_{stem}.out"))
    if not post:
        return {}
    secs = post["duration_us"] / 1e6 or 1
    socket = sum(post.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    probe = load_json(os.path.join(d, f"probe_{stem}.json"))
    metrics = load_json(os.path.join(d, f"metrics_{stem}.json"))
    drain = load_json(os.path.join(d, f"drain_{stem}.json"))
    return {
        "bookings_per_s": post["created"] / secs,
        "seats_per_s": post["seats"] / secs,
        "created": int(post["created"]), "non_201": int(post["other"]),
        "statuses": post["statuses"], "socket_errors": int(socket),
        "errors": int(post["other"] + socket), "exhausted": bool(post.get("exhausted")),
        "p50_ms": post["p50_us"] / 1000, "p90_ms": post["p90_us"] / 1000,
        "p99_ms": post["p99_us"] / 1000, "max_ms": post["max_us"] / 1000,
        "max_id": int(post["max_id"]),
        "visibility_p99_ms": probe.get("p99_ms") if probe.get("samples") else None,
        "visibility_samples": probe.get("samples"),
        "backlog_max": metrics.get("total_max") if metrics.get("exposed") else None,
        "drained_s": drain.get("seconds") if drain.get("exposed") else None,
        "bodies": wrk_bodies(os.path.join(d, f"wrk_{stem}.out")),
    }


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    rule = "-" * len(line(header))
    return "\n".join([line(header), rule] + [line(r) for r in rows])


def cmd_report(a) -> int:
    d = a.dir
    cat = load_json(os.path.join(d, "catalogue.json"))
    idle = load_json(os.path.join(d, "probe_idle.json"))
    get = wrk_result(os.path.join(d, "wrk_get.out"))
    rounds = a.p1_rounds
    phases = {}
    p1_rounds = [phase_figures(d, f"p1_r{r}") for r in range(1, rounds + 1)]
    p1_rounds = [p for p in p1_rounds if p]
    for stem in ("p2", "p3"):
        f = phase_figures(d, stem)
        if f:
            phases[stem] = f
    failed = []

    rows = []

    def phase_row(name, f):
        err = f"{f['errors']}" + (" (catalogue exhausted)" if f["exhausted"] else "")
        vis = (f"{f['visibility_p99_ms']:.1f} ms" if f["visibility_p99_ms"] is not None
               else "not probed")
        backlog = num(f["backlog_max"], "{:.0f}") if f["backlog_max"] is not None else "n/a"
        rows.append([name, f"{f['bookings_per_s']:,.0f}", f"{f['seats_per_s']:,.0f}",
                     f"{f['p50_ms']:.2f} ms", f"{f['p99_ms']:.2f} ms", err, vis, backlog])

    for r, f in enumerate(p1_rounds, 1):
        phase_row(PHASE_NAMES["p1"] + (f"  [round {r}]" if rounds > 1 else ""), f)
    for stem, f in phases.items():
        phase_row(PHASE_NAMES[stem], f)

    print()
    title = (f"movie-booking bench  {a.date}  bus {a.bus}, wrk -t{a.wrk_threads} "
             f"-c{a.connections}, {a.duration} s a phase")
    print("=" * max(len(title), 100))
    print(title)
    print("=" * max(len(title), 100))
    if cat:
        print(f"catalogue: {cat['screenings']:,} screenings (26 x 50 seats), {cat['movies']:,} "
              f"movies, registered in {cat['seconds']:.2f} s ({cat['requests']:,} POSTs, "
              f"{cat['connections']} connections); sized for {cat['sized_for_rate']:,} "
              f"bookings/s")
    print()
    print(table(["phase (POST /books, book + pay)", "bookings/s", "seats/s", "p50", "p99",
                 "errors", "visibility p99", "backlog max"], rows))
    print()
    if idle.get("samples"):
        print(f"visibility 201 -> My page row, idle: p50 {num(idle.get('p50_ms'))} ms, "
              f"p99 {num(idle.get('p99_ms'))} ms (n={idle['samples']}, timeouts "
              f"{idle.get('timeouts')})")
    else:
        print("visibility, idle: no sample")
    drains = [(s, f["drained_s"]) for s, f in
              [(f"p1_r{r}", f) for r, f in enumerate(p1_rounds, 1)] + list(phases.items())]
    if any(v is not None for _, v in drains):
        print("outbox drained to 0 after each phase: "
              + ", ".join(f"{s} {v} s" if v is not None else f"{s} NOT in the wait"
                          for s, v in drains))
    if get:
        secs = get["duration_us"] / 1e6 or 1
        print(f"GET /mypages/search/findByBookingId: {get['requests'] / secs:,.0f} req/s, "
              f"p50 {ms(get['p50_us'])}, p99 {ms(get['p99_us'])}, found {get['found']:.0f}, "
              f"empty {get['empty']:.0f}, non-200 {get['other']:.0f}")

    summary = {"date": a.date, "bus": a.bus, "duration_s": a.duration,
               "wrk": {"threads": a.wrk_threads, "connections": a.connections},
               "catalogue": {k: cat.get(k) for k in ("seconds", "requests", "screenings",
                                                      "movies", "sized_for_rate")},
               "visibility_idle_p99_ms": idle.get("p99_ms") if idle.get("samples") else None,
               "phases": {}}
    if p1_rounds:
        if len(p1_rounds) == 1:
            p1 = dict(p1_rounds[0])
        else:  # the means over the rounds; each round's own figures under "rounds"
            p1 = {"bookings_per_s": mean([f["bookings_per_s"] for f in p1_rounds]),
                  "seats_per_s": mean([f["seats_per_s"] for f in p1_rounds]),
                  "errors": sum(f["errors"] for f in p1_rounds),
                  "exhausted": any(f["exhausted"] for f in p1_rounds),
                  "rounds": [{k: v for k, v in f.items() if k != "bodies"} for f in p1_rounds]}
        summary["phases"]["p1"] = p1
    summary["phases"].update(phases)
    for stem, f in summary["phases"].items():
        if f.get("errors") or f.get("exhausted"):
            failed.append(stem)
    for stem, f in [(f"p1_r{r}", f) for r, f in enumerate(p1_rounds, 1)] + list(phases.items()):
        if f["errors"] or f["exhausted"]:
            print(f"FAILED {stem}: {f['non_201']} non-201 ({f['statuses']}), "
                  f"{f['socket_errors']} socket errors"
                  + (", ran out of catalogue" if f["exhausted"] else ""))
            for b in f["bodies"]:
                print(f"    {b}")
    expected = ["p2", "p3"] if a.all_phases else []
    missing = [s for s in expected if s not in phases] + ([] if p1_rounds else ["p1"])
    if missing:
        print(f"FAILED: no result for {', '.join(missing)}")
        failed += missing

    if a.ceiling_rounds:
        ceil = [wrk_text(os.path.join(d, f"ceiling_r{r}.out"))
                for r in range(1, a.ceiling_rounds + 1)]
        ceil = [c for c in ceil if c]
        print()
        if ceil:
            ceil_rates = [c["created"] / (c["duration_us"] / 1e6) for c in ceil]
            crow = [[f"ceiling (one SQLite insert per POST /bookings) [round {r}]",
                     f"{rate:,.0f}", f"{c.get('p50_us', 0) / 1000:.2f} ms",
                     f"{c.get('p99_us', 0) / 1000:.2f} ms", f"{c['other'] + c['socket_errors']}"]
                    for r, (c, rate) in enumerate(zip(ceil, ceil_rates), 1)]
            crow += [[f"ours, phase 1 (whole booking: book + pay) [round {r}]",
                      f"{f['bookings_per_s']:,.0f}", f"{f['p50_ms']:.2f} ms",
                      f"{f['p99_ms']:.2f} ms", f"{f['errors']}"]
                     for r, f in enumerate(p1_rounds, 1)]
            print(table(["alternating runs, same duration and wrk settings", "req/s",
                         "p50", "p99", "errors"], crow))
            ours = mean([f["bookings_per_s"] for f in p1_rounds])
            ceiling_mean = mean(ceil_rates)
            if ours is not None and ceiling_mean:
                share = ours / ceiling_mean
                print(f"ours at {share * 100:.0f} % of the one-write ceiling on {a.date} "
                      f"(phase 1 mean {ours:,.0f} bookings/s / ceiling mean "
                      f"{ceiling_mean:,.0f} req/s)")
                summary["ceiling"] = {
                    "date": a.date, "share": share, "ours_bookings_per_s": ours,
                    "ceiling_mean_per_s": ceiling_mean,
                    "rounds": [{"req_per_s": rate, "p50_ms": c.get("p50_us", 0) / 1000,
                                "p99_ms": c.get("p99_us", 0) / 1000,
                                "errors": c["other"] + c["socket_errors"]}
                               for c, rate in zip(ceil, ceil_rates)]}
            if any(c["other"] + c["socket_errors"] for c in ceil):
                print("FAILED: the ceiling server answered errors")
                failed.append("ceiling")
        else:
            print("FAILED: no ceiling result")
            failed.append("ceiling")

    # What the --bus kafka pass compares against its in-memory baseline.
    if summary["phases"].get("p1"):
        summary["bookings_per_s"] = summary["phases"]["p1"]["bookings_per_s"]
    base = load_json(a.baseline) if a.baseline else {}
    if base.get("bookings_per_s") and summary.get("bookings_per_s"):
        ratio = summary["bookings_per_s"] / base["bookings_per_s"]
        print(f"in-memory baseline, same run, phase 1: {base['bookings_per_s']:,.0f} bookings/s "
              f"-> {a.bus} at {ratio * 100:.0f} % (target >= 50 %: "
              f"{'met' if ratio >= 0.5 else 'NOT met'})")
        summary["ratio_to_baseline"] = ratio
    if a.bus == "kafka":
        vis = [f.get("visibility_p99_ms") for f in summary["phases"].values()]
        vis = [v for v in vis + [summary["visibility_idle_p99_ms"]] if v is not None]
        if vis:
            print(f"visibility p99 target (<= 50 ms on Kafka): "
                  f"{'met' if max(vis) <= 50 else 'NOT met'} (worst p99 {max(vis):.1f} ms)")
    print("=" * max(len(title), 100))
    summary["failed"] = failed
    for f in summary["phases"].values():
        f.pop("bodies", None)
        for r in f.get("rounds", []):
            r.pop("bodies", None)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
    return 1 if failed else 0

def main() -> int:
    ap = argparse.ArgumentParser(description="helpers for scripts/bench")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("catalogue")
    p.add_argument("--base", required=True)
    p.add_argument("--dir", required=True, help="where catalogue.json and the id files go")
    p.add_argument("--tag", required=True, help="makes titles and names of this run distinct")
    p.add_argument("--duration", type=float, required=True, help="seconds of a wrk phase")
    p.add_argument("--rate", type=int, default=30000, help="highest bookings/s to expect")
    p.add_argument("--margin", type=float, default=1.25)
    p.add_argument("--wrk-threads", type=int, required=True)
    p.add_argument("--p1-rounds", type=int, default=1)
    p.add_argument("--probe-runs", default="idle,p2,p3", help="probe runs, one screening set each")
    p.add_argument("--probe-samples", type=int, default=300)
    p.add_argument("--connections", type=int, default=8, help="concurrent registrations")
    p = sub.add_parser("preflight")
    p.add_argument("--base", required=True)
    p.add_argument("--dir", required=True)
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
    p.add_argument("--date", default=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    p.add_argument("--duration", type=int, default=0)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--p1-rounds", type=int, default=1)
    p.add_argument("--ceiling-rounds", type=int, default=0)
    p.add_argument("--all-phases", action="store_true", help="phases 2 and 3 must have run")
    p.add_argument("--json", default="", help="also write the figures here")
    p.add_argument("--baseline", default="", help="the in-memory pass's --json, for the ratio")
    a = ap.parse_args()
    return {"catalogue": cmd_catalogue, "preflight": cmd_preflight, "metrics": cmd_metrics,
            "drain": cmd_drain, "joined": cmd_joined, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
