#!/usr/bin/env python3
"""Helpers for scripts/load (standard library only).

  load_report.py seed --base URL --count N [--connections K] [--wait S]
        makes N legacy bookings (POST /books, K keep-alive connections), checks that they are
        ids 1..N, waits until ticket N exists and is Waiting, and prints N
  load_report.py sample --base URL --pid PID --out FILE [--seconds S] [--interval S]
        every interval: the server's VmRSS (/proc/PID/status) and the review breaker's state and
        counters (GET /admin/breakers), one JSON object a line, until S seconds passed or PID exited
  load_report.py snapshot --base URL --out FILE
        GET /admin/breakers into FILE
  load_report.py report --dir DIR
        the summary from the files scripts/load leaves in DIR; exit 1 if a response took over
        1 s, a request timed out or got no answer, a status other than 200/503/409 came back,
        or the server died
"""

import argparse
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse

from report_common import fetch, get_json, load_json, wrk_result

SEED_SPRING_AVAILABILITY = 56.41  # the seed's siege -c50 -t60S, Spring Boot + Hystrix
SEED_SPRING_LONGEST_S = 30.43
SEED_SPRING_HITS = 88
SLOW_LIMIT_US = 1_000_000
BOOKING_BODY = json.dumps({"qty": 1, "movieName": "load", "seat": "A1", "totalPrice": 1000})


# ---------------------------------------------------------------------------------------- seed


