"""Instructions per booking, counted by callgrind (README "Metrics" and "Logs": what metrics
and the access log cost, where wrk's run-to-run noise hides a few per cent).

For each (label, binary, server arguments) it runs the binary under `valgrind --tool=callgrind`
on a fresh data directory (one io thread, --auth off, the seed's uncatalogued bookings), sends
the seed's POST /books `small` and then `large` times (two runs), waits until My page has a row
for every booking (so the events' work is inside the run), stops it with SIGTERM and reads the
program total. The marginal cost of one booking's whole path is
(total(large) - total(small)) / (large - small): start-up and shutdown cancel out. The count is
deterministic to a few hundred instructions; kernel time (write(2), fsync) is not in it.

Used by scripts/bench-instructions; prints a markdown table, the first row being the baseline.
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from harness import Client, booking_payload, poll  # noqa: E402


def total_instructions(binary, server_args, bookings, work):
    out = os.path.join(work, f"callgrind.{bookings}.{os.getpid()}.{len(os.listdir(work))}")
    data = tempfile.mkdtemp(prefix="data-", dir=work)
    args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
            "--port", "0", "--address", "127.0.0.1", "--data-dir", data, "--threads", "1",
            "--auth", "off", "--accept-unlisted-movies", *server_args]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    state = {"port": None, "lines": []}

    def read():
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            state["lines"].append(line)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m and state["port"] is None:
                state["port"] = int(m.group(1))
    threading.Thread(target=read, daemon=True).start()
    try:
        def port():
            if proc.poll() is not None:
                raise AssertionError(f"{binary} exited: {''.join(state['lines'][-20:])}")
            return state["port"]
        poll(port, 120, "the server's port")
        c = Client("127.0.0.1", state["port"], timeout_s=120)
        poll(lambda: c.get("/actuator/health/readiness").status == 200, 120, "readiness")
        for i in range(bookings):
            r = c.post("/books", booking_payload(customer=f"c{i % 50}"))
            if r.status != 201:
                raise AssertionError(r.describe())
        poll(lambda: c.get("/mypages?size=1").body["page"]["totalElements"] >= bookings, 600,
             "a My page row for every booking")
        c.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(out, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise AssertionError(f"no totals in {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--large", type=int, default=1000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("variant", nargs="+",
                    help="LABEL=BINARY[,ARG,ARG...] (server arguments comma-separated)")
    opts = ap.parse_args()
    if opts.large <= opts.small:
        ap.error("--large must exceed --small")
    work = tempfile.mkdtemp(prefix="mb-instructions-")
    rows = []
    try:
        for v in opts.variant:
            label, _, rest = v.partition("=")
            binary, *server_args = rest.split(",")
            if not label or not os.access(binary, os.X_OK):
                ap.error(f"not LABEL=BINARY[,ARGS]: {v!r}")
            small = total_instructions(binary, server_args, opts.small, work)
            large = total_instructions(binary, server_args, opts.large, work)
            per = (large - small) / (opts.large - opts.small)
            rows.append((label, per))
            print(f"==> {label}: {per:,.0f} instructions per booking", file=sys.stderr)
    finally:
        if opts.keep:
            print(f"==> kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nInstructions per booking (callgrind, {opts.small} and {opts.large} seed bookings, "
          f"{now}):\n")
    print("| variant | instructions per booking | vs first |")
    print("| --- | --- | --- |")
    base = rows[0][1]
    for label, per in rows:
        print(f"| {label} | {per:,.0f} | {per - base:+,.0f} ({(per - base) / base:+.2%}) |")


if __name__ == "__main__":
    main()
