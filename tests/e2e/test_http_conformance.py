"""The HTTP boundary as a security boundary (RFC 9112 framing and Host, UTF-8, headers, CORS).

README "HTTP conformance and headers": a request whose framing or Host the server does not
trust is answered 400 problem+json and the connection closed — the bytes after it are never
parsed as a second request (request smuggling); every JSON body is valid UTF-8; every response
carries the security headers; CORS answers only the configured origins; --public-url replaces
the Host in every link. Driven with raw sockets, so nothing in between fixes the bytes up.
"""

import json
import socket
import subprocess
import tempfile
import time
import unittest

from harness import AUTH_OFF_ARGS, DEADLINE_SCALE, E2ETestCase, binary_path, booking_payload, clean_env

SECOND = b"GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


def exchange(port, data, timeout_s=10.0):
    """Sends `data` on a fresh connection, half-closes, and returns every byte the server sends
    until it closes (fails if it does not close within the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        deadline = time.monotonic() + timeout_s * DEADLINE_SCALE
        while True:
            if time.monotonic() > deadline:
                raise AssertionError("the server did not close the connection")
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def exchange_open(port, data, timeout_s=10.0):
    """Sends `data` without half-closing: returns (bytes, closed) — what arrived until the
    server closed (closed=True) or stayed silent for a second (closed=False)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
        s.sendall(data)
        s.settimeout(1.0 * DEADLINE_SCALE)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return b"".join(chunks), False
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)


