"""The crash loop (issue 4): mixed traffic, kill -9 at a random moment, restart, many times over.

MISSION.md, "Invariants a reviewer will try to break": "A confirmed booking always has exactly
one approved payment; a failed or timed-out booking leaves no booking, no ticket, no My page
row, and no payment that stays charged.", "A booking cancelled before print is refunded exactly
once; cancel and print racing on the same booking: exactly one of them wins." and "An event is
never lost once the state change that caused it committed, and its effect is applied once per
consumer -- across crashes (kill -9), restarts, and a paused module."

Environment:
  MB_CRASH_ROUNDS   kill/restart rounds (default 10)
  MB_CRASH_SECONDS  longest traffic time of one round, s (default 30; each round is killed at a
                    random moment between 10% and 100% of it)
  MB_E2E_SEED       repeat a run's random choices
"""

import collections
import os
import random
import sys
import threading
import time
import unittest

import test_crash_recovery as crash  # Ledger and the convergence check (not its tests)
from harness import Client, E2ETestCase, booking_payload, get_all, poll, total

ROUNDS = int(os.environ.get("MB_CRASH_ROUNDS", "10"))
SECONDS = float(os.environ.get("MB_CRASH_SECONDS", "30"))
THREADS = 4
THINK_S = 0.06  # a client pauses up to this long between operations
LOST = crash.LOST


class LoopLedger(crash.Ledger):
    """crash.Ledger plus prints refused, reviews, and the shared pools the clients draw from."""

    def __init__(self):
        super().__init__()
        self.print_refused = set()   # print answered 503 (must not have printed)
        self.cancel_refused = set()  # cancel answered 503
        self.reviewed = {}           # booking id -> (score, contents), answered 200
        self.review_unknown = set()
        self.open = []               # booked, neither cancel nor print sent (yet)
        self.to_review = []          # printed (200), review not written yet

    def take(self, pool, rng):
        with self.lock:
            if not pool:
                return None
            return pool.pop(rng.randrange(len(pool)))

    def give(self, pool, item):
        with self.lock:
            pool.append(item)


