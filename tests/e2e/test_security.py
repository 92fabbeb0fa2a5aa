"""Customers' bookings are theirs alone (issue 9; README "Security").

The matrix is generated from the server's own route table (``GET /actuator/mappings``): every
route × {no token, expired, not yet valid, tampered, wrong issuer, wrong audience, alg:none,
HS256 against the RS256 key, customer A, customer B, staff, admin} gets its expected status,
and a route that the table below does not know fails the test — a new route cannot be
forgotten. Tokens are made by the test itself (stdlib HMAC, the openssl command line), never
by the server's JWT library.
"""

import json
import os
import re
import subprocess
import tempfile
import time
import unittest

from harness import E2ETestCase, binary_path, clean_env, embedded, poll, wait_mypage, wait_ticket
import tokens

ISSUER = "https://idp.example.test"
AUDIENCE = "movie-booking"
A, B, STAFF, ADMIN = "alice", "bob", "counter-1", "root"

# Who sees what (README "Security"): the kinds of route, and for each read which principals see
# another customer's (A's) item. Keys are (method, pattern) exactly as /actuator/mappings lists
# them; the test fails on any route missing here and on any entry with no route.
PUBLIC, ADMIN_ONLY = "public", "admin"
READ_ALL = {"A", "staff", "admin"}   # bookings, tickets: the counter looks them up
READ_OWN = {"A", "admin"}            # payments, reviews, my page
MATRIX = {
    ("GET", "/actuator/health"): PUBLIC,
    ("GET", "/actuator/health/liveness"): PUBLIC,
    ("GET", "/actuator/health/readiness"): PUBLIC,
    ("GET", "/actuator/metrics"): ADMIN_ONLY,
    ("GET", "/actuator/prometheus"): ADMIN_ONLY,  # --prometheus-access admin (the default)
    ("GET", "/actuator/mappings"): ADMIN_ONLY,
    ("GET", "/movies"): PUBLIC,
    ("GET", "/movies/{id}"): PUBLIC,
    ("GET", "/screens"): PUBLIC,
    ("GET", "/screens/{id}"): PUBLIC,
    ("GET", "/screenings"): PUBLIC,
    ("GET", "/screenings/{id}"): PUBLIC,
    ("GET", "/screenings/{id}/seats"): PUBLIC,
    ("GET", "/screenings/{id}/seats/stream"): PUBLIC,
    ("GET", "/mypages/stream"): "authenticated-stream",
    ("POST", "/movies"): ADMIN_ONLY,
    ("POST", "/screens"): ADMIN_ONLY,
    ("POST", "/screenings"): ADMIN_ONLY,
    ("GET", "/admin/faults"): ADMIN_ONLY,
    ("PUT", "/admin/faults/{module}"): ADMIN_ONLY,
    ("DELETE", "/admin/faults/{module}"): ADMIN_ONLY,
    ("GET", "/admin/modules"): ADMIN_ONLY,
    ("POST", "/admin/modules/{name}/pause"): ADMIN_ONLY,
    ("POST", "/admin/modules/{name}/resume"): ADMIN_ONLY,
    ("GET", "/admin/dead-letters"): ADMIN_ONLY,
    ("POST", "/admin/dead-letters/{module}/{id}/retry"): ADMIN_ONLY,
    ("DELETE", "/admin/dead-letters/{module}/{id}"): ADMIN_ONLY,
    ("GET", "/admin/breakers"): ADMIN_ONLY,
    ("GET", "/books"): ("list", "books", READ_ALL),
    ("GET", "/books/{id}"): ("item", "books", READ_ALL),
    ("POST", "/books"): "book",
    ("DELETE", "/books/{id}"): "cancel",
    ("PATCH", "/books/{id}"): "cancel",
    ("GET", "/payments"): ("list", "payments", READ_OWN),
    ("GET", "/payments/{id}"): ("item", "payments", READ_OWN),
    ("GET", "/payments/search/findByBookingId"): ("search", "payments", READ_OWN),
    ("GET", "/tickets"): ("list", "tickets", READ_ALL),
    ("GET", "/tickets/{id}"): ("item", "tickets", READ_ALL),
    ("GET", "/tickets/search/findByBookingId"): ("search", "tickets", READ_ALL),
    ("PATCH", "/tickets/{id}"): "print",
    ("GET", "/reviews"): ("list", "reviews", READ_OWN),
    ("GET", "/reviews/{id}"): ("item", "reviews", READ_OWN),
    ("GET", "/reviews/search/findByBookingId"): ("search", "reviews", READ_OWN),
    ("PATCH", "/reviews/{id}"): "review",
    ("GET", "/mypages"): ("list", "mypages", READ_OWN),
    ("GET", "/mypages/{id}"): ("item", "mypages", READ_OWN),
    ("GET", "/mypages/search/findByBookingId"): ("search", "mypages", READ_OWN),
    ("GET", "/mypages/search/findByCustomerId"): ("customer", "mypages", READ_OWN),
}