def parse_responses(data):
    """Splits a byte stream into [(status, {lower-case name: [values]}, body bytes)]; every
    response must carry Content-Length (or have no body: 1xx, 204, 304)."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"truncated response header: {data[:200]!r}")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.setdefault(name.decode("ascii").strip().lower(), []).append(
                value.decode("latin-1").strip())
        length = int(headers.get("content-length", ["0"])[0])
        if status in (204, 304) or 100 <= status < 200:
            length = 0
        responses.append((status, headers, rest[:length]))
        data = rest[length:]
    return responses


def strict_json(body):
    """The body decoded as strict UTF-8 and parsed as JSON (raises on either failure)."""
    return json.loads(body.decode("utf-8", errors="strict"))


def header(headers, name):
    values = headers.get(name.lower(), [])
    return values[0] if len(values) == 1 else None


class HttpConformanceTest(E2ETestCase):
    """One server with the demo catalogue, CORS for one origin, default links from Host."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(
            ["--demo-data", "--cors-origin", "https://app.example.com"])
        cls.port = cls.server.port

    def assert_one_400_then_close(self, data):
        responses = parse_responses(exchange(self.port, data))
        self.assertEqual(len(responses), 1, f"expected exactly one response to {data!r}")
        status, headers, body = responses[0]
        self.assertEqual(status, 400, body)
        self.assertEqual(header(headers, "content-type"), "application/problem+json")
        self.assertEqual(strict_json(body)["status"], 400)
        if data.split(b"\r\n", 1)[0].endswith(b"HTTP/1.1"):
            self.assertEqual(header(headers, "connection"), "close")  # (HTTP/1.0: the default)
        return strict_json(body)

    # -- RFC 9112 §6.1, §6.3: framing -----------------------------------------------------------

    def test_transfer_encoding_other_than_chunked_is_400_and_close(self):
        for framing in (b"Transfer-Encoding: gzip\r\n",
                        b"Transfer-Encoding: identity\r\n",
                        b"Transfer-Encoding: chunked, gzip\r\n",
                        b"Transfer-Encoding: gzip, chunked\r\n",
                        b"Transfer-Encoding: x-custom\r\n",
                        b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                        b"Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"):
            with self.subTest(framing=framing):
                # The smuggled request hides in what a lenient parser would take as the body.
                self.assert_one_400_then_close(
                    b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + framing + b"\r\n0\r\n\r\n" + SECOND + SECOND)

    def test_transfer_encoding_in_http_1_0_is_400_and_close(self):
        self.assert_one_400_then_close(
            b"POST /books HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n" + SECOND)

    def test_chunked_alone_still_works(self):
        body = b'{"qty":true}'
        data = (b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(body):x}".encode() + b"\r\n" +
                body + b"\r\n0\r\n\r\n" + SECOND)
        responses = parse_responses(exchange(self.port, data))
        self.assertEqual([r[0] for r in responses], [400, 200])  # validation, then health

    # -- RFC 9112 §3.2: Host --------------------------------------------------------------------

    def test_missing_duplicate_or_malformed_host_is_400_and_close(self):
        for host in (b"", b"Host: a\r\nHost: b\r\n", b"Host: a\r\nHost: a\r\n",
                     b"Host: user@localhost\r\n", b"Host: localhost/x\r\n",
                     b"Host: localhost:65536\r\n", b"Host: local host\r\n",
                     b'Host: "><img src=x>\r\n', b"Host: \xff\r\n"):
            with self.subTest(host=host):
                problem = self.assert_one_400_then_close(
                    b"GET /movies HTTP/1.1\r\n" + host + b"\r\n" + SECOND)
                self.assertNotIn("img", json.dumps(problem))  # header bytes are never echoed

    def test_http_1_0_without_host_is_served(self):
        responses = parse_responses(exchange(self.port, b"GET /movies HTTP/1.0\r\n\r\n"))
        self.assertEqual([r[0] for r in responses], [200])
        body = strict_json(responses[0][2])
        href = body["_links"]["self"]["href"]
        self.assertTrue(href.startswith(f"http://127.0.0.1:{self.port}/movies"), href)

    def test_links_use_the_validated_host(self):
        responses = parse_responses(exchange(
            self.port, b"GET /movies HTTP/1.1\r\nHost: tickets.test:8443\r\nConnection: close\r\n\r\n"))
        body = strict_json(responses[0][2])
        self.assertTrue(body["_links"]["self"]["href"].startswith("http://tickets.test:8443/movies"))

    # -- UTF-8 ----------------------------------------------------------------------------------

    def test_bodies_are_valid_utf8_whatever_the_path_or_query_decodes_to(self):
        for target in (b"/%ff", b"/books/%ff", b"/mypages/%e2%82", b"/%c0%af", b"/%ed%a0%80",
                       b"/books?page=%ff&size=%fe",
                       b"/mypages/search/findByCustomerId?customerId=%ff%fe",
                       b"/tickets/search/findByBookingId?bookingId=%e2%82"):
            with self.subTest(target=target):
                responses = parse_responses(exchange(
                    self.port,
                    b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
                self.assertEqual(len(responses), 1)
                status, headers, body = responses[0]
                self.assertIn(status, (200, 400, 404))
                self.assertIn("json", header(headers, "content-type"))
                strict_json(body)  # raises on invalid UTF-8 or invalid JSON

    # -- JSON limits and strict types -----------------------------------------------------------

    def post_books(self, body):
        responses = parse_responses(exchange(
            self.port,
            b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body))
        self.assertEqual(len(responses), 1)
        return responses[0][0], strict_json(responses[0][2])

    def test_json_limits_and_strict_numbers_are_400_never_500(self):
        base = b'"movieName":"soul","seat":"1A","totalPrice":5000'
        cases = {
            "trailing garbage": b'{"qty":1,' + base + b'} x',
            "two values": b'{"qty":1,' + base + b'}{}',
            "too deep": b'{"x":' + b"[" * 30 + b"]" * 30 + b"}",
            "too many elements": b'{"x":[' + b",".join([b"1"] * 1001) + b"]}",
            "1e400": b'{"qty":1e400,' + base + b"}",
            "uint64 overflow": b'{"qty":18446744073709551616,' + base + b"}",
            "past 2^53": b'{"qty":9007199254740993,' + base + b"}",
            "past int64 as a string": b'{"qty":"9223372036854775808",' + base + b"}",
            "boolean": b'{"qty":true,' + base + b"}",
            "decimal": b'{"qty":1.0,' + base + b"}",
            "invalid UTF-8": b'{"qty":1,"movieName":"\xff","seat":"1A","totalPrice":5000}',
        }
        for name, body in cases.items():
            with self.subTest(case=name):
                status, problem = self.post_books(body)
                self.assertEqual(status, 400, problem)
                self.assertEqual(problem["status"], 400)
        _, problem = self.post_books(b'{"qty":9007199254740993,' + base + b"}")
        self.assertIn({"field": "qty",
                       "message": "must be an integer between -9007199254740991 and "
                                  "9007199254740991"}, problem["errors"])

    # -- Security headers -----------------------------------------------------------------------

    def assert_security_headers(self, headers, cache_control="no-store"):
        self.assertEqual(header(headers, "x-content-type-options"), "nosniff")
        self.assertEqual(header(headers, "referrer-policy"), "no-referrer")
        self.assertEqual(header(headers, "x-frame-options"), "DENY")
        self.assertEqual(header(headers, "content-security-policy"),
                         "default-src 'none'; frame-ancestors 'none'")
        self.assertEqual(header(headers, "cache-control"), cache_control)

    def test_security_headers_on_every_kind_of_response(self):
        requests = [
            b"GET /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",              # 200
            b"GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n",             # 404
            b"DELETE /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",           # 405
            b"OPTIONS /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",          # 204
            b"HEAD /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",             # HEAD
            b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",  # 415
            b"GET /movies HTTP/1.1\r\n\r\n",                                  # 400 before a handler
        ]
        data, closed = exchange_open(self.port, b"".join(requests))
        # HEAD's response has a Content-Length but no body: parse it apart.
        statuses = []
        while data:
            head, _, data = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            status = int(lines[0].split(b" ")[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers.setdefault(name.decode().strip().lower(), []).append(value.decode().strip())
            if len(statuses) != 4 and status not in (204, 304):
                data = data[int(headers["content-length"][0]):]
            statuses.append(status)
            self.assert_security_headers(headers)
        self.assertEqual(statuses, [200, 404, 405, 204, 200, 415, 400])
        self.assertTrue(closed)

    def test_seat_map_keeps_revalidation(self):
        first = parse_responses(exchange(
            self.port, b"GET /screenings/1/seats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
        status, headers, _ = first[0]
        self.assertEqual(status, 200)
        etag = header(headers, "etag")
        self.assertTrue(etag)
        self.assert_security_headers(headers, cache_control="no-cache")
        second = parse_responses(exchange(
            self.port, b"GET /screenings/1/seats HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: "
            + etag.encode() + b"\r\nConnection: close\r\n\r\n"))
        status, headers, _ = second[0]
        self.assertEqual(status, 304)
        self.assert_security_headers(headers, cache_control="no-cache")

    # -- CORS -----------------------------------------------------------------------------------

    def cors(self, method, origin, extra=b""):
        responses = parse_responses(exchange(
            self.port, method + b" /books HTTP/1.1\r\nHost: localhost\r\nOrigin: " + origin +
            b"\r\n" + extra + b"Connection: close\r\n\r\n"))
        return responses[0]

    def test_cors_preflight_for_the_configured_origin(self):
        status, headers, _ = self.cors(b"OPTIONS", b"https://app.example.com",
                                       b"Access-Control-Request-Method: POST\r\n"
                                       b"Access-Control-Request-Headers: content-type\r\n")
        self.assertEqual(status, 204)
        self.assertEqual(header(headers, "access-control-allow-origin"), "https://app.example.com")
        self.assertEqual(header(headers, "vary"), "Origin")
        self.assertEqual(header(headers, "access-control-allow-methods"), header(headers, "allow"))
        self.assertIn("POST", header(headers, "access-control-allow-methods"))
        self.assertEqual(header(headers, "access-control-allow-headers"),
                         "Authorization, Content-Type, If-None-Match, X-Request-Id")
        self.assertEqual(header(headers, "access-control-max-age"), "600")

        status, headers, _ = self.cors(b"GET", b"https://app.example.com")
        self.assertEqual(status, 200)
        self.assertEqual(header(headers, "access-control-allow-origin"), "https://app.example.com")

    def test_no_cors_headers_for_other_origins(self):
        for origin in (b"https://evil.example.com", b"null", b"https://app.example.com.evil.test",
                       b"http://app.example.com"):
            for method, extra in ((b"OPTIONS", b"Access-Control-Request-Method: POST\r\n"),
                                  (b"GET", b"")):
                with self.subTest(origin=origin, method=method):
                    _, headers, _ = self.cors(method, origin, extra)
                    self.assertEqual([h for h in headers if h.startswith("access-control-")], [])


class HttpSettingsTest(E2ETestCase):
    """--public-url and --cors-origin (also as MOVIE_PUBLIC_URL / MOVIE_CORS_ORIGIN)."""

    def test_public_url_replaces_the_host_in_links_and_location(self):
        server = self.start_server(env={"MOVIE_PUBLIC_URL": "https://tickets.example.com",
                                        "MOVIE_CORS_ORIGIN": "https://a.test,https://b.test"})
        booking = json.dumps(booking_payload(qty=1, price=5000, customer="pub")).encode()
        responses = parse_responses(exchange(
            server.port,
            b"POST /books HTTP/1.1\r\nHost: evil.test\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(booking)).encode() + b"\r\n\r\n" +
            booking))
        status, headers, body = responses[0]
        self.assertEqual(status, 201, body)
        self.assertTrue(header(headers, "location").startswith("https://tickets.example.com/books/"))
        self.assertTrue(strict_json(body)["_links"]["self"]["href"].startswith(
            "https://tickets.example.com/books/"))
        responses = parse_responses(exchange(
            server.port, b"GET /books HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n"))
        body = strict_json(responses[0][2])
        hrefs = [link["href"] for link in body["_links"].values()] + [
            b["_links"]["self"]["href"] for b in body["_embedded"]["books"]]
        self.assertTrue(len(hrefs) >= 3)
        for href in hrefs:
            self.assertTrue(href.startswith("https://tickets.example.com/"), href)
        for origin in (b"https://a.test", b"https://b.test"):
            responses = parse_responses(exchange(
                server.port, b"GET /movies HTTP/1.1\r\nHost: x\r\nOrigin: " + origin +
                b"\r\nConnection: close\r\n\r\n"))
            self.assertEqual(header(responses[0][1], "access-control-allow-origin"),
                             origin.decode())

    def test_malformed_public_url_or_origin_stops_the_start(self):
        for args in (["--public-url", "ftp://tickets.example.com"],
                     ["--public-url", "https://tickets.example.com/api"],
                     ["--public-url", "https://user@tickets.example.com"],
                     ["--cors-origin", "https://app.example.com/"],
                     ["--cors-origin", "*"]):
            with self.subTest(args=args):
                proc = subprocess.run(
                    [binary_path(), "--port", "0", "--address", "127.0.0.1", "--data-dir",
                     self.tmp_dir()] + AUTH_OFF_ARGS + args,
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    env=clean_env(), timeout=30)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(b"public_url" if "--public-url" in args else b"cors_origin",
                              proc.stdout)

    def tmp_dir(self):
        d = tempfile.TemporaryDirectory(prefix="mb-e2e-http-")
        self.addCleanup(d.cleanup)
        return d.name


if __name__ == "__main__":
    unittest.main()
