"""The Kafka transport of the event bus, as a user of the topic sees it (issue 5).

MISSION.md, "Events": "On Kafka: topic `movie`, message key `bookingId`, one consumer group per
module (`book`, `payment`, `ticket`, `review`, `mypage`) -- the seed services' own names, so a
seed service and this binary can share a topic"; every event is "JSON, one object per event:
the event's fields in camelCase plus `eventType`, `timestamp` (`yyyyMMddHHmmss`) plus a unique
`eventId`"; "Events from one module about one booking arrive in the order they were
committed"; invariant: "An event is never lost once the state change that caused it
committed".

Only in Kafka mode (MB_E2E_BUS=kafka, the ``e2e-kafka`` CTest label): each server runs on its own
mock cluster process (harness.KafkaCluster), which the tests read and write with ``kcat`` -- the
way an operator or another service would -- and take down and up to simulate an outage.
"""

import base64
import calendar
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import (E2ETestCase, book, booking_payload, get_all, one_by_booking, poll,
                     print_ticket, wait_booking_status, wait_mypage, wait_ticket)

TOPIC = harness.KAFKA_TOPIC
# Converging after a broker outage or a start with the brokers down: librdkafka reconnects with
# a backoff, the consumer groups may have to rejoin (session timeout 6 s), the producer then
# delivers its queue.
RECOVERY_DEADLINE_S = 60.0
# Event-driven state on Kafka: the first consumer-group join takes a few seconds.
ASYNC_DEADLINE_S = 30.0
CONSUMER_GROUPS = ("book", "payment", "ticket", "mypage")  # review subscribes to nothing
_CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")
_TIMESTAMP = re.compile(r"^\d{14}$")


def setUpModule():
    if not harness.KAFKA:
        # Registered only as e2e_kafka.test_kafka (tests/e2e/CMakeLists.txt); run by hand
        # without the bus set, it fails rather than passing without having run anything.
        raise RuntimeError("test_kafka needs MB_E2E_BUS=kafka (ctest -L e2e-kafka)")


def kcat_binary():
    path = shutil.which("kcat")
    if path is None:
        raise AssertionError("kcat is not installed (Debian package kcat; scripts/test installs "
                             "it)")
    return path


def kcat_read(bootstrap, timeout_s=30):
    """Every message of the topic, from the beginning to its current end, as kcat -J shows them.

    Each is a dict with ``partition``, ``offset``, ``key``, ``headers`` (a dict; kcat gives a
    flat name/value list) and ``payload`` (the raw value as text); ``value`` is the payload
    parsed as JSON when it is JSON, else None.
    """
    args = [kcat_binary(), "-b", bootstrap, "-C", "-t", TOPIC, "-o", "beginning", "-e", "-J",
            "-q"]
    p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout_s * harness.DEADLINE_SCALE)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} -> exit {p.returncode}: "
                             f"{p.stderr.decode('utf-8', 'replace')}")
    messages = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        m = json.loads(line)
        flat = m.get("headers") or []
        m["headers"] = dict(zip(flat[0::2], flat[1::2]))
        try:
            m["value"] = json.loads(m["payload"]) if m.get("payload") is not None else None
        except ValueError:
            m["value"] = None
        messages.append(m)
    return messages


