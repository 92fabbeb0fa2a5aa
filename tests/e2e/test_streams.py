"""Live streams (issue 13): the seat map as Server-Sent Events on a real server.

Contract (README "Live streams"): ``GET /screenings/{id}/seats/stream`` is ``text/event-stream``;
the first event is the whole map (``seat``: the seat map body plus ``version``), every later one
only what changed (``seats``: the changed seats with their new status, ``since`` = the version
it applies to, the counts after it), each with the inventory version as its SSE ``id``; a client
that reconnects with ``Last-Event-ID`` gets the ``seats`` events it missed (or the whole map when
they are no longer kept, or the id is not one of this screening's), so it loses nothing;
``: heartbeat`` comments every ``--stream-heartbeat-ms``; ``--max-streams-per-client`` beyond →
429, ``--max-streams`` beyond → 503 (problem+json, Retry-After); SIGTERM ends open streams
cleanly (the chunked body is terminated) and the process exits 0.
"""

import http.client
import json
import unittest

import subprocess

from harness import E2ETestCase, binary_path, clean_env, poll
from test_seat_inventory import SeatInventoryBase

DEADLINE_S = 15


class EventStream:
    """One SSE connection, read event by event with a deadline (never a hang)."""

    def __init__(self, port, path, last_event_id=None, source="127.0.0.1", token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE_S,
                                               source_address=(source, 0))
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = self.response.headers

    def body(self):
        """The whole (non-stream) body, as JSON when it is JSON."""
        data = self.response.read()
        try:
            return json.loads(data)
        except ValueError:
            return data

    def next(self):
        """The next event or comment: ("comment", text) or (event, id, data); None at the end
        of the stream. Raises socket.timeout when nothing comes within the deadline."""
        fields = {}
        data = []
        while True:
            line = self.response.readline()
            if not line:
                return None
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data or fields:
                    return (fields.get("event", "message"), fields.get("id"), "\n".join(data))
                continue
            if line.startswith(":"):
                if not data and not fields:
                    return ("comment", line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            else:
                fields[name] = value

    def next_seat(self):
        """The next seat-map event (skipping heartbeats): (event, id, body), event being
        ``seat`` (the whole map) or ``seats`` (a delta)."""
        while True:
            item = self.next()
            if item is None:
                raise AssertionError("the stream ended")
            if item[0] in ("seat", "seats"):
                return item[0], int(item[1]), json.loads(item[2])

    def next_of(self, event):
        """The next event called ``event`` (skipping heartbeats), its data as JSON."""
        while True:
            item = self.next()
            if item is None:
                raise AssertionError("the stream ended")
            if item[0] == event:
                return json.loads(item[2])

    def close(self):
        # The response holds its own reference to the socket: close both, or the fd stays open.
        self.response.close()
        self.conn.close()


class SeatMirror:
    """A client's copy of a seat map, kept from a stream: a ``seat`` event replaces it, a
    ``seats`` event must apply to the version it holds (``since``) and is applied."""

    def __init__(self, test):
        self.test = test
        self.version = None
        self.seats = {}

    def apply(self, event, event_id, body):
        t = self.test
        t.assertEqual(body["version"], event_id, body)
        if event == "seat":
            self.seats = t.check_seat_map(body, body["screeningId"])
        else:
            t.assertEqual(event, "seats")
            t.assertIsNotNone(self.version, "a delta before any map")
            t.assertEqual(body["since"], self.version, f"a delta that does not chain: {body}")
            t.assertTrue(body["seats"], f"an empty delta was sent: {body}")
            for seat in body["seats"]:
                t.assertIn(seat["seat"], self.seats, f"a seat not on the map: {body}")
                self.seats[seat["seat"]] = seat["status"]
            for status in ("available", "held", "booked", "blocked"):
                t.assertEqual(body[status], sum(1 for s in self.seats.values() if s == status),
                              f"count {status!r} disagrees with the applied seats: {body}")
        t.assertGreater(event_id, self.version if self.version is not None else -1)
        self.version = event_id

    def follow(self, stream, until):
        """Applies events until ``until`` (a {seat: status}) holds; returns the event kinds."""
        kinds = []
        while any(self.seats.get(k) != v for k, v in until.items()):
            event, event_id, body = stream.next_seat()
            kinds.append(event)
            self.apply(event, event_id, body)
        return kinds


class SeatStreamTest(SeatInventoryBase):
    """One admin server with fast heartbeats; each test registers its own screening."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(["--admin", "--stream-heartbeat-ms", "200",
                                             "--max-streams-per-client", "64"])
        try:
            c = cls.server.client()
            r = c.post("/movies", {"title": "Stream", "runtimeMinutes": 90, "rating": "ALL"})
            assert r.status == 201, r.describe()
            cls.movie = r.body
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        self.c = self.server.client()

    def open(self, screening_id, **kw):
        stream = EventStream(self.server.port, f"/screenings/{screening_id}/seats/stream", **kw)
        self.addCleanup(stream.close)
        return stream

    def test_the_stream_sends_the_map_then_only_what_changed(self):
        """The first event is the current map (the GET's body plus version); a booking made
        elsewhere arrives as `seats` deltas with higher ids, listing only its seats, which
        applied to the map give what the resource shows."""
        sid = self.new_screening(self.c)["id"]
        stream = self.open(sid)
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.headers["Content-Type"].startswith("text/event-stream"))
        self.assertEqual(stream.headers["Cache-Control"], "no-store")
        mirror = SeatMirror(self)
        event, first_id, first = stream.next_seat()
        self.assertEqual(event, "seat")
        mirror.apply(event, first_id, first)
        self.assertEqual(first["available"], 12)
        self.book(self.c, sid, ["A1", "A2"])
        deltas = []
        while mirror.seats["A1"] != "booked" or mirror.seats["A2"] != "booked":
            event, event_id, body = stream.next_seat()
            self.assertEqual(event, "seats", "after the first event only deltas")
            self.assertLessEqual({s["seat"] for s in body["seats"]}, {"A1", "A2"}, body)
            mirror.apply(event, event_id, body)
            deltas.append(body)
        self.assertGreater(mirror.version, first_id)
        self.assertEqual(deltas[-1]["booked"], 2)
        # The stream and the resource agree.
        self.assertEqual(self.check_seat_map(self.seat_map(self.c, sid).body, sid), mirror.seats)

    def test_resume_with_last_event_id_replays_what_was_missed(self):
        """A client that was away while seats were booked reconnects with its last id and gets
        the changes since, as deltas that chain from that id; one that is up to date gets
        nothing, only what changes next."""
        sid = self.new_screening(self.c)["id"]
        # Another client keeps watching: the changes made while ours is away are fed (and
        # kept for resume) one by one.
        keeper = self.open(sid)
        keeper_mirror = SeatMirror(self)
        keeper_mirror.apply(*keeper.next_seat())
        stream = self.open(sid)
        mirror = SeatMirror(self)
        mirror.apply(*stream.next_seat())
        stream.close()
        self.book(self.c, sid, ["B1"])  # while away
        self.book(self.c, sid, ["B2", "B3"])
        want = {"B1": "booked", "B2": "booked", "B3": "booked"}
        keeper_mirror.follow(keeper, want)
        resumed = self.open(sid, last_event_id=mirror.version)
        kinds = mirror.follow(resumed, want)
        self.assertEqual(set(kinds), {"seats"}, "a resume replays deltas, not the map")
        self.assertEqual(mirror.seats, keeper_mirror.seats)
        resumed.close()
        keeper.close()

        # Nobody watching while away: the reconnect gets one delta from its id to now.
        self.book(self.c, sid, ["A1", "A2"])
        booked = self.wait_seats(self.c, sid, {"A1": "booked", "A2": "booked"})
        resumed = self.open(sid, last_event_id=mirror.version)
        event, event_id, body = resumed.next_seat()
        self.assertEqual(event, "seats")
        mirror.apply(event, event_id, body)
        self.assertEqual(mirror.seats, self.check_seat_map(booked, sid))
        resumed.close()

        # Up to date: the first thing on the wire is a heartbeat, not a map.
        current = self.open(sid, last_event_id=mirror.version)
        self.assertEqual(current.next(), ("comment", "heartbeat"))
        self.book(self.c, sid, ["C4"])
        kinds = mirror.follow(current, {"C4": "booked"})
        self.assertEqual(set(kinds), {"seats"})

    def test_resume_from_an_unknown_id_gets_the_whole_map(self):
        """An id that is not one of this screening's versions (from the future, or not a
        number) cannot be resumed from: the stream starts with the whole map."""
        sid = self.new_screening(self.c)["id"]
        self.book(self.c, sid, ["A3"])
        booked = self.wait_seats(self.c, sid, {"A3": "booked"})
        for last_id in ("999999", "not-a-version"):
            stream = self.open(sid, last_event_id=last_id)
            event, event_id, body = stream.next_seat()
            self.assertEqual(event, "seat", last_id)
            self.assertEqual(body["version"], event_id)
            self.assertEqual(self.check_seat_map(body, sid), self.check_seat_map(booked, sid))
            stream.close()

    def test_many_streams_of_one_screening_all_get_every_change(self):
        """Every stream of a screening gets the same deltas (serialised once, sent to each)."""
        sid = self.new_screening(self.c)["id"]
        streams = [self.open(sid) for _ in range(5)]
        mirrors = []
        for stream in streams:
            mirror = SeatMirror(self)
            mirror.apply(*stream.next_seat())
            mirrors.append(mirror)
        self.book(self.c, sid, ["A4"])
        self.book(self.c, sid, ["C1", "C2"])
        want = {"A4": "booked", "C1": "booked", "C2": "booked"}
        for stream, mirror in zip(streams, mirrors):
            mirror.follow(stream, want)
        self.assertEqual(len({tuple(sorted(m.seats.items())) for m in mirrors}), 1)
        self.assertEqual(mirrors[0].seats,
                         self.check_seat_map(self.seat_map(self.c, sid).body, sid))

    def test_unknown_screening_and_bad_id(self):
        missing = self.open(987654321)
        self.assertEqual(missing.status, 404)
        self.assertTrue(missing.headers["Content-Type"].startswith("application/problem+json"))
        self.assertEqual(missing.body()["status"], 404)
        bad = self.open("x")
        self.assertEqual(bad.status, 400)


class StreamLimitsTest(E2ETestCase):
    """The stream caps (each loopback address is a client of its own) and the SIGTERM drain."""

    def test_caps_answer_429_per_client_and_503_in_total(self):
        server = self.start_server(["--demo-data", "--max-streams", "2",
                                    "--max-streams-per-client", "1",
                                    "--stream-heartbeat-ms", "200"])
        sid = server.client().get("/screenings").body["_embedded"]["screenings"][0]["id"]
        path = f"/screenings/{sid}/seats/stream"
        first = EventStream(server.port, path, source="127.0.0.1")
        self.addCleanup(first.close)
        self.assertEqual(first.status, 200)
        again = EventStream(server.port, path, source="127.0.0.1")
        self.addCleanup(again.close)
        self.assertEqual(again.status, 429)
        self.assertTrue(again.headers["Content-Type"].startswith("application/problem+json"))
        self.assertEqual(again.headers["Retry-After"], "1")
        again.body()
        other = EventStream(server.port, path, source="127.0.0.2")
        self.addCleanup(other.close)
        self.assertEqual(other.status, 200)
        third = EventStream(server.port, path, source="127.0.0.3")
        self.addCleanup(third.close)
        self.assertEqual(third.status, 503)
        self.assertEqual(third.headers["Retry-After"], "1")
        self.assertEqual(third.body()["status"], 503)
        # A closed stream frees its slot (noticed at the latest on its next heartbeat).
        first.close()
        other.close()

        def reopen():
            s = EventStream(server.port, path, source="127.0.0.3")
            if s.status != 200:
                s.close()
                raise AssertionError(f"status {s.status}")
            return s
        self.addCleanup(poll(reopen, DEADLINE_S, "a stream slot freed").close)

    def test_sigterm_ends_streams_cleanly(self):
        server = self.start_server(["--demo-data"])
        sid = server.client().get("/screenings").body["_embedded"]["screenings"][0]["id"]
        stream = EventStream(server.port, f"/screenings/{sid}/seats/stream")
        self.addCleanup(stream.close)
        stream.next_seat()
        self.assertEqual(server.stop(), 0)
        # The body was terminated properly (last chunk), not cut: http.client sees the end.
        self.assertIsNone(stream.next())


def book_demo(client, seat):
    """A booking of the demo movie soul (5,000 KRW a seat) by the client's customer."""
    return client.post("/books", {"qty": "1", "movieName": "soul", "seat": seat,
                                  "totalPrice": "5000"})


class MyPageStreamTest(E2ETestCase):
    """GET /mypages/stream: the caller's own rows, live (issue 13)."""

    SECRET = "a-local-demo-secret-of-at-least-32-bytes!"

    def mint(self, sub):
        proc = subprocess.run([binary_path(), "token", "--sub", sub, "--role", "customer"],
                              capture_output=True, timeout=20,
                              env=clean_env({"MOVIE_JWT_SECRET": self.SECRET}))
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return proc.stdout.decode().strip()

    def rows_until(self, stream, booking_id):
        """The `mypage` events up to the first of ``booking_id``'s row."""
        rows = []
        while True:
            row = stream.next_of("mypage")
            rows.append(row)
            if row["bookingId"] == booking_id:
                return rows

    def test_with_tokens_a_stream_carries_only_the_callers_rows(self):
        server = self.start_server(["--demo-data"], env={"MOVIE_JWT_SECRET": self.SECRET},
                                   auth_off=False)
        alice_token, bob_token = self.mint("alice"), self.mint("bob")
        alice, bob = server.client(token=alice_token), server.client(token=bob_token)
        r = book_demo(alice, "1A")
        self.assertStatus(r, 201)
        first = r.body["id"]
        # Alice's current rows come first (wait for the projection: it is asynchronous).
        poll(lambda: alice.get(f"/mypages/search/findByBookingId?bookingId={first}").status == 200
             or None, DEADLINE_S, "alice's first row")
        stream = EventStream(server.port, "/mypages/stream", token=alice_token)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        rows = self.rows_until(stream, first)
        # Then bob's booking (not on her stream) and hers (on it, live).
        self.assertStatus(book_demo(bob, "2B"), 201)
        r = book_demo(alice, "3C")
        self.assertStatus(r, 201)
        rows += self.rows_until(stream, r.body["id"])
        self.assertEqual({row["customerId"] for row in rows}, {"alice"}, rows)
        # Another customer's stream, or none at all, is refused.
        other = EventStream(server.port, "/mypages/stream?customerId=bob", token=alice_token)
        self.addCleanup(other.close)
        self.assertEqual(other.status, 403)
        self.assertEqual(other.body()["status"], 403)
        anonymous = EventStream(server.port, "/mypages/stream")
        self.addCleanup(anonymous.close)
        self.assertEqual(anonymous.status, 401)

    def test_with_auth_off_the_customer_is_the_query_parameter(self):
        server = self.start_server(["--demo-data"])
        c = server.client()
        missing = EventStream(server.port, "/mypages/stream")
        self.addCleanup(missing.close)
        self.assertEqual(missing.status, 400)
        stream = EventStream(server.port, "/mypages/stream?customerId=carol")
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        dave = c.post("/books", {"qty": "1", "movieName": "soul", "seat": "4D",
                                 "totalPrice": "5000", "customerId": "dave"})
        self.assertStatus(dave, 201)
        carol = c.post("/books", {"qty": "1", "movieName": "soul", "seat": "5E",
                                  "totalPrice": "5000", "customerId": "carol"})
        self.assertStatus(carol, 201)
        rows = self.rows_until(stream, carol.body["id"])
        self.assertEqual({row["customerId"] for row in rows}, {"carol"}, rows)


if __name__ == "__main__":
    unittest.main()
