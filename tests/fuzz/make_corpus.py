#!/usr/bin/env python3
"""Writes the seed corpus of the request fuzzer (tests/fuzz/corpus/): one raw HTTP exchange a
file — the seed's requests (scripts/demo, the seed's README), every bad-input case of
tests/e2e/test_bad_input.py and tests/e2e/test_http_conformance.py (framing and smuggling,
Host, UTF-8, JSON limits and strict numbers, CORS), the catalogue and admin routes.

The first byte of a file may select the credential the harness inserts (request_fuzzer.cpp):
0x01 customer alice, 0x02 customer bob, 0x03 staff, 0x04 admin; a file starting with a letter
is sent as it is (no token). Run it again after changing it: python3 tests/fuzz/make_corpus.py
"""

import json
import pathlib
import shutil

OUT = pathlib.Path(__file__).resolve().parent / "corpus"
ALICE, BOB, STAFF, ADMIN = b"\x01", b"\x02", b"\x03", b"\x04"
SECOND = b"GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n\r\n"

files = {}


def req(method, target, body=None, headers=(), version=b"HTTP/1.1", host=b"localhost",
        ctype=b"application/json"):
    head = method.encode() + b" " + target.encode() + b" " + version + b"\r\n"
    if host is not None:
        head += b"Host: " + host + b"\r\n"
    for h in headers:
        head += h + b"\r\n"
    if body is not None:
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        if ctype:
            head += b"Content-Type: " + ctype + b"\r\n"
        head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return head + b"\r\n" + (body or b"")


def add(name, data, who=b""):
    assert name not in files, name
    files[name] = who + data


def booking(**changes):
    body = {"qty": 2, "movieName": "soul", "seat": "1A,2B", "totalPrice": 10000}
    for k, v in changes.items():
        if v is ...:
            body.pop(k, None)
        else:
            body[k] = v
    return body


# -- the seed's requests (scripts/demo), as customer alice and without a token --------------
seed = [
    ("book", req("POST", "/books", booking())),
    ("ticket-by-booking", req("GET", "/tickets/search/findByBookingId?bookingId=1")),
    ("print", req("PATCH", "/tickets/1", {"status": "Printed"})),
    ("review-by-booking", req("GET", "/reviews/search/findByBookingId?bookingId=1")),
    ("reviews-page", req("GET", "/reviews?size=100")),
    ("write-review", req("PATCH", "/reviews/1", {"score": 10, "contents": "VeryGood"})),
    ("mypages", req("GET", "/mypages")),
    ("mypage-by-booking", req("GET", "/mypages/search/findByBookingId?bookingId=1")),
    ("mypage-by-customer", req("GET", "/mypages/search/findByCustomerId?customerId=alice")),
    ("cancel-delete", req("DELETE", "/books/2")),
    ("cancel-patch", req("PATCH", "/books/2", {"status": "Canceled"})),
    ("book-declined", req("POST", "/books", booking(qty=1, movieName="gala night", seat="4D",
                                                    totalPrice=100000000))),
    ("books", req("GET", "/books?page=0&size=20")),
    ("book-1", req("GET", "/books/1")),
    ("payments", req("GET", "/payments")),
    ("payment-by-booking", req("GET", "/payments/search/findByBookingId?bookingId=1")),
    ("payment-1", req("GET", "/payments/1")),
    ("tickets", req("GET", "/tickets")),
    ("ticket-1", req("GET", "/tickets/1")),
    ("mypage-1", req("GET", "/mypages/1")),
    ("book-screening", req("POST", "/books", {"screeningId": 1, "seats": ["C3", "C4"]})),
]
for name, data in seed:
    add(f"seed-{name}-alice", data, ALICE)
for name in ("book", "print", "mypages", "cancel-delete"):
    add(f"seed-{name}-no-token", dict(seed)[name])
add("seed-book-bob", dict(seed)["book"], BOB)
add("seed-book-1-bob", dict(seed)["book-1"], BOB)
add("seed-mypages-staff", dict(seed)["mypages"], STAFF)
add("seed-keep-alive-pipeline-alice",
    req("POST", "/books", booking(seat="5E,5F")) + dict(seed)["ticket-by-booking"] +
    dict(seed)["mypages"], ALICE)

