"""Health and metrics as an operator's tools see them (issue 11; README "Operating").

A real Prometheus server (Debian ``prometheus``) started here on loopback scrapes the server's
``GET /actuator/prometheus`` and its HTTP query API must return our series with the labels an
operator queries by; ``promtool check metrics`` lints a live scrape; the README's metric table
and the Grafana dashboard are checked against a live scrape; the health documents have Spring
Boot Actuator's shape.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import (DEADLINE_SCALE, E2ETestCase, book, booking_payload, one_by_booking, poll,
                     print_ticket, wait_mypage, wait_ticket)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MODULES = ("booking", "payment", "ticket", "review", "mypage")
# Series only the Kafka transport has (README marks them "--bus kafka").
KAFKA_ONLY = {
    "events_ignored_total", "kafka_consumer_unacknowledged", "kafka_consumer_lag",
    "kafka_producer_queue",
}
# Families prometheus-cpp leaves out until their first sample (README says "no sample before
# the first").
SPARSE = {"circuit_breaker_transitions_total"}
PROMQL_WORDS = {
    "sum", "by", "without", "rate", "irate", "increase", "delta", "deriv", "histogram_quantile",
    "time", "avg", "max", "min", "count", "and", "or", "unless", "on", "ignoring", "offset",
    "topk", "bottomk", "abs", "clamp_min", "clamp_max", "le", "inf", "nan",
}


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise AssertionError(f"{name} not found: apt-get install prometheus (scripts/lib.sh)")
    return path


def parse_exposition(text):
    """{family: type} from the # TYPE lines and [(name, {label: value}, value)] samples."""
    types, samples = {}, []
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = sample.match(line)
            assert m, f"not a sample line: {line!r}"
            samples.append((m.group(1), dict(label.findall(m.group(2) or "")), float(m.group(3))))
    return types, samples


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return name


