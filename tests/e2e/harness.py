"""End-to-end harness: drives the built movie-booking binary as a real process.

Everything here is real: the binary is started with ``subprocess``, it listens on a loopback
port chosen by the kernel (``--port 0``; the actual port is read from its log), keeps its SQLite
files in a fresh temporary directory, and is stopped with real signals (``kill -9`` included).
Only the Python 3 standard library is used.

Environment:
  MB_BINARY                 path of the built binary (set by CTest); tests skip when unset
  MB_E2E_DEADLINE_SCALE     multiply every polling deadline (slow machines, sanitizers)
  MB_E2E_LOG_LINES          how many trailing server log lines to dump on failure (default 400)
  MB_E2E_KEEP               keep the temporary data directories (printed on stop)
  MB_E2E_BUS                event bus of every server: ``memory`` (default, in-process) or
                            ``kafka``: each Server then runs against its own mock Kafka cluster
                            (a separate process, so it survives the server's kill -9 and
                            restarts; it is stopped in cleanup) with ``--bus kafka
                            --kafka-brokers <bootstrap> --kafka-session-timeout-ms 6000
                            --kafka-fetch-wait-ms 5`` put
                            before the test's own arguments (which may override them).
                            ``harness.KAFKA`` tells a test which mode it runs in; ``server.kafka``
                            is the cluster (``.bootstrap``, ``.broker_down(id)``,
                            ``.broker_up(id)``), None in memory mode.
  MB_KAFKA_MOCK             path of the movie-booking-kafka-mock binary (required in Kafka mode;
                            set by CTest for the e2e-kafka label)
"""

import http.client
import itertools
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

DEADLINE_SCALE = float(os.environ.get("MB_E2E_DEADLINE_SCALE", "1"))
LOG_LINES = int(os.environ.get("MB_E2E_LOG_LINES", "400"))
KEEP_DATA = os.environ.get("MB_E2E_KEEP", "") not in ("", "0")

BUS = (os.environ.get("MB_E2E_BUS", "") or "memory").strip().lower()
if BUS not in ("memory", "kafka"):
    raise SystemExit(f"MB_E2E_BUS={BUS!r}: expected 'memory' or 'kafka'")
KAFKA = BUS == "kafka"  # every Server runs on its own mock Kafka cluster
KAFKA_TOPIC = "movie"
KAFKA_PARTITIONS = 4
KAFKA_SESSION_TIMEOUT_MS = 6000

AUTH_OFF_ARGS = ["--auth", "off", "--accept-unlisted-movies"]

# MB_E2E_DB=postgresql: every data directory gets a database of its own on the test cluster
# (its URL in MB_TEST_PG_URL_FILE, written by the CTest fixture of label postgresql), passed
# as --db; servers sharing a data directory share it. Default: SQLite files in the directory.
DB = (os.environ.get("MB_E2E_DB", "") or "sqlite").strip().lower()
if DB not in ("sqlite", "postgresql"):
    raise SystemExit(f"MB_E2E_DB={DB!r}: expected 'sqlite' or 'postgresql'")
POSTGRESQL = DB == "postgresql"
_pg_databases = {}  # data directory -> its database URL
_pg_counter = itertools.count(1)


def pg_cluster_url():
    """The test cluster's URL (postgresql://mb@127.0.0.1:PORT/movie_booking); fails the
    calling test when the fixture wrote none (never skips)."""
    path = os.environ.get("MB_TEST_PG_URL_FILE", "")
    if not path or not os.path.exists(path):
        raise AssertionError("MB_E2E_DB=postgresql needs MB_TEST_PG_URL_FILE (ctest -L postgresql)")
    with open(path) as f:
        url = f.readline().strip()
    assert url.startswith("postgresql://"), url
    return url


def psql(url, sql):
    """Runs one SQL command with Debian's psql; returns its unaligned output."""
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError(f"psql {sql!r}: {out.stderr.strip()}")
    return out.stdout.strip()


