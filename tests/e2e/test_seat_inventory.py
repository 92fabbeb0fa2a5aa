"""Movies, screenings and seat inventory: no seat of a screening is sold twice.

MISSION.md, "What the sibling seeds add": "admin registers movies and screenings with a seat map
and price; a paid booking takes its seats; cancel (or a failed payment) releases them; a seat-map
view per screening", and the invariant "No seat of a screening is sold twice, whatever the
concurrency".

Contract (the lead's brief): ``--admin`` enables POST /movies, /screens, /screenings (403
problem+json otherwise); ``--demo-data`` loads a demo catalogue idempotently ("soul" at 5000 KRW
per seat); seat labels are row letter + number ("A1"; the seed's "1A" is the same seat);
``GET /screenings/{id}/seats`` is the seat map with an ETag; ``POST /books`` with
``screeningId`` + ``seats`` computes the price and refuses taken, blocked, unknown, duplicate
seats and started screenings.
"""

import concurrent.futures
import datetime
import itertools
import random
import threading
import time
import unittest

from harness import (E2ETestCase, embedded, find_by_booking, get_all, poll, total,
                     wait_mypage)

FUTURE = "2031-{:02d}-{:02d}T{:02d}:{:02d}:00Z"
PAST = "2001-01-01T10:00:00Z"
PRICE = 5000
ALIVE = ("available", "held", "booked")  # a non-blocked seat's possible statuses
ORDER = {"available": 0, "held": 1, "booked": 2}

_starts = itertools.count(1)


def future_start():
    """A distinct future startsAt for every screening this process registers."""
    n = next(_starts)
    return FUTURE.format(1 + n % 12, 1 + n % 28, 10 + n % 12, (n * 5) % 60)


def instant(text):
    """An ISO-8601 UTC timestamp as an aware datetime (fails the test on anything else)."""
    if not isinstance(text, str):
        raise AssertionError(f"not an ISO-8601 string: {text!r}")
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise AssertionError(f"timestamp without zone: {text!r}")
    return value


def count(client, rel):
    """How many items ``/<rel>`` holds (page.totalElements when given, else the items)."""
    r = client.get(f"/{rel}?size=1000")
    if r.status != 200 or not isinstance(r.body, dict):
        raise AssertionError(f"listing {rel} failed: {r.describe()}")
    page = r.body.get("page")
    if isinstance(page, dict) and "totalElements" in page:
        return int(page["totalElements"])
    return len(embedded(r.body, rel))


def seat_statuses(body):
    """{label: status} of a seat-map body; fails when a seat is listed twice."""
    seats = {}
    for entry in body["seats"]:
        label = entry["seat"]
        if label in seats:
            raise AssertionError(f"seat {label} listed twice in the seat map: {body}")
        seats[label] = entry["status"]
    return seats


def seat_payload(screening_id, seats, customer="alice", price=None, **extra):
    body = {"screeningId": screening_id, "seats": list(seats), "customerId": customer}
    if price is not None:
        body["totalPrice"] = price
    body.update(extra)
    return body


def run_parallel(server, fn, args, workers):
    """fn(client, arg) for every arg on a pool of ``workers`` threads, one client each; the
    first wave starts together."""
    local = threading.local()
    barrier = threading.Barrier(min(workers, len(args)))

    def call(arg):
        if not hasattr(local, "c"):
            local.c = server.client()
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        return fn(local.c, arg)

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(call, args))