def readme_metrics():
    """{name: (type, {labels})} from README "Operating" > "Metrics"."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n### Metrics", 1)[1].split("\n### ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        labels = set(re.findall(r"`([a-z_]+)`", cells[2]))
        rows[name] = (cells[1], labels)
    return rows


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrometheusTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(extra_args=["--admin"])
        c = cls.server.client()
        cls.booked = [book(c, qty=q, price=p) for q, p in ((1, 7000), (2, 15000), (3, 21000))]
        # Above --payment-decline-above (1 000 000 KRW by default): the provider declines.
        declined = c.post("/books", booking_payload(qty=1, price=2_000_000))
        assert declined.status == 402, declined.describe()

    def scrape(self):
        r = self.server.client().get("/actuator/prometheus")
        self.assertStatus(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), CONTENT_TYPE)
        return r.body.decode("utf-8")

    def value(self, samples, name, **labels):
        found = [v for n, ls, v in samples
                 if n == name and all(ls.get(k) == val for k, val in labels.items())]
        self.assertEqual(len(found), 1, f"{name}{labels}: {found}")
        return found[0]

    def test_business_counters_count_the_committed_events(self):
        """Three bookings placed (1+2+3 seats, 43 000 KRW paid) and one declined: the counters
        say so."""
        def check():
            _, samples = parse_exposition(self.scrape())
            self.assertEqual(self.value(samples, "bookings_total", outcome="placed"), 3)
            return samples
        samples = poll(check, 10, "bookings_total{outcome=placed} == 3")
        self.assertEqual(self.value(samples, "seats_sold_total"), 6)
        self.assertEqual(self.value(samples, "revenue_krw_total"), 43000)
        self.assertEqual(self.value(samples, "bookings_total", outcome="cancelled"), 0)
        self.assertEqual(self.value(samples, "bookings_total", outcome="declined"), 1)
        count = self.value(samples, "http_server_requests_seconds_count", method="POST",
                           route="/books", status="201")
        self.assertGreaterEqual(count, 3)
        for module in MODULES:
            self.assertEqual(self.value(samples, "database_up", module=module), 1)
            self.assertGreater(self.value(samples, "sqlite_file_size_bytes", module=module,
                                          file="db"), 0)
        self.assertEqual(self.value(samples, "application_ready"), 1)
        self.assertGreater(self.value(samples, "process_resident_memory_bytes"), 0)
        self.assertGreater(self.value(samples, "process_open_fds"), 0)
        self.assertGreater(self.value(samples, "process_start_time_seconds"), time.time() - 3600)
        self.assertEqual(self.value(samples, "events_published_total", module="booking",
                                    event_type="Booked"), 3)

    def test_promtool_accepts_a_live_scrape(self):
        r = subprocess.run([tool("promtool"), "check", "metrics"], input=self.scrape().encode(),
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, (r.stdout + r.stderr).decode())

    def test_readme_table_is_the_scrape(self):
        """Every family scraped has a README row with its type and labels, and every row a
        family (Kafka-only rows excepted on the in-memory bus)."""
        types, samples = parse_exposition(self.scrape())
        rows = readme_metrics()
        self.assertEqual(sorted(set(types) - set(rows)), [], "scraped, not in README")
        self.assertEqual(sorted(set(rows) - set(types) - KAFKA_ONLY - SPARSE), [], "README only")
        for name, kind in types.items():
            with self.subTest(metric=name):
                self.assertEqual(rows[name][0], kind, "type in README")
                seen = set()
                for n, labels, _ in samples:
                    if family_of(n, types) == name:
                        seen |= set(labels) - {"le"}
                if seen:
                    self.assertEqual(rows[name][1], seen, "labels in README")

    def test_dashboard_queries_name_exported_series(self):
        types, _ = parse_exposition(self.scrape())
        exported = set(types) | KAFKA_ONLY | SPARSE
        for t, kind in types.items():
            if kind == "histogram":
                exported |= {t + "_bucket", t + "_sum", t + "_count"}
        with open(os.path.join(ROOT, "config", "grafana", "movie-booking.json")) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
        self.assertGreater(len(exprs), 10)
        for expr in exprs:
            bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", "", expr)
            bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)
            names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare)) - PROMQL_WORDS
            with self.subTest(expr=expr):
                self.assertEqual(sorted(names - exported), [], "not exported by the server")

    def test_health_has_spring_boot_actuators_shape(self):
        c = self.server.client()
        r = c.get("/actuator/health")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "UP")
        components = r.body["components"]
        self.assertEqual(sorted(components), sorted(MODULES + ("bus",)))
        for module in MODULES:
            d = components[module]
            self.assertEqual(d["status"], "UP", d)
            self.assertEqual(d["details"]["database"], "reachable")
            for key in ("outboxBacklog", "consumerLag", "deadLetters", "paused", "queued"):
                self.assertIn(key, d["details"], module)
        self.assertEqual(components["payment"]["details"]["breaker"], "closed")
        self.assertEqual(components["bus"]["status"], "UP")
        for probe in ("liveness", "readiness"):
            r = c.get(f"/actuator/health/{probe}")
            self.assertStatus(r, 200)
            self.assertEqual(r.body, {"status": "UP"})

    def test_a_paused_module_is_out_of_service_but_the_whole_stays_up(self):
        c = self.server.client()
        self.assertStatus(c.post("/admin/modules/review/pause"), 200)
        try:
            r = c.get("/actuator/health")
            self.assertStatus(r, 200)
            self.assertEqual(r.body["components"]["review"]["status"], "OUT_OF_SERVICE")
            self.assertTrue(r.body["components"]["review"]["details"]["paused"])
            _, samples = parse_exposition(self.scrape())
            self.assertEqual(self.value(samples, "module_paused", module="review"), 1)
        finally:
            self.assertStatus(c.post("/admin/modules/review/resume"), 200)

    def test_a_real_prometheus_scrapes_our_series(self):
        """Prometheus (the Debian binary) scrapes us every second; its query API returns the
        bookings counter and the POST /books histogram with route template and status."""
        workdir = tempfile.mkdtemp(prefix="mb-prometheus-")
        self.addCleanup(shutil.rmtree, workdir, True)
        config = os.path.join(workdir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: movie-booking
    metrics_path: /actuator/prometheus
    static_configs:
      - targets: ["127.0.0.1:{self.server.port}"]
""")
        port = free_port()
        log = open(os.path.join(workdir, "prometheus.log"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [tool("prometheus"), f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(workdir, 'data')}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

        def stop():
            proc.kill()
            proc.wait(timeout=30)
        self.addCleanup(stop)

        def query(q):
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(f"prometheus exited {proc.returncode}:\n{log.read()}")
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    body = json.load(resp)
            except OSError as e:
                raise AssertionError(f"query API: {e}")
            if body.get("status") != "success" or not body["data"]["result"]:
                raise AssertionError(f"{q}: {body}")
            return body["data"]["result"]

        deadline = 60 * DEADLINE_SCALE
        placed = poll(lambda: query('bookings_total{job="movie-booking",outcome="placed"}'),
                      deadline, "Prometheus has bookings_total{outcome=placed}", interval_s=0.5)
        self.assertGreaterEqual(float(placed[0]["value"][1]), 3)
        series = poll(lambda: query('http_server_requests_seconds_count{method="POST",'
                                    'route="/books",status="201"}'),
                      deadline, "Prometheus has the POST /books 201 histogram", interval_s=0.5)
        self.assertGreaterEqual(float(series[0]["value"][1]), 3)
        self.assertEqual(series[0]["metric"]["job"], "movie-booking")
        up = query('up{job="movie-booking"}')
        self.assertEqual(up[0]["value"][1], "1")


def readme_events():
    """{eventType: (publisher, {consumers})} from README "Events"."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Events", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        consumers = {re.match(r"[a-z]+", c.strip()).group(0) for c in cells[3].split(",")}
        rows[cells[0].strip("`")] = (cells[1], consumers)
    return rows


class EventsTableTest(E2ETestCase):
    """Docs that code can check, code checks: README's events table (who publishes each event
    type, who consumes it) against what the server counted while it ran every step of the
    flow — book, print, review, and a cancel — in events_published_total and
    events_consumed_total."""

    def test_readme_events_table_is_what_the_modules_publish_and_consume(self):
        server = self.start_server(["--admin"])
        c = server.client()
        kept = book(c, qty=1, price=7000)
        canceled = book(c, qty=1, price=7000)
        ticket = wait_ticket(c, kept["id"])
        wait_ticket(c, canceled["id"])
        self.assertStatus(print_ticket(c, ticket["id"]), 200)
        review = one_by_booking(c, "reviews", kept["id"])
        self.assertStatus(c.patch(f"/reviews/{review['id']}", {"score": 9, "contents": "ok"}),
                          200)
        self.assertStatus(c.delete(f"/books/{canceled['id']}"), 204)
        wait_mypage(c, canceled["id"], lambda m: m.get("paymentStatus") == "Canceled",
                    what="the refund in My page")
        wait_mypage(c, kept["id"], lambda m: m.get("reviewStatus") == "Written",
                    what="the review in My page")
        expected = readme_events()
        self.assertGreaterEqual(len(expected), 8, "README's events table not found")

        def counted():
            r = c.get("/actuator/prometheus")
            self.assertStatus(r, 200)
            _, samples = parse_exposition(r.body.decode("utf-8"))
            published, consumed = {}, {}
            for name, labels, value in samples:
                if value <= 0:
                    continue
                if name == "events_published_total":
                    published.setdefault(labels["event_type"], set()).add(labels["module"])
                elif name == "events_consumed_total":
                    consumed.setdefault(labels["event_type"], set()).add(labels["module"])
            actual = {t: (", ".join(sorted(published.get(t, ()))), consumed.get(t, set()))
                      for t in set(published) | set(consumed)}
            if actual != expected:
                raise AssertionError(f"README: {expected}\nserver: {actual}")
            return actual
        poll(counted, 15, "every event type published and consumed as README says")


class ScrapeAccessTest(E2ETestCase):
    """--prometheus-access: admin by default (a scrape without a token is refused under
    --auth jwt), public on request (no token needed; every other protected route still is)."""

    SECRET = {"MOVIE_JWT_SECRET": "s" * 40}

    def test_admin_by_default(self):
        server = self.start_server(env=self.SECRET, auth_off=False)
        self.assertProblem(server.client().get("/actuator/prometheus"), 401)

    def test_public_when_asked(self):
        server = self.start_server(extra_args=["--prometheus-access", "public"], env=self.SECRET,
                                   auth_off=False)
        c = server.client()
        r = c.get("/actuator/prometheus")
        self.assertStatus(r, 200)
        self.assertIn(b"# TYPE bookings_total counter", r.body)
        self.assertProblem(c.get("/actuator/metrics"), 401)


if __name__ == "__main__":
    unittest.main()
