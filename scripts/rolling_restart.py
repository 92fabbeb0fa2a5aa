"""scripts/rolling-restart's body: replaces a movie-booking process by a new one under wrk load
and prints the availability (answered 201 / sent) and a consistency check afterwards.

Two ways to share the port (README "Rolling restart"):
  socket      (default) this script holds the listening socket, as systemd's movie-booking.socket
              does, and hands it to each process as LISTEN_FDS=1 (fd 3). The kernel's accept
              queue outlives every process: nothing is refused or reset.
  reuse-port  each process binds its own socket with --reuse-port (SO_REUSEPORT). Connections
              the kernel had hashed to the old process's queue but it had not accepted yet are
              reset when it closes its listener, unless net.ipv4.tcp_migrate_req = 1 (Linux >=
              5.14) moves them to the new one: the printed figure says which applied.

The sequence: start the old process, register a catalogue, start wrk (POST /books, one distinct
seat each, scripts/bench_post_books.lua), and at --restart-at seconds start the new process on
the same data directory and port, wait until it has its socket, send SIGTERM to the old one
(which drains: its in-flight requests finish, its databases close), and let the new one take
the data directory over. After wrk ends: every booking (each 201 among them) must have reached
PaidComplete with exactly one Paid payment, one Waiting ticket and one My page row; no request
may have booked twice (one customer id per request); and there may be no more bookings than
201s plus the requests wrk cut off when its duration ended (one per connection at most).
Exit code 0 when availability is 100 % and the check passes, 1 otherwise.
"""

import argparse
import collections
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROWS, PER_ROW = 26, 50


def log(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


class Http:
    def __init__(self, port, timeout=15.0):
        self.port, self.timeout, self.conn = port, timeout, None

    def request(self, method, path, doc=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                body = None if doc is None else json.dumps(doc)
                headers = {"Content-Type": "application/json"} if doc is not None else {}
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, (json.loads(data) if data else None)
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1 or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def get_all(self, rel):
        items, page = [], 0
        while True:
            status, body = self.request("GET", f"/{rel}?page={page}&size=1000")
            if status != 200:
                raise RuntimeError(f"GET /{rel}: {status}")
            items += (body.get("_embedded") or {}).get(rel, [])
            page += 1
            if page >= int((body.get("page") or {}).get("totalPages", 1)):
                return items


class Process:
    """One movie-booking process; its log goes to <work>/<name>.log."""

    def __init__(self, name, args, work, listen_fd=None):
        self.name = name
        self.log_path = os.path.join(work, f"{name}.log")
        self.lines = []
        self.cond = threading.Condition()
        if listen_fd is not None:
            # systemd's protocol: the socket as fd 3, LISTEN_FDS=1 and LISTEN_PID = the
            # server's own pid (the shell execs it, keeping its pid).
            args = ["sh", "-c", 'exec 3<&"$MB_FD"; export LISTEN_FDS=1 LISTEN_PID=$$; '
                    'exec "$@"', "sh"] + args
            env = dict(os.environ, MB_FD=str(listen_fd))
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, pass_fds=(listen_fd,),
                                         env=env, start_new_session=True)
        else:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        with open(self.log_path, "w", encoding="utf-8") as out:
            for raw in iter(self.proc.stdout.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                out.write(line + "\n")
                out.flush()
                with self.cond:
                    self.lines.append(line)
                    self.cond.notify_all()

    def wait_line(self, pattern, deadline_s):
        rx = re.compile(pattern)
        end = time.monotonic() + deadline_s
        with self.cond:
            while True:
                for line in self.lines:
                    if rx.search(line):
                        return line
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) before "
                                       f"/{pattern}/; see {self.log_path}")
                left = end - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.name}: no /{pattern}/ within {deadline_s} s; see "
                                       f"{self.log_path}")
                self.cond.wait(min(left, 0.2))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_ready(port, deadline_s):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            status, _ = Http(port, timeout=2).request("GET", "/actuator/health/readiness")
            if status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"not ready within {deadline_s} s")


