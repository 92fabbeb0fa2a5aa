"""The seed's own scenario, sent exactly as its httpie commands send it (seed 000, lines 240-300).

MISSION.md, "REST resources": the seed's requests must work unchanged; httpie's ``key=value``
sends every value as a JSON string, and numeric strings are accepted as numbers.
"""

import unittest

from harness import (E2ETestCase, book, embedded, find_by_booking, wait_booking_status,
                     wait_mypage, wait_ticket)

SEED_BOOKING = {"qty": "2", "movieName": "soul", "seat": "1A,2B", "totalPrice": "10000"}
SEED_PRINT = {"status": "Printed"}
SEED_REVIEW = {"score": "10", "contents": "VeryGood"}


class SeedScenarioTest(E2ETestCase):

    def test_seed_requests_end_to_end(self):
        """MISSION.md, scenario steps 1-8 and "REST resources": book+pay in one request (201,
        Location, HAL), ticket issued from the Booked event, print opens a review (carrying the
        WEATHER read at start), writing the review completes the booking, and My page (CQRS, fed
        only by events) ends ReviewComplete with score 10 / VeryGood."""
        server = self.start_server(env={"WEATHER": "Sunny"})
        c = server.client()
        base = f"http://127.0.0.1:{server.port}"

        # 1+2. http POST :8088/books qty=2 movieName="soul" seat="1A,2B" totalPrice=10000
        r = c.post("/books", SEED_BOOKING)
        self.assertStatus(r, 201)
        self.assertIn("json", r.content_type, r.describe())
        self.assertEqual(r.headers.get("Location"), f"{base}/books/1", r.describe())
        booking = r.body
        self.assertEqual(booking["id"], 1)
        self.assertEqual(booking["qty"], 2)  # a number now, not the string sent
        self.assertEqual(booking["movieName"], "soul")
        self.assertEqual(booking["seat"], "1A,2B")
        self.assertEqual(booking["totalPrice"], 10000)
        self.assertEqual(booking["customerId"], "anonymous")
        self.assertEqual(booking["status"], "PaidComplete")
        self.assertIsInstance(booking["paymentId"], int, r.describe())
        self.assertSelfLink(booking, base, "/books/1")

        r = c.get("/books/1")
        self.assertStatus(r, 200)
        for key in ("id", "qty", "movieName", "seat", "totalPrice", "customerId", "paymentId"):
            self.assertEqual(r.body[key], booking[key], key)
        self.assertSelfLink(r.body, base, "/books/1")

        # The payment was made synchronously, in the same request.
        payments = find_by_booking(c, "payments", 1)
        self.assertEqual(len(payments), 1, payments)
        payment = payments[0]
        self.assertEqual(payment["id"], booking["paymentId"])
        self.assertEqual(payment["bookingId"], 1)
        self.assertEqual(payment["totalPrice"], 10000)
        self.assertEqual(payment["customerId"], "anonymous")
        self.assertEqual(payment["status"], "Paid")
        r = c.get(f"/payments/{payment['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Paid")
        self.assertSelfLink(r.body, base, f"/payments/{payment['id']}")

        # 3. A ticket is issued from the Booked event (asynchronously).
        ticket = wait_ticket(c, 1, "Waiting")
        self.assertEqual(ticket["id"], 1)
        self.assertEqual(ticket["bookingId"], 1)
        self.assertEqual(ticket["movieName"], "soul")
        self.assertEqual(ticket["seat"], "1A,2B")
        self.assertEqual(ticket["qty"], 2)
        self.assertEqual(ticket["customerId"], "anonymous")
        self.assertEqual(find_by_booking(c, "reviews", 1), [], "no review before print")

        # 4. http PATCH :8088/tickets/1 status="Printed"
        r = c.patch("/tickets/1", SEED_PRINT)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Printed")
        self.assertEqual(r.body["id"], 1)
        self.assertSelfLink(r.body, base, "/tickets/1")

        # The review record was opened synchronously by the print: it exists right away.
        reviews = find_by_booking(c, "reviews", 1)
        self.assertEqual(len(reviews), 1, reviews)
        review = reviews[0]
        self.assertEqual(review["id"], 1)
        self.assertEqual(review["bookingId"], 1)
        self.assertEqual(review["status"], "Waiting Review")
        self.assertIn("score", review)
        self.assertIsNone(review["score"])
        self.assertEqual(review["weather"], "Sunny")

        wait_booking_status(c, 1, "PrintComplete")

        # 8. http PATCH :8088/reviews/1 score=10 contents="VeryGood"
        r = c.patch("/reviews/1", SEED_REVIEW)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Written")
        self.assertEqual(r.body["score"], 10)
        self.assertEqual(r.body["contents"], "VeryGood")
        self.assertEqual(r.body["weather"], "Sunny")
        self.assertSelfLink(r.body, base, "/reviews/1")

        wait_booking_status(c, 1, "ReviewComplete")

        # 7. http GET :8088/mypages
        row = wait_mypage(c, 1, lambda m: m.get("status") == "ReviewComplete"
                          and m.get("reviewStatus") == "Written",
                          what="my page row of booking 1 to reach ReviewComplete")
        self.assertEqual(row["customerId"], "anonymous")
        self.assertEqual(row["movieName"], "soul")
        self.assertEqual(row["seat"], "1A,2B")
        self.assertEqual(row["qty"], 2)
        self.assertEqual(row["totalPrice"], 10000)
        self.assertEqual(row["score"], 10)
        self.assertEqual(row["contents"], "VeryGood")
        self.assertEqual(row["paymentStatus"], "Paid")
        self.assertEqual(row["ticketStatus"], "Printed")
        self.assertEqual(row["reviewStatus"], "Written")

        r = c.get("/mypages")
        self.assertStatus(r, 200)
        rows = embedded(r.body, "mypages")
        self.assertEqual(len(rows), 1, r.describe())
        self.assertEqual(rows[0]["bookingId"], 1)
        self.assertSelfLink(rows[0], base, f"/mypages/{rows[0]['id']}")
        self.assertEqual(r.body["page"]["totalElements"], 1)
        self.assertEqual(r.body["page"]["totalPages"], 1)
        self.assertEqual(r.body["page"]["number"], 0)
        self.assertGreaterEqual(r.body["page"]["size"], 1)
        self.assertTrue(r.body["_links"]["self"]["href"].startswith(f"{base}/mypages"),
                        r.describe())

        r = c.get("/mypages/search/findByCustomerId?customerId=anonymous")
        self.assertStatus(r, 200)
        self.assertEqual([m["bookingId"] for m in embedded(r.body, "mypages")], [1])

    def test_json_numbers_customer_and_collections(self):
        """MISSION.md, "REST resources": JSON numbers work as well as strings; customerId is
        kept; collections are HAL with `page` metadata and `?page=&size=` paging; self links
        are absolute URLs built from the request's Host header."""
        server = self.start_server()
        c = server.client()
        base = f"http://127.0.0.1:{server.port}"
        ids = [book(c, customer="alice")["id"], book(c, customer="bob")["id"],
               book(c, customer="alice")["id"]]
        self.assertEqual(ids, [1, 2, 3])

        r = c.get("/books?page=0&size=2")
        self.assertStatus(r, 200)
        self.assertEqual([b["id"] for b in embedded(r.body, "books")], [1, 2])
        self.assertEqual(r.body["page"], {"size": 2, "totalElements": 3, "totalPages": 2,
                                          "number": 0})
        self.assertTrue(r.body["_links"]["self"]["href"].startswith(f"{base}/books"))
        r = c.get("/books?page=1&size=2")
        self.assertStatus(r, 200)
        self.assertEqual([b["id"] for b in embedded(r.body, "books")], [3])
        self.assertEqual(r.body["page"]["number"], 1)
        for b in embedded(r.body, "books"):
            self.assertSelfLink(b, base, f"/books/{b['id']}")

        r = c.get("/books/2", headers={"Host": "cinema.example:8088"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["customerId"], "bob")
        self.assertSelfLink(r.body, "http://cinema.example:8088", "/books/2")
        r = c.post("/books", {"qty": 1, "movieName": "up", "seat": "9Z", "totalPrice": 0},
                   headers={"Host": "cinema.example:8088"})
        self.assertStatus(r, 201)
        self.assertEqual(r.headers.get("Location"),
                         f"http://cinema.example:8088/books/{r.body['id']}")
        self.assertEqual(r.body["customerId"], "anonymous")
        self.assertEqual(r.body["totalPrice"], 0)

        for booking_id in (1, 3):
            wait_mypage(c, booking_id)
        r = c.get("/mypages/search/findByCustomerId?customerId=alice")
        self.assertStatus(r, 200)
        self.assertEqual(sorted(m["bookingId"] for m in embedded(r.body, "mypages")), [1, 3])
        r = c.get("/mypages/search/findByCustomerId?customerId=nobody")
        self.assertStatus(r, 200)
        self.assertEqual(embedded(r.body, "mypages"), [])

    def test_health_probes(self):
        """MISSION.md, "REST resources": /actuator/health (+ liveness, readiness) answer 200
        with status UP, as the seed deployments' probes expected."""
        server = self.start_server()
        c = server.client()
        r = c.get("/actuator/health")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "UP", r.describe())
        for probe in ("liveness", "readiness"):
            r = c.get(f"/actuator/health/{probe}")
            self.assertStatus(r, 200)


if __name__ == "__main__":
    unittest.main()
