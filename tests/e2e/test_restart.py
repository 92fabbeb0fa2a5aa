"""Restarting it (issue 11, item 7): data-directory handover, the --reuse-port successor,
scripts/rolling-restart, the systemd units. None of it depends on the bus, so this module runs
once, on the in-memory bus (like test_security), rather than again in the Kafka run.

- A second process on the same data directory waits for the first one's files without
  answering anything (requests wait in its accept queue, never 503) and serves them once it has
  the files.
- A --reuse-port successor takes over when the old process exits.
- scripts/rolling-restart under load: every request answered 201, consistency checked.
- config/systemd/movie-booking.service and .socket pass `systemd-analyze verify`.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unittest

from harness import (Client, E2ETestCase, binary_path, booking_payload, clean_env, get_all,
                     poll)
from test_lifecycle import ROOT, established_to, readiness


class HandoverTest(E2ETestCase):

    def spawn(self, data_dir, port, extra=()):
        args = [binary_path(), "--address", "127.0.0.1", "--port", str(port), "--data-dir",
                data_dir, "--auth", "off", "--accept-unlisted-movies", "--log-level", "info",
                *extra]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=clean_env(),
                                start_new_session=True)
        lines = []
        threading.Thread(target=lambda: [lines.append(raw.decode("utf-8", "replace"))
                                         for raw in iter(proc.stdout.readline, b"")],
                         daemon=True).start()

        def cleanup():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        self.addCleanup(cleanup)
        return proc, lines

    def wait_log(self, lines, pattern, what):
        rx = re.compile(pattern)
        return poll(lambda: next((m for m in map(rx.search, list(lines)) if m), None), 20, what)

    def test_requests_wait_for_the_data_directory_and_are_never_refused(self):
        data_dir = tempfile.mkdtemp(prefix="mb-e2e-handover-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        # The previous owner of the data directory: a connection holding booking.db's lock.
        holder = sqlite3.connect(os.path.join(data_dir, "booking.db"), isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("CREATE TABLE IF NOT EXISTS handover_probe (x)")
        proc, lines = self.spawn(data_dir, 0)
        m = self.wait_log(lines, r"socket bound to 127\.0\.0\.1:(\d+)", "the early bind")
        port = int(m.group(1))
        self.wait_log(lines, r"booking\.db: held by another process", "the wait logged")

        answers = {}

        def send(name, method, path, body=None):
            c = Client("127.0.0.1", port, timeout_s=60)
            answers[name] = c.request(method, path, body, retry=False)
            c.close()
        senders = [threading.Thread(target=send, args=("booking", "POST", "/books",
                                                       booking_payload(customer="held"))),
                   threading.Thread(target=send, args=("readiness", "GET",
                                                       "/actuator/health/readiness"))]
        for t in senders:
            t.start()
        # While the files are held, nothing is answered (no 503): both connections are
        # established by the kernel and wait in the accept queue.
        poll(lambda: established_to(port) >= 2, 20, "both requests' connections queued")
        self.assertEqual(answers, {}, "nothing may be answered before the data directory is ours")
        self.assertIsNone(proc.poll())
        holder.execute("ROLLBACK")
        holder.close()
        for t in senders:
            t.join(timeout=60)
        self.assertStatus(answers["booking"], 201)
        self.assertIn(answers["readiness"].status, (200, 503))
        c = Client("127.0.0.1", port)
        poll(lambda: readiness(c) == 200, 20, "ready once the files are ours")
        bid = answers["booking"].body["id"]
        poll(lambda: any(m["bookingId"] == bid for m in get_all(c, "mypages")), 20,
             "the held booking reaches My page")
        c.close()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=30), 0)

    def test_reuse_port_successor_takes_over_when_the_old_process_exits(self):
        data_dir = tempfile.mkdtemp(prefix="mb-e2e-handover-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        old, old_lines = self.spawn(data_dir, 0, ["--reuse-port"])
        port = int(self.wait_log(old_lines, r"socket bound to 127\.0\.0\.1:(\d+)",
                                 "old: bound").group(1))
        c = Client("127.0.0.1", port)
        poll(lambda: readiness(c) == 200, 20, "old: ready")
        first = c.post("/books", booking_payload(customer="before"))
        self.assertStatus(first, 201)
        c.close()
        # Without --reuse-port the port is taken.
        other_dir = tempfile.mkdtemp(prefix="mb-e2e-other-")
        self.addCleanup(shutil.rmtree, other_dir, True)
        taken, taken_lines = self.spawn(other_dir, port)
        self.assertEqual(taken.wait(timeout=20), 1)
        self.wait_log(taken_lines, r"cannot listen on 127\.0\.0\.1:%d" % port,
                      "a second process without --reuse-port: port taken")

        new, new_lines = self.spawn(data_dir, port, ["--reuse-port"])
        self.wait_log(new_lines, r"socket bound to 127\.0\.0\.1:%d" % port, "new: bound")
        old.send_signal(signal.SIGTERM)
        self.assertEqual(old.wait(timeout=30), 0)
        self.wait_log(new_lines, r"\bready\b", "new: ready")
        c = Client("127.0.0.1", port)
        second = c.post("/books", booking_payload(customer="after"))
        self.assertStatus(second, 201)
        ids = sorted(b["id"] for b in get_all(c, "books"))
        self.assertEqual(ids, sorted([first.body["id"], second.body["id"]]))
        c.close()
        new.send_signal(signal.SIGTERM)
        self.assertEqual(new.wait(timeout=30), 0)


class RollingRestartTest(unittest.TestCase):

    def test_rolling_restart_under_load_answers_every_request(self):
        # scripts/test installs wrk (scripts/lib.sh MB_TEST_PACKAGES): missing is a failure.
        self.assertIsNotNone(shutil.which("wrk"), "wrk is not installed (Debian package wrk)")
        out = subprocess.run(
            [sys.executable, os.path.join(ROOT, "scripts", "rolling_restart.py"),
             "--binary", binary_path(), "--duration", "4", "--connections", "8",
             "--rate", "20000"],
            capture_output=True, text=True, timeout=240, env=clean_env())
        report = out.stdout + out.stderr
        self.assertEqual(out.returncode, 0, report)
        m = re.search(r"(\d+) of (\d+) requests answered 201 -> availability ([\d.]+) %", report)
        self.assertIsNotNone(m, report)
        self.assertGreater(int(m.group(2)), 0, report)
        self.assertEqual(m.group(1), m.group(2), report)
        self.assertIn("consistency: ok", report)


class SystemdUnitTest(unittest.TestCase):

    def test_units_verify(self):
        # scripts/test installs systemd (MB_TEST_PACKAGES): missing is a failure, not a skip.
        self.assertIsNotNone(shutil.which("systemd-analyze"),
                             "systemd-analyze is not installed (Debian package systemd)")
        work = tempfile.mkdtemp(prefix="mb-systemd-")
        self.addCleanup(shutil.rmtree, work, True)
        src = os.path.join(ROOT, "config", "systemd")
        names = ["movie-booking.service", "movie-booking.socket"]
        for name in names:
            with open(os.path.join(src, name), encoding="utf-8") as f:
                text = f.read()
            # verify checks that ExecStart exists: point it at the binary under test.
            text = text.replace("/usr/local/bin/movie-booking", binary_path())
            with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                f.write(text)
        out = subprocess.run(["systemd-analyze", "verify"] + [os.path.join(work, n) for n in names],
                             capture_output=True, text=True, timeout=60)
        ours = [line for line in (out.stdout + out.stderr).splitlines() if "movie-booking" in line]
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(ours, [], "systemd-analyze complains about our units")
        with open(os.path.join(src, "movie-booking.service"), encoding="utf-8") as f:
            unit = f.read()
        timeout_stop = int(re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M).group(1))
        self.assertGreater(timeout_stop * 1000, 10000, "TimeoutStopSec must exceed the grace")
        self.assertIn("KillSignal=SIGTERM", unit)
        self.assertIn("Type=notify", unit)


if __name__ == "__main__":
    unittest.main()