def pg_database_for(data_dir):
    """The PostgreSQL database of ``data_dir`` (created on first use, empty)."""
    if data_dir not in _pg_databases:
        base = pg_cluster_url()
        name = f"mb_e2e_{os.getpid()}_{next(_pg_counter)}"
        psql(base, f"CREATE DATABASE {name}")
        _pg_databases[data_dir] = base.rsplit("/", 1)[0] + "/" + name
    return _pg_databases[data_dir]


def drop_pg_database(data_dir):
    url = _pg_databases.pop(data_dir, None)
    if url is not None:
        name = url.rsplit("/", 1)[1]
        psql(pg_cluster_url(), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

START_DEADLINE_S = 20.0
ASYNC_DEADLINE_S = 15.0  # default deadline for event-driven (eventually consistent) state

_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


def binary_path():
    """The binary under test; fails the calling test when MB_BINARY is not set (a suite that
    skipped itself would let CI pass without running it)."""
    path = os.environ.get("MB_BINARY", "")
    if not path:
        raise AssertionError("MB_BINARY is not set (path of the built movie-booking binary)")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise AssertionError(f"MB_BINARY={path!r} is not an executable file")
    return path


def clean_env(overrides=None):
    """The inherited environment without any MOVIE_* / WEATHER variable, plus overrides.

    Tests must not depend on whatever the developer exported in their shell.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MOVIE_") and k != "WEATHER"}
    for k, v in (overrides or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


# --------------------------------------------------------------------------------------------
# polling
# --------------------------------------------------------------------------------------------

def poll(fn, deadline_s, what, interval_s=0.02, max_interval_s=0.25):
    """Call ``fn`` until it returns a truthy value and return that value.

    ``fn`` may also raise AssertionError to say "not yet" with an explanation; the last
    explanation is reported when the deadline passes. Any other exception propagates.
    """
    deadline_s *= DEADLINE_SCALE
    start = time.monotonic()
    last = "condition was never true"
    attempts = 0
    while True:
        attempts += 1
        try:
            value = fn()
            if value:
                return value
            last = f"last result: {value!r}"
        except AssertionError as exc:
            last = f"last check: {exc}"
        elapsed = time.monotonic() - start
        if elapsed >= deadline_s:
            raise AssertionError(
                f"timed out after {elapsed:.1f}s ({attempts} attempts) waiting for {what}; {last}")
        time.sleep(min(interval_s, max(0.0, deadline_s - elapsed)))
        interval_s = min(interval_s * 1.5, max_interval_s)


# --------------------------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------------------------

class Response(tuple):
    """(status, headers, body). ``body`` is parsed JSON when the response says JSON, else bytes.

    ``headers`` is an http.client.HTTPMessage (case-insensitive ``get``). The request that
    produced the response is kept for messages (``method``, ``path``).
    """

    def __new__(cls, status, headers, body, method, path, raw):
        self = super().__new__(cls, (status, headers, body))
        self.method = method
        self.path = path
        self.raw = raw
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    @property
    def content_type(self):
        return self.headers.get("Content-Type", "") or ""

    def describe(self):
        text = self.raw[:2000].decode("utf-8", "replace")
        return f"{self.method} {self.path} -> {self.status} {self.content_type!r} {text}"

    def __repr__(self):
        return f"<Response {self.describe()}>"


class Client:
    """A keep-alive HTTP/1.1 client for one server (not thread-safe: one per thread)."""

    def __init__(self, host, port, timeout_s=15.0, token=None):
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.token = token  # sent as "Authorization: Bearer <token>" unless a request overrides
        self._conn = None
        self._served = 0  # requests completed on the current connection

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._served = 0

    def _connection(self):
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
            self._served = 0
        return self._conn

    def request(self, method, path, json_body=None, body=None, headers=None, retry=True):
        """Send one request; ``json_body`` is serialized as application/json.

        ``body`` (bytes or str) is sent as-is with whatever ``headers`` say. When a reused
        keep-alive connection turns out to be closed by the server, the request is sent once
        more on a fresh connection unless ``retry`` is False (the crash tests pass False so
        that a request is never sent twice).
        """
        hdrs = {"Accept": "application/json, application/hal+json, application/problem+json"}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            body = json.dumps(json_body)
            hdrs["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs.update(headers or {})
        for attempt in (0, 1):
            conn = self._connection()
            reused = self._served > 0
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.BadStatusLine):
                self.close()
                if attempt == 0 and reused and retry:
                    continue
                raise
            except BaseException:
                self.close()
                raise
            self._served += 1
            if resp.will_close:
                self.close()
            return Response(resp.status, resp.msg, _decode(resp.msg, raw), method, path, raw)
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    def patch(self, path, json_body=None, **kw):
        return self.request("PATCH", path, json_body=json_body, **kw)

    def put(self, path, json_body=None, **kw):
        return self.request("PUT", path, json_body=json_body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def _decode(headers, raw):
    ctype = (headers.get("Content-Type", "") or "").lower()
    if raw and "json" in ctype:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


# --------------------------------------------------------------------------------------------
# the mock Kafka cluster (MB_E2E_BUS=kafka)
# --------------------------------------------------------------------------------------------

def kafka_mock_path():
    """The movie-booking-kafka-mock binary (MB_KAFKA_MOCK); fails the test when unusable."""
    path = os.environ.get("MB_KAFKA_MOCK", "")
    if not path:
        raise AssertionError("MB_E2E_BUS=kafka needs MB_KAFKA_MOCK (path of the built "
                             "movie-booking-kafka-mock binary)")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise AssertionError(f"MB_KAFKA_MOCK={path!r} is not an executable file")
    return path


class KafkaCluster:
    """librdkafka's mock cluster in its own process (movie-booking-kafka-mock).

    It prints ``bootstrap <host:port,...>`` once its topic exists, then obeys ``down <id>`` /
    ``up <id>`` on stdin (``-1``: every broker), answering ``ok down <id>``. Its output goes
    to ``log`` (a callable taking one line), so it shows up in the owning server's log dump.
    """

    def __init__(self, name="kafka", brokers=1, topic=KAFKA_TOPIC, partitions=KAFKA_PARTITIONS,
                 log=None):
        self.binary = kafka_mock_path()
        self.name = name
        self.brokers = brokers
        self.topic = topic
        self.partitions = partitions
        self.bootstrap = None
        self.proc = None
        self._log = log or (lambda line: None)
        self._lines = queue.Queue()
        self._command_lock = threading.Lock()

    def start(self):
        args = [self.binary, "--brokers", str(self.brokers), "--topic", self.topic,
                "--partitions", str(self.partitions)]
        self._log(f"=== [{self.name}] start: {' '.join(args)}")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=clean_env(),
                                     start_new_session=True)
        threading.Thread(target=self._read_output, name=f"{self.name}-out",
                         daemon=True).start()
        try:
            line = self._expect(lambda l: l.startswith("bootstrap "), START_DEADLINE_S,
                                "its 'bootstrap <host:port>' line")
        except BaseException:
            self.close()
            raise
        self.bootstrap = line.split(None, 1)[1].strip()
        return self

    def _read_output(self):
        proc = self.proc
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._log(f"[{self.name}] {line}")
            self._lines.put(line)
        proc.stdout.close()
        self._lines.put(None)  # EOF

    def _expect(self, pred, deadline_s, what):
        deadline = time.monotonic() + deadline_s * DEADLINE_SCALE
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(0.0, left)) if left > 0 else None
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(
                    f"[{self.name}] no {what} within {deadline_s * DEADLINE_SCALE:.0f}s "
                    f"(exit code {self.proc.poll()})")
            if pred(line):
                return line
            if line.startswith("error"):
                raise AssertionError(f"[{self.name}] {line}")

    def _command(self, verb, broker_id):
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(f"[{self.name}] is not running")
        with self._command_lock:
            self.proc.stdin.write(f"{verb} {int(broker_id)}\n".encode())
            self.proc.stdin.flush()
            expected = f"ok {verb} {int(broker_id)}"
            self._expect(lambda l: l.strip() == expected, 10, repr(expected))
        self._log(f"=== [{self.name}] {verb} {broker_id}")

    def broker_down(self, broker_id=1):
        """Take broker ``broker_id`` (-1: all) down; returns once the cluster confirmed."""
        self._command("down", broker_id)

    def broker_up(self, broker_id=1):
        """Bring broker ``broker_id`` (-1: all) back up; returns once the cluster confirmed."""
        self._command("up", broker_id)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        """Ask it to quit (EOF on stdin), SIGKILL after 5 s."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait(timeout=10)
        self._log(f"=== [{self.name}] stopped: exit code {code}")


# --------------------------------------------------------------------------------------------
# the server process
# --------------------------------------------------------------------------------------------

class Server:
    """One movie-booking process on a private data directory.

    ``extra_args`` are appended to ``--port 0 --address 127.0.0.1 --data-dir <tmp>
    --log-level info --log-format text``; ``env`` adds variables to a clean environment. ``port_flag=False`` leaves
    out ``--port 0`` (to test MOVIE_PORT). ``auth_off=False`` leaves out ``AUTH_OFF_ARGS``
    (the server then runs its default, auth = jwt, and needs a key in ``extra_args``/``env``).

    In Kafka mode (``kafka`` defaults to ``KAFKA``) the server owns a mock cluster
    (``self.kafka``), started with its first start (or earlier by ``start_kafka()``), kept
    across restarts and kill -9, stopped by ``cleanup()``; the Kafka flags come before
    ``extra_args``.
    """

    _counter = itertools.count(1)

    def __init__(self, extra_args=(), env=None, data_dir=None, name=None, port_flag=True,
                 wait_ready=True, kafka=None, auth_off=True, db_url=None):
        self.binary = binary_path()
        self.use_kafka = KAFKA if kafka is None else bool(kafka)
        self.kafka = None
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.port_flag = port_flag
        self.auth_off = auth_off
        self.db_url = db_url  # --db for this server (replicas share one); None: per data dir
        self.wait_ready = wait_ready
        self.name = name or f"server{next(Server._counter)}"
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="mb-e2e-")
        self.proc = None
        self.port = None
        self.starts = 0
        self._log = []
        self._log_lock = threading.Condition()
        self._reader = None
        self._clients = []

    # -- lifecycle ---------------------------------------------------------------------------

    def args(self):
        args = [self.binary]
        if self.port_flag:
            args += ["--port", "0"]
        # Text lines keep the failure dumps readable; test_logging asks for json (a later
        # --log-format in extra_args wins).
        args += ["--address", "127.0.0.1", "--data-dir", self.data_dir, "--log-level", "info",
                 "--log-format", "text"]
        # The flow suites run the local-demo mode: no tokens, and the seed's legacy bookings of
        # uncatalogued movies at the client's price. test_security runs auth = jwt (its own
        # extra_args come later and win).
        if self.auth_off:
            args += AUTH_OFF_ARGS
        if self.db_url is not None:
            args += ["--db", self.db_url]
        elif POSTGRESQL:
            args += ["--db", pg_database_for(self.data_dir)]
        if self.use_kafka:
            assert self.kafka is not None, "start_kafka() first"
            args += ["--bus", "kafka", "--kafka-brokers", self.kafka.bootstrap,
                     "--kafka-session-timeout-ms", str(KAFKA_SESSION_TIMEOUT_MS),
                     # the mock broker holds an empty fetch for the whole wait (real ones don't)
                     "--kafka-fetch-wait-ms", "5"]
        return args + self.extra_args

    def start_kafka(self):
        """Kafka mode: the server's mock cluster, started on first use. None in memory mode."""
        if not self.use_kafka:
            return None
        if self.kafka is None or not self.kafka.running():
            if self.kafka is not None:
                self._append(f"=== [{self.name}] the mock Kafka cluster had exited: new one")
            self.kafka = KafkaCluster(name=f"{self.name}-kafka", log=self._append).start()
        return self.kafka

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.start_kafka()
        self.starts += 1
        args = self.args()
        self._append(f"=== [{self.name}] start #{self.starts}: {' '.join(args)}")
        self.port = None
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=clean_env(self.env),
                                start_new_session=True)
        self.proc = proc
        state = {"port": None, "eof": False}
        self._reader = threading.Thread(target=self._read_output, args=(proc, state),
                                        name=f"{self.name}-log", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_DEADLINE_S * DEADLINE_SCALE
        with self._log_lock:
            while state["port"] is None and not state["eof"]:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._log_lock.wait(left)
        if state["port"] is None:
            exited = proc.poll()
            if exited is None:
                self._kill(signal.SIGKILL)
            raise AssertionError(
                f"[{self.name}] no 'listening on 127.0.0.1:<port>' line within "
                f"{START_DEADLINE_S * DEADLINE_SCALE:.0f}s (exit code {proc.poll()}); log:\n"
                + self.log_tail())
        self.port = state["port"]
        if self.wait_ready:
            client = self.client()
            poll(lambda: self._ready(client), START_DEADLINE_S,
                 f"[{self.name}] GET /actuator/health/readiness -> 200")
        return self

    def _ready(self, client):
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}")
        try:
            return client.get("/actuator/health/readiness").status == 200
        except OSError as exc:
            raise AssertionError(f"readiness probe failed: {exc!r}")

    def _read_output(self, proc, state):
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._log_lock:
                self._log.append(line)
                if state["port"] is None:
                    m = _LISTENING.search(line)
                    if m:
                        state["port"] = int(m.group(1))
                        self._log_lock.notify_all()
        proc.stdout.close()
        with self._log_lock:
            state["eof"] = True
            self._log_lock.notify_all()

    def _kill(self, sig):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def _finish(self, how, timeout_s):
        self._close_clients()
        code = self.proc.wait(timeout=timeout_s)
        if self._reader is not None:
            self._reader.join(timeout=5)
        self.proc._mb_noted = True
        self._append(f"=== [{self.name}] {how}: exit code {code}")
        return code

    def _note_exited(self):
        """True (and logged) when the process already ended by itself (a crash, an exit)."""
        if self.proc is None or self.proc.poll() is None:
            return False
        if not getattr(self.proc, "_mb_noted", False):
            self.proc._mb_noted = True
            if self._reader is not None:
                self._reader.join(timeout=5)
            self._append(f"=== [{self.name}] had exited by itself: exit code "
                         f"{self.proc.returncode}")
        return True

    def kill9(self):
        """SIGKILL the process (no chance to clean up) and wait for it."""
        if self.proc is None or self._note_exited():
            self._close_clients()
            return self.proc.returncode if self.proc else None
        self._kill(signal.SIGKILL)
        return self._finish("killed with SIGKILL", 30)

    def stop(self, deadline_s=10.0):
        """SIGTERM, wait up to ``deadline_s``, then SIGKILL. Returns the exit code."""
        if self.proc is None or self._note_exited():
            self._close_clients()
            return self.proc.returncode if self.proc else None
        self._kill(signal.SIGTERM)
        try:
            return self._finish("stopped with SIGTERM", deadline_s * DEADLINE_SCALE)
        except subprocess.TimeoutExpired:
            self._append(f"=== [{self.name}] did not exit {deadline_s}s after SIGTERM: SIGKILL")
            self._kill(signal.SIGKILL)
            return self._finish("killed after SIGTERM timeout", 30)

    def restart(self, extra_args=None, env=None, kill=False):
        """Stop (or kill -9) and start again on the same data directory."""
        if kill:
            self.kill9()
        else:
            self.stop()
        if extra_args is not None:
            self.extra_args = list(extra_args)
        if env is not None:
            self.env = dict(env)
        return self.start()

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.kafka is not None:
                self.kafka.close()
        if self._own_dir:
            if KEEP_DATA:
                sys.stderr.write(f"[{self.name}] data kept in {self.data_dir}\n")
            else:
                shutil.rmtree(self.data_dir, ignore_errors=True)
                drop_pg_database(self.data_dir)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- clients and logs --------------------------------------------------------------------

    def client(self, timeout_s=15.0, token=None):
        """A new keep-alive client for the current port (closed when the server stops);
        ``token`` is sent as a bearer token with every request."""
        assert self.port is not None, "server not started"
        c = Client("127.0.0.1", self.port, timeout_s, token=token)
        self._clients.append(c)
        return c

    def _close_clients(self):
        for c in self._clients:
            c.close()
        self._clients = []

    def _append(self, line):
        with self._log_lock:
            self._log.append(line)

    def log(self):
        with self._log_lock:
            return list(self._log)

    def log_tail(self, n=LOG_LINES):
        lines = self.log()
        head = [] if len(lines) <= n else [f"... ({len(lines) - n} earlier lines omitted)"]
        return "\n".join(head + lines[-n:])