class CrashLoopTest(E2ETestCase):

    def setUp(self):
        seed = int(os.environ.get("MB_E2E_SEED", random.randrange(1 << 30)))
        sys.stderr.write(f"\n[{self.id()}] random seed {seed} (MB_E2E_SEED to repeat); "
                         f"{ROUNDS} rounds of up to {SECONDS:.0f}s\n")
        self.rng = random.Random(seed)

    # -- traffic -----------------------------------------------------------------------------

    def client_loop(self, port, ledger, seed, stop, progress):
        """Books, prints, cancels and reviews until ``stop`` or the server dies under it."""
        rng = random.Random(seed)
        c = Client("127.0.0.1", port, timeout_s=20)
        try:
            while not stop.is_set():
                roll = rng.random()
                try:
                    if roll < 0.15:
                        self.cancel_one(c, ledger, rng)
                    elif roll < 0.35:
                        self.print_one(c, ledger, rng)
                    elif roll < 0.45:
                        self.review_one(c, ledger, rng)
                    else:
                        self.book_one(c, ledger, rng)
                except LOST:
                    return
                with progress["lock"]:
                    progress["done"] += 1
                time.sleep(rng.random() * THINK_S)  # keep the volume (and the run) moderate
        except BaseException as exc:  # a bug in this test: make it visible, not a hang
            ledger.note(lambda l: l.anomalies.append(f"client thread crashed: {exc!r}"))
            raise
        finally:
            c.close()

    def book_one(self, c, ledger, rng):
        body = booking_payload(qty=rng.randint(1, 3), price=rng.randint(0, 50) * 1000,
                               customer=f"loop{rng.randint(1, 5)}")
        try:
            r = c.post("/books", body, retry=False)
        except LOST:
            ledger.note(lambda l: setattr(l, "booking_unknown", l.booking_unknown + 1))
            raise
        if r.status == 201:
            def ok(l):
                l.created[r.body["id"]] = body
                l.open.append(r.body["id"])
            ledger.note(ok)
        elif r.status == 503:
            ledger.note(lambda l: l.refused.update(["booking 503"]))
        else:
            ledger.note(lambda l: l.anomalies.append(f"booking {body}: {r.describe()}"))

    def cancel_one(self, c, ledger, rng):
        bid = ledger.take(ledger.open, rng)
        if bid is None:
            return
        use_patch = rng.random() < 0.5
        try:
            if use_patch:
                r = c.patch(f"/books/{bid}", {"status": "Canceled"}, retry=False)
            else:
                r = c.delete(f"/books/{bid}", retry=False)
        except LOST:
            ledger.note(lambda l: l.cancel_unknown.add(bid))
            raise
        if r.status in ((200,) if use_patch else (204,)):
            ledger.note(lambda l: l.canceled.add(bid))
        elif r.status == 503:
            # Refused: the outcome is decided by the server (an intent may still complete).
            def refused(l):
                l.refused.update(["cancel 503"])
                l.cancel_refused.add(bid)
                l.cancel_unknown.add(bid)
            ledger.note(refused)
        else:
            ledger.note(lambda l: l.anomalies.append(f"cancel of unprinted booking {bid}: "
                                                     f"{r.describe()}"))

    def print_one(self, c, ledger, rng):
        bid = ledger.take(ledger.open, rng)
        if bid is None:
            return
        try:
            r = c.get(f"/tickets/search/findByBookingId?bookingId={bid}", retry=False)
        except LOST:
            ledger.give(ledger.open, bid)
            raise
        tickets = (r.body.get("_embedded") or {}).get("tickets", []) \
            if r.status == 200 and isinstance(r.body, dict) else []
        if not tickets:
            ledger.give(ledger.open, bid)  # not issued yet: another time
            return
        try:
            p = c.patch(f"/tickets/{tickets[0]['id']}", {"status": "Printed"}, retry=False)
        except LOST:
            ledger.note(lambda l: l.print_unknown.add(bid))
            raise
        if p.status == 200:
            def printed(l):
                l.printed.add(bid)
                l.to_review.append(bid)
            ledger.note(printed)
        elif p.status == 503:
            def refused(l):
                l.refused.update(["print 503"])
                l.print_refused.add(bid)
                l.open.append(bid)  # not printed: may be printed or cancelled later
            ledger.note(refused)
        else:
            ledger.note(lambda l: l.anomalies.append(f"print of booking {bid}: "
                                                     f"{p.describe()}"))

    def review_one(self, c, ledger, rng):
        bid = ledger.take(ledger.to_review, rng)
        if bid is None:
            return
        try:
            r = c.get(f"/reviews/search/findByBookingId?bookingId={bid}", retry=False)
        except LOST:
            ledger.give(ledger.to_review, bid)
            raise
        reviews = (r.body.get("_embedded") or {}).get("reviews", []) \
            if r.status == 200 and isinstance(r.body, dict) else []
        if len(reviews) != 1:
            ledger.note(lambda l: l.anomalies.append(
                f"printed booking {bid} (print answered 200) has reviews {r.describe()}"))
            return
        score, contents = rng.randint(1, 10), f"Loop{rng.randint(1, 999)}"
        try:
            w = c.patch(f"/reviews/{reviews[0]['id']}",
                        {"score": str(score), "contents": contents}, retry=False)
        except LOST:
            ledger.note(lambda l: l.review_unknown.add(bid))
            raise
        if w.status == 200:
            ledger.note(lambda l: l.reviewed.__setitem__(bid, (score, contents)))
        else:
            ledger.note(lambda l: l.anomalies.append(f"review of booking {bid}: "
                                                     f"{w.describe()}"))

    def run_round(self, server, ledger, seconds):
        """Traffic from THREADS clients; kill -9 after ``seconds``; returns operations done."""
        stop = threading.Event()
        progress = {"lock": threading.Lock(), "done": 0}
        workers = [threading.Thread(target=self.client_loop,
                                    args=(server.port, ledger, self.rng.randrange(1 << 30), stop,
                                          progress), daemon=True)
                   for _ in range(THREADS)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(w.is_alive() for w in workers):
            time.sleep(0.01)
        server.kill9()
        stop.set()
        for w in workers:
            w.join(30)
            self.assertFalse(w.is_alive(), "a client thread hung after the kill")
        with progress["lock"]:
            return progress["done"]

    # -- convergence -------------------------------------------------------------------------

    def check_all(self, c, ledger):
        """test_crash_recovery's convergence check plus reviews, prints and My page totals."""
        books = crash.CrashRecoveryTest.check_converged(self, c, ledger)
        problems = []
        with ledger.lock:
            printed, print_unknown = set(ledger.printed), set(ledger.print_unknown)
            print_refused = set(ledger.print_refused)
            reviewed, review_unknown = dict(ledger.reviewed), set(ledger.review_unknown)
        reviews = collections.defaultdict(list)
        for rv in get_all(c, "reviews"):
            reviews[rv["bookingId"]].append(rv)
        rows = {m["bookingId"]: m for m in get_all(c, "mypages")}
        for bid, b in books.items():
            st = b["status"]
            if st in ("PrintComplete", "ReviewComplete") and bid not in printed | print_unknown:
                why = " (its print answered 503)" if bid in print_refused else ""
                problems.append(f"booking {bid} is {st} but no print succeeded{why}")
            if st == "ReviewComplete" and bid not in reviewed and bid not in review_unknown:
                problems.append(f"booking {bid} is ReviewComplete but nobody wrote its review")
            if bid in reviewed and st != "ReviewComplete":
                problems.append(f"booking {bid} was reviewed (200) but is {st}")
            if st in ("PrintComplete", "ReviewComplete"):
                rv = reviews.get(bid, [])
                want = "Written" if st == "ReviewComplete" else "Waiting Review"
                if [x.get("status") for x in rv] != [want]:
                    problems.append(f"booking {bid} ({st}) has reviews "
                                    f"{[(x['id'], x.get('status')) for x in rv]}, want one {want}")
            if bid in reviewed and bid in rows:
                score, contents = reviewed[bid]
                m = rows[bid]
                if (m.get("score"), m.get("contents")) != (score, contents):
                    problems.append(f"my page row of booking {bid} shows review "
                                    f"{m.get('score')}/{m.get('contents')}, written "
                                    f"{score}/{contents}")
        for bid, rv in reviews.items():
            if bid not in books:
                problems.append(f"reviews of non-existent booking {bid}: {rv}")
        letters = c.get("/admin/dead-letters")
        if letters.status != 200 or letters.body.get("deadLetters"):
            problems.append(f"dead letters after crashes without faults: {letters.describe()}")
        n_rows = total(c, "mypages")
        if n_rows != len(books):
            problems.append(f"/mypages totalElements is {n_rows}, {len(books)} bookings exist")
        if problems:
            raise AssertionError(f"{len(problems)} discrepancies:\n  " + "\n  ".join(problems[:40]))
        return books

    # -- the test ----------------------------------------------------------------------------

    def test_crash_loop(self):
        """MISSION.md invariants across MB_CRASH_ROUNDS (10) kill -9 at random moments of mixed
        traffic (bookings, prints, cancels, reviews from 4 clients), each time restarted on the
        same data dir: afterwards every booking answered 201 exists and is settled, with exactly
        one payment (Paid, or Canceled -- refunded once -- iff the booking is Canceled), one
        ticket and one My page row agreeing with it; no payment stays charged, and no ticket,
        review or row exists, without a booking; My page totalElements equals the number of
        bookings (no event applied twice); nothing printed or reviewed that nobody printed or
        reviewed; and no event was parked as a dead letter."""
        started = time.monotonic()
        server = self.start_server(["--admin"])  # /admin/dead-letters in the final check
        ledger = LoopLedger()
        for rnd in range(ROUNDS):
            seconds = self.rng.uniform(0.1, 1.0) * SECONDS
            done = self.run_round(server, ledger, seconds)
            sys.stderr.write(f"  round {rnd + 1}/{ROUNDS}: killed after {seconds:.1f}s, "
                             f"{done} operations; {len(ledger.created)} bookings answered 201 "
                             f"so far\n")
            server.start()  # same data dir; waits until ready
        c = server.client()
        books = poll(lambda: self.check_all(c, ledger), 60,
                     f"convergence after {ROUNDS} kill -9")
        self.assertEqual(ledger.anomalies, [], "answers contradicting the contract")
        self.assertGreater(len(ledger.created), 10 * ROUNDS, "too little traffic to mean much")
        statuses = collections.Counter(b["status"] for b in books.values())
        sys.stderr.write(
            f"  {len(books)} bookings {dict(statuses)}; answered: {len(ledger.canceled)} "
            f"cancels, {len(ledger.printed)} prints, {len(ledger.reviewed)} reviews; lost "
            f"answers: {ledger.booking_unknown} bookings, {len(ledger.cancel_unknown)} cancels, "
            f"{len(ledger.print_unknown)} prints, {len(ledger.review_unknown)} reviews; "
            f"refused: {dict(ledger.refused)}; {time.monotonic() - started:.0f}s\n")
        # A crash at rest must not duplicate anything either.
        server.kill9()
        server.start()
        c = server.client()
        payload = booking_payload(customer="fence")
        fence = c.post("/books", payload)
        self.assertStatus(fence, 201)
        ledger.created[fence.body["id"]] = payload
        poll(lambda: self.check_all(c, ledger), 30, "convergence after a kill -9 at rest")


if __name__ == "__main__":
    unittest.main()