# -- the public catalogue, probes and the admin routes ------------------------------------
for name, target in (("movies", "/movies"), ("movie-1", "/movies/1"), ("screens", "/screens"),
                     ("screen-1", "/screens/1"), ("screenings", "/screenings"),
                     ("screening-1", "/screenings/1"), ("seats", "/screenings/1/seats"),
                     ("health", "/actuator/health"), ("liveness", "/actuator/health/liveness"),
                     ("readiness", "/actuator/health/readiness"), ("root", "/"),
                     ("mappings", "/actuator/mappings"), ("metrics", "/actuator/metrics")):
    add(f"public-{name}", req("GET", target))
add("public-seats-if-none-match",
    req("GET", "/screenings/1/seats", headers=(b'If-None-Match: "x"',)))
add("public-head-movies", req("HEAD", "/movies"))
add("public-options-books", req("OPTIONS", "/books"))
add("admin-movie", req("POST", "/movies", {"title": "Inside Out", "runtimeMinutes": 95,
                                           "rating": "12"}), ADMIN)
add("admin-screen", req("POST", "/screens", {"name": "Screen 9", "rows": 5, "seatsPerRow": 8}),
    ADMIN)
add("admin-screening", req("POST", "/screenings", {"movieId": 1, "screenId": 1,
                                                   "startsAt": "2030-01-01T20:00:00Z",
                                                   "price": 12000}), ADMIN)
add("admin-faults", req("GET", "/admin/faults"), ADMIN)
add("admin-fault-set", req("PUT", "/admin/faults/review", {"latencyMs": [1, 2],
                                                           "errorRate": 0.5, "down": False}),
    ADMIN)
add("admin-fault-clear", req("DELETE", "/admin/faults/review"), ADMIN)
add("admin-modules", req("GET", "/admin/modules"), ADMIN)
add("admin-pause", req("POST", "/admin/modules/mypage/pause", b""), ADMIN)
add("admin-resume", req("POST", "/admin/modules/mypage/resume", b""), ADMIN)
add("admin-dead-letters", req("GET", "/admin/dead-letters"), ADMIN)
add("admin-dead-letter-retry", req("POST", "/admin/dead-letters/booking/1/retry", b""), ADMIN)
add("admin-dead-letter-delete", req("DELETE", "/admin/dead-letters/booking/1"), ADMIN)
add("admin-breakers", req("GET", "/admin/breakers"), ADMIN)
add("admin-as-customer", req("GET", "/admin/modules"), ALICE)

# -- tokens the harness does not mint ------------------------------------------------------
add("auth-garbage-token", req("GET", "/books", headers=(b"Authorization: Bearer abc.def.ghi",)))
add("auth-alg-none", req("GET", "/books", headers=(
    b"Authorization: Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
    b"eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.",)))
add("auth-basic", req("GET", "/books", headers=(b"Authorization: Basic YWxpY2U6eA==",)))
add("auth-two-headers", req("GET", "/books", headers=(b"Authorization: Bearer a",
                                                       b"Authorization: Bearer b")))

# -- tests/e2e/test_bad_input.py ------------------------------------------------------------
bad = {
    "qty-0": booking(qty=0, seat="1A"), "qty-neg": booking(qty=-1, seat="1A"),
    "qty-3": booking(qty=3), "qty-1": booking(qty=1), "seat-empty": booking(qty=1, seat=""),
    "seat-dup": booking(seat="1A,1A"), "seat-long": booking(qty=1, seat="ABCDEFGHI"),
    "seat-hash": booking(seat="1A,2#"), "seat-gap": booking(seat="1A,,2B"),
    "price-neg": booking(totalPrice=-1), "price-neg-str": booking(totalPrice="-1"),
    "movie-missing": booking(movieName=...), "movie-long": booking(movieName="x" * 201),
    "three-fields": booking(qty=0, totalPrice=-5, movieName=...),
    "customer-id": dict(booking(), customerId="mallory"),
}
for i, v in enumerate((True, "abc", "2.0", "1e3", " 2", "2 ", 2.5, "", [2], {"n": 2})):
    bad[f"qty-type-{i}"] = booking(qty=v)
for i, v in enumerate((False, "ten", "10000.5", 10000.5, "1e4", 99999999999999999999999)):
    bad[f"price-type-{i}"] = booking(totalPrice=v)