# --------------------------------------------------------------------------------------------
# REST helpers (Spring Data REST / HAL shapes)
# --------------------------------------------------------------------------------------------

def embedded(body, rel):
    """Items of a HAL collection body (``_embedded.<rel>``; an absent ``_embedded`` is empty)."""
    if not isinstance(body, dict):
        raise AssertionError(f"collection body is not a JSON object: {body!r}")
    return list((body.get("_embedded") or {}).get(rel, []))


def get_all(client, rel, page_size=1000):
    """Every item of ``/<rel>``, following the page metadata."""
    items = []
    page = 0
    while True:
        r = client.get(f"/{rel}?page={page}&size={page_size}")
        if r.status != 200:
            raise AssertionError(f"listing {rel} failed: {r.describe()}")
        items += embedded(r.body, rel)
        meta = r.body.get("page") or {}
        total_pages = int(meta.get("totalPages", 1))
        page += 1
        if page >= total_pages:
            return items


def total(client, rel):
    """``page.totalElements`` of ``/<rel>``."""
    r = client.get(f"/{rel}?size=1")
    if r.status != 200:
        raise AssertionError(f"listing {rel} failed: {r.describe()}")
    return int(r.body["page"]["totalElements"])


def totals(client, rels=("books", "payments", "tickets", "reviews", "mypages")):
    return {rel: total(client, rel) for rel in rels}


