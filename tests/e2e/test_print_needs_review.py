"""Printing a ticket needs its review record, created synchronously (ticket -> review).

MISSION.md, "Non-functional requirements": "A ticket cannot be printed unless its review record
was created (synchronous call ticket -> review)" and "When the review module is overloaded,
printing is refused fast and the customer is asked to print again shortly (circuit breaker +
fallback)". ARCHITECTURE.md: printing is refused with 503 + Retry-After.
"""

import time
import unittest

from harness import (E2ETestCase, book, find_by_booking, print_ticket, total,
                     wait_booking_status, wait_mypage, wait_ticket)


class PrintNeedsReviewTest(E2ETestCase):

    def assert_refused(self, r):
        self.assertProblem(r, 503)
        retry_after = (r.headers.get("Retry-After") or "").strip()
        self.assertTrue(retry_after, f"503 without Retry-After: {r.describe()}")
        if retry_after.isdigit():
            self.assertGreater(int(retry_after), 0, r.describe())

    def test_review_down_refuses_print(self):
        """MISSION.md "Transactions" + "Fault isolation": with the review module unavailable,
        PATCH /tickets/{id} Printed -> 503 problem with Retry-After, fast; the ticket stays
        Waiting, no review exists, the booking is not PrintComplete and can still be cancelled.
        After the review module is back (restart without --review-down), the print succeeds."""
        server = self.start_server(["--review-down"])
        c = server.client()
        b = book(c)
        other = book(c)
        ticket = wait_ticket(c, b["id"], "Waiting")

        for attempt in range(3):
            started = time.monotonic()
            r = print_ticket(c, ticket["id"])
            elapsed = time.monotonic() - started
            self.assert_refused(r)
            self.assertLess(elapsed, 3.0, f"print refusal #{attempt + 1} was not fast")

        r = c.get(f"/tickets/{ticket['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Waiting", r.describe())
        self.assertEqual(find_by_booking(c, "reviews", b["id"]), [])
        self.assertEqual(total(c, "reviews"), 0)
        r = c.get(f"/books/{b['id']}")
        self.assertEqual(r.body["status"], "PaidComplete", r.describe())
        wait_mypage(c, other["id"])  # fence for the mypage consumer
        row = wait_mypage(c, b["id"], lambda m: m.get("ticketStatus") == "Waiting")
        self.assertEqual(row["status"], "PaidComplete", row)
        self.assertNotIn(row.get("reviewStatus"), ("Waiting Review", "Written"), row)

        # The refused print left nothing that blocks a cancel (it was never printed).
        self.assertStatus(c.delete(f"/books/{other['id']}"), 204)
        wait_ticket(c, other["id"], "Canceled")

        # "Print again shortly": once the review module is available again, it works.
        server.restart(extra_args=[])
        c = server.client()
        r = print_ticket(c, ticket["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Printed")
        reviews = find_by_booking(c, "reviews", b["id"])
        self.assertEqual([rv["status"] for rv in reviews], ["Waiting Review"], reviews)
        wait_booking_status(c, b["id"], "PrintComplete")

    def test_print_with_review_deadline_set(self):
        """ARCHITECTURE.md "Threads and synchronous ports": --review-deadline-ms bounds the
        ticket -> review call; with the review module healthy the print succeeds and opens the
        review (Waiting Review) within the deadline."""
        server = self.start_server(["--review-deadline-ms", "2000"])
        c = server.client()
        for _ in range(3):
            b = book(c)
            ticket = wait_ticket(c, b["id"], "Waiting")
            r = print_ticket(c, ticket["id"])
            self.assertStatus(r, 200)
            self.assertEqual(r.body["status"], "Printed")
            reviews = find_by_booking(c, "reviews", b["id"])
            self.assertEqual([rv["status"] for rv in reviews], ["Waiting Review"], reviews)
            wait_booking_status(c, b["id"], "PrintComplete")
            wait_mypage(c, b["id"], lambda m: m.get("reviewStatus") == "Waiting Review"
                        and m.get("ticketStatus") == "Printed")

    def test_print_twice_conflicts(self):
        """MISSION.md scenario 4: a ticket is collected once; printing it again -> 409 and no
        second review is opened."""
        server = self.start_server()
        c = server.client()
        b = book(c)
        ticket = wait_ticket(c, b["id"], "Waiting")
        self.assertStatus(print_ticket(c, ticket["id"]), 200)
        self.assertProblem(print_ticket(c, ticket["id"]), 409)
        self.assertEqual(len(find_by_booking(c, "reviews", b["id"])), 1)
        self.assertEqual(total(c, "reviews"), 1)


if __name__ == "__main__":
    unittest.main()