for name, body in bad.items():
    add(f"bad-booking-{name}", req("POST", "/books", body), ALICE)
for i, raw in enumerate(('{"qty":', "", "[]", '"soul"', "null", '{"qty":2,}', "{'qty':2}")):
    add(f"bad-body-{i}", req("POST", "/books", raw.encode()), ALICE)
add("bad-media-text", req("POST", "/books", json.dumps(booking()).encode(), ctype=b"text/plain"),
    ALICE)
add("bad-media-form", req("POST", "/books", b"qty=2&movieName=soul&seat=1A,2B&totalPrice=10000",
                          ctype=b"application/x-www-form-urlencoded"), ALICE)
add("bad-body-too-large", b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
    b"application/json\r\nContent-Length: 66561\r\n\r\n" + b'{"movieName":"' + b"x" * 64, ALICE)
for name, target in (("nope", "/nope"), ("bookss", "/bookss/1"), ("abc", "/books/abc"),
                     ("unknown", "/books/999999")):
    add(f"bad-route-{name}", req("GET", target), ALICE)
add("bad-route-put", req("PUT", "/books/1", booking()), ALICE)
add("bad-route-post-payments", req("POST", "/payments", {"bookingId": 1, "totalPrice": 5}),
    ALICE)
add("bad-route-post-reviews", req("POST", "/reviews", {"bookingId": 1, "score": 5}), ALICE)
add("bad-route-delete-unknown", req("DELETE", "/books/999999"), ALICE)
add("bad-route-print-unknown", req("PATCH", "/tickets/999999", {"status": "Printed"}), ALICE)
for i, body in enumerate(({"status": "PrintComplete"}, {"status": "canceled"}, {"status": 1},
                          {})):
    add(f"bad-booking-status-{i}", req("PATCH", "/books/1", body), ALICE)
for i, body in enumerate(({"status": "Waiting"}, {"status": "printed"}, {"status": None})):
    add(f"bad-ticket-status-{i}", req("PATCH", "/tickets/1", body), ALICE)
for i, score in enumerate((11, -1, "11", "abc", 9.5, True, " 5", 1000000000000)):
    add(f"bad-review-score-{i}", req("PATCH", "/reviews/1", {"score": score, "contents": "ok"}),
        ALICE)
add("bad-review-contents", req("PATCH", "/reviews/1", {"score": 5, "contents": "y" * 2001}),
    ALICE)