def find_by_booking(client, rel, booking_id):
    """Items of ``/<rel>/search/findByBookingId?bookingId=N`` as a list.

    Accepts the two shapes Spring Data REST gives a finder (a collection under
    ``_embedded.<rel>``, or a single item) and treats 404 as "none".
    """
    r = client.get(f"/{rel}/search/findByBookingId?bookingId={booking_id}")
    if r.status == 404:
        return []
    if r.status != 200 or not isinstance(r.body, dict):
        raise AssertionError(f"finder failed: {r.describe()}")
    if "_embedded" in r.body or "page" in r.body:
        return embedded(r.body, rel)
    if "id" in r.body:
        return [r.body]
    return []


def one_by_booking(client, rel, booking_id, pred=None, deadline_s=ASYNC_DEADLINE_S, what=None):
    """Poll until exactly one ``rel`` item exists for the booking (and satisfies ``pred``)."""
    def check():
        items = find_by_booking(client, rel, booking_id)
        if len(items) != 1:
            raise AssertionError(f"{len(items)} {rel} for booking {booking_id}: {items}")
        if pred is not None and not pred(items[0]):
            raise AssertionError(f"{rel} of booking {booking_id} is {items[0]}")
        return items[0]
    return poll(check, deadline_s, what or f"one {rel} item for booking {booking_id}")