def cmd_seed(a) -> int:
    u = urllib.parse.urlsplit(a.base)
    counter = iter(range(a.count))
    lock = threading.Lock()
    ids: list[int] = []
    errors: list[str] = []

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        local = []
        try:
            while not errors:
                with lock:
                    if next(counter, None) is None:
                        break
                conn.request("POST", "/books", BOOKING_BODY,
                             {"Content-Type": "application/json", "Accept": "application/json"})
                r = conn.getresponse()
                body = r.read()
                if r.status != 201:
                    errors.append(f"POST /books answered {r.status}: {body[:300]!r}")
                    break
                m = re.search(r"/(\d+)/?$", r.getheader("Location") or "")
                if not m:
                    errors.append(f"POST /books: 201 without a usable Location: {r.getheaders()}")
                    break
                local.append(int(m.group(1)))
        except OSError as e:
            errors.append(f"POST /books failed: {e}")
        finally:
            conn.close()
            with lock:
                ids.extend(local)

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _ in range(a.connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        print(f"seed: {errors[0]}", file=sys.stderr)
        return 1
    ids.sort()
    if ids != list(range(1, a.count + 1)):
        print(f"seed: booking ids are not 1..{a.count} (got {ids[:3]}..{ids[-3:]}); "
              "is the server fresh?", file=sys.stderr)
        return 1
    made = time.monotonic() - started
    print(f"seed: {a.count} bookings in {made:.1f} s ({a.count / max(made, 1e-9):.0f}/s); "
          f"waiting for ticket {a.count}", file=sys.stderr)

    deadline = time.monotonic() + a.wait
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, body = fetch(f"{a.base}/tickets/{a.count}", timeout=2)
            if status == 200:
                t = json.loads(body)
                # Tickets are issued in the order the bookings were confirmed, not in booking
                # id order: ticket N belongs to some booking, and must only be Waiting.
                if t.get("status") != "Waiting":
                    print(f"seed: ticket {a.count} is not Waiting: {body[:300]!r}",
                          file=sys.stderr)
                    return 1
                page = get_json(f"{a.base}/tickets?size=1").get("page", {})
                total = page.get("totalElements")
                if total is not None and total != a.count:
                    last = f"{total} tickets so far"
                else:
                    print(f"seed: {a.count} tickets Waiting after "
                          f"{time.monotonic() - started:.1f} s", file=sys.stderr)
                    print(a.count)
                    return 0
            else:
                last = f"HTTP {status}"
        except (OSError, ValueError, RuntimeError) as e:
            last = str(e)
        time.sleep(0.1)
    print(f"seed: ticket {a.count} not there after {a.wait:g} s ({last})", file=sys.stderr)
    return 1


# -------------------------------------------------------------------------------------- sample


def rss_kib(pid: int):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def review_breaker(doc):
    for b in doc.get("breakers", []):
        if b.get("callee") == "review":
            return b
    return None


def cmd_sample(a) -> int:
    started = time.monotonic()
    with open(a.out, "w", encoding="utf-8") as out:
        while a.seconds <= 0 or time.monotonic() - started < a.seconds:
            tick = time.monotonic()
            rss = rss_kib(a.pid)
            if rss is None:
                out.write(json.dumps({"t": round(tick - started, 2), "alive": False}) + "\n")
                out.flush()
                break
            rec = {"t": round(tick - started, 2), "alive": True, "rss_kib": rss}
            try:
                b = review_breaker(get_json(a.base + "/admin/breakers", timeout=1.0))
                if b:
                    rec.update({k: b.get(k) for k in ("state", "calls", "failures", "slowCalls",
                                                      "rejected", "bulkheadInUse",
                                                      "bulkheadRejected")})
                rec["admin_ms"] = round((time.monotonic() - tick) * 1000, 1)
            except (OSError, ValueError, RuntimeError) as e:
                rec["admin_error"] = str(e)[:200]
            out.write(json.dumps(rec) + "\n")
            out.flush()
            time.sleep(max(0.0, a.interval - (time.monotonic() - tick)))
    return 0


def cmd_snapshot(a) -> int:
    try:
        doc = get_json(a.base + "/admin/breakers")
    except (OSError, ValueError, RuntimeError) as e:
        print(f"snapshot: {e}", file=sys.stderr)
        return 1
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return 0


# -------------------------------------------------------------------------------------- report


def load_jsonl(path: str) -> list:
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def ms(us) -> str:
    if us is None:
        return "-"
    return f"{us / 1e6:.2f} s" if us >= 1e6 else f"{us / 1000.0:.1f} ms"


def pct(n, d) -> str:
    return "-" if not d else f"{100.0 * n / d:.2f} %"


def mib(kib) -> str:
    return "-" if kib is None else f"{kib / 1024.0:.1f} MiB"


def fmt_band(lo, hi) -> str:
    def f(us):
        return f"{us / 1e6:g} s" if us >= 1e6 else f"{us / 1000:g} ms"
    if lo is None:
        return f"< {f(hi)}"
    if hi is None:
        return f">= {f(lo)}"
    return f"{f(lo)}..{f(hi)}"


def cmd_report(a) -> int:
    d = a.dir
    meta = load_json(os.path.join(d, "meta.json"))
    w = wrk_result(os.path.join(d, "wrk.out"))
    before = review_breaker(load_json(os.path.join(d, "breakers_before.json"))) or {}
    after = review_breaker(load_json(os.path.join(d, "breakers_after.json"))) or {}
    samples = load_jsonl(os.path.join(d, "samples.jsonl"))
    try:
        log = open(os.path.join(d, "server.log"), encoding="utf-8", errors="replace").read()
    except OSError:
        log = ""

    rows: list[tuple[str, str]] = []
    problems: list[str] = []
    notes: list[str] = []

    def row(name, value):
        rows.append((name, value))

    if not w:
        problems.append("wrk printed no MB_RESULT line (see wrk.out)")
    ok = int(w.get("ok", 0))
    unavailable = int(w.get("unavailable", 0))
    conflict = int(w.get("conflict", 0))
    other = int(w.get("other", 0))
    timeouts = int(w.get("err_timeout", 0))
    sock = sum(int(w.get(k, 0)) for k in ("err_connect", "err_read", "err_write"))
    answered = ok + unavailable + conflict + other
    attempts = answered + timeouts + sock  # everything the clients waited for
    secs = (w.get("duration_us") or 0) / 1e6 or 1.0

    bounds = [int(x) for x in str(w.get("band_bounds_us", "")).split(",") if x]
    bands = [int(x) for x in str(w.get("bands", "")).split(",") if x]
    timed = int(w.get("timed", 0))
    untimed = int(w.get("untimed", 0))
    fast_503, slow_503 = int(w.get("fast_503", 0)), int(w.get("slow_503", 0))
    over_1s = int(w.get("over_1s", 0))
    if w.get("wrk_max_us", 0) >= SLOW_LIMIT_US and over_1s == 0:
        over_1s = 1  # wrk saw one that the Lua timing missed (an untimed response)

    row("load", f"{meta.get('connections', '?')} connections x {meta.get('duration', '?')} s, "
                f"review latency {meta.get('fault', '?')}, {meta.get('bookings', '?')} Waiting "
                f"tickets, clients "
                f"{'honour Retry-After' if w.get('retry_after_honoured') else 'retry at once'}"
                + (f", server args: {meta['server_args']}" if meta.get("server_args")
                              else ""))
    row("requests (answered / timed out / socket errors)",
        f"{attempts} ({answered} / {timeouts} / {sock}), {attempts / secs:.0f}/s")
    row("availability (200 / all)", pct(ok, attempts))
    row("tickets printed (200)", f"{ok}, {ok / secs:.2f}/s")
    row("503 print again shortly (Retry-After)",
        f"{unavailable} ({pct(unavailable, attempts)}); with Retry-After: "
        f"{int(w.get('unavailable_retry_after', 0))}"
        + (f"; waits honoured: {int(w.get('waited', 0))}" if w.get("retry_after_honoured")
           else ""))
    row("  fast 503s (< 100 ms, review not waited for)",
        f"{fast_503} ({pct(fast_503, unavailable)} of the 503s)")
    row("  slow 503s (>= 100 ms, review deadline reached)",
        f"{slow_503} ({pct(slow_503, unavailable)} of the 503s)")
    row("409 / other statuses",
        f"{conflict} / {other}" + (f" ({w.get('statuses')})" if other else ""))
    row("tickets: fresh / retried after 503 / exhausted",
        f"{int(w.get('fresh', 0))} / {int(w.get('retried', 0))} / {int(w.get('exhausted', 0))}")
    row("latency p50 / p90 / p99 / p99.9",
        " / ".join(ms(w.get(k)) for k in ("p50_us", "p90_us", "p99_us", "p999_us"))
        + f"  (per response, {timed} timed)")
    row("latency max (all / 200 / 503)",
        " / ".join(ms(w.get(k)) for k in ("max_us", "max_ok_us", "max_503_us"))
        + f"  (wrk's own max {ms(w.get('wrk_max_us'))})")
    if bands:
        los = [None] + bounds
        his = bounds + [None]
        row("latency bands", ", ".join(f"{fmt_band(lo, hi)}: {c}"
                                       for lo, hi, c in zip(los, his, bands)))
    row("responses over 1 s (target 0) / timeouts (5 s)", f"{over_1s} / {timeouts}")
    if untimed:
        notes.append(f"{untimed} responses could not be timed individually (no ticket id in "
                     f"the answer, or no LuaJIT ffi); wrk's own max covers them")

    # breaker
    if before and after:
        delta = {k: (after.get(k) or 0) - (before.get(k) or 0)
                 for k in ("calls", "failures", "slowCalls", "rejected", "bulkheadRejected")}
        row("review breaker during the run (delta)",
            f"calls {delta['calls']}, failures {delta['failures']}, slow {delta['slowCalls']}, "
            f"rejected while open {delta['rejected']}, bulkhead rejected "
            f"{delta['bulkheadRejected']}; state at end: {after.get('state')}")
    else:
        row("review breaker", "GET /admin/breakers gave no review breaker")
    logged = re.findall(r"circuit breaker review: ([\w-]+) -> ([\w-]+): ([^\n]*)", log)
    kept = after.get("transitions") or []
    n_trans = max(len(logged), len(kept))
    kinds: dict[str, int] = {}
    for f, t, _ in logged:
        kinds[f"{f}->{t}"] = kinds.get(f"{f}->{t}", 0) + 1
    row("review breaker transitions",
        f"{n_trans}" + (f" ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
                        if kinds else ""))
    for t in kept[:4]:
        row("", f"{t.get('at')}  {t.get('from')} -> {t.get('to')}: {t.get('reason')}")
    if len(kept) > 4:
        row("", f"... {len(kept) - 4} more")
    states = [s.get("state") for s in samples if s.get("state")]
    if states:
        counts = {s: states.count(s) for s in dict.fromkeys(states)}
        row("breaker state, 1 s samples", ", ".join(f"{k} {v}" for k, v in counts.items()))
    if n_trans == 0:
        notes.append("the review breaker never changed state")

    # memory
    rss = [s["rss_kib"] for s in samples if s.get("rss_kib") is not None]
    if rss:
        growth = rss[-1] - rss[0]
        flat = abs(growth) <= a.flat_mib * 1024
        row("server RSS start / max / end",
            f"{mib(rss[0])} / {mib(max(rss))} / {mib(rss[-1])} (end - start "
            f"{growth / 1024:+.1f} MiB: {'flat' if flat else 'NOT flat'}, "
            f"{len(rss)} samples)")
        if not flat:
            notes.append(f"RSS grew by {growth / 1024:.1f} MiB during the run")
    else:
        row("server RSS", "no sample")
    admin = [s["admin_ms"] for s in samples if s.get("admin_ms") is not None]
    if admin:
        row("GET /admin/breakers during load, max", f"{max(admin):.0f} ms")

    row("seed (Spring Boot + Hystrix, siege -c50 -t60S)",
        f"availability {SEED_SPRING_AVAILABILITY} %, longest {SEED_SPRING_LONGEST_S} s "
        f"(responses up to ~30 s)")
    row("seed, successful prints", f"{SEED_SPRING_HITS} in 59.96 s, {SEED_SPRING_HITS / 59.96:.2f}/s")
    row("this run", f"availability {pct(ok, attempts)}, longest "
                    f"{ms(max(w.get('max_us', 0), w.get('wrk_max_us', 0)))}, "
                    f"{ok / secs:.2f} prints/s")

    if over_1s:
        problems.append(f"{over_1s} responses took 1 s or more")
    if timeouts:
        problems.append(f"{timeouts} requests timed out (no answer within 5 s)")
    if sock:
        problems.append(f"{sock} socket errors (connect/read/write)")
    if other:
        problems.append(f"{other} answers with an unexpected status ({w.get('statuses')})")
    if conflict:
        notes.append(f"{conflict} prints answered 409 (ticket already printed)")
    if int(w.get("exhausted", 0)):
        notes.append("the pre-made tickets ran out; pass a larger --bookings")
    if not meta.get("server_alive", True):
        problems.append("the server died during the run")
    elif any(s.get("alive") is False for s in samples):
        problems.append("the server died during the run")

    width = max(len(n) for n, _ in rows)
    line = "=" * (width + 60)
    print()
    print(line)
    print("movie-booking load summary: ticket -> review with review slowed (seed's circuit breaker)")
    print(line)
    for n, v in rows:
        print(f"{n:<{width}}  {v}")
    print(line)
    for n in notes:
        print(f"note: {n}")
    for p in problems:
        print(f"FAIL: {p}")
    print("result: " + ("FAIL" if problems else "PASS (no response over 1 s, no timeout, server up)"))
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description="helpers for scripts/load")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--base", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--wait", type=float, default=60)
    p = sub.add_parser("sample")
    p.add_argument("--base", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seconds", type=float, default=0)
    p.add_argument("--interval", type=float, default=1.0)
    p = sub.add_parser("snapshot")
    p.add_argument("--base", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--dir", required=True)
    p.add_argument("--flat-mib", type=float, default=8.0)
    a = ap.parse_args()
    return {"seed": cmd_seed, "sample": cmd_sample, "snapshot": cmd_snapshot,
            "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