class SeatInventoryBase(E2ETestCase):
    """Helpers over an admin server (``self.server``: the class's or the test's own) and a
    movie (``self.movie``) that new screenings show."""

    # -- catalogue ---------------------------------------------------------------------------

    def created(self, c, rel, body):
        r = c.post(f"/{rel}", body)
        self.assertStatus(r, 201, f"registering {body}")
        return r.body

    def new_movie(self, c, title=None, runtime=100, rating="ALL"):
        title = title or f"Movie {next(_starts)}"
        return self.created(c, "movies", {"title": title, "runtimeMinutes": runtime,
                                          "rating": rating})

    def new_screen(self, c, rows=3, per_row=4, blocked=(), gaps=()):
        body = {"name": f"Screen {next(_starts)}", "rows": rows, "seatsPerRow": per_row}
        if blocked:
            body["blocked"] = list(blocked)
        if gaps:
            body["gaps"] = list(gaps)
        return self.created(c, "screens", body)

    def new_screening(self, c, rows=3, per_row=4, blocked=(), gaps=(), price=PRICE,
                      starts_at=None, movie=None):
        """A screening of a new screen (and of ``movie`` or the class movie)."""
        movie = movie or self.movie
        screen = self.new_screen(c, rows, per_row, blocked, gaps)
        screening = self.created(c, "screenings", {
            "movieId": movie["id"], "screenId": screen["id"],
            "startsAt": starts_at or future_start(), "price": price})
        return screening

    # -- seat map ----------------------------------------------------------------------------

    def seat_map(self, c, screening_id, headers=None):
        r = c.get(f"/screenings/{screening_id}/seats", headers=headers)
        self.assertStatus(r, 200)
        self.check_seat_map(r.body, screening_id)
        return r

    def check_seat_map(self, body, screening_id):
        """Shape and internal consistency: counts match the listed statuses."""
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("screeningId"), screening_id, body)
        seats = seat_statuses(body)
        for label, status in seats.items():
            self.assertIn(status, ALIVE + ("blocked",), f"seat {label}: {body}")
        for status in ALIVE + ("blocked",):
            self.assertEqual(body.get(status), sum(1 for s in seats.values() if s == status),
                             f"count {status!r} disagrees with the listed seats: {body}")
        return seats

    def wait_seats(self, c, screening_id, expected, what=None):
        """Poll the seat map until every seat of ``expected`` has its status; returns the body."""
        def check():
            body = self.seat_map(c, screening_id).body
            seats = seat_statuses(body)
            wrong = {s: seats.get(s) for s, st in expected.items() if seats.get(s) != st}
            if wrong:
                raise AssertionError(f"seats {wrong}, want {expected}")
            return body
        return poll(check, 15, what or f"seats {expected} on screening {screening_id}")

    def book(self, c, screening_id, seats, customer="alice", price=None, **extra):
        r = c.post("/books", seat_payload(screening_id, seats, customer, price, **extra))
        self.assertStatus(r, 201, f"booking {seats} of screening {screening_id}")
        return r.body