def status_is(*statuses):
    return lambda item: item.get("status") in statuses


_seat_counter = itertools.count(1)
_seat_lock = threading.Lock()


def fresh_seats(qty):
    """``qty`` seat labels never used before in this test process (letters/digits, <= 8)."""
    with _seat_lock:
        return ",".join(f"S{next(_seat_counter)}" for _ in range(qty))


def booking_payload(qty=2, movie="soul", price=10000, customer="alice", seats=None):
    return {"qty": qty, "movieName": movie, "seat": seats or fresh_seats(qty),
            "totalPrice": price, "customerId": customer}


def book(client, **kw):
    """POST /books with a valid payload (keyword overrides); asserts 201, returns the body."""
    payload = booking_payload(**kw)
    r = client.post("/books", payload)
    if r.status != 201:
        raise AssertionError(f"booking {payload} was not created: {r.describe()}")
    return r.body


def wait_ticket(client, booking_id, status="Waiting", deadline_s=ASYNC_DEADLINE_S):
    return one_by_booking(client, "tickets", booking_id, status_is(status), deadline_s,
                          f"ticket of booking {booking_id} in status {status}")


def wait_mypage(client, booking_id, pred=None, deadline_s=ASYNC_DEADLINE_S, what=None):
    return one_by_booking(client, "mypages", booking_id, pred, deadline_s,
                          what or f"my page row of booking {booking_id}")


