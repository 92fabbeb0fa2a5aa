"""Concurrent requests: every booking is taken once, and racing state changes have one winner.

MISSION.md, "Invariants a reviewer will try to break": "A booking cancelled before print is
refunded exactly once; cancel and print racing on the same booking: exactly one of them wins."
and "An event ... its effect is applied once per consumer". ARCHITECTURE.md "Threads": one
io_context on several threads, each module serialized on its own strand.
"""

import concurrent.futures
import threading
import unittest

from harness import (E2ETestCase, booking_payload, find_by_booking, get_all, poll, print_ticket,
                     total, wait_booking_status, wait_mypage, wait_ticket)


class ConcurrencyTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def run_parallel(self, fn, args, workers):
        """fn(client, arg) for every arg on a pool of ``workers`` threads, one client each."""
        local = threading.local()
        barrier = threading.Barrier(min(workers, len(args)))

        def call(arg):
            if not hasattr(local, "c"):
                local.c = self.server.client()
                try:
                    barrier.wait(timeout=10)  # the first wave starts together
                except threading.BrokenBarrierError:
                    pass
            return fn(local.c, arg)

        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            return list(pool.map(call, args))

    def test_200_concurrent_bookings(self):
        """MISSION.md "Performance"/"Invariants": 200 concurrent bookings (32 clients, distinct
        payloads) -> all 201 with unique ids, each stored as sent with one Paid payment, one
        ticket and one My page row (totalElements 200 each)."""
        before = {rel: total(self.server.client(), rel) for rel in ("books", "mypages")}
        payloads = [booking_payload(qty=1 + i % 4, movie=f"movie-{i}", price=1000 * i,
                                    customer=f"cc{i % 7}") for i in range(200)]
        results = self.run_parallel(lambda c, p: (p, c.post("/books", p)), payloads, 32)
        ids = []
        for p, r in results:
            self.assertStatus(r, 201)
            self.assertTrue(r.headers.get("Location", "").endswith(f"/books/{r.body['id']}"),
                            r.describe())
            self.assertEqual((r.body["movieName"], r.body["seat"], r.body["totalPrice"],
                              r.body["qty"], r.body["customerId"]),
                             (p["movieName"], p["seat"], p["totalPrice"], p["qty"],
                              p["customerId"]))
            ids.append(r.body["id"])
        self.assertEqual(len(set(ids)), 200, "booking ids must be unique")

        c = self.server.client()
        poll(lambda: total(c, "mypages") == before["mypages"] + 200, 30,
             "200 new my page rows")
        self.assertEqual(total(c, "books"), before["books"] + 200)
        sent = {r.body["id"]: p for p, r in results}
        rows = [m for m in get_all(c, "mypages") if m["bookingId"] in sent]
        self.assertEqual(sorted(m["bookingId"] for m in rows), sorted(ids))
        for m in rows:
            p = sent[m["bookingId"]]
            self.assertEqual((m["movieName"], m["seat"], m["totalPrice"], m["qty"]),
                             (p["movieName"], p["seat"], p["totalPrice"], p["qty"]), m)
        for rel in ("payments", "tickets"):
            items = poll(lambda: self.items_for(c, rel, sent, 200), 30, f"200 new {rel}")
            self.assertEqual(sorted(i["bookingId"] for i in items), sorted(ids), rel)
        for p in get_all(c, "payments"):
            if p["bookingId"] in sent:
                self.assertEqual(p["status"], "Paid", p)
                self.assertEqual(p["totalPrice"], sent[p["bookingId"]]["totalPrice"], p)

    @staticmethod
    def items_for(c, rel, bookings, n):
        items = [i for i in get_all(c, rel) if i["bookingId"] in bookings]
        return items if len(items) == n else None

    def test_concurrent_prints_one_wins(self):
        """MISSION.md scenario 4 + "Transactions": 10 simultaneous prints of one ticket ->
        exactly one 200, the others 409; exactly one review is opened."""
        c = self.server.client()
        b = self.book(c)
        ticket = wait_ticket(c, b["id"], "Waiting")
        results = self.run_parallel(lambda cl, _: print_ticket(cl, ticket["id"]), range(10), 10)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] + [409] * 9, [r.describe() for r in results])
        self.assertEqual(len(find_by_booking(c, "reviews", b["id"])), 1)
        wait_booking_status(c, b["id"], "PrintComplete")

    def test_concurrent_cancels_refund_once(self):
        """MISSION.md "refunded exactly once": 10 simultaneous cancels of one booking (DELETE
        and PATCH mixed) -> exactly one succeeds, the others 409; one payment, Canceled."""
        c = self.server.client()
        b = self.book(c)
        wait_ticket(c, b["id"], "Waiting")

        def cancel(cl, i):
            if i % 2:
                return cl.delete(f"/books/{b['id']}")
            return cl.patch(f"/books/{b['id']}", {"status": "Canceled"})
        results = self.run_parallel(cancel, range(10), 10)
        ok = [r for r in results if r.status in (200, 204)]
        self.assertEqual(len(ok), 1, [r.describe() for r in results])
        for r in results:
            self.assertStatus(r, (200, 204, 409))
        wait_mypage(c, b["id"], lambda m: m.get("status") == "Canceled"
                    and m.get("paymentStatus") == "Canceled")
        payments = find_by_booking(c, "payments", b["id"])
        self.assertEqual([p["status"] for p in payments], ["Canceled"], payments)

    def test_print_and_cancel_race_exactly_one_wins(self):
        """MISSION.md invariant "cancel and print racing on the same booking: exactly one of
        them wins": for 12 bookings, print and cancel are sent at the same moment; for each,
        either the print won (200/409: ticket Printed, payment Paid, booking PrintComplete) or
        the cancel won (409/204: ticket Canceled, payment Canceled, booking Canceled)."""
        c = self.server.client()
        bookings = [self.book(c) for _ in range(12)]
        tickets = {b["id"]: wait_ticket(c, b["id"], "Waiting")["id"] for b in bookings}
        jobs = [(kind, b["id"]) for b in bookings for kind in ("print", "cancel")]

        def act(cl, job):
            kind, bid = job
            if kind == "print":
                return job, print_ticket(cl, tickets[bid])
            return job, cl.delete(f"/books/{bid}")
        results = dict(self.run_parallel(act, jobs, 24))

        for b in bookings:
            bid = b["id"]
            p, x = results[("print", bid)], results[("cancel", bid)]
            outcome = (p.status, x.status)
            self.assertIn(outcome, ((200, 409), (409, 204)),
                          f"booking {bid}: print {p.describe()} / cancel {x.describe()}")
            if outcome == (200, 409):
                want = ("PrintComplete", "Paid", "Printed")
            else:
                want = ("Canceled", "Canceled", "Canceled")
            wait_booking_status(c, bid, want[0])
            row = wait_mypage(c, bid, lambda m: (m.get("status"), m.get("paymentStatus"),
                                                 m.get("ticketStatus")) == want,
                              what=f"my page row of booking {bid} to be {want}")
            self.assertEqual(row["status"], want[0])
            self.assertEqual([x["status"] for x in find_by_booking(c, "payments", bid)],
                             [want[1]])
            self.assertEqual([x["status"] for x in find_by_booking(c, "tickets", bid)],
                             [want[2]])

    def book(self, c, **kw):
        r = c.post("/books", booking_payload(**kw))
        self.assertStatus(r, 201)
        return r.body


if __name__ == "__main__":
    unittest.main()
