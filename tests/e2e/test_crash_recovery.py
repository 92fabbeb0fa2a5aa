"""Crashes (kill -9) in the middle of traffic: nothing committed is lost, nothing is applied twice,
and the sagas settle whatever a crash left half-done.

MISSION.md, "Invariants a reviewer will try to break": "A confirmed booking always has exactly
one approved payment; a failed or timed-out booking leaves no booking, no ticket, no My page row,
and no payment that stays charged." and "An event is never lost once the state change that
caused it committed, and its effect is applied once per consumer -- across crashes (kill -9),
restarts, and a paused module." ARCHITECTURE.md: outbox, inbox, relay at start-up, sagas with a
recovery pass ("a booking is Pending until its payment is known").
"""

import collections
import concurrent.futures
import http.client
import os
import random
import sys
import threading
import time
import unittest

from harness import (DEADLINE_SCALE, Client, E2ETestCase, booking_payload, get_all, poll, total,
                     wait_mypage)

FINAL_BOOKING = {"PaidComplete", "PrintComplete", "ReviewComplete", "Canceled"}
TICKET_FOR_BOOKING = {"PaidComplete": "Waiting", "PrintComplete": "Printed",
                      "ReviewComplete": "Printed", "Canceled": "Canceled"}
LOST = (OSError, http.client.HTTPException)  # the server died under the request