# -- tests/e2e/test_http_conformance.py -----------------------------------------------------
for i, framing in enumerate((b"Transfer-Encoding: gzip\r\n", b"Transfer-Encoding: identity\r\n",
                             b"Transfer-Encoding: chunked, gzip\r\n",
                             b"Transfer-Encoding: gzip, chunked\r\n",
                             b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                             b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                             b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")):
    add(f"http-smuggle-te-{i}",
        b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
        framing + b"\r\n0\r\n\r\n" + SECOND + SECOND, ALICE)
add("http-smuggle-te-http10",
    b"POST /books HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\n" + SECOND)
body = b'{"qty":true}'
add("http-chunked", b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
    b"\r\nTransfer-Encoding: chunked\r\n\r\n" + f"{len(body):x}".encode() + b"\r\n" + body +
    b"\r\n0\r\n\r\n" + SECOND, ALICE)
chunked_booking = json.dumps(booking(seat="7A,7B")).encode()
add("http-chunked-booking", b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
    b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
    f"{len(chunked_booking) - 10:x}".encode() + b"\r\n" + chunked_booking[:-10] + b"\r\n" +
    b"a;ext=1\r\n" + chunked_booking[-10:] + b"\r\n0\r\nTrailer: x\r\n\r\n", ALICE)
for i, host in enumerate((b"", b"Host: a\r\nHost: b\r\n", b"Host: user@localhost\r\n",
                          b"Host: localhost/x\r\n", b"Host: localhost:65536\r\n",
                          b"Host: local host\r\n", b'Host: "><img src=x>\r\n', b"Host: \xff\r\n",
                          b"Host: [::1]:8088\r\n", b"Host: 127.0.0.1\r\n")):
    add(f"http-host-{i}", b"GET /movies HTTP/1.1\r\n" + host + b"\r\n" + SECOND)
add("http-10-no-host", b"GET /movies HTTP/1.0\r\n\r\n")
add("http-10-keep-alive", b"GET /movies HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
    b"GET /screens HTTP/1.0\r\n\r\n")
add("http-absolute-form", b"GET http://tickets.test:8443/movies HTTP/1.1\r\nHost: "
    b"tickets.test:8443\r\nConnection: close\r\n\r\n")
add("http-links-host", b"GET /movies HTTP/1.1\r\nHost: tickets.test:8443\r\nConnection: close"
    b"\r\n\r\n")
for i, target in enumerate((b"/%ff", b"/books/%ff", b"/mypages/%e2%82", b"/%c0%af", b"/%ed%a0%80",
                            b"/books?page=%ff&size=%fe",
                            b"/mypages/search/findByCustomerId?customerId=%ff%fe",
                            b"/tickets/search/findByBookingId?bookingId=%e2%82")):
    add(f"http-utf8-{i}", b"GET " + target +
        b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", ALICE)
base = b'"movieName":"soul","seat":"1A","totalPrice":5000'
json_cases = {
    "trailing": b'{"qty":1,' + base + b'} x', "two-values": b'{"qty":1,' + base + b'}{}',
    "deep": b'{"x":' + b"[" * 30 + b"]" * 30 + b"}",
    "many": b'{"x":[' + b",".join([b"1"] * 1001) + b"]}",
    "1e400": b'{"qty":1e400,' + base + b"}",
    "u64-overflow": b'{"qty":18446744073709551616,' + base + b"}",
    "past-2-53": b'{"qty":9007199254740993,' + base + b"}",
    "past-i64-string": b'{"qty":"9223372036854775808",' + base + b"}",
    "boolean": b'{"qty":true,' + base + b"}", "decimal": b'{"qty":1.0,' + base + b"}",
    "utf8": b'{"qty":1,"movieName":"\xff","seat":"1A","totalPrice":5000}',
    "escapes": b'{"qty":1,"movieName":"\\ud800\\u00e9\\n","seat":"1A","totalPrice":5000}',
    "dup-keys": b'{"qty":1,"qty":2,' + base + b"}",
}
for name, body in json_cases.items():
    add(f"json-{name}", req("POST", "/books", body, headers=(b"Connection: close",)), ALICE)
add("http-security-headers", b"".join([
    b"GET /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"DELETE /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"OPTIONS /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"HEAD /movies HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",
    b"GET /movies HTTP/1.1\r\n\r\n"]))
add("http-cors-preflight", b"OPTIONS /books HTTP/1.1\r\nHost: localhost\r\nOrigin: "
    b"https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n"
    b"Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n")
add("http-cors-get", b"GET /movies HTTP/1.1\r\nHost: localhost\r\nOrigin: null\r\n\r\n")
add("http-header-too-large", b"GET /movies HTTP/1.1\r\nHost: localhost\r\nX-Big: " +
    b"a" * 9000 + b"\r\n\r\n")
add("http-bad-request-line", b"GET  /movies HTTP/1.1\r\nHost: localhost\r\n\r\n")
add("http-bad-version", b"GET /movies HTTP/2.0\r\nHost: localhost\r\n\r\n")
add("http-lf-only", b"GET /movies HTTP/1.1\nHost: localhost\n\n")
add("http-cut-off", b"POST /books HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
add("http-expect", req("POST", "/books", booking(seat="8A,8B"),
                       headers=(b"Expect: 100-continue",)), ALICE)
add("http-request-id", req("GET", "/movies", headers=(b"X-Request-Id: abc-123",)))

# -- regressions: inputs the fuzzer found (each with the fix that made it pass) --------------
# UBSan signed overflow: a startsAt past 2262 overflowed TimePoint's 64-bit nanoseconds.
add("regress-screening-starts-5030",
    req("POST", "/screenings", b'{"movieId": 1, "screenId": 1, "startsAt": "5030-01-01T20:00:00Z", '
        b'"price": 12000}'), ADMIN)

if OUT.exists():
    shutil.rmtree(OUT)
OUT.mkdir()
for name, data in sorted(files.items()):
    (OUT / name).write_bytes(data)
print(f"{len(files)} files in {OUT}")