def kcat_produce(bootstrap, value, key=None, partition=None, headers=None):
    """Produces one message (``value``: bytes or str, sent byte for byte) the way a Java
    service would place it (murmur2 partitioner on the key), and waits for its delivery."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    with tempfile.NamedTemporaryFile(prefix="mb-kcat-", delete=False) as f:
        f.write(value)
        path = f.name
    try:
        args = [kcat_binary(), "-b", bootstrap, "-P", "-t", TOPIC,
                "-X", "topic.partitioner=murmur2_random"]
        if key is not None:
            args += ["-k", str(key)]
        if partition is not None:
            args += ["-p", str(partition)]
        for name, v in (headers or {}).items():
            args += ["-H", f"{name}={v}"]
        p = subprocess.run(args + [path], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=30 * harness.DEADLINE_SCALE)
        if p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} -> exit {p.returncode}: "
                                 f"{p.stderr.decode('utf-8', 'replace')}")
    finally:
        os.unlink(path)


def of_booking(messages, booking_id):
    return [m for m in messages if m.get("key") == str(booking_id)]


def by_type(messages):
    out = {}
    for m in messages:
        out.setdefault((m["value"] or {}).get("eventType"), []).append(m)
    return out


def wire_now():
    return time.strftime("%Y%m%d%H%M%S", time.gmtime())


def metrics(client):
    r = client.get("/actuator/metrics")
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


def bus_status(client):
    r = client.get("/actuator/health")
    if r.status != 200:
        raise AssertionError(f"health must stay 200 whatever the bus: {r.describe()}")
    return r.body["components"]["bus"]


def wait_bus(client, status, deadline_s, what):
    def check():
        bus = bus_status(client)
        if bus.get("status") != status:
            raise AssertionError(f"components.bus is {bus}")
        return bus
    return poll(check, deadline_s, what)


def dead_letters(client):
    r = client.get("/admin/dead-letters")
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body["deadLetters"]


class KafkaTest(E2ETestCase):

    # -- a. what we publish ----------------------------------------------------------------

    def test_events_on_the_topic_follow_the_published_language(self):
        """kcat reads a booked, printed and reviewed booking's events from topic `movie`: one of
        each (Booked, Paid, Created, Printed, WaitedReview, WrittenReview), keyed by the
        bookingId, all on one partition, headers eventType and eventId equal to the payload's,
        and each JSON value carries the envelope (eventType, a 14-digit yyyyMMddHHmmss UTC
        timestamp, eventId) and the event's documented camelCase fields with the values the
        REST resources show."""
        started = time.time()
        server = self.start_server(env={"WEATHER": "Sunny"})
        c = server.client()
        seats = harness.fresh_seats(2)
        b = book(c, qty=2, movie="soul", price=10000, customer="kafka-a", seats=seats)
        bid = b["id"]
        ticket = wait_ticket(c, bid, "Waiting", deadline_s=ASYNC_DEADLINE_S)
        self.assertStatus(print_ticket(c, ticket["id"]), 200)
        review = one_by_booking(c, "reviews", bid)
        self.assertStatus(c.patch(f"/reviews/{review['id']}",
                                  {"score": 10, "contents": "VeryGood"}), 200)
        wait_mypage(c, bid, lambda m: m.get("status") == "ReviewComplete"
                    and m.get("reviewStatus") == "Written", ASYNC_DEADLINE_S,
                    f"my page row of booking {bid} to reach ReviewComplete")
        payment = one_by_booking(c, "payments", bid)

        expected_types = {"Booked", "Paid", "Created", "Printed", "WaitedReview",
                          "WrittenReview"}

        def read():
            mine = of_booking(kcat_read(server.kafka.bootstrap), bid)
            types = set(by_type(mine))
            if not expected_types <= types:
                raise AssertionError(f"event types keyed {bid} on {TOPIC}: {sorted(types, key=str)}")
            return mine
        mine = poll(read, ASYNC_DEADLINE_S, f"the six events of booking {bid} on {TOPIC}")
        everything = kcat_read(server.kafka.bootstrap)

        self.assertEqual(set(by_type(mine)), expected_types,
                         f"only these events are about booking {bid}: {mine}")
        self.assertEqual(len({m["partition"] for m in mine}), 1,
                         f"one key, one partition: {[(m['partition'], m['offset']) for m in mine]}")
        for m in mine:
            v = m["value"]
            where = f"message at partition {m['partition']} offset {m['offset']}: {m['payload']}"
            self.assertIsInstance(v, dict, where)
            self.assertEqual(m["key"], str(bid), where)
            self.assertEqual(m["headers"].get("eventType"), v.get("eventType"), where)
            self.assertEqual(m["headers"].get("eventId"), v.get("eventId"), where)
            self.assertTrue(str(v.get("eventId") or "").strip(), f"eventId missing: {where}")
            ts = v.get("timestamp")
            self.assertIsInstance(ts, str, where)
            self.assertRegex(ts, _TIMESTAMP, where)
            at = calendar.timegm(time.strptime(ts, "%Y%m%d%H%M%S"))  # UTC
            self.assertTrue(started - 120 <= at <= time.time() + 120,
                            f"timestamp {ts} is not now in UTC: {where}")
            self.assertEqual(v.get("bookingId"), bid, where)
            for k in v:
                self.assertRegex(k, _CAMEL, f"field {k!r} is not camelCase: {where}")

        # One event per state change; a republished event keeps its eventId and its value.
        for t, ms in by_type(mine).items():
            self.assertEqual(len({m["value"]["eventId"] for m in ms}), 1,
                             f"one {t} event for booking {bid}: {ms}")
        seen = {}
        for m in everything:
            if m["value"] and m["value"].get("eventId"):
                first = seen.setdefault(m["value"]["eventId"], m["value"])
                self.assertEqual(first, m["value"],
                                 "two different events share an eventId on the topic")

        ev = {t: ms[0]["value"] for t, ms in by_type(mine).items()}

        def fields(event_type, expected):
            v = ev[event_type]
            for k, want in expected.items():
                self.assertIn(k, v, f"{event_type} lacks {k}: {v}")
                self.assertEqual(v[k], want, f"{event_type}.{k}: {v}")
                if isinstance(want, int):
                    self.assertIs(type(v[k]), int, f"{event_type}.{k} must be a JSON number")

        fields("Booked", {"eventType": "Booked", "id": bid, "bookingId": bid,
                          "customerId": "kafka-a", "movieName": "soul", "seat": seats, "qty": 2,
                          "totalPrice": 10000, "paymentId": payment["id"],
                          "status": b["status"]})
        fields("Paid", {"eventType": "Paid", "id": payment["id"], "bookingId": bid,
                        "customerId": "kafka-a", "totalPrice": 10000, "status": "Paid"})
        fields("Created", {"eventType": "Created", "id": ticket["id"], "bookingId": bid,
                           "customerId": "kafka-a", "movieName": "soul", "seat": seats,
                           "qty": 2, "status": "Waiting"})
        fields("Printed", {"eventType": "Printed", "id": ticket["id"], "bookingId": bid,
                           "status": "Printed"})
        fields("WaitedReview", {"eventType": "WaitedReview", "id": review["id"],
                                "bookingId": bid, "weather": "Sunny",
                                "status": "Waiting Review"})
        fields("WrittenReview", {"eventType": "WrittenReview", "id": review["id"],
                                 "bookingId": bid, "score": 10, "contents": "VeryGood",
                                 "weather": "Sunny", "status": "Written"})

        # One module's events about one booking are on the topic in commit order.
        types = by_type(mine)
        self.assertLess(types["Created"][0]["offset"], types["Printed"][0]["offset"])
        self.assertLess(types["WaitedReview"][0]["offset"], types["WrittenReview"][0]["offset"])

    # -- b. what another service publishes ---------------------------------------------------

    def test_seed_service_event_is_applied_and_unknown_types_are_ignored(self):
        """A WrittenReview in the seed services' format (no eventId, no headers) written to the
        topic by "another service" for a printed booking: My page shows its score and contents
        and the booking becomes ReviewComplete. A type no module subscribes to is skipped and
        counted (kafka.consumerGroups.<group>.ignored) by every consumer group, parks nothing
        and changes nothing."""
        server = self.start_server(["--admin"])
        c = server.client()
        bid = book(c, customer="kafka-b")["id"]
        ticket = wait_ticket(c, bid, "Waiting", deadline_s=ASYNC_DEADLINE_S)
        self.assertStatus(print_ticket(c, ticket["id"]), 200)
        wait_mypage(c, bid, lambda m: m.get("reviewStatus") == "Waiting Review",
                    ASYNC_DEADLINE_S, f"my page row of booking {bid} waiting for a review")

        seed_event = {"eventType": "WrittenReview", "timestamp": "20210223233224",
                      "bookingId": bid, "score": 10, "contents": "VeryGood",
                      "status": "Written"}
        kcat_produce(server.kafka.bootstrap, json.dumps(seed_event), key=bid)

        wait_booking_status(c, bid, "ReviewComplete", deadline_s=ASYNC_DEADLINE_S)
        row = wait_mypage(c, bid, lambda m: m.get("status") == "ReviewComplete"
                          and m.get("score") == 10 and m.get("contents") == "VeryGood",
                          ASYNC_DEADLINE_S, f"my page row of booking {bid} with the seed review")
        r = c.get(f"/mypages/{row['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["bookingId"], bid, r.describe())
        self.assertEqual(r.body["score"], 10, r.describe())
        self.assertEqual(r.body["contents"], "VeryGood", r.describe())
        self.assertEqual(r.body["reviewStatus"], "Written", r.describe())
        self.assertEqual(r.body["status"], "ReviewComplete", r.describe())

        # Every group has read everything on the topic so far: only then does a growing
        # "ignored" count say something about the next message.
        def caught_up():
            on_topic = len(kcat_read(server.kafka.bootstrap))
            groups = metrics(c)["kafka"]["consumerGroups"]
            for g in CONSUMER_GROUPS:
                st = groups[g]
                if st["received"] < on_topic or st["unacknowledged"] != 0:
                    raise AssertionError(f"group {g} has read {st['received']} of {on_topic} "
                                         f"messages, {st['unacknowledged']} unacknowledged")
            return on_topic, groups
        on_topic, before = poll(caught_up, ASYNC_DEADLINE_S, "every consumer group caught up")

        other = {"eventType": "SomethingElse", "timestamp": wire_now(), "bookingId": bid,
                 "note": "published by a service we do not know"}
        kcat_produce(server.kafka.bootstrap, json.dumps(other), key=bid)

        def ignored():
            groups = metrics(c)["kafka"]["consumerGroups"]
            for g in CONSUMER_GROUPS:
                if groups[g]["received"] < on_topic + 1:
                    raise AssertionError(f"group {g} has not read it yet: {groups[g]}")
                if groups[g]["ignored"] < before[g]["ignored"] + 1:
                    raise AssertionError(f"group {g} did not count it as ignored: before "
                                         f"{before[g]}, now {groups[g]}")
                if groups[g]["malformed"] != before[g]["malformed"]:
                    raise AssertionError(f"group {g} found it malformed: {groups[g]}")
            return groups
        poll(ignored, ASYNC_DEADLINE_S, "SomethingElse ignored by every consumer group")
        self.assertEqual(dead_letters(c), [], "an unknown event type is not a dead letter")
        r = c.get(f"/mypages/{row['id']}")
        self.assertStatus(r, 200)
        self.assertEqual((r.body["status"], r.body["score"], r.body["contents"]),
                         ("ReviewComplete", 10, "VeryGood"), r.describe())
        self.assertEqual(c.get(f"/books/{bid}").body["status"], "ReviewComplete")

    # -- c. what nobody can read ------------------------------------------------------------

    def test_malformed_messages_are_parked_and_do_not_block_their_partition(self):
        """Messages no module can read -- not JSON (text, and bytes that are not UTF-8), and a
        JSON event without bookingId -- are parked as dead letters by every consumer group
        (GET /admin/dead-letters: the raw value, an error naming the problem, the position on
        the topic); one of each sits on every partition, and bookings made afterwards still
        reach My page."""
        server = self.start_server(["--admin"])
        c = server.client()
        first = book(c, customer="kafka-c")["id"]
        wait_mypage(c, first, lambda m: m.get("ticketStatus") == "Waiting", ASYNC_DEADLINE_S,
                    f"my page row of booking {first} (the groups have joined)")

        text = "this is not JSON {"
        binary = b"\xff\xfe\x00not utf-8"
        no_booking = json.dumps({"eventType": "Booked", "timestamp": wire_now(),
                                 "customerId": "mallory", "movieName": "soul", "qty": 1})
        expected = {  # payload as the dead letter shows it -> what the error must name
            text: "not JSON",
            "base64:" + base64.b64encode(binary).decode(): "not JSON",
            no_booking: "bookingId",
        }
        partitions = range(harness.KAFKA_PARTITIONS)
        for p in partitions:
            kcat_produce(server.kafka.bootstrap, text, partition=p)
            kcat_produce(server.kafka.bootstrap, binary, partition=p)
            kcat_produce(server.kafka.bootstrap, no_booking, partition=p)

        def parked():
            letters = dead_letters(c)
            found = {}
            for d in letters:
                payload = d["payload"] if isinstance(d["payload"], str) else json.dumps(
                    d["payload"])
                key = payload if payload in expected else None
                if key is None and isinstance(d["payload"], dict):
                    key = no_booking if d["payload"] == json.loads(no_booking) else None
                if key is None:
                    raise AssertionError(f"an unexpected dead letter: {d}")
                self.assertIn(expected[key], d["error"], f"the error must name the problem: {d}")
                m = re.search(rf"^kafka:{TOPIC}:(\d+):(\d+)@\d{{13}}$", d["eventId"])
                self.assertIsNotNone(m, f"a dead letter names its position on the topic: {d}")
                found.setdefault((key, d["module"]), set()).add(int(m.group(1)))
            modules = {module for (_, module) in found}
            missing = [(k[:30], module, sorted(set(partitions) - found.get((k, module), set())))
                       for k in expected for module in modules
                       if found.get((k, module), set()) != set(partitions)]
            if len(modules) < len(CONSUMER_GROUPS) or missing:
                raise AssertionError(f"parked by {sorted(modules)}; missing (payload, module, "
                                     f"partitions): {missing}")
            return letters
        letters = poll(parked, ASYNC_DEADLINE_S, "every malformed message parked by every group")
        self.assertEqual(len(letters), len(expected) * len(partitions) * len(CONSUMER_GROUPS),
                         "each message parked once per consumer group")

        later = [book(c, customer="kafka-c")["id"] for _ in range(8)]

        def flowed():
            rows = {m["bookingId"]: m for m in get_all(c, "mypages")}
            late = [bid for bid in later
                    if rows.get(bid, {}).get("ticketStatus") != "Waiting"
                    or rows.get(bid, {}).get("paymentStatus") != "Paid"]
            if late:
                raise AssertionError(f"bookings without their my page row yet: {late}")
            return rows
        poll(flowed, ASYNC_DEADLINE_S, "my page rows of the bookings made after the bad messages")
        on_topic = kcat_read(server.kafka.bootstrap)
        used = {m["partition"] for bid in later for m in of_booking(on_topic, bid)}
        self.assertGreater(len(used), 1, "the bookings spread over several partitions")

    # -- d. a broker outage under traffic ---------------------------------------------------

    def test_broker_outage_under_traffic(self):
        """Bookings go on for 10 s while the only broker is down for most of it: every POST
        /books answers 201, health shows components.bus DOWN during the outage and UP after;
        then every booking reaches My page with all its events applied (ticket Waiting, payment
        Paid), the bookings cancelled during the outage end Canceled everywhere (their Canceled
        is on the topic after their Booked, same partition), nothing waits in an outbox, and
        printing and reviewing still work."""
        server = self.start_server()
        c = server.client()
        warm = book(c, customer="kafka-d")["id"]
        wait_mypage(c, warm, lambda m: m.get("ticketStatus") == "Waiting", ASYNC_DEADLINE_S,
                    f"my page row of booking {warm} (the groups have joined)")
        self.assertEqual(bus_status(c)["status"], "UP")

        traffic_client = server.client()
        responses, failures = [], []
        stop = threading.Event()

        def traffic():
            try:
                while not stop.is_set():
                    r = traffic_client.post("/books", booking_payload(customer="kafka-d"))
                    responses.append(r)
                    stop.wait(0.05)
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

        t = threading.Thread(target=traffic, name="bookings", daemon=True)
        began = time.monotonic()
        t.start()
        try:
            poll(lambda: len(responses) >= 5, 10, "a few bookings before the outage")
            server.kafka.broker_down()
            down_at = len(responses)
            wait_bus(c, "DOWN", 10, "components.bus DOWN while the broker is down")
            # Cancel some bookings made during the outage (their Booked has not left yet).
            poll(lambda: len(responses) >= down_at + 10, 10, "bookings during the outage")
            canceled = []
            for r in responses[down_at:down_at + 10:2]:
                self.assertStatus(r, 201)
                rc = c.delete(f"/books/{r.body['id']}")
                self.assertStatus(rc, 204, "cancel while the broker is down")
                canceled.append(r.body["id"])
            self.assertEqual(bus_status(c)["status"], "DOWN")
            while time.monotonic() - began < 8 and not failures:
                time.sleep(0.1)  # the outage's length: traffic goes on meanwhile
            server.kafka.broker_up()
            up_at = len(responses)
            while time.monotonic() - began < 10 and not failures:
                time.sleep(0.1)
        finally:
            stop.set()
            t.join(timeout=30)
        self.assertEqual(failures, [], "the booking thread failed")
        self.assertGreater(up_at - down_at, 20, "bookings were made during the outage")
        for r in responses:
            self.assertStatus(r, 201, "every booking is accepted whatever the broker")
        wait_bus(c, "UP", RECOVERY_DEADLINE_S, "components.bus UP after the broker came back")

        ids = [warm] + [r.body["id"] for r in responses]
        canceled = set(canceled)

        def converged():
            rows = {m["bookingId"]: m for m in get_all(c, "mypages")}
            wrong = []
            for bid in ids:
                row = rows.get(bid)
                if bid in canceled:
                    want = ("Canceled", "Canceled", "Canceled", "Canceled")
                else:
                    want = ("PaidComplete", "PaidComplete", "Paid", "Waiting")
                got = None if row is None else (row.get("status"), row.get("bookingStatus"),
                                                row.get("paymentStatus"),
                                                row.get("ticketStatus"))
                if got != want:
                    wrong.append((bid, got, want))
            if wrong:
                raise AssertionError(f"{len(wrong)} of {len(ids)} my page rows are not final "
                                     f"(booking, got, want): {wrong[:10]}")
            if len(rows) != len(ids):
                raise AssertionError(f"{len(rows)} my page rows for {len(ids)} bookings")
            return rows
        poll(converged, RECOVERY_DEADLINE_S,
             "every booking's my page row in its final state after the outage")

        def drained():
            backlog = metrics(c)["outboxBacklog"]
            if backlog != 0:
                raise AssertionError(f"outboxBacklog {backlog}")
            return True
        poll(drained, RECOVERY_DEADLINE_S, "every outbox drained (all events acknowledged)")
        for bid in canceled:
            self.assertEqual(c.get(f"/books/{bid}").body["status"], "Canceled")
            payment = one_by_booking(c, "payments", bid)
            self.assertEqual(payment["status"], "Canceled", f"booking {bid} refunded")

        # Nothing lost, one module's events about one booking in commit order, on the topic.
        on_topic = kcat_read(server.kafka.bootstrap)
        for bid in ids:
            mine = by_type(of_booking(on_topic, bid))
            for t_ in ("Booked", "Paid"):
                self.assertIn(t_, mine, f"booking {bid}: no {t_} on {TOPIC}")
            if bid not in canceled:
                self.assertIn("Created", mine, f"booking {bid}: no Created on {TOPIC}")
            else:  # (a ticket withdrawn before it was issued is never Created)
                for t_ in ("Canceled", "PaymentCanceled"):
                    self.assertIn(t_, mine, f"booking {bid}: no {t_} on {TOPIC}")
                booked, cancel = mine["Booked"], mine["Canceled"]
                self.assertEqual(len({m["value"]["eventId"] for m in booked + cancel}), 2,
                                 f"booking {bid}: one Booked and one Canceled event")
                self.assertEqual({m["partition"] for m in booked + cancel},
                                 {booked[0]["partition"]}, f"booking {bid}: one partition")
                self.assertLess(min(m["offset"] for m in booked),
                                min(m["offset"] for m in cancel),
                                f"booking {bid}: Booked before Canceled on the topic")

        # The flow goes on: print and review a few of the outage's bookings.
        survivors = [bid for bid in ids[len(ids) // 2:] if bid not in canceled][:3]
        for bid in survivors:
            ticket = wait_ticket(c, bid, "Waiting")
            self.assertStatus(print_ticket(c, ticket["id"]), 200)
            review = one_by_booking(c, "reviews", bid)
            self.assertStatus(c.patch(f"/reviews/{review['id']}",
                                      {"score": 7, "contents": "after the outage"}), 200)
        for bid in survivors:
            wait_mypage(c, bid, lambda m: m.get("status") == "ReviewComplete"
                        and m.get("score") == 7, ASYNC_DEADLINE_S,
                        f"my page row of booking {bid} reviewed after the outage")
            wait_booking_status(c, bid, "ReviewComplete", deadline_s=ASYNC_DEADLINE_S)

    # -- e. starting without a broker --------------------------------------------------------

    def test_start_with_the_broker_down(self):
        """The server starts (ready) while its only broker is down: bookings are accepted (201),
        health shows components.bus DOWN; once the broker is up, health shows UP and the
        bookings reach My page with their ticket and payment."""
        server = self.new_server()
        server.start_kafka().broker_down()
        server.start()  # waits for readiness
        c = server.client()
        ids = [book(c, customer="kafka-e")["id"] for _ in range(3)]
        wait_bus(c, "DOWN", 10, "components.bus DOWN while the broker is down")
        self.assertEqual(get_all(c, "mypages"), [], "nothing can reach My page yet")
        server.kafka.broker_up()
        wait_bus(c, "UP", RECOVERY_DEADLINE_S, "components.bus UP once the broker is up")
        for bid in ids:
            row = wait_mypage(c, bid, lambda m: m.get("ticketStatus") == "Waiting"
                              and m.get("paymentStatus") == "Paid", RECOVERY_DEADLINE_S,
                              f"my page row of booking {bid} after the broker came up")
            self.assertEqual(row["status"], "PaidComplete", row)

    def test_readiness_turns_503_when_the_bus_stays_down(self):
        """--readiness-bus-down-ms (issue 11): once the bus has been unable to deliver for
        longer, readiness answers 503 OUT_OF_SERVICE while health stays 200 (bookings go on);
        readiness is 200 again once the broker is back."""
        server = self.start_server(extra_args=["--readiness-bus-down-ms", "1000"])
        c = server.client()

        def readiness(status):
            def check():
                r = c.get("/actuator/health/readiness")
                if r.status != status:
                    raise AssertionError(r.describe())
                return r
            return check

        server.kafka.broker_down()
        wait_bus(c, "DOWN", 15, "components.bus DOWN while the broker is down")
        r = poll(readiness(503), 15, "readiness 503 once the bus stayed down")
        self.assertEqual(r.body["status"], "OUT_OF_SERVICE", r.describe())
        self.assertStatus(c.get("/actuator/health"), 200)
        book(c, customer="kafka-r")
        server.kafka.broker_up()
        poll(readiness(200), RECOVERY_DEADLINE_S, "readiness 200 once the broker is up")


if __name__ == "__main__":
    unittest.main()
