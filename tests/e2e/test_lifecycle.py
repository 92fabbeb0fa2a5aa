"""Running it (issue 11, item 6): readiness at start-up and during the drain, graceful
shutdown. (Handover, rolling restart and the systemd units: test_restart, run once.)

- Start-up: readiness is 503 (liveness 200) while start-up recovery finishes what a kill -9
  left half-done (a cancel), and 200 once it is done.
- SIGTERM: readiness turns 503 at once while liveness stays 200 and requests are still served
  during --shutdown-delay-ms; a second signal ends the process at once (non-zero, logged).
- SIGTERM under load: every request answered 201 is in My page after a restart, the exit
  code is 0 and the databases were closed cleanly (no WAL left to replay).
"""

import os
import re
import signal
import threading
import time
import unittest

from harness import Client, E2ETestCase, booking_payload, get_all, one_by_booking, poll

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def established_to(port):
    """Client connections to 127.0.0.1:port in state ESTABLISHED (/proc/net/tcp)."""
    n = 0
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and int(remote.split(":")[1], 16) == port:
                n += 1
    return n


def readiness(client):
    return client.get("/actuator/health/readiness").status


class DrainTest(E2ETestCase):

    def test_readiness_503_at_once_while_still_serving_then_second_signal_exits(self):
        server = self.start_server(["--shutdown-delay-ms", "60000"])
        c = server.client()
        self.assertEqual(readiness(c), 200)
        server.proc.send_signal(signal.SIGTERM)
        poll(lambda: readiness(server.client()) == 503, 5, "readiness 503 after SIGTERM")
        probe = server.client()
        self.assertEqual(probe.get("/actuator/health/liveness").status, 200)
        # The delay is for the load balancer: requests are still answered meanwhile.
        r = probe.post("/books", booking_payload(customer="late"))
        self.assertStatus(r, 201)
        # A second signal: the process exits at once (well before the 60 s delay).
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=20)
        self.assertEqual(code, 128 + signal.SIGTERM)
        poll(lambda: any("exiting at once" in line for line in server.log()), 5,
             "the second signal logged")

    def test_sigterm_under_load_loses_no_accepted_request(self):
        server = self.start_server()
        created, lock, stop = [], threading.Lock(), threading.Event()
        refused = []

        def client_loop(n):
            c = Client("127.0.0.1", server.port, timeout_s=30)
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    r = c.request("POST", "/books",
                                  booking_payload(customer=f"load{n}-{i}"), retry=False)
                except OSError as exc:  # after the listener closed: never accepted
                    refused.append(repr(exc))
                    c = Client("127.0.0.1", server.port, timeout_s=30)
                    time.sleep(0.01)
                    continue
                if r.status == 201:
                    with lock:
                        created.append(r.body["id"])
                elif r.status != 503:
                    raise AssertionError(r.describe())
            c.close()

        threads = [threading.Thread(target=client_loop, args=(n,), daemon=True)
                   for n in range(4)]
        for t in threads:
            t.start()
        poll(lambda: len(created) >= 40, 30, "40 bookings under load")
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(code, 0, "a drained stop exits 0")
        log = "\n".join(server.log())
        self.assertIn("draining", log)
        self.assertNotIn("grace of", log, "the drain must finish within the grace")
        for name in ("booking", "payment", "ticket", "mypage"):
            wal = os.path.join(server.data_dir, name + ".db-wal")
            self.assertFalse(os.path.exists(wal) and os.path.getsize(wal) > 0,
                             f"{wal} left behind: the database was not closed cleanly")

        server.start()
        c = server.client()
        ids = sorted(created)

        def all_in_my_page():
            rows = {m["bookingId"]: m for m in get_all(c, "mypages")}
            missing = [i for i in ids if i not in rows or rows[i].get("paymentStatus") != "Paid"]
            if missing:
                raise AssertionError(f"{len(missing)} of {len(ids)} bookings answered 201 are "
                                     f"not paid in My page, e.g. {missing[:5]}")
            return True
        poll(all_in_my_page, 30, "every booking answered 201 in My page")
        self.assertEqual(sorted(b["id"] for b in get_all(c, "books")), ids,
                         "exactly the bookings answered 201 exist")


class StartUpTest(E2ETestCase):

    def test_readiness_503_during_start_up_recovery_then_200(self):
        # A cancel whose ticket withdrawal misses its deadline keeps its intent for recovery
        # (sagas.cpp, finish_cancel).
        server = self.start_server(["--fault", "ticket:latency=2000"])
        c = server.client()
        r = c.post("/books", booking_payload(customer="stuck"))
        self.assertStatus(r, 201)
        bid = r.body["id"]
        one_by_booking(c, "tickets", bid, what=f"the ticket of booking {bid}")
        r = c.delete(f"/books/{bid}")
        self.assertNotIn(r.status, (200, 204), r.describe())
        # kill -9, then a start whose ticket module answers within its (longer) deadline but
        # slowly: start-up recovery finishes the cancel and takes >= 1.5 s meanwhile.
        server.wait_ready = False
        server.restart(["--fault", "ticket:latency=1500", "--ticket-deadline-ms", "5000"],
                       kill=True)
        probe = server.client()
        body = poll(lambda: (lambda r: r.body if r.status == 503 else None)(
            probe.get("/actuator/health/readiness")), 5, "readiness 503 while recovering")
        self.assertEqual(body["status"], "OUT_OF_SERVICE")
        self.assertEqual(probe.get("/actuator/health/liveness").status, 200,
                         "recovering is not wedged: liveness stays 200")
        poll(lambda: readiness(probe) == 200, 20, "ready once recovery is done")
        log = server.log()
        start = max(i for i, line in enumerate(log) if "start #2" in line)
        recovered = [i for i, line in enumerate(log)
                     if f"finished the interrupted cancel of booking {bid}: canceled" in line]
        ready = [i for i, line in enumerate(log) if re.search(r"\bready$", line)]
        self.assertTrue(recovered and recovered[-1] > start, "recovery ran at start-up")
        self.assertTrue(ready and ready[-1] > recovered[-1], "ready after the recovery")
        self.assertEqual(probe.get(f"/books/{bid}").body["status"], "Canceled")


if __name__ == "__main__":
    unittest.main()
