"""Bad input is refused with a precise problem and never leaves anything half-written.

MISSION.md, "REST resources": "Errors are application/problem+json (RFC 9457) with a clear
detail and, for validation, the offending fields. Bad input never leaves anything half-written."
and "numeric strings are accepted as numbers ... (and nothing looser than that)".
"""

import http.client
import json
import unittest

from harness import (E2ETestCase, Client, book, find_by_booking, get_all,
                     print_ticket, wait_booking_status, wait_mypage, wait_ticket)

RELS = ("books", "payments", "tickets", "reviews", "mypages")


def payload(**changes):
    """A valid booking payload with changes applied (a value of ... removes the field)."""
    body = {"qty": 2, "movieName": "soul", "seat": "1A,2B", "totalPrice": 10000,
            "customerId": "mallory"}
    for key, value in changes.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


class BadInputTest(E2ETestCase):
    """One server; booking 1 printed (review 1 open), booking 2 waiting for print."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()
        try:
            c = cls.server.client()
            cls.printed = book(c, customer="carol")
            cls.waiting = book(c, customer="dave")
            ticket = wait_ticket(c, cls.printed["id"], "Waiting")
            cls.printed_ticket = ticket["id"]
            cls.waiting_ticket = wait_ticket(c, cls.waiting["id"], "Waiting")["id"]
            r = print_ticket(c, ticket["id"])
            assert r.status == 200, r.describe()
            cls.review = find_by_booking(c, "reviews", cls.printed["id"])[0]["id"]
            wait_booking_status(c, cls.printed["id"], "PrintComplete")
            wait_mypage(c, cls.printed["id"], lambda m: m.get("reviewStatus") == "Waiting Review")
            wait_mypage(c, cls.waiting["id"], lambda m: m.get("ticketStatus") == "Waiting"
                        and m.get("paymentStatus") == "Paid")
            cls.snapshot = {rel: get_all(c, rel) for rel in RELS}
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        self.c = self.server.client()

    def assert_unchanged(self):
        """Nothing half-written: every collection is exactly as before, server healthy."""
        for rel in RELS:
            self.assertEqual(get_all(self.c, rel), self.snapshot[rel], f"/{rel} changed")
        r = self.c.get("/actuator/health")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "UP")

    def post_invalid(self, body, fields=None, any_field=None):
        with self.subTest(body=json.dumps(body)[:200]):
            r = self.c.post("/books", body)
            self.assertProblem(r, 400, fields=fields, any_field=any_field)

    # -- booking validation ------------------------------------------------------------------

    def test_booking_field_rules(self):
        """MISSION.md "Errors": each broken booking rule -> 400 problem whose `errors` name the
        offending field: qty <= 0, qty != number of seats, bad seat labels (empty, > 8 chars,
        not letters/digits, duplicates), totalPrice < 0, movieName missing or > 200 chars."""
        self.post_invalid(payload(qty=0, seat="1A"), fields=["qty"])
        self.post_invalid(payload(qty=-1, seat="1A"), fields=["qty"])
        self.post_invalid(payload(qty=3), any_field=["qty", "seat"])
        self.post_invalid(payload(qty=1), any_field=["qty", "seat"])
        self.post_invalid(payload(qty=1, seat=""), any_field=["seat", "qty"])
        self.post_invalid(payload(qty=2, seat="1A,1A"), fields=["seat"])
        self.post_invalid(payload(qty=1, seat="ABCDEFGHI"), fields=["seat"])
        self.post_invalid(payload(qty=2, seat="1A,2#"), fields=["seat"])
        self.post_invalid(payload(qty=2, seat="1A,,2B"), any_field=["seat", "qty"])
        self.post_invalid(payload(totalPrice=-1), fields=["totalPrice"])
        self.post_invalid(payload(totalPrice="-1"), fields=["totalPrice"])
        self.post_invalid(payload(movieName=...), fields=["movieName"])
        self.post_invalid(payload(movieName="x" * 201), fields=["movieName"])
        self.post_invalid(payload(qty=0, totalPrice=-5, movieName=...),
                          fields=["qty", "totalPrice", "movieName"])
        self.assert_unchanged()

    def test_booking_wrong_types(self):
        """MISSION.md "REST resources": numbers may be JSON numbers or strings holding a
        decimal integer -- nothing looser: booleans, words, decimals, exponents, padded strings
        and out-of-range integers -> 400 naming the field."""
        for bad in (True, "abc", "2.0", "1e3", " 2", "2 ", 2.5, "", [2], {"n": 2}):
            self.post_invalid(payload(qty=bad), fields=["qty"])
        for bad in (False, "ten", "10000.5", 10000.5, "1e4", 99999999999999999999999):
            self.post_invalid(payload(totalPrice=bad), fields=["totalPrice"])
        self.assert_unchanged()

    def test_malformed_bodies(self):
        """MISSION.md "Errors": a body that is not a JSON object (malformed, empty, array,
        string, null) -> 400 problem."""
        for raw in ('{"qty":', "", "[]", '"soul"', "null", '{"qty":2,}', "{'qty':2}"):
            with self.subTest(raw=raw):
                r = self.c.request("POST", "/books", body=raw,
                                   headers={"Content-Type": "application/json"})
                self.assertProblem(r, 400)
        self.assert_unchanged()

    def test_unsupported_media_type(self):
        """MISSION.md "Errors": a non-JSON Content-Type -> 415 problem."""
        valid = json.dumps(payload())
        for ctype, raw in (("text/plain", valid),
                           ("application/x-www-form-urlencoded",
                            "qty=2&movieName=soul&seat=1A,2B&totalPrice=10000")):
            with self.subTest(ctype=ctype):
                r = self.c.request("POST", "/books", body=raw, headers={"Content-Type": ctype})
                self.assertProblem(r, 415)
        self.assert_unchanged()

    def test_body_too_large(self):
        """ARCHITECTURE.md "HTTP adapter" (body limits): a body over 64 KiB -> 413 problem, on
        a connection the server answers before closing it."""
        big = json.dumps(payload(movieName="x" * (65 * 1024)))
        c = Client("127.0.0.1", self.server.port)
        try:
            r = c.request("POST", "/books", body=big, headers={"Content-Type": "application/json"},
                          retry=False)
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
            self.fail(f"server dropped the connection instead of answering 413: {exc!r}")
        finally:
            c.close()
        self.assertProblem(r, 413)
        self.assert_unchanged()

    # -- routing -----------------------------------------------------------------------------

    def test_routing_errors(self):
        """MISSION.md "Errors": unknown path -> 404, wrong method -> 405 with Allow, a
        non-numeric id -> 400, an unknown id -> 404, creating payments or reviews directly ->
        405 (they are created only through booking / print)."""
        self.assertProblem(self.c.get("/nope"), 404)
        self.assertProblem(self.c.get("/bookss/1"), 404)

        r = self.c.put(f"/books/{self.waiting['id']}", payload())
        self.assertProblem(r, 405)
        allow = r.headers.get("Allow") or ""
        self.assertIn("GET", allow, r.describe())
        self.assertNotIn("PUT", allow, r.describe())
        for path, body in (("/payments", {"bookingId": 1, "totalPrice": 5}),
                           ("/reviews", {"bookingId": 1, "score": 5})):
            with self.subTest(path=path):
                r = self.c.post(path, body)
                self.assertProblem(r, 405)
                allow = r.headers.get("Allow") or ""
                self.assertIn("GET", allow, r.describe())
                self.assertNotIn("POST", allow, r.describe())

        self.assertProblem(self.c.get("/books/abc"), 400)
        self.assertProblem(self.c.get("/books/999999"), 404)
        self.assertProblem(self.c.delete("/books/999999"), 404)
        self.assertProblem(self.c.patch("/books/999999", {"status": "Canceled"}), 404)
        self.assertProblem(print_ticket(self.c, 999999), 404)
        self.assertProblem(self.c.patch("/reviews/999999", {"score": 5, "contents": "x"}), 404)
        self.assert_unchanged()

    # -- state changes with bad values -------------------------------------------------------

    def test_booking_status_values(self):
        """MISSION.md "REST resources": PATCH /books/{id} accepts only status Canceled; any
        other status (or none) -> 400 and the booking is unchanged."""
        for body in ({"status": "PrintComplete"}, {"status": "PaidComplete"},
                     {"status": "ReviewComplete"}, {"status": "canceled"}, {"status": "Bogus"},
                     {"status": 1}, {}):
            with self.subTest(body=body):
                self.assertProblem(self.c.patch(f"/books/{self.waiting['id']}", body), 400)
        self.assert_unchanged()

    def test_ticket_status_values(self):
        """MISSION.md scenario 4: a ticket is only ever PATCHed to Printed: another status ->
        400; printing an already printed ticket -> 409."""
        for body in ({"status": "Waiting"}, {"status": "Canceled"}, {"status": "printed"},
                     {"status": "Bogus"}, {"status": None}, {}):
            with self.subTest(body=body):
                self.assertProblem(self.c.patch(f"/tickets/{self.waiting_ticket}", body), 400)
        self.assertProblem(print_ticket(self.c, self.printed_ticket), 409)
        self.assert_unchanged()

    def test_review_values(self):
        """MISSION.md scenario 8: a review's score is an integer 0..10 (numeric strings
        accepted, nothing looser) and contents at most 2000 characters -> 400 otherwise, and the
        review stays Waiting Review."""
        path = f"/reviews/{self.review}"
        for score in (11, -1, "11", "abc", 9.5, "9.5", True, " 5", 1000000000000):
            with self.subTest(score=score):
                r = self.c.patch(path, {"score": score, "contents": "ok"})
                self.assertProblem(r, 400, fields=["score"])
        r = self.c.patch(path, {"score": 5, "contents": "y" * 2001})
        self.assertProblem(r, 400, fields=["contents"])
        self.assertEqual(self.c.get(path).body["status"], "Waiting Review")
        self.assert_unchanged()

    def test_zz_nothing_half_written_after_all(self):
        """MISSION.md "Bad input never leaves anything half-written" (runs last, by name): after
        every bad request above, a fresh booking's events flow through all consumers, and apart
        from it every collection is exactly as before; the server is still healthy."""
        fence = book(self.c, customer="erin")
        wait_ticket(self.c, fence["id"], "Waiting")
        wait_mypage(self.c, fence["id"], lambda m: m.get("ticketStatus") == "Waiting"
                    and m.get("paymentStatus") == "Paid")
        for rel in RELS:
            items = [i for i in get_all(self.c, rel)
                     if i.get("bookingId", i.get("id")) != fence["id"]]
            self.assertEqual(items, self.snapshot[rel], f"/{rel} changed")
        self.assertStatus(self.c.get("/actuator/health/liveness"), 200)
        self.assertStatus(self.c.get("/actuator/health/readiness"), 200)


if __name__ == "__main__":
    unittest.main()