def wait_booking_status(client, booking_id, status, deadline_s=ASYNC_DEADLINE_S):
    def check():
        r = client.get(f"/books/{booking_id}")
        if r.status != 200:
            raise AssertionError(r.describe())
        if r.body.get("status") != status:
            raise AssertionError(f"booking {booking_id} status is {r.body.get('status')!r}")
        return r.body
    return poll(check, deadline_s, f"booking {booking_id} in status {status}")


def print_ticket(client, ticket_id):
    return client.patch(f"/tickets/{ticket_id}", {"status": "Printed"})


# --------------------------------------------------------------------------------------------
# test base class
# --------------------------------------------------------------------------------------------

class E2ETestCase(unittest.TestCase):
    """Starts servers for a test (or a class) and dumps their logs when the test fails."""

    maxDiff = 4000
    _class_servers = []

    @classmethod
    def start_class_server(cls, *args, **kw):
        server = Server(*args, **kw)
        cls._class_servers = list(cls._class_servers) + [server]
        try:
            server.start()
        except BaseException:
            sys.stderr.write(f"\n----- log of {server.name} -----\n{server.log_tail()}\n")
            server.cleanup()
            raise
        return server

    @classmethod
    def tearDownClass(cls):
        for server in cls._class_servers:
            server.cleanup()
        cls._class_servers = []

    def start_server(self, *args, **kw):
        """A server for this test only; stopped and removed when the test ends."""
        server = self.new_server(*args, **kw)
        server.start()
        return server

    def new_server(self, *args, **kw):
        """Like start_server, without starting it (e.g. to prepare its Kafka cluster first)."""
        server = Server(*args, **kw)
        self._test_servers.append(server)
        self.addCleanup(server.cleanup)
        return server

    def run(self, result=None):
        self._test_servers = []
        if result is None:
            return super().run(result)
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            if len(result.failures) + len(result.errors) > before:
                for server in self._test_servers + list(type(self)._class_servers):
                    sys.stderr.write(f"\n----- log of {server.name} (failed: {self.id()}) "
                                     f"-----\n{server.log_tail()}\n----- end of log -----\n")
            self._test_servers = []

    # -- assertions --------------------------------------------------------------------------

    def assertStatus(self, resp, status, msg=None):
        expected = status if isinstance(status, (tuple, list, set)) else (status,)
        if resp.status not in expected:
            self.fail(f"expected HTTP {status}, got {resp.describe()}" + (f" ({msg})" if msg else ""))

    def assertProblem(self, resp, status, fields=None, any_field=None):
        """An RFC 9457 problem: status, problem+json, the standard members, and (validation)
        ``errors`` naming ``fields`` (all of them) or ``any_field`` (at least one)."""
        self.assertStatus(resp, status)
        self.assertTrue(resp.content_type.lower().startswith("application/problem+json"),
                        f"problem must be application/problem+json: {resp.describe()}")
        body = resp.body
        self.assertIsInstance(body, dict, resp.describe())
        for member in ("type", "title", "status", "detail", "instance"):
            self.assertIn(member, body, f"problem member {member!r} missing: {resp.describe()}")
        self.assertEqual(body["status"], status, resp.describe())
        self.assertTrue(str(body.get("detail") or "").strip(), f"empty detail: {resp.describe()}")
        if fields or any_field:
            errors = body.get("errors")
            self.assertIsInstance(errors, list, f"validation errors missing: {resp.describe()}")
            named = {e.get("field") for e in errors if isinstance(e, dict)}
            for e in errors:
                self.assertTrue(str(e.get("message") or "").strip(),
                                f"validation error without message: {resp.describe()}")
            for f in fields or ():
                self.assertIn(f, named, f"errors must name {f!r}: {resp.describe()}")
            if any_field:
                self.assertTrue(named & set(any_field),
                                f"errors must name one of {any_field}: {resp.describe()}")
        return body

    def assertSelfLink(self, item, base, path):
        href = ((item.get("_links") or {}).get("self") or {}).get("href")
        self.assertEqual(href, f"{base}{path}", f"_links.self.href of {item}")