class Ledger:
    """What the clients know for sure about the outcome of their requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = {}          # booking id -> payload, answered 201
        self.canceled = set()      # answered 204
        self.printed = set()       # booking ids whose ticket print was answered 200
        self.cancel_unknown = set()  # cancel sent, answer lost in the crash
        self.print_unknown = set()
        self.booking_unknown = 0   # POST /books sent, answer lost in the crash
        self.refused = collections.Counter()  # expected refusals (e.g. 503 under load)
        self.anomalies = []        # answers that contradict the contract

    def note(self, fn):
        with self.lock:
            fn(self)


class CrashRecoveryTest(E2ETestCase):

    def setUp(self):
        seed = int(os.environ.get("MB_E2E_SEED", random.randrange(1 << 30)))
        sys.stderr.write(f"\n[{self.id()}] random seed {seed} (MB_E2E_SEED to repeat)\n")
        self.rng = random.Random(seed)

    # -- traffic -----------------------------------------------------------------------------

    def traffic(self, server, ledger, seed, ops, stop, progress):
        """One client: books, and for some of its own bookings prints or cancels (never both),
        until ``ops`` operations are done, ``stop`` is set, or the server dies under it."""
        rng = random.Random(seed)
        # Not server.client(): the harness closes those on kill, from another thread.
        c = Client("127.0.0.1", server.port, timeout_s=20)
        mine = []
        try:
            for _ in range(ops):
                if stop.is_set():
                    return
                roll = rng.random()
                try:
                    if mine and roll < 0.2:
                        self.cancel_one(c, ledger, mine.pop(rng.randrange(len(mine))))
                    elif mine and roll < 0.4:
                        self.print_one(c, ledger, mine.pop(rng.randrange(len(mine))), mine)
                    else:
                        self.book_one(c, ledger, rng, mine)
                except LOST:
                    return
                with progress["lock"]:
                    progress["done"] += 1
        except BaseException as exc:  # a bug in this test: make it visible, not a hang
            ledger.note(lambda l: l.anomalies.append(f"client thread crashed: {exc!r}"))
            raise
        finally:
            c.close()

    def book_one(self, c, ledger, rng, mine):
        body = booking_payload(qty=rng.randint(1, 3), price=rng.randint(0, 50) * 1000,
                               customer=f"crash{rng.randint(1, 5)}")
        try:
            r = c.post("/books", body, retry=False)
        except LOST:
            ledger.note(lambda l: setattr(l, "booking_unknown", l.booking_unknown + 1))
            raise
        if r.status == 201:
            ledger.note(lambda l: l.created.__setitem__(r.body["id"], body))
            mine.append(r.body["id"])
        elif r.status == 503:
            ledger.note(lambda l: l.refused.update(["booking 503"]))
        else:
            ledger.note(lambda l: l.anomalies.append(f"booking {body}: {r.describe()}"))

    def cancel_one(self, c, ledger, booking_id):
        try:
            r = c.delete(f"/books/{booking_id}", retry=False)
        except LOST:
            ledger.note(lambda l: l.cancel_unknown.add(booking_id))
            raise
        if r.status == 204:
            ledger.note(lambda l: l.canceled.add(booking_id))
        else:
            ledger.note(lambda l: l.anomalies.append(f"cancel of unprinted booking "
                                                     f"{booking_id}: {r.describe()}"))

    def print_one(self, c, ledger, booking_id, mine):
        r = c.get(f"/tickets/search/findByBookingId?bookingId={booking_id}", retry=False)
        tickets = (r.body.get("_embedded") or {}).get("tickets", []) if r.status == 200 and \
            isinstance(r.body, dict) else []
        if not tickets:
            mine.append(booking_id)  # not issued yet: try another time
            return
        try:
            p = c.patch(f"/tickets/{tickets[0]['id']}", {"status": "Printed"}, retry=False)
        except LOST:
            ledger.note(lambda l: l.print_unknown.add(booking_id))
            raise
        if p.status == 200:
            ledger.note(lambda l: l.printed.add(booking_id))
        elif p.status == 503:
            ledger.note(lambda l: l.refused.update(["print 503"]))
        else:
            ledger.note(lambda l: l.anomalies.append(f"print of booking {booking_id}: "
                                                     f"{p.describe()}"))

    def run_round(self, server, ledger, threads=4, ops=75):
        """Traffic from ``threads`` clients, killed with SIGKILL after a random number of
        completed operations; returns when every client has stopped."""
        stop = threading.Event()
        progress = {"lock": threading.Lock(), "done": 0}
        kill_after = self.rng.randint(threads * ops // 5, threads * ops * 4 // 5)
        workers = [threading.Thread(target=self.traffic,
                                    args=(server, ledger, self.rng.randrange(1 << 30), ops, stop,
                                          progress), daemon=True)
                   for _ in range(threads)]
        for w in workers:
            w.start()

        def reached():
            with progress["lock"]:
                return progress["done"] >= kill_after or not any(w.is_alive() for w in workers)
        poll(reached, 30, f"{kill_after} operations of traffic", interval_s=0.005,
             max_interval_s=0.01)
        server.kill9()
        stop.set()
        for w in workers:
            w.join(20)
            self.assertFalse(w.is_alive(), "a client thread hung after the kill")
        with progress["lock"]:
            return progress["done"]

    # -- convergence -------------------------------------------------------------------------

    def check_converged(self, c, ledger):
        """Raises AssertionError listing every discrepancy (poll retries until none)."""
        books = {b["id"]: b for b in get_all(c, "books")}
        by_booking = {}
        for rel in ("payments", "tickets", "mypages"):
            grouped = collections.defaultdict(list)
            for item in get_all(c, rel):
                grouped[item["bookingId"]].append(item)
            by_booking[rel] = grouped
        problems = []
        with ledger.lock:
            created = dict(ledger.created)
            canceled, cancel_unknown = set(ledger.canceled), set(ledger.cancel_unknown)
            printed, print_unknown = set(ledger.printed), set(ledger.print_unknown)
            booking_unknown = ledger.booking_unknown
        for bid in created:
            if bid not in books:
                problems.append(f"booking {bid} was answered 201 but does not exist")
        if len(books) > len(created) + booking_unknown:
            problems.append(f"{len(books)} bookings exist but only {len(created)} were answered "
                            f"201 and {booking_unknown} answers were lost")
        def known(bid):
            facts = ["booked 201" if bid in created else "booking answer lost or never sent"]
            facts += ["cancel 204"] if bid in canceled else []
            facts += ["cancel answer lost"] if bid in cancel_unknown else []
            facts += ["print 200"] if bid in printed else []
            facts += ["print answer lost"] if bid in print_unknown else []
            return "; ".join(facts)

        problems_before, prev = len(problems), None
        for bid, b in sorted(books.items()):
            if len(problems) > problems_before:
                problems[-1] += f"  [client knows: {known(prev)}]"
            problems_before, prev = len(problems), bid
            st = b.get("status")
            if st not in FINAL_BOOKING:
                problems.append(f"booking {bid} is still {st!r}")
                continue
            if bid in created:
                sent = created[bid]
                if (b["qty"], b["seat"], b["totalPrice"]) != (int(sent["qty"]), sent["seat"],
                                                               int(sent["totalPrice"])):
                    problems.append(f"booking {bid} is {b}, was sent {sent}")
            if bid in canceled and st != "Canceled":
                problems.append(f"booking {bid} was cancelled (204) but is {st}")
            if st == "Canceled" and bid not in canceled | cancel_unknown:
                problems.append(f"booking {bid} is Canceled but nobody cancelled it")
            if bid in printed and st not in ("PrintComplete", "ReviewComplete"):
                problems.append(f"booking {bid} was printed (200) but is {st}")
            pays = by_booking["payments"].get(bid, [])
            want_pay = "Canceled" if st == "Canceled" else "Paid"
            if [p["status"] for p in pays] != [want_pay]:
                problems.append(f"booking {bid} ({st}) has payments "
                                f"{[(p['id'], p['status']) for p in pays]}, want one {want_pay}")
            tickets = by_booking["tickets"].get(bid, [])
            want_ticket = TICKET_FOR_BOOKING[st]
            if [t["status"] for t in tickets] != [want_ticket]:
                problems.append(f"booking {bid} ({st}) has tickets "
                                f"{[(t['id'], t['status']) for t in tickets]}, want one "
                                f"{want_ticket}")
            rows = by_booking["mypages"].get(bid, [])
            if len(rows) != 1:
                problems.append(f"booking {bid} has {len(rows)} my page rows")
            elif (rows[0].get("status"), rows[0].get("paymentStatus"),
                  rows[0].get("ticketStatus")) != (st, want_pay, want_ticket):
                m = rows[0]
                problems.append(f"my page row of booking {bid} ({st}/{want_pay}/{want_ticket}) "
                                f"is {m.get('status')}/{m.get('paymentStatus')}/"
                                f"{m.get('ticketStatus')}")
        if books and len(problems) > problems_before:
            problems[-1] += f"  [client knows: {known(prev)}]"
        for p_bid, pays in by_booking["payments"].items():
            if p_bid not in books:
                for p in pays:
                    if p["status"] != "Canceled":
                        problems.append(f"payment {p['id']} of non-existent booking {p_bid} "
                                        f"stays {p['status']}")
        for rel in ("tickets", "mypages"):
            for bid, items in by_booking[rel].items():
                if bid not in books:
                    problems.append(f"{rel} of non-existent booking {bid}: {items}")
        if problems:
            raise AssertionError(f"{len(problems)} discrepancies:\n  " + "\n  ".join(problems[:40]))
        return books

    # -- tests -------------------------------------------------------------------------------

    def test_kill9_during_traffic_three_times(self):
        """MISSION.md invariants (exactly one approved payment per confirmed booking; no
        payment stays charged for a booking that does not exist; events never lost, applied
        once) across three kill -9 during concurrent booking/print/cancel traffic: after each
        restart on the same data dir everything converges -- every 201 booking exists and is
        settled (not Pending), has one payment (Paid, or Canceled iff the booking is), one
        ticket and one My page row whose statuses match the booking."""
        started = time.monotonic()
        server = self.start_server()
        ledger = Ledger()
        for rnd in range(3):
            done = self.run_round(server, ledger)
            sys.stderr.write(f"  round {rnd + 1}: killed after {done} operations; "
                             f"{len(ledger.created)} bookings answered 201 so far\n")
            server.start()  # same data dir
            c = server.client()
            books = poll(lambda: self.check_converged(c, ledger), 20,
                         f"convergence after kill -9 #{rnd + 1}")
        self.assertEqual(ledger.anomalies, [], "answers contradicting the contract")
        self.assertGreater(len(ledger.created), 30, "too little traffic to mean anything")
        sys.stderr.write(f"  {len(books)} bookings, {len(ledger.canceled)} cancelled, "
                         f"{len(ledger.printed)} printed, lost answers: "
                         f"{ledger.booking_unknown} bookings, {len(ledger.cancel_unknown)} "
                         f"cancels, {len(ledger.print_unknown)} prints; refused: "
                         f"{dict(ledger.refused)}\n")
        self.assertLess(time.monotonic() - started, 90 * DEADLINE_SCALE)

    def test_kill9_before_consumers_catch_up(self):
        """MISSION.md "An event is never lost once the state change that caused it committed,
        and its effect is applied once per consumer": kill -9 right after a burst of bookings
        (before the consumers caught up); after restart every booking gets exactly one My page
        row, ticket and payment -- and a second crash/restart duplicates nothing."""
        server = self.start_server()
        local = threading.local()

        def send(i):
            if not hasattr(local, "c"):
                local.c = server.client()
            return local.c.post("/books", booking_payload(qty=1 + i % 3, customer=f"b{i % 4}"))

        n = 80
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(send, range(n)))
        server.kill9()  # immediately: consumers are likely behind
        for r in results:
            self.assertStatus(r, 201)
        ids = sorted(r.body["id"] for r in results)
        self.assertEqual(len(set(ids)), n, "booking ids must be unique")

        server.start()
        c = server.client()

        def all_rows():
            counts = {rel: total(c, rel) for rel in ("books", "payments", "tickets", "mypages")}
            if counts != dict.fromkeys(counts, n):
                raise AssertionError(f"totals {counts}, want {n} each")
            return True
        poll(all_rows, 20, f"{n} bookings, payments, tickets and my page rows after restart")
        self.assert_once_each(c, ids)

        # Restart again (kill -9 at rest): replaying the outbox/inbox must not duplicate.
        server.kill9()
        server.start()
        c = server.client()
        fence = c.post("/books", booking_payload(customer="fence"))
        self.assertStatus(fence, 201)
        wait_mypage(c, fence.body["id"], lambda m: m.get("ticketStatus") == "Waiting")
        self.assert_once_each(c, ids + [fence.body["id"]])

    def assert_once_each(self, c, ids):
        for rel in ("payments", "tickets", "mypages"):
            items = get_all(c, rel)
            got = sorted(i["bookingId"] for i in items)
            self.assertEqual(got, sorted(ids), f"/{rel} must hold exactly one item per booking")
        books = get_all(c, "books")
        self.assertEqual(sorted(b["id"] for b in books), sorted(ids))
        for b in books:
            self.assertEqual(b["status"], "PaidComplete", b)
        rows = get_all(c, "mypages")
        for m in rows:
            self.assertEqual((m["status"], m["paymentStatus"], m["ticketStatus"]),
                             ("PaidComplete", "Paid", "Waiting"), m)


if __name__ == "__main__":
    unittest.main()
