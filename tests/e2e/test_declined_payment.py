"""A booking whose payment is declined must not exist at all.

MISSION.md, "Non-functional requirements / Transactions": "A booking whose payment did not
succeed must not exist at all (synchronous call booking -> payment)", and the invariant "a
failed or timed-out booking leaves no booking, no ticket, no My page row, and no payment that
stays charged".
"""

import concurrent.futures
import threading
import time
import unittest

from harness import (E2ETestCase, booking_payload, find_by_booking, get_all, poll, totals,
                     wait_mypage, wait_ticket)

DEFAULT_LIMIT = 1_000_000


class DeclinedPaymentTest(E2ETestCase):

    def assert_nothing_remains(self, c, before, successes, declined_ids):
        """After the successful bookings' rows appeared (a fence for the consumers), every
        collection grew by exactly the successes, and nothing refers to a declined booking."""
        for booking_id in successes:
            wait_ticket(c, booking_id, "Waiting")
            wait_mypage(c, booking_id, lambda m: m.get("paymentStatus") == "Paid")
        n = len(successes)
        after = totals(c)
        self.assertEqual(after, {"books": before["books"] + n, "payments": before["payments"] + n,
                                 "tickets": before["tickets"] + n, "reviews": before["reviews"],
                                 "mypages": before["mypages"] + n},
                         "a declined booking left something behind")
        books = {b["id"] for b in get_all(c, "books")}
        for rel in ("payments", "tickets", "mypages"):
            for item in get_all(c, rel):
                self.assertIn(item["bookingId"], books, f"{rel} item of no booking: {item}")
        for booking_id in declined_ids:
            if booking_id in books:
                continue  # the id was reused by a later successful booking
            self.assertStatus(c.get(f"/books/{booking_id}"), 404)
            for rel in ("payments", "tickets", "mypages"):
                self.assertEqual(find_by_booking(c, rel, booking_id), [], rel)

    def test_declined_leaves_nothing(self):
        """MISSION.md "Transactions": totalPrice strictly above the decline limit -> 402
        problem; afterwards no booking, payment, ticket or My page row exists for it, while a
        booking at exactly the limit succeeds."""
        server = self.start_server()
        c = server.client()
        before = totals(c)
        self.assertEqual(before, dict.fromkeys(before, 0))

        r = c.post("/books", booking_payload(price=DEFAULT_LIMIT + 1))
        self.assertProblem(r, 402)
        self.assertIsNone(r.headers.get("Location"), r.describe())
        # On a fresh data dir the declined booking would have been booking 1.
        self.assertProblem(c.get("/books/1"), 404)
        self.assertEqual(totals(c), before)

        # httpie-style strings are declined the same way.
        r = c.post("/books", {"qty": "1", "movieName": "soul", "seat": "7C",
                              "totalPrice": str(DEFAULT_LIMIT + 500)})
        self.assertProblem(r, 402)

        ok = c.post("/books", booking_payload(price=DEFAULT_LIMIT))
        self.assertStatus(ok, 201)
        self.assert_nothing_remains(c, before, [ok.body["id"]], [1, 2])

    def test_declines_mixed_with_successes_concurrently(self):
        """MISSION.md "Transactions" under concurrency: 20 declined and 20 accepted bookings
        sent at once -> exactly the 20 accepted exist, each with one Paid payment, one ticket and
        one My page row; nothing of the declined ones remains."""
        server = self.start_server()
        before = totals(server.client())
        local = threading.local()

        def send(i):
            if not hasattr(local, "c"):
                local.c = server.client()
            price = DEFAULT_LIMIT + 1 + i if i % 2 else 1000 + i
            return i, local.c.post("/books", booking_payload(price=price, customer=f"c{i}"))

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(send, range(40)))
        successes = []
        for i, r in results:
            if i % 2:
                self.assertProblem(r, 402)
            else:
                self.assertStatus(r, 201)
                successes.append(r.body["id"])
        c = server.client()
        self.assert_nothing_remains(c, before, successes, [])
        for booking_id in successes:
            payments = find_by_booking(c, "payments", booking_id)
            self.assertEqual([p["status"] for p in payments], ["Paid"], payments)

    def test_timed_out_payment_is_refunded(self):
        """MISSION.md invariant "a failed or timed-out booking leaves no booking, no ticket, no
        My page row, and no payment that stays charged" (ARCHITECTURE.md: the booking is refused
        with 503, "a payment that completes late is refunded"): with the payment provider slower
        than the booking -> payment deadline (610 ms), POST /books -> 503; once the late charge
        has had time to complete it is Canceled, and it stays so after a restart."""
        latency_s = 1.5
        server = self.start_server(["--payment-latency-ms", str(int(latency_s * 1000))])
        c = server.client()
        started = time.monotonic()
        r = c.post("/books", booking_payload(price=7000))
        self.assertProblem(r, 503)
        self.assertLess(time.monotonic() - started, latency_s,
                        "the booking must be refused at its deadline, not after the charge")
        refused_at = time.monotonic()

        def settled():
            books = {b["id"] for b in get_all(c, "books")}
            if books:
                raise AssertionError(f"bookings exist after a refused booking: {books}")
            charged = [p for p in get_all(c, "payments") if p["status"] != "Canceled"]
            if charged:
                raise AssertionError(f"payments still charged: {charged}")
            if time.monotonic() - refused_at < latency_s + 0.5:
                raise AssertionError("the late charge may not have completed yet")
            return True
        poll(settled, 15, "the late payment of the refused booking to be refunded (or never made)")

        server.restart(extra_args=[])
        c = server.client()
        ok = c.post("/books", booking_payload(price=8000))
        self.assertStatus(ok, 201)
        wait_mypage(c, ok.body["id"], lambda m: m.get("ticketStatus") == "Waiting"
                    and m.get("paymentStatus") == "Paid")
        self.assertEqual([b["id"] for b in get_all(c, "books")], [ok.body["id"]])
        self.assertEqual([t["bookingId"] for t in get_all(c, "tickets")], [ok.body["id"]])
        self.assertEqual([m["bookingId"] for m in get_all(c, "mypages")], [ok.body["id"]])
        for p in get_all(c, "payments"):
            want = "Paid" if p["bookingId"] == ok.body["id"] else "Canceled"
            self.assertEqual(p["status"], want, p)

    def test_decline_limit_from_flag_and_env(self):
        """MISSION.md "Configuration" (ARCHITECTURE.md: flags > environment): the decline
        limit comes from --payment-decline-above or MOVIE_PAYMENT_DECLINE_ABOVE, the flag
        winning; charges strictly above it are declined."""
        server = self.start_server(["--payment-decline-above", "5000"],
                                   env={"MOVIE_PAYMENT_DECLINE_ABOVE": "3000"})
        c = server.client()
        self.assertProblem(c.post("/books", booking_payload(price=5001)), 402)
        self.assertStatus(c.post("/books", booking_payload(price=5000)), 201)
        self.assertStatus(c.post("/books", booking_payload(price=4000)), 201)

        server.restart(extra_args=[], env={"MOVIE_PAYMENT_DECLINE_ABOVE": "3000"})
        c = server.client()
        self.assertProblem(c.post("/books", booking_payload(price=3001)), 402)
        self.assertStatus(c.post("/books", booking_payload(price=3000)), 201)


if __name__ == "__main__":
    unittest.main()