# What a mutating route gets as its body when it is probed with a bad token: valid requests, so
# that a 401 can only come from the token.
PROBE_BODIES = {
    ("POST", "/books"): {"screeningId": 1, "seats": ["A1"]},
    ("PATCH", "/books/{id}"): {"status": "Canceled"},
    ("PATCH", "/tickets/{id}"): {"status": "Printed"},
    ("PATCH", "/reviews/{id}"): {"score": 1, "contents": "forged"},
    ("POST", "/movies"): {"title": "Forged", "runtimeMinutes": 90, "rating": "ALL"},
    ("POST", "/screens"): {"name": "Forged", "rows": 2, "seatsPerRow": 2},
    ("POST", "/screenings"): {"movieId": 1, "screenId": 1, "startsAt": "2031-01-01T10:00:00Z",
                              "price": 1},
    ("PUT", "/admin/faults/{module}"): {"down": True},
}


class SecurityMatrixTest(E2ETestCase):
    """auth = jwt with an identity provider's RS256 key, iss and aud configured."""

    @classmethod
    def setUpClass(cls):
        cls.keys = tokens.RsaKeyPair()
        cls.server = cls.start_class_server(
            ["--auth", "jwt", "--jwt-public-key-file", cls.keys.public_key, "--jwt-algorithm",
             "RS256", "--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE, "--admin",
             "--demo-data"], auth_off=False)
        cls.tokens = {
            "A": cls.token(A),
            "B": cls.token(B),
            "staff": cls.token(STAFF, roles=("staff",)),
            "admin": cls.token(ADMIN, roles=("admin",)),
        }
        now = int(time.time())
        cls.bad_tokens = {
            "no token": None,
            "expired": cls.keys.rs256(tokens.claims(A, iss=ISSUER, aud=AUDIENCE,
                                                    now=now - 7200, ttl_s=3600)),
            "not yet valid": cls.keys.rs256(tokens.claims(A, iss=ISSUER, aud=AUDIENCE,
                                                          now=now + 3600)),
            "tampered": tokens.tampered(cls.tokens["A"], sub=B),
            "wrong issuer": cls.keys.rs256(tokens.claims(A, iss="https://evil.test",
                                                         aud=AUDIENCE)),
            "wrong audience": cls.keys.rs256(tokens.claims(A, iss=ISSUER, aud="other-app")),
            "alg none": tokens.unsigned(tokens.claims(A, roles=("admin",), iss=ISSUER,
                                                      aud=AUDIENCE)),
            "HS256 keyed with the RS256 public key": tokens.hs256(
                cls.keys.public_pem, tokens.claims(A, roles=("admin",), iss=ISSUER,
                                                   aud=AUDIENCE)),
        }
        cls.ids = cls.make_data()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.keys.cleanup()

    @classmethod
    def token(cls, sub, roles=("customer",)):
        return cls.keys.rs256(tokens.claims(sub, roles=roles, iss=ISSUER, aud=AUDIENCE))

    @classmethod
    def client_as(cls, who):
        token = cls.tokens.get(who) if who in cls.tokens else cls.bad_tokens.get(who)
        return cls.server.client(token=token)

    # -- the data every principal is probed against: A's bookings -------------------------------

    @classmethod
    def make_data(cls):
        a = cls.client_as("A")
        admin = cls.client_as("admin")
        screenings = embedded(a.get("/screenings?size=100").body, "screenings")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
        soul = sorted((s for s in screenings
                       if s.get("movieTitle") == "soul" and s["startsAt"] > now),
                      key=lambda s: s["startsAt"])
        assert soul, f"no upcoming screening of the demo movie soul: {screenings}"
        cls.screening = soul[0]["id"]
        seats = iter(f"{row}{n}" for row in "ABCDEFGH" for n in range(1, 11))

        def book(client):
            r = client.post("/books", {"screeningId": cls.screening, "seats": [next(seats)]})
            assert r.status == 201, r.describe()
            return r.body

        main = book(a)  # printed and reviewed: every kind of item exists for it
        ticket = wait_ticket(admin, main["id"])
        r = a.patch(f"/tickets/{ticket['id']}", {"status": "Printed"})
        assert r.status == 200, r.describe()
        review = poll(lambda: embedded(a.get(
            f"/reviews/search/findByBookingId?bookingId={main['id']}").body, "reviews"),
            15, "A's review record")[0]
        r = a.patch(f"/reviews/{review['id']}", {"score": 9, "contents": "mine"})
        assert r.status == 200, r.describe()
        row = wait_mypage(admin, main["id"], lambda m: m.get("reviewStatus") == "Written")
        payment = embedded(admin.get(
            f"/payments/search/findByBookingId?bookingId={main['id']}").body, "payments")[0]
        return {
            "books": main["id"], "payments": payment["id"], "tickets": ticket["id"],
            "reviews": review["id"], "mypages": row["id"],
            "cancel": [book(a)["id"] for _ in range(3)],
            "print": [book(a)["id"] for _ in range(2)],
            "book": book,
        }

    def path_for(self, pattern, ids=None):
        ids = ids or self.ids
        collection = pattern.split("/")[1]
        path = pattern
        if pattern.startswith("/admin/dead-letters/"):
            path = path.replace("{module}", "review").replace("{id}", "999999")
        elif pattern.startswith("/admin/"):
            path = path.replace("{module}", "review").replace("{name}", "review")
        elif collection in ("screenings",):
            path = path.replace("{id}", str(self.screening))
        elif collection in ("movies", "screens"):
            path = path.replace("{id}", "1")
        elif "{id}" in path:
            path = path.replace("{id}", str(ids[collection]))
        if pattern.endswith("/findByBookingId"):
            path += f"?bookingId={ids['books']}"
        if pattern.endswith("/findByCustomerId"):
            path += f"?customerId={A}"
        return path

    # -- the tests ------------------------------------------------------------------------------

    def mappings(self):
        r = self.client_as("admin").get("/actuator/mappings")
        self.assertStatus(r, 200)
        return {(m["method"], m["pattern"]): m["access"] for m in r.body["routes"]}

    def test_every_route_is_in_the_matrix(self):
        """A route added to the server without a row here fails, and so does a row whose route
        is gone; each route's declared access matches the matrix."""
        routes = self.mappings()
        self.assertEqual(sorted(set(routes) - set(MATRIX)), [], "routes missing in MATRIX")
        self.assertEqual(sorted(set(MATRIX) - set(routes)), [], "MATRIX rows without a route")
        for key, access in routes.items():
            kind = MATRIX[key]
            expected = ("public" if kind == PUBLIC else
                        "admin" if kind == ADMIN_ONLY else "authenticated")
            self.assertEqual(access, expected, f"access of {key}")

    def test_readme_lists_every_route(self):
        """The README's REST API table names every route the server has (and so cannot drift
        from it): each (method, pattern) stands in one row of that table."""
        readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        section = text.split("\n## REST API", 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        for method, pattern in sorted(self.mappings()):
            near = re.compile(re.escape(pattern) + r"(?![\w/{])")
            with self.subTest(route=f"{method} {pattern}"):
                self.assertTrue(any(method in row.split("|")[1] and near.search(row.split("|")[1])
                                    for row in rows),
                                f"README's REST API table has no row for {method} {pattern}")

    def test_bad_tokens_are_refused_on_every_protected_route(self):
        """RFC 6750: a protected route answers 401 problem+json with WWW-Authenticate: Bearer
        to a missing token, and adds error="invalid_token" for an expired, not yet valid,
        tampered, wrong-issuer, wrong-audience, alg:none or algorithm-confused token; public
        routes serve everybody. Nothing a refused request asked for happens."""
        before = self.snapshot()
        for (method, pattern), kind in sorted(MATRIX.items()):
            path = self.path_for(pattern)
            body = PROBE_BODIES.get((method, pattern))
            for name, token in self.bad_tokens.items():
                with self.subTest(route=f"{method} {pattern}", token=name):
                    c = self.server.client(token=token)
                    # A public event stream's GET never ends; its HEAD is authorized the same
                    # way. (A protected one's refusal is an ordinary problem response.)
                    verb = "HEAD" if pattern.endswith("/stream") and kind == PUBLIC else method
                    r = c.request(verb, path, json_body=body)
                    if kind == PUBLIC:
                        self.assertNotIn(r.status, (401, 403), r.describe())
                        continue
                    self.assertProblem(r, 401)
                    challenge = r.headers.get("WWW-Authenticate", "")
                    self.assertTrue(challenge.startswith("Bearer realm="), r.describe())
                    if token is None:
                        self.assertNotIn("error=", challenge)
                    else:
                        self.assertIn('error="invalid_token"', challenge)
        self.assertEqual(self.snapshot(), before, "a refused request changed something")

    def snapshot(self):
        admin = self.client_as("admin")
        out = {}
        for rel in ("books", "payments", "tickets", "reviews", "mypages", "movies", "screens",
                    "screenings"):
            r = admin.get(f"/{rel}?size=1000")
            self.assertStatus(r, 200)
            out[rel] = sorted(json.dumps(item, sort_keys=True) for item in embedded(r.body, rel))
        out["faults"] = admin.get("/admin/faults").body
        return out

    def test_reads_are_filtered_to_the_caller(self):
        """Customer B cannot see anything of A through any item, search, page or filter (404 /
        empty), staff sees bookings and tickets, admin sees everything, A sees their own."""
        for (method, pattern), kind in sorted(MATRIX.items()):
            if not isinstance(kind, tuple):
                continue
            shape, rel, sees = kind
            path = self.path_for(pattern)
            for who in ("A", "B", "staff", "admin"):
                with self.subTest(route=pattern, caller=who):
                    r = self.client_as(who).get(path)
                    visible = who in sees
                    if shape == "item":
                        self.assertStatus(r, 200 if visible else 404)
                        if not visible:
                            self.assertProblem(r, 404)
                            self.assertNotIn(A, json.dumps(r.body))
                        continue
                    self.assertStatus(r, 200)
                    ids = [i["id"] for i in embedded(r.body, rel)]
                    if shape == "list":
                        items = []
                        page = 0
                        while True:  # every page, so "not on page 1" is not mistaken for hidden
                            rp = self.client_as(who).get(f"/{rel}?size=1000&page={page}")
                            items += embedded(rp.body, rel)
                            page += 1
                            if page >= rp.body["page"]["totalPages"]:
                                break
                        ids = [i["id"] for i in items]
                        if who == "B":
                            self.assertFalse(any(i.get("customerId") == A for i in items),
                                             f"B lists A's {rel}")
                    self.assertEqual(self.ids[rel] in ids, visible, f"{who}: {rel} {ids}")

    def test_seat_map_names_nobody(self):
        """The public seat map shows seats, not who took them."""
        r = self.server.client().get(f"/screenings/{self.screening}/seats")
        self.assertStatus(r, 200)
        self.assertNotIn(A, r.raw.decode())
        self.assertIn("booked", r.raw.decode())

    def test_a_customer_books_only_for_themselves(self):
        """customerId, if present, must equal sub (403, nothing kept); absent, it is sub.
        Staff and admin book at the counter for a named customer."""
        before = self.snapshot()["books"]
        r = self.client_as("A").post("/books", {"screeningId": self.screening,
                                                 "seats": ["J9"], "customerId": B})
        body = self.assertProblem(r, 403, fields=["customerId"])
        self.assertIn("subject", body["detail"])
        self.assertEqual(self.snapshot()["books"], before)
        r = self.client_as("B").post("/books", {"screeningId": self.screening, "seats": ["J9"]})
        self.assertStatus(r, 201)
        self.assertEqual(r.body["customerId"], B)
        r = self.client_as("staff").post("/books", {"screeningId": self.screening,
                                                     "seats": ["J8"], "customerId": A})
        self.assertStatus(r, 201)
        self.assertEqual(r.body["customerId"], A)
        self.assertStatus(self.client_as("A").get(f"/books/{r.body['id']}"), 200)

    def test_cancel_is_the_customers_or_admins(self):
        """B's cancel of A's booking is a 404 and staff's a 403, both leaving it PaidComplete;
        A cancels with DELETE, admin with PATCH."""
        first, second, _ = self.ids["cancel"]
        for who, status in (("B", 404), ("staff", 403)):
            self.assertProblem(self.client_as(who).delete(f"/books/{first}"), status)
            self.assertProblem(self.client_as(who).patch(f"/books/{first}",
                                                         {"status": "Canceled"}), status)
        self.assertEqual(self.client_as("A").get(f"/books/{first}").body["status"],
                         "PaidComplete")
        self.assertStatus(self.client_as("A").delete(f"/books/{first}"), 204)
        r = self.client_as("admin").patch(f"/books/{second}", {"status": "Canceled"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "Canceled")

    def test_printing_is_for_the_customer_and_the_counter(self):
        """B cannot print A's ticket (404, still Waiting); staff prints any ticket; A prints
        their own."""
        admin = self.client_as("admin")
        staff_one, own_one = self.ids["print"]
        t1 = wait_ticket(admin, staff_one)
        t2 = wait_ticket(admin, own_one)
        self.assertProblem(self.client_as("B").patch(f"/tickets/{t1['id']}",
                                                     {"status": "Printed"}), 404)
        self.assertEqual(self.client_as("A").get(f"/tickets/{t1['id']}").body["status"],
                         "Waiting")
        self.assertStatus(self.client_as("staff").patch(f"/tickets/{t1['id']}",
                                                        {"status": "Printed"}), 200)
        self.assertStatus(self.client_as("A").patch(f"/tickets/{t2['id']}",
                                                    {"status": "Printed"}), 200)

    def test_only_the_customer_writes_the_review(self):
        """B and staff do not see A's review (404), admin sees it but may not write it (403);
        the review keeps A's words."""
        review = self.ids["reviews"]
        for who, status in (("B", 404), ("staff", 404), ("admin", 403)):
            r = self.client_as(who).patch(f"/reviews/{review}", {"score": 0, "contents": "x"})
            self.assertProblem(r, status)
        r = self.client_as("A").get(f"/reviews/{review}")
        self.assertEqual((r.body["score"], r.body["contents"]), (9, "mine"))

    def test_admin_routes_need_the_admin_role(self):
        """Catalogue registration and operations answer 403 problem+json to customers and
        staff (WWW-Authenticate error="insufficient_scope"), and work for admin."""
        for (method, pattern), kind in sorted(MATRIX.items()):
            if kind != ADMIN_ONLY:
                continue
            for who in ("A", "B", "staff"):
                with self.subTest(route=f"{method} {pattern}", caller=who):
                    r = self.client_as(who).request(method, self.path_for(pattern),
                                                    json_body=PROBE_BODIES.get((method, pattern)))
                    self.assertProblem(r, 403)
                    self.assertIn('error="insufficient_scope"',
                                  r.headers.get("WWW-Authenticate", ""))
        admin = self.client_as("admin")
        r = admin.post("/movies", {"title": "Admin's", "runtimeMinutes": 90, "rating": "ALL"})
        self.assertStatus(r, 201)
        self.assertStatus(admin.get("/admin/modules"), 200)
        self.assertStatus(admin.get("/actuator/metrics"), 200)

    def test_client_prices_are_never_taken(self):
        """No client-set prices: a movie the catalogue does not list is a 404 problem, a listed
        one without open screening a 409, and neither leaves a booking or a payment behind."""
        before = self.snapshot()
        a = self.client_as("A")
        r = a.post("/books", {"qty": 1, "movieName": "Not Listed", "seat": "1A",
                              "totalPrice": 1})
        self.assertProblem(r, 404, fields=["movieName"])
        r = self.client_as("admin").post("/movies", {"title": "No Screening Yet",
                                                     "runtimeMinutes": 80, "rating": "ALL"})
        self.assertStatus(r, 201)
        r = a.post("/books", {"qty": 1, "movieName": "No Screening Yet", "seat": "1A",
                              "totalPrice": 1})
        self.assertProblem(r, 409, fields=["movieName"])
        after = self.snapshot()
        for rel in ("books", "payments", "tickets"):
            self.assertEqual(after[rel], before[rel], rel)

    def test_the_seed_shape_books_a_catalogued_movie_at_the_catalogue_price(self):
        """The seed's {qty, movieName, seat, totalPrice} keeps working for a catalogued movie,
        priced by the server (soul: 5,000 KRW a seat)."""
        r = self.client_as("B").post("/books", {"qty": "1", "movieName": "soul", "seat": "8H",
                                                "totalPrice": "5000"})
        self.assertStatus(r, 201)
        self.assertEqual((r.body["totalPrice"], r.body["customerId"]), (5000, B))


class StartupRefusalTest(unittest.TestCase):
    """The server refuses configurations that would expose customers' data (exit code 2)."""

    def run_binary(self, args, env=None):
        with tempfile.TemporaryDirectory(prefix="mb-sec-") as data:
            proc = subprocess.run([binary_path(), "--data-dir", data, "--port", "0"] + args,
                                  stdin=subprocess.DEVNULL, capture_output=True,
                                  env=clean_env(env), timeout=20)
        return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")

    def test_auth_off_refuses_a_public_bind(self):
        code, out = self.run_binary(["--auth", "off", "--address", "0.0.0.0"])
        self.assertEqual(code, 2, out)
        self.assertIn("--insecure", out)

    def test_jwt_without_a_key_refuses_to_start(self):
        code, out = self.run_binary(["--address", "127.0.0.1"])  # auth = jwt is the default
        self.assertEqual(code, 2, out)
        self.assertIn("MOVIE_JWT_SECRET", out)

    def test_a_short_secret_refuses_to_start(self):
        code, out = self.run_binary(["--address", "127.0.0.1"], env={"MOVIE_JWT_SECRET": "short"})
        self.assertEqual(code, 2, out)
        self.assertIn("32", out)

    def test_unlisted_movies_are_refused_with_jwt(self):
        code, out = self.run_binary(["--address", "127.0.0.1", "--accept-unlisted-movies"],
                                    env={"MOVIE_JWT_SECRET": "s" * 40})
        self.assertEqual(code, 2, out)
        self.assertIn("--accept-unlisted-movies", out)

    def test_the_secret_is_not_printed(self):
        secret = "do-not-print-me-" + "x" * 32
        proc = subprocess.run([binary_path(), "--print-config"], capture_output=True,
                              env=clean_env({"MOVIE_JWT_SECRET": secret}), timeout=20)
        out = (proc.stdout + proc.stderr).decode()
        self.assertEqual(proc.returncode, 0, out)
        self.assertNotIn(secret, out)
        self.assertIn("MOVIE_JWT_SECRET=<redacted>", out)


class MintedTokenTest(E2ETestCase):
    """HS256 with a shared secret: `movie-booking token` mints what the server accepts, and the
    seed's flow runs with tokens."""

    SECRET = "a-local-demo-secret-of-at-least-32-bytes!"

    def mint(self, *args):
        proc = subprocess.run([binary_path(), "token"] + list(args), capture_output=True,
                              env=clean_env({"MOVIE_JWT_SECRET": self.SECRET}), timeout=20)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return proc.stdout.decode().strip()

    def test_minted_tokens_run_the_seed_flow(self):
        server = self.start_server(["--demo-data", "--log-level", "debug"],
                                   env={"MOVIE_JWT_SECRET": self.SECRET}, auth_off=False)
        alice_token = self.mint("--sub", "alice", "--role", "customer", "--ttl", "10m")
        alice = server.client(token=alice_token)
        staff = server.client(token=self.mint("--sub", "desk", "--role", "staff"))
        r = alice.post("/books", {"qty": "2", "movieName": "soul", "seat": "1A,2B",
                                  "totalPrice": "10000"})
        self.assertStatus(r, 201)
        self.assertEqual(r.body["customerId"], "alice")
        ticket = wait_ticket(staff, r.body["id"])
        self.assertStatus(staff.patch(f"/tickets/{ticket['id']}", {"status": "Printed"}), 200)
        review = poll(lambda: embedded(alice.get(
            f"/reviews/search/findByBookingId?bookingId={r.body['id']}").body, "reviews"),
            15, "the review record")[0]
        self.assertStatus(alice.patch(f"/reviews/{review['id']}",
                                      {"score": "10", "contents": "VeryGood"}), 200)
        row = wait_mypage(alice, r.body["id"], lambda m: m.get("status") == "ReviewComplete")
        self.assertEqual(row["score"], 10)
        # neither the token nor the secret reaches the log, even at debug level
        # the access lines are there (the log is read by another thread: poll, don't race it)
        log = poll(lambda: (lambda text: text if "PATCH /reviews/" in text else None)(
            "\n".join(server.log())), 10, "the access line of PATCH /reviews/")
        self.assertNotIn(alice_token.split(".")[2], log)
        self.assertNotIn(self.SECRET, log)
        # another secret's token is refused
        forged = tokens.hs256("another-secret-that-is-long-enough-123", tokens.claims("alice"))
        r = server.client(token=forged).get("/mypages")
        self.assertProblem(r, 401)

    def test_token_needs_a_secret(self):
        proc = subprocess.run([binary_path(), "token", "--sub", "alice"], capture_output=True,
                              env=clean_env(), timeout=20)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("MOVIE_JWT_SECRET", proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
