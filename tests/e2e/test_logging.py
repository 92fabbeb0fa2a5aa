"""Structured logs and request ids (README "Logs"; issue 11, "Logs").

One JSON object per line with time, level, module and message; the X-Request-Id sent with
POST /books is echoed and follows the booking into the access line, the booking's lines and
the My page consumer's line (through the events: an outbox column, a Kafka header); a missing
or malformed id is replaced by a generated one; nothing secret reaches the log.
"""

import json
import re
import unittest
import uuid

from harness import KAFKA, E2ETestCase, booking_payload, poll, wait_mypage

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
LEVELS = {"trace", "debug", "info", "warning", "error", "critical"}
JSON_ARGS = ["--log-format", "json", "--log-level", "debug"]


def server_lines(server):
    """The server's own output lines: the harness adds '=== ...' lines of its own and, in Kafka
    mode, the mock cluster's lines prefixed '[<server>-kafka]'."""
    kafka = f"[{server.name}-kafka]"
    return [line for line in server.log()
            if not line.startswith("===") and not line.startswith(kafka)]


class LoggingTest(E2ETestCase):

    def records(self, server):
        """Every output line parsed; fails on a line that is not one JSON object with the
        documented fields."""
        out = []
        for line in server_lines(server):
            try:
                record = json.loads(line)
            except ValueError as e:
                self.fail(f"not a JSON line ({e}): {line!r}")
            self.assertIsInstance(record, dict, line)
            self.assertRegex(record.get("time", ""), TIME, line)
            self.assertIn(record.get("level"), LEVELS, line)
            self.assertIsInstance(record.get("module"), str, line)
            self.assertIsInstance(record.get("message"), str, line)
            out.append(record)
        return out

    def with_request_id(self, server, request_id, pred, what):
        """Polls until a record with `request_id` satisfies `pred`; returns it."""
        def check():
            found = [r for r in self.records(server)
                     if r.get("requestId") == request_id and pred(r)]
            if not found:
                raise AssertionError(f"no {what} line with requestId {request_id}")
            return found[0]
        return poll(check, 10, what)

    def test_one_request_id_from_the_201_to_my_page(self):
        server = self.start_server(JSON_ARGS)
        c = server.client()
        request_id = f"e2e-{uuid.uuid4().hex}"
        r = c.post("/books", booking_payload(), headers={"X-Request-Id": request_id})
        self.assertStatus(r, 201)
        self.assertEqual(r.headers.get("X-Request-Id"), request_id, r.describe())
        booking_id = r.body["id"]
        wait_mypage(c, booking_id)

        access = self.with_request_id(
            server, request_id, lambda rec: rec["module"] == "access", "access-log")
        self.assertEqual(access["level"], "info")
        self.assertRegex(access["message"],
                         r"^method=POST route=/books status=201 durationUs=\d+ bytes=\d+$")
        booking = self.with_request_id(
            server, request_id, lambda rec: rec["module"] == "booking", "booking")
        self.assertEqual(booking.get("bookingId"), booking_id, booking)
        mypage = self.with_request_id(
            server, request_id,
            lambda rec: rec["module"] == "mypage" and rec["message"].startswith("applied"),
            "My page consumer")
        self.assertEqual(mypage.get("bookingId"), booking_id, mypage)
        # And the payment the booking caused, applied by its own module's thread.
        self.with_request_id(server, request_id,
                             lambda rec: rec["module"] in ("payment", "ticket"), "payment/ticket")

    def test_missing_or_malformed_ids_are_replaced_and_echoed(self):
        server = self.start_server(JSON_ARGS)
        c = server.client()
        seen = set()
        for headers in ({}, {"X-Request-Id": "x" * 129}, {"X-Request-Id": "two words"}):
            r = c.get("/books", headers=headers)
            self.assertStatus(r, 200)
            request_id = r.headers.get("X-Request-Id")
            self.assertRegex(request_id or "", r"^[!-~]{1,128}$", r.describe())
            self.assertNotEqual(request_id, headers.get("X-Request-Id"))
            seen.add(request_id)
            self.with_request_id(server, request_id,
                                 lambda rec: rec["message"].startswith("method=GET route=/books "),
                                 "access-log")
        self.assertEqual(len(seen), 3, "generated ids are unique")
        # A problem answer carries the id it was sent.
        r = c.get("/books/999999", headers={"X-Request-Id": "kept-on-404"})
        self.assertStatus(r, 404)
        self.assertEqual(r.headers.get("X-Request-Id"), "kept-on-404")

    def test_no_token_query_or_body_in_the_log(self):
        """Even at debug level: the access line has the route template, not the target."""
        server = self.start_server(JSON_ARGS)
        c = server.client()
        query_secret = f"q{uuid.uuid4().hex}"
        body_marker = f"B{uuid.uuid4().hex[:6]}"
        bearer = f"t{uuid.uuid4().hex}"
        payload = booking_payload(customer=body_marker.lower())
        r = c.post(f"/books?access_token={query_secret}", payload,
                   headers={"Authorization": f"Bearer {bearer}", "X-Request-Id": "secret-test"})
        self.assertIn(r.status, (201, 400), r.describe())
        r = c.get(f"/books/1?password={query_secret}", headers={"X-Request-Id": "secret-test"})
        self.with_request_id(server, "secret-test",
                             lambda rec: rec["message"].startswith("method=GET "), "access-log")
        text = "\n".join(server_lines(server))
        self.assertNotIn(query_secret, text)
        self.assertNotIn(bearer, text)
        self.assertNotIn(body_marker.lower(), text)

    def test_access_log_errors_mode_keeps_only_errors(self):
        server = self.start_server(["--log-format", "json", "--access-log", "errors"])
        c = server.client()
        self.assertStatus(c.get("/books", headers={"X-Request-Id": "fine-1"}), 200)
        self.assertStatus(c.get("/books/424242", headers={"X-Request-Id": "missing-1"}), 404)
        self.with_request_id(server, "missing-1", lambda rec: rec["module"] == "access",
                             "access-log")
        # The 200 was answered (and observed) before the 404 on the same connection.
        self.assertFalse([rec for rec in self.records(server) if rec.get("requestId") == "fine-1"])

    def test_each_line_names_the_part_that_wrote_it(self):
        """README "Logs", `module`: migrations under sqlite, a breaker transition under breaker,
        the bus under kafka (Kafka runs), and only the composition root's lines under main."""
        server = self.start_server(JSON_ARGS + ["--fault", "payment:down", "--breaker-min-calls",
                                                "2", "--breaker-window", "2"])
        c = server.client()
        for i in range(3):
            c.post("/books", booking_payload(customer=f"breaker{i}"))

        def modules_of(pattern):
            return {r["module"] for r in self.records(server) if re.search(pattern, r["message"])}
        poll(lambda: modules_of(r"closed -> open") or None, 10, "the breaker's transition line")
        self.assertEqual(modules_of(r"closed -> open"), {"breaker"})
        self.assertEqual(modules_of(r"^booking\.db: applied migration"), {"sqlite"})
        self.assertEqual(modules_of(r"not paid"), {"booking"})
        if KAFKA:
            self.assertEqual(modules_of(r"^\d+ consumer groups on topic"), {"kafka"})
        main = {r["message"].split(" ")[0] for r in self.records(server) if r["module"] == "main"}
        for part in ("kafka", "sqlite", "breaker", "circuit", "recovery:"):
            self.assertNotIn(part, main, "a part's line logged without its module")

    def test_text_format_on_request(self):
        server = self.start_server(["--log-format", "text"])
        c = server.client()
        self.assertStatus(c.get("/books", headers={"X-Request-Id": "text-1"}), 200)

        def check():
            lines = [line for line in server_lines(server) if "requestId=text-1" in line]
            if not lines:
                raise AssertionError("no text access line")
            return lines[0]
        line = poll(check, 10, "text access line")
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\S+ info \[\d+\] access: method=GET "
                               r"route=/books status=200 durationUs=\d+ bytes=\d+ "
                               r"requestId=text-1$")
        self.assertFalse(line.startswith("{"))


if __name__ == "__main__":
    unittest.main()
