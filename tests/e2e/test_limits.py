"""Overload and abuse limits of the real binary (README "Operating" > "Limits").

A client writing faster than --rate-limit-writes gets 429 problem+json with Retry-After while
reads and other clients go on, and is served again once its bucket refills; a request with more
than --max-header-count fields gets 431 problem+json; a client trickling its header is dropped
after --header-timeout-ms while a normal client is served meanwhile.
"""

import json
import socket
import time
import unittest

from harness import DEADLINE_SCALE, E2ETestCase, booking_payload, poll


class RateLimitTest(E2ETestCase):

    def test_writes_over_the_rate_get_429_then_pass_after_refill(self):
        server = self.start_server(["--rate-limit-writes", "1", "--rate-limit-burst", "3"])
        client = server.client()
        for _ in range(3):
            r = client.post("/books", booking_payload())
            self.assertEqual(r.status, 201, r.describe())
        r = client.post("/books", booking_payload())
        self.assertEqual(r.status, 429, r.describe())
        self.assertEqual(r.content_type, "application/problem+json")
        self.assertEqual(r.body["status"], 429)
        retry_after = r.headers["Retry-After"]
        self.assertRegex(retry_after, r"^[1-9][0-9]*$", "whole seconds")
        self.assertLessEqual(int(retry_after), 1, "one token a second: at most 1 s to wait")

        # Reads are not limited: the server keeps serving this client.
        self.assertEqual(client.get("/actuator/health").status, 200)

        # After the refill the same client books again (polled: no sleep-and-hope).
        def booked():
            again = client.post("/books", booking_payload())
            if again.status == 429:
                raise AssertionError(again.describe())
            self.assertEqual(again.status, 201, again.describe())
            return True
        poll(booked, 10, "a booking after the bucket refilled")


class HeaderLimitsTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(["--max-header-count", "20",
                                             "--header-timeout-ms", "500"])

    def test_too_many_header_fields_get_431(self):
        client = self.server.client()
        few = {f"X-Field-{i}": "v" for i in range(10)}
        self.assertEqual(client.get("/actuator/health", headers=few).status, 200)
        many = {f"X-Field-{i}": "v" for i in range(30)}
        r = client.get("/actuator/health", headers=many)
        self.assertEqual(r.status, 431, r.describe())
        self.assertEqual(r.content_type, "application/problem+json")
        self.assertEqual(r.body["detail"], "request has more than 20 header fields")

    def test_slow_loris_is_dropped_while_others_are_served(self):
        client = self.server.client()
        trickle = b"GET /actuator/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200
        served = 0
        received = b""
        dropped = False
        deadline = time.monotonic() + 10 * DEADLINE_SCALE
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as slow:
            slow.setblocking(False)
            for byte in trickle:
                if time.monotonic() > deadline:
                    break
                try:
                    slow.send(bytes([byte]))
                    chunk = slow.recv(4096)
                    if not chunk:
                        dropped = True  # EOF: the server closed it
                        break
                    received += chunk
                except BlockingIOError:
                    pass  # still open, nothing to read
                except (BrokenPipeError, ConnectionResetError):
                    dropped = True
                    break
                self.assertEqual(client.get("/actuator/health").status, 200)
                served += 1
                time.sleep(0.1)  # the slow client's pace: one header byte every 100 ms
        self.assertTrue(dropped, "the slow client was never dropped")
        self.assertEqual(received, b"", "dropped without an answer")
        self.assertGreaterEqual(served, 2, "others were served while it trickled")
        self.assertEqual(client.get("/actuator/health").status, 200)


if __name__ == "__main__":
    unittest.main()