def catalogue(port, work, screenings):
    h = Http(port)
    s, screen = h.request("POST", "/screens", {"name": "rr", "rows": ROWS, "seatsPerRow": PER_ROW})
    assert s == 201, (s, screen)
    s, movie = h.request("POST", "/movies", {"title": "rolling restart", "runtimeMinutes": 100,
                                             "rating": "ALL"})
    assert s == 201, (s, movie)
    ids = []
    for _ in range(screenings):
        s, sc = h.request("POST", "/screenings", {"movieId": movie["id"], "screenId": screen["id"],
                                                  "startsAt": "2030-01-01T10:00:00Z",
                                                  "price": 5000})
        assert s == 201, (s, sc)
        ids.append(sc["id"])
    path = os.path.join(work, "screenings.ids")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(f"{i}\n" for i in ids))
    return path


def wrk_result(text):
    m = re.search(r"^MB_RESULT (.*)$", text, re.M)
    if not m:
        raise RuntimeError("wrk printed no MB_RESULT line:\n" + text)
    return dict(kv.split("=", 1) for kv in m.group(1).split())


def check_consistency(port, created, connections, deadline_s=60):
    """Problems (empty: consistent), polled until the events have settled or the deadline.

    wrk stops at its duration with one request in flight per connection at most: the server
    may have booked those without wrk counting the 201, so up to `connections` bookings more
    than the 201s are expected. A doubled request shows as two bookings of one customer id
    (the wrk script makes one per request)."""
    h = Http(port)
    end = time.monotonic() + deadline_s
    while True:
        books = h.get_all("books")
        grouped = {}
        for rel in ("payments", "tickets", "mypages"):
            g = collections.defaultdict(list)
            for item in h.get_all(rel):
                g[item["bookingId"]].append(item)
            grouped[rel] = g
        problems = []
        if not created <= len(books) <= created + connections:
            problems.append(f"{len(books)} bookings exist, {created} were answered 201 (and at "
                            f"most {connections} were cut off by wrk's end)")
        customers = collections.Counter(b.get("customerId") for b in books)
        doubled = [cid for cid, n in customers.items() if n > 1]
        if doubled:
            problems.append(f"{len(doubled)} requests booked twice, e.g. {doubled[:5]}")
        for b in books:
            bid = b["id"]
            pays = [p["status"] for p in grouped["payments"].get(bid, [])]
            tickets = [t["status"] for t in grouped["tickets"].get(bid, [])]
            rows = grouped["mypages"].get(bid, [])
            if b.get("status") != "PaidComplete":
                problems.append(f"booking {bid} is {b.get('status')}")
            if pays != ["Paid"]:
                problems.append(f"booking {bid}: payments {pays}, want one Paid")
            if tickets != ["Waiting"]:
                problems.append(f"booking {bid}: tickets {tickets}, want one Waiting")
            if len(rows) != 1 or rows[0].get("paymentStatus") != "Paid" or \
                    rows[0].get("ticketStatus") != "Waiting":
                problems.append(f"booking {bid}: my page rows {rows}")
        ids = {b["id"] for b in books}
        for rel, g in grouped.items():
            for bid in g:
                if bid not in ids:
                    problems.append(f"{rel} of a booking that does not exist: {bid}")
        if not problems or time.monotonic() > end:
            return problems, len(books)
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--mode", choices=("socket", "reuse-port"), default="socket")
    ap.add_argument("--duration", type=int, default=10, help="seconds of load")
    ap.add_argument("--restart-at", type=float, default=None,
                    help="seconds into the load (default: a third of it)")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--rate", type=int, default=20000,
                    help="bookings/s to size the catalogue: an upper bound, since a seat "
                         "booked twice answers 409 (registering screenings is cheap)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra argument for both processes, repeatable")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    restart_at = a.duration / 3 if a.restart_at is None else a.restart_at
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix="mb-rolling-")
    data = os.path.join(work, "data")
    procs = []
    listener = None
    try:
        if a.mode == "socket":
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", a.port))
            listener.listen(4096)
            port = listener.getsockname()[1]
        else:
            port = a.port
            if port == 0:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
        args = [a.binary, "--address", "127.0.0.1", "--port", str(port), "--data-dir", data,
                "--auth", "off", "--admin", "--log-level", "info",
                "--log-format", "text"] + a.server_arg
        if a.mode == "reuse-port":
            args.append("--reuse-port")
        fd = listener.fileno() if listener else None
        migrate = "n/a"
        if a.mode == "reuse-port":
            try:
                with open("/proc/sys/net/ipv4/tcp_migrate_req", encoding="ascii") as f:
                    migrate = f.read().strip()
            except OSError:
                migrate = "absent (Linux < 5.14)"
        log(f"mode {a.mode}, port {port}, data {data}"
            + (f", net.ipv4.tcp_migrate_req={migrate}" if a.mode == "reuse-port" else ""))

        old = Process("old", args, work, fd)
        procs.append(old)
        wait_ready(port, 60)
        screenings = math.ceil(a.rate * a.duration / (ROWS * PER_ROW)) + a.threads
        ids_file = catalogue(port, work, screenings)
        log(f"old process {old.proc.pid} ready; {screenings} screenings registered")

        wrk = subprocess.Popen(
            ["wrk", "-t", str(a.threads), "-c", str(a.connections), "-d", f"{a.duration}s",
             "--timeout", "20s", "-s", os.path.join(root, "scripts", "bench_post_books.lua"),
             f"http://127.0.0.1:{port}", "--", "screening", ids_file, str(a.threads), "1", "rr"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(restart_at)  # a moment into the load, not a synchronisation
        t0 = time.monotonic()
        new = Process("new", args, work, fd)
        procs.append(new)
        new.wait_line(r"socket bound to|socket activation", 30)
        log(f"new process {new.proc.pid} has its socket; SIGTERM to the old one")
        old.proc.send_signal(signal.SIGTERM)
        old_code = old.proc.wait(60)
        t_old = time.monotonic() - t0
        new.wait_line(r"\] ready$|\bready$", 90)
        t_new = time.monotonic() - t0
        log(f"old process exited with {old_code} after {t_old:.2f} s; the new one ready after "
            f"{t_new:.2f} s")
        out, _ = wrk.communicate(timeout=a.duration + 120)
        r = wrk_result(out)
        sent = int(r["requests"]) + sum(int(r[k]) for k in
                                        ("err_connect", "err_read", "err_write", "err_timeout"))
        created = int(r["created"])
        availability = 100.0 * created / sent if sent else 0.0
        problems, n_books = check_consistency(port, created, a.connections)
        figures = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "mode": a.mode,
            "tcp_migrate_req": migrate, "duration_s": a.duration, "connections": a.connections,
            "sent": sent, "created": created, "other_status": r["statuses"],
            "errors": {k: int(r[k]) for k in ("err_connect", "err_read", "err_write",
                                              "err_timeout")},
            "availability_percent": round(availability, 3), "old_exit_code": old_code,
            "handover_s": round(t_new, 3), "bookings": n_books, "consistency_problems": len(problems),
            "p99_us": int(r["p99_us"]), "max_us": int(r["max_us"]),
        }
        print(f"rolling restart ({a.mode}): {created} of {sent} requests answered 201 -> "
              f"availability {availability:.2f} %  (non-201 {r['statuses']}, socket errors "
              f"connect {r['err_connect']} read {r['err_read']} write {r['err_write']} timeout "
              f"{r['err_timeout']}; p99 {int(r['p99_us']) / 1000:.1f} ms, max "
              f"{int(r['max_us']) / 1000:.1f} ms)")
        print(f"old process exit code {old_code}; new process ready {t_new:.2f} s after it "
              f"started")
        if problems:
            print(f"consistency: FAILED, {len(problems)} problems:\n  " + "\n  ".join(problems[:20]))
        else:
            print(f"consistency: ok ({n_books} bookings, each PaidComplete with one Paid payment, "
                  f"one Waiting ticket and one My page row; {n_books - created} in flight when "
                  f"wrk stopped; no request booked twice)")
        if a.json:
            with open(a.json, "w", encoding="utf-8") as f:
                json.dump(figures, f, indent=1)
        ok = created == sent and not problems and old_code == 0
        return 0 if ok else 1
    finally:
        for p in reversed(procs):
            p.stop()
        if listener:
            listener.close()
        if a.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