class SeatInventoryTest(SeatInventoryBase):
    """One server with ``--admin``; each test registers its own screen and screening."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(["--admin"])
        try:
            c = cls.server.client()
            r = c.post("/movies", {"title": "Soul", "runtimeMinutes": 100, "rating": "ALL"})
            assert r.status == 201, r.describe()
            cls.movie = r.body
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        self.c = self.server.client()
        self.base = f"http://127.0.0.1:{self.server.port}"

    # -- 1. admin ----------------------------------------------------------------------------

    def test_admin_registers_movie_screen_screening(self):
        """Admin (seed 001/003): with --admin, POST /movies, /screens, /screenings -> 201 with
        Location and a HAL item holding the fields sent (screen capacity = rows*seatsPerRow -
        gaps - blocked; screening carries movieTitle/screenName); each is readable by id and
        listed; the new screening's seat map lists every non-gap seat, blocked ones blocked."""
        c, base = self.c, self.base
        r = c.post("/movies", {"title": "Inside Out", "runtimeMinutes": 95, "rating": "12"})
        self.assertStatus(r, 201)
        movie = r.body
        self.assertIsInstance(movie.get("id"), int, r.describe())
        self.assertEqual(r.headers.get("Location"), f"{base}/movies/{movie['id']}")
        self.assertEqual((movie["title"], movie["runtimeMinutes"], movie["rating"]),
                         ("Inside Out", 95, "12"))
        self.assertSelfLink(movie, base, f"/movies/{movie['id']}")
        r = c.get(f"/movies/{movie['id']}")
        self.assertStatus(r, 200)
        for key in ("id", "title", "runtimeMinutes", "rating"):
            self.assertEqual(r.body[key], movie[key], key)
        self.assertIn(movie["id"], [m["id"] for m in get_all(c, "movies")])

        r = c.post("/screens", {"name": "Screen 1", "rows": 10, "seatsPerRow": 12,
                                "blocked": ["A1", "J12"], "gaps": ["E6"]})
        self.assertStatus(r, 201)
        screen = r.body
        self.assertEqual(r.headers.get("Location"), f"{base}/screens/{screen['id']}")
        self.assertEqual((screen["name"], screen["rows"], screen["seatsPerRow"]),
                         ("Screen 1", 10, 12))
        self.assertEqual(sorted(screen["blocked"]), ["A1", "J12"])
        self.assertEqual(screen["gaps"], ["E6"])
        self.assertEqual(screen["capacity"], 10 * 12 - 1 - 2)
        self.assertSelfLink(screen, base, f"/screens/{screen['id']}")
        r = c.get(f"/screens/{screen['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["capacity"], 117, r.describe())
        self.assertIn(screen["id"], [s["id"] for s in get_all(c, "screens")])

        r = c.post("/screenings", {"movieId": movie["id"], "screenId": screen["id"],
                                   "startsAt": "2030-01-01T19:30:00Z", "price": 5000})
        self.assertStatus(r, 201)
        sc = r.body
        self.assertEqual(r.headers.get("Location"), f"{base}/screenings/{sc['id']}")
        self.assertEqual((sc["movieId"], sc["movieTitle"], sc["screenId"], sc["screenName"],
                          sc["price"]),
                         (movie["id"], "Inside Out", screen["id"], "Screen 1", 5000))
        self.assertEqual(instant(sc["startsAt"]), instant("2030-01-01T19:30:00Z"))
        self.assertSelfLink(sc, base, f"/screenings/{sc['id']}")
        r = c.get(f"/screenings/{sc['id']}")
        self.assertStatus(r, 200)
        self.assertEqual((r.body["movieTitle"], r.body["price"]), ("Inside Out", 5000))
        self.assertIn(sc["id"], [s["id"] for s in get_all(c, "screenings")])

        body = self.seat_map(c, sc["id"]).body
        seats = seat_statuses(body)
        self.assertEqual(len(seats), 10 * 12 - 1, "every seat but the gap is listed")
        self.assertNotIn("E6", seats, "gaps are not listed")
        self.assertEqual((seats["A1"], seats["J12"], seats["A2"]),
                         ("blocked", "blocked", "available"))
        self.assertEqual((body["available"], body["held"], body["booked"], body["blocked"]),
                         (117, 0, 0, 2))

    def test_admin_validation(self):
        """Admin input rules -> 400 problem naming the field, and nothing is created: title
        1..200 chars, runtimeMinutes 1..1000, rating ALL/12/15/18; rows 1..26, seatsPerRow
        1..50, blocked/gaps inside the grid; screening movieId/screenId must exist, startsAt
        YYYY-MM-DDTHH:MM:SSZ, price >= 0."""
        c = self.c
        before = {rel: count(c, rel) for rel in ("movies", "screens", "screenings")}
        movie = {"title": "Soul", "runtimeMinutes": 100, "rating": "ALL"}
        for change, field in (({"title": ""}, "title"), ({"title": None}, "title"),
                              ({"title": "x" * 201}, "title"),
                              ({"runtimeMinutes": 0}, "runtimeMinutes"),
                              ({"runtimeMinutes": 1001}, "runtimeMinutes"),
                              ({"rating": "PG"}, "rating"), ({"rating": None}, "rating")):
            body = {k: v for k, v in {**movie, **change}.items() if v is not None}
            with self.subTest(rel="movies", body=body):
                self.assertProblem(c.post("/movies", body), 400, fields=[field])
        screen = {"name": "Bad", "rows": 3, "seatsPerRow": 4}
        for change, field in (({"rows": 0}, "rows"), ({"rows": 27}, "rows"),
                              ({"seatsPerRow": 0}, "seatsPerRow"),
                              ({"seatsPerRow": 51}, "seatsPerRow"),
                              ({"blocked": ["D1"]}, "blocked"), ({"blocked": ["A5"]}, "blocked"),
                              ({"gaps": ["Z9"]}, "gaps"), ({"gaps": ["??"]}, "gaps")):
            body = {**screen, **change}
            with self.subTest(rel="screens", body=body):
                self.assertProblem(c.post("/screens", body), 400, fields=[field])
        screen_id = self.new_screen(c)["id"]
        before["screens"] += 1
        screening = {"movieId": self.movie["id"], "screenId": screen_id,
                     "startsAt": "2031-02-03T04:05:00Z", "price": 5000}
        for change, field in (({"movieId": 999999}, "movieId"),
                              ({"screenId": 999999}, "screenId"),
                              ({"startsAt": "tomorrow"}, "startsAt"),
                              ({"startsAt": "2031-02-03 04:05:00"}, "startsAt"),
                              ({"startsAt": "2031-13-03T04:05:00Z"}, "startsAt"),
                              ({"price": -1}, "price")):
            body = {**screening, **change}
            with self.subTest(rel="screenings", body=body):
                self.assertProblem(c.post("/screenings", body), 400, fields=[field])
        after = {rel: count(c, rel) for rel in ("movies", "screens", "screenings")}
        self.assertEqual(after, before, "a refused registration created something")

    # -- 2. / 8. one seat, 200 customers -----------------------------------------------------

    def race_one_seat(self, seat, watch=False):
        """200 concurrent POST /books for ``seat`` of a new screening (50 threads, distinct
        customers). With ``watch``, another client reads the seat map throughout. Returns
        (screening, results, snapshots)."""
        c = self.c
        sc = self.new_screening(c, rows=2, per_row=5)
        snapshots = []
        done = threading.Event()
        errors = []

        def watcher():
            wc = self.server.client()
            try:
                while True:
                    finished = done.is_set()
                    r = wc.get(f"/screenings/{sc['id']}/seats")
                    snapshots.append(r)
                    if finished:
                        return
                    done.wait(0.005)
            except BaseException as exc:  # reported by the test
                errors.append(exc)

        thread = threading.Thread(target=watcher, daemon=True) if watch else None
        if thread:
            thread.start()
        try:
            results = run_parallel(
                self.server,
                lambda cl, i: cl.post("/books", seat_payload(sc["id"], [seat], f"racer{i}",
                                                             PRICE)),
                range(200), 50)
        finally:
            done.set()
            if thread:
                thread.join(30)
        self.assertEqual(errors, [], "the seat-map watcher failed")
        return sc, results, snapshots

    def test_200_concurrent_bookings_of_one_seat(self):
        """MISSION.md invariant "No seat of a screening is sold twice, whatever the
        concurrency": 200 concurrent bookings of the same seat (50 threads, distinct customers)
        -> exactly one 201 and 199 409 problems; exactly one booking and one (Paid) payment
        were created; the seat map shows that seat booked and every other seat available."""
        c = self.c
        before = {rel: total(c, rel) for rel in ("books", "payments")}
        sc, results, _ = self.race_one_seat("B2")
        won = [r for r in results if r.status == 201]
        lost = [r for r in results if r.status != 201]
        self.assertEqual(len(won), 1, [r.describe() for r in won][:5])
        self.assertEqual(len(lost), 199)
        for r in lost:
            self.assertProblem(r, 409)
        winner = won[0].body
        self.assertEqual((winner["screeningId"], winner["seat"], winner["qty"],
                          winner["totalPrice"], winner["movieName"]),
                         (sc["id"], "B2", 1, PRICE, self.movie["title"]))

        self.assertEqual(total(c, "payments"), before["payments"] + 1,
                         "exactly one payment for 200 bookings of one seat")
        self.assertEqual(total(c, "books"), before["books"] + 1)
        mine = [b for b in get_all(c, "books") if b.get("screeningId") == sc["id"]]
        self.assertEqual([b["id"] for b in mine], [winner["id"]], mine)
        payments = find_by_booking(c, "payments", winner["id"])
        self.assertEqual([(p["status"], p["totalPrice"]) for p in payments], [("Paid", PRICE)])

        body = self.wait_seats(c, sc["id"], {"B2": "booked"})
        self.assertEqual((body["available"], body["held"], body["booked"], body["blocked"]),
                         (9, 0, 1, 0), body)

    def test_seat_map_truth_during_race(self):
        """"No seat sold twice", seen from the seat map: while 200 concurrent bookings race for
        one seat, every seat-map read lists that seat once, never more than one seat is held or
        booked, the seat's status only moves forward (available -> held -> booked), the counts
        always match the list, and the final state is booked."""
        c = self.c
        sc, results, snapshots = self.race_one_seat("A3", watch=True)
        self.assertEqual(sorted(r.status for r in results).count(201), 1)
        self.assertGreaterEqual(len(snapshots), 2, "the watcher read the seat map")
        last = -1
        history = []
        for r in snapshots:
            self.assertStatus(r, 200)
            seats = self.check_seat_map(r.body, sc["id"])
            self.assertEqual(len(seats), 10, r.describe())
            taken = {s: st for s, st in seats.items() if st != "available"}
            self.assertLessEqual(set(taken), {"A3"}, f"another seat changed: {r.describe()}")
            self.assertLessEqual(r.body["held"] + r.body["booked"], 1, r.describe())
            status = seats["A3"]
            history.append(status)
            self.assertGreaterEqual(ORDER[status], last,
                                    f"seat A3 went back: {history[-20:]}")
            last = ORDER[status]
        self.wait_seats(c, sc["id"], {"A3": "booked"})

    # -- overlapping multi-seat bookings -----------------------------------------------------

    def test_overlapping_multi_seat_bookings_all_or_nothing(self):
        """"No seat sold twice" with several seats per booking: 80 concurrent bookings of 2-3
        overlapping seats each (40 threads) on a 10-seat screening -> every answer is 201 or
        409; the seats of the 201s are pairwise disjoint, exactly they are booked on the seat
        map (a refused booking holds nothing), and one payment exists per 201."""
        c = self.c
        sc = self.new_screening(c, rows=2, per_row=5)
        before = total(c, "payments")
        labels = [f"{r}{n}" for r in "AB" for n in range(1, 6)]
        rng = random.Random(20240607)
        wanted = [rng.sample(labels, rng.choice((2, 3))) for _ in range(80)]
        results = run_parallel(
            self.server,
            lambda cl, i: (wanted[i], cl.post("/books", seat_payload(sc["id"], wanted[i],
                                                                     f"o{i}"))),
            range(80), 40)
        sold = {}
        for seats, r in results:
            self.assertStatus(r, (201, 409), seats)
            if r.status == 201:
                self.assertEqual(sorted(r.body["seat"].split(",")), sorted(seats), r.describe())
                for seat in seats:
                    self.assertNotIn(seat, sold, f"seat {seat} sold to bookings {sold.get(seat)} "
                                                 f"and {r.body['id']}")
                    sold[seat] = r.body["id"]
            else:
                self.assertProblem(r, 409)
        self.assertTrue(sold, "at least one booking succeeded")
        body = self.wait_seats(c, sc["id"], dict.fromkeys(sold, "booked"))
        booked = {s for s, st in seat_statuses(body).items() if st == "booked"}
        self.assertEqual(booked, set(sold), "exactly the sold seats are booked")
        self.assertEqual(body["held"], 0, body)
        winners = {r.body["id"] for _, r in results if r.status == 201}
        self.assertEqual(total(c, "payments"), before + len(winners))
        mine = {b["id"] for b in get_all(c, "books") if b.get("screeningId") == sc["id"]}
        self.assertEqual(mine, winners)

    # -- 3. disjoint seats -------------------------------------------------------------------

    def test_50_concurrent_bookings_of_disjoint_seats(self):
        """A paid booking takes its seats (seed 001/002): 50 concurrent bookings of 50
        different seats of one screening -> all 201, each priced seats x price; the seat map
        shows all 50 booked and 50 fewer available."""
        c = self.c
        sc = self.new_screening(c, rows=10, per_row=12)
        before = self.seat_map(c, sc["id"]).body
        self.assertEqual(before["available"], 120)
        labels = [f"{chr(ord('A') + i // 12)}{1 + i % 12}" for i in range(0, 100, 2)]
        results = run_parallel(
            self.server,
            lambda cl, seat: (seat, cl.post("/books", seat_payload(sc["id"], [seat],
                                                                   f"d-{seat}"))),
            labels, 50)
        for seat, r in results:
            self.assertStatus(r, 201, seat)
            self.assertEqual((r.body["seat"], r.body["totalPrice"], r.body["screeningId"]),
                             (seat, PRICE, sc["id"]), r.describe())
        self.assertEqual(len({r.body["id"] for _, r in results}), 50)
        body = self.wait_seats(c, sc["id"], dict.fromkeys(labels, "booked"))
        self.assertEqual((body["available"], body["booked"], body["held"]),
                         (before["available"] - 50, 50, 0), body)

    # -- 5. cancel ---------------------------------------------------------------------------

    def test_cancel_frees_the_seats(self):
        """Cancel releases the seats (seed 001/003): book A1+A2, DELETE the booking -> both
        available again on the seat map, and booking A1 again succeeds (201)."""
        c = self.c
        sc = self.new_screening(c)
        b = self.book(c, sc["id"], ["A1", "A2"], "carol")
        self.assertEqual((b["seat"], b["qty"], b["totalPrice"]), ("A1,A2", 2, 2 * PRICE))
        self.wait_seats(c, sc["id"], {"A1": "booked", "A2": "booked"})
        r = c.delete(f"/books/{b['id']}")
        self.assertStatus(r, (200, 204))
        body = self.wait_seats(c, sc["id"], {"A1": "available", "A2": "available"},
                               "the canceled booking's seats to be available")
        self.assertEqual((body["booked"], body["held"]), (0, 0), body)
        again = self.book(c, sc["id"], ["A1"], "dave")
        self.assertNotEqual(again["id"], b["id"])
        self.wait_seats(c, sc["id"], {"A1": "booked", "A2": "available"})

    # -- 6. refusals -------------------------------------------------------------------------

    def test_booking_refusals(self):
        """POST /books rules: the server computes the price (a disagreeing totalPrice -> 409
        whose detail names the expected amount); unknown screening -> 400 screeningId; unknown
        or duplicate seat (also "1A" next to "A1") -> 400 seats; qty != number of seats -> 400;
        blocked seat -> 409; seat already booked -> 409; screening already started -> 409.
        None of them creates a booking or a payment or changes the seat map. "1A" books seat
        A1, answered in canonical form."""
        c = self.c
        sc = self.new_screening(c, rows=3, per_row=4, blocked=["C4"])
        past = self.new_screening(c, starts_at=PAST)
        taken = self.book(c, sc["id"], ["B1"], "erin")
        self.wait_seats(c, sc["id"], {"B1": "booked"})
        before = {rel: total(c, rel) for rel in ("books", "payments")}
        seat_map = seat_statuses(self.seat_map(c, sc["id"]).body)

        r = c.post("/books", seat_payload(sc["id"], ["A1", "A2"], price=9999))
        body = self.assertProblem(r, 409)
        self.assertIn(str(2 * PRICE), body["detail"], "the detail names the expected amount")

        for seats, price, extra, status, fields in (
                (["A1"], None, {"screeningId": 999999}, 400, ["screeningId"]),
                (["D1"], None, {}, 400, ["seats"]),
                (["A5"], None, {}, 400, ["seats"]),
                (["A0"], None, {}, 400, ["seats"]),
                (["A1", "A1"], None, {}, 400, ["seats"]),
                (["A1", "1A"], None, {}, 400, ["seats"]),
                (["A1", "A2"], None, {"qty": 3}, 400, None),
                (["C4"], PRICE, {}, 409, None),
                (["B1"], PRICE, {}, 409, None),
                (["A1", "B1"], 2 * PRICE, {}, 409, None)):
            body = seat_payload(sc["id"], seats, "mallory", price, **extra)
            with self.subTest(body=body):
                r = c.post("/books", body)
                if status == 400 and fields is None:
                    self.assertProblem(r, 400, any_field=["qty", "seats"])
                else:
                    self.assertProblem(r, status, fields=fields)
        with self.subTest(rule="screening already started"):
            r = c.post("/books", seat_payload(past["id"], ["A1"], "mallory", PRICE))
            self.assertProblem(r, 409)

        self.assertEqual({rel: total(c, rel) for rel in ("books", "payments")}, before,
                         "a refused booking left a booking or a payment")
        self.assertEqual(seat_statuses(self.seat_map(c, sc["id"]).body), seat_map,
                         "a refused booking changed the seat map")
        self.assertEqual(self.seat_map(c, past["id"]).body["booked"], 0)

        ok = self.book(c, sc["id"], ["1A"], "frank", PRICE, qty=1)
        self.assertEqual((ok["seat"], ok["qty"], ok["totalPrice"]), ("A1", 1, PRICE))
        self.wait_seats(c, sc["id"], {"A1": "booked"})

    # -- 7. ETag -----------------------------------------------------------------------------

    def test_seat_map_etag(self):
        """Seat-map caching: the seat map carries an ETag; If-None-Match with it -> 304 (no
        body, same ETag) while nothing changed; after a booking the old ETag -> 200 with a new
        ETag and the seat booked, and the new ETag -> 304."""
        c = self.c
        sc = self.new_screening(c)
        path = f"/screenings/{sc['id']}/seats"
        first = self.seat_map(c, sc["id"])
        etag = first.headers.get("ETag")
        self.assertTrue(etag, f"no ETag: {first.describe()}")
        r = c.get(path, headers={"If-None-Match": etag})
        self.assertStatus(r, 304)
        self.assertEqual(r.raw, b"", "304 carries no body")
        self.assertEqual(r.headers.get("ETag"), etag, "a 304 repeats the ETag (RFC 9110 15.4.5)")

        self.book(c, sc["id"], ["B3"], "gina")

        def changed():
            r = c.get(path, headers={"If-None-Match": etag})
            self.assertStatus(r, (200, 304))
            if r.status == 304:
                raise AssertionError("still 304 after a booking")
            if seat_statuses(r.body).get("B3") != "booked":
                raise AssertionError(f"B3 not booked yet: {r.describe()}")
            return r
        r = poll(changed, 15, "the seat map to change after a booking")
        new = r.headers.get("ETag")
        self.assertTrue(new, r.describe())
        self.assertNotEqual(new, etag)
        self.assertStatus(c.get(path, headers={"If-None-Match": new}), 304)

    # -- 10. My page -------------------------------------------------------------------------

    def test_my_page_shows_screening(self):
        """MISSION.md scenario 7 (My page): the row of a screening booking shows the movie
        title as movieName, the screeningId, the screening's start time (screeningStartsAt,
        ISO-8601) and the canonical seats; the booking itself names the movie title."""
        c = self.c
        sc = self.new_screening(c)
        b = self.book(c, sc["id"], ["C1", "C2"], "hana", 2 * PRICE)
        self.assertEqual((b["movieName"], b["screeningId"], b["seat"], b["qty"],
                          b["totalPrice"]),
                         (self.movie["title"], sc["id"], "C1,C2", 2, 2 * PRICE))
        row = wait_mypage(c, b["id"], lambda m: m.get("screeningId") == sc["id"]
                          and m.get("screeningStartsAt"),
                          what=f"my page row of booking {b['id']} with its screening")
        self.assertEqual(row["movieName"], self.movie["title"], row)
        self.assertEqual(row["seat"], "C1,C2", row)
        self.assertEqual(instant(row["screeningStartsAt"]), instant(sc["startsAt"]), row)


class DeclinedPaymentFreesSeatsTest(SeatInventoryBase):

    def test_declined_payment_frees_the_seats(self):
        """A failed payment releases the seats (MISSION.md "A booking whose payment did not
        succeed must not exist at all"): with --payment-decline-above 7000 and a 5000 screening,
        booking 2 seats (10000) -> 402, both seats available again and nothing created; right
        after, each of those seats is booked alone (5000) -> 201."""
        server = self.start_server(["--admin", "--payment-decline-above", "7000"])
        self.server = server
        c = server.client()
        self.movie = self.new_movie(c, "Declined")
        sc = self.new_screening(c)
        before = {rel: total(c, rel) for rel in ("books", "payments")}

        r = c.post("/books", seat_payload(sc["id"], ["A1", "A2"], "ivan", 2 * PRICE))
        self.assertProblem(r, 402)
        body = self.wait_seats(c, sc["id"], {"A1": "available", "A2": "available"},
                               "the declined booking's seats to be available")
        self.assertEqual((body["held"], body["booked"]), (0, 0), body)
        self.assertEqual({rel: total(c, rel) for rel in ("books", "payments")}, before)

        self.book(c, sc["id"], ["A1"], "ivan", PRICE)
        r = c.post("/books", seat_payload(sc["id"], ["A2", "A3"], "judy"))
        self.assertProblem(r, 402)
        self.book(c, sc["id"], ["A2"], "judy", PRICE)  # right after the decline
        body = self.wait_seats(c, sc["id"], {"A1": "booked", "A2": "booked",
                                             "A3": "available"})
        self.assertEqual((body["held"], body["booked"]), (0, 2), body)


    def test_seats_held_while_payment_runs(self):
        """Seat statuses follow the payment (contract: "held while a booking's payment runs,
        booked once paid, available again after ... a declined payment"): with a 300 ms payment
        provider the seat map shows the seats held during POST /books, then booked after 201;
        a declined booking's seats go held -> available after 402; a booking whose payment
        times out (503) leaves its seats available, also once the late charge was refunded."""
        server = self.start_server(["--admin", "--payment-latency-ms", "300",
                                    "--payment-decline-above", "7000"])
        self.server = server
        c = server.client()
        self.movie = self.new_movie(c, "Slow")
        sc = self.new_screening(c)

        def book_watching(seats, price):
            result = {}

            def send():
                result["r"] = server.client().post("/books", seat_payload(sc["id"], seats,
                                                                          "kim", price))
            thread = threading.Thread(target=send, daemon=True)
            thread.start()
            try:
                self.wait_seats(c, sc["id"], dict.fromkeys(seats, "held"),
                                f"seats {seats} held while the payment runs")
            finally:
                thread.join(30)
            return result["r"]

        r = book_watching(["B1"], PRICE)
        self.assertStatus(r, 201)
        self.wait_seats(c, sc["id"], {"B1": "booked"})
        r = book_watching(["B2", "B3"], 2 * PRICE)
        self.assertProblem(r, 402)
        body = self.wait_seats(c, sc["id"], {"B2": "available", "B3": "available"})
        self.assertEqual((body["held"], body["booked"]), (0, 1), body)

        server.restart(["--admin", "--payment-latency-ms", "300", "--payment-deadline-ms",
                        "100"])
        c = server.client()
        books = total(c, "books")
        paid = [p["id"] for p in get_all(c, "payments") if p["status"] == "Paid"]
        r = c.post("/books", seat_payload(sc["id"], ["C1"], "lee", PRICE))
        refused_at = time.monotonic()
        self.assertProblem(r, 503)
        self.wait_seats(c, sc["id"], {"C1": "available"}, "a timed-out booking's seat freed")

        def settled():
            charged = [p for p in get_all(c, "payments")
                       if p["status"] != "Canceled" and p["id"] not in paid]
            if charged:
                raise AssertionError(f"late charge not refunded: {charged}")
            if time.monotonic() - refused_at < 0.3 + 0.5:
                raise AssertionError("the late charge may not have completed yet")
            return True
        poll(settled, 15, "the late charge of the timed-out booking refunded (or never made)")
        body = self.seat_map(c, sc["id"]).body
        self.assertEqual((seat_statuses(body)["C1"], body["held"], body["booked"]),
                         ("available", 0, 1), body)
        self.assertEqual(total(c, "books"), books)


class SeatsAcrossCrashTest(SeatInventoryBase):

    def test_seats_survive_kill_9(self):
        """MISSION.md invariants "No seat of a screening is sold twice" and "across crashes
        (kill -9), restarts": a booked seat is still booked after kill -9 (booking it again ->
        409); a seat held by a booking whose payment was running at the crash is not left held:
        after the restart it is either booked (with its booking and a Paid payment) or
        available (no booking) and bookable."""
        server = self.start_server(["--admin"])
        self.server = server
        c = server.client()
        self.movie = self.new_movie(c, "Crash")
        sc = self.new_screening(c)
        self.book(c, sc["id"], ["A1"], "mina", PRICE)
        server.kill9()
        server.restart(["--admin", "--payment-latency-ms", "400"])
        c = server.client()
        self.wait_seats(c, sc["id"], {"A1": "booked"})
        self.assertProblem(c.post("/books", seat_payload(sc["id"], ["A1"], "nick", PRICE)), 409)

        outcome = {}

        def send():
            try:
                outcome["r"] = server.client().post(
                    "/books", seat_payload(sc["id"], ["B1"], "olga", PRICE), retry=False)
            except OSError as exc:
                outcome["error"] = exc
        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        try:
            self.wait_seats(c, sc["id"], {"B1": "held"}, "seat B1 held while its payment runs")
        finally:
            server.kill9()
            thread.join(30)
        server.restart(["--admin"])
        c = server.client()

        def settled():
            status = seat_statuses(self.seat_map(c, sc["id"]).body)["B1"]
            if status == "held":
                raise AssertionError("seat B1 is still held after the restart")
            return status
        status = poll(settled, 15, "seat B1 no longer held after the crash")
        mine = [b for b in get_all(c, "books") if b.get("screeningId") == sc["id"]
                and "B1" in b["seat"].split(",") and b.get("status") != "Canceled"]
        if status == "booked":
            self.assertEqual(len(mine), 1, mine)
            payments = find_by_booking(c, "payments", mine[0]["id"])
            self.assertEqual([p["status"] for p in payments], ["Paid"], payments)
        else:
            self.assertEqual(mine, [], "an available seat has no live booking")
            self.book(c, sc["id"], ["B1"], "pete", PRICE)
        self.wait_seats(c, sc["id"], {"A1": "booked", "B1": "booked"})


class AdminOffTest(SeatInventoryBase):

    def test_admin_writes_forbidden_without_flag(self):
        """Admin writes need --admin: without it POST /movies, /screens, /screenings -> 403
        problem+json and nothing is created; the catalogue is still readable."""
        server = self.start_server()
        c = server.client()
        for path, body in (("/movies", {"title": "Soul", "runtimeMinutes": 100, "rating": "ALL"}),
                           ("/screens", {"name": "S", "rows": 2, "seatsPerRow": 2}),
                           ("/screenings", {"movieId": 1, "screenId": 1,
                                            "startsAt": "2031-01-01T10:00:00Z", "price": 0})):
            with self.subTest(path=path):
                self.assertProblem(c.post(path, body), 403)
        for rel in ("movies", "screens", "screenings"):
            self.assertEqual(count(c, rel), 0, rel)
        self.assertProblem(c.get("/movies/1"), 404)


class DemoDataTest(SeatInventoryBase):

    def catalogue(self, c):
        return {rel: sorted(x["id"] for x in get_all(c, rel))
                for rel in ("movies", "screens", "screenings")}

    def test_legacy_seed_booking_takes_soul_seats(self):
        """The seed's own request keeps working (MISSION.md "REST resources") and now takes
        seats: with --demo-data, {"qty":"2","movieName":"soul","seat":"1A,2B",
        "totalPrice":"10000"} -> 201 on soul's next open screening (5000 per seat), whose seat
        map shows A1 and B2 booked; the same request again -> 409 (seats taken); a movie that
        is not in the catalogue is booked as before (201, no screening)."""
        server = self.start_server(["--demo-data"])
        c = server.client()
        now = datetime.datetime.now(datetime.timezone.utc)
        soul = [s for s in get_all(c, "screenings")
                if str(s.get("movieTitle", "")).lower() == "soul"
                and instant(s["startsAt"]) > now]
        self.assertTrue(soul, "the demo catalogue has future screenings of soul")
        nxt = min(soul, key=lambda s: instant(s["startsAt"]))
        self.assertEqual(nxt["price"], PRICE, nxt)

        seed = {"qty": "2", "movieName": "soul", "seat": "1A,2B", "totalPrice": "10000"}
        r = c.post("/books", seed)
        self.assertStatus(r, 201)
        b = r.body
        self.assertEqual(b["screeningId"], nxt["id"], "soul's next open screening")
        self.assertEqual((b["qty"], b["totalPrice"]), (2, 10000))
        self.assertEqual(sorted(b["seat"].split(",")), ["A1", "B2"], "canonical labels")
        self.wait_seats(c, nxt["id"], {"A1": "booked", "B2": "booked", "A2": "available"})

        self.assertProblem(c.post("/books", seed), 409)

        r = c.post("/books", {"qty": "2", "movieName": "nosuchmovie", "seat": "1A,2B",
                              "totalPrice": "10000"})
        self.assertStatus(r, 201)
        self.assertIn(r.body.get("screeningId"), (None, 0), r.describe())
        self.assertEqual((r.body["movieName"], r.body["seat"]), ("nosuchmovie", "1A,2B"))

    def test_demo_data_is_idempotent(self):
        """--demo-data loads the demo catalogue idempotently: restarting with it on the same
        data directory leaves exactly the same movies, screens and screenings."""
        server = self.start_server(["--demo-data"])
        c = server.client()
        first = self.catalogue(c)
        for rel, ids in first.items():
            self.assertTrue(ids, f"the demo catalogue has {rel}")
        server.restart()
        c = server.client()
        self.assertEqual(self.catalogue(c), first)
        sc = first["screenings"][0]
        self.assertStatus(c.get(f"/screenings/{sc}/seats"), 200)


if __name__ == "__main__":
    unittest.main()
