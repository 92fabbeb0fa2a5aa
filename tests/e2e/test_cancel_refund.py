"""Cancelling a booking before its ticket is printed, and the refund it causes.

MISSION.md, scenario 5-6 ("Until the ticket is collected, the customer can cancel the booking.
When a booking is cancelled, its payment is cancelled (refunded).") and the invariant "A booking
cancelled before print is refunded exactly once".
"""

import unittest

from harness import (E2ETestCase, book, find_by_booking, one_by_booking, print_ticket,
                     status_is, wait_booking_status, wait_mypage, wait_ticket)


class CancelRefundTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        self.c = self.server.client()

    def assert_fully_canceled(self, booking_id):
        """Booking, its only payment, its only ticket and its my page row all end Canceled."""
        c = self.c
        r = c.get(f"/books/{booking_id}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Canceled", r.describe())
        payment = one_by_booking(c, "payments", booking_id, status_is("Canceled"),
                                 what=f"the one payment of booking {booking_id} to be refunded")
        self.assertEqual(payment["bookingId"], booking_id)
        r = c.get(f"/payments/{payment['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Canceled")
        wait_ticket(c, booking_id, "Canceled")
        row = wait_mypage(c, booking_id, lambda m: m.get("status") == "Canceled"
                          and m.get("paymentStatus") == "Canceled"
                          and m.get("ticketStatus") == "Canceled",
                          what=f"my page row of booking {booking_id} to show the cancel")
        self.assertEqual(row.get("bookingStatus"), "Canceled", row)
        # Exactly one payment, refunded once: still one, still Canceled.
        self.assertEqual(len(find_by_booking(c, "payments", booking_id)), 1)
        self.assertEqual(find_by_booking(c, "reviews", booking_id), [])

    def test_cancel_with_delete(self):
        """MISSION.md scenario 5-6: DELETE /books/{id} before print -> 204; booking, payment
        (refund), ticket and My page all become Canceled, with exactly one payment."""
        b = book(self.c)
        wait_ticket(self.c, b["id"], "Waiting")
        r = self.c.delete(f"/books/{b['id']}")
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"", "204 carries no body")
        self.assert_fully_canceled(b["id"])

    def test_cancel_with_patch(self):
        """MISSION.md, "REST resources": PATCH /books/{id} {"status":"Canceled"} cancels like
        DELETE and answers 200 with the Canceled booking."""
        b = book(self.c)
        wait_ticket(self.c, b["id"], "Waiting")
        r = self.c.patch(f"/books/{b['id']}", {"status": "Canceled"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Canceled")
        self.assertEqual(r.body["id"], b["id"])
        self.assert_fully_canceled(b["id"])

    def test_cancel_right_after_booking(self):
        """MISSION.md, "Events": events about one booking are applied in commit order, so a
        cancel sent before the ticket was even issued still ends with one Canceled ticket and a
        refunded payment."""
        b = book(self.c)
        r = self.c.delete(f"/books/{b['id']}")
        self.assertStatus(r, 204)
        self.assert_fully_canceled(b["id"])

    def test_canceled_ticket_cannot_be_printed(self):
        """MISSION.md scenario 4-5: a cancelled booking's ticket is void: printing it -> 409,
        and no review is opened."""
        b = book(self.c)
        ticket = wait_ticket(self.c, b["id"], "Waiting")
        self.assertStatus(self.c.delete(f"/books/{b['id']}"), 204)
        wait_ticket(self.c, b["id"], "Canceled")
        self.assertProblem(print_ticket(self.c, ticket["id"]), 409)
        self.assertEqual(find_by_booking(self.c, "reviews", b["id"]), [])
        self.assert_fully_canceled(b["id"])

    def test_cancel_twice_conflicts(self):
        """MISSION.md invariant "refunded exactly once": a second cancel (DELETE or PATCH) ->
        409, and there is still exactly one payment, Canceled."""
        b = book(self.c)
        self.assertStatus(self.c.delete(f"/books/{b['id']}"), 204)
        self.assertProblem(self.c.delete(f"/books/{b['id']}"), 409)
        self.assertProblem(self.c.patch(f"/books/{b['id']}", {"status": "Canceled"}), 409)
        self.assert_fully_canceled(b["id"])

    def test_cancel_after_print_conflicts(self):
        """MISSION.md, "REST resources": cancel is allowed until the ticket is printed, 409
        after (DELETE and PATCH) -- and nothing changes: payment Paid, ticket Printed, booking
        PrintComplete, My page PrintComplete."""
        b = book(self.c)
        ticket = wait_ticket(self.c, b["id"], "Waiting")
        self.assertStatus(print_ticket(self.c, ticket["id"]), 200)
        wait_booking_status(self.c, b["id"], "PrintComplete")
        self.assertProblem(self.c.delete(f"/books/{b['id']}"), 409)
        self.assertProblem(self.c.patch(f"/books/{b['id']}", {"status": "Canceled"}), 409)
        self.assert_print_won(b["id"])

    def test_cancel_immediately_after_print_conflicts(self):
        """MISSION.md invariant "cancel and print racing on the same booking: exactly one of
        them wins": once the print was answered 200, a cancel sent right away (before the
        booking has consumed the Printed event) must still be refused with 409."""
        b = book(self.c)
        ticket = wait_ticket(self.c, b["id"], "Waiting")
        self.assertStatus(print_ticket(self.c, ticket["id"]), 200)
        self.assertProblem(self.c.delete(f"/books/{b['id']}"), 409)
        self.assert_print_won(b["id"])

    def assert_print_won(self, booking_id):
        c = self.c
        wait_booking_status(c, booking_id, "PrintComplete")
        row = wait_mypage(c, booking_id, lambda m: m.get("status") == "PrintComplete"
                          and m.get("ticketStatus") == "Printed",
                          what=f"my page row of booking {booking_id} to show the print")
        # Fence: a later booking's row appears, so the mypage consumer had its chance to apply
        # anything the refused cancel might (wrongly) have caused.
        later = book(c)
        wait_mypage(c, later["id"])
        row = wait_mypage(c, booking_id)
        self.assertEqual(row["status"], "PrintComplete", row)
        self.assertEqual(row["paymentStatus"], "Paid", row)
        self.assertEqual(row["ticketStatus"], "Printed", row)
        payments = find_by_booking(c, "payments", booking_id)
        self.assertEqual([p["status"] for p in payments], ["Paid"], payments)
        tickets = find_by_booking(c, "tickets", booking_id)
        self.assertEqual([t["status"] for t in tickets], ["Printed"], tickets)
        r = c.get(f"/books/{booking_id}")
        self.assertEqual(r.body["status"], "PrintComplete", r.describe())


if __name__ == "__main__":
    unittest.main()
