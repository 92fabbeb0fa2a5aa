"""scripts/pg-cluster (issue 12, items 4 and 5): the throw-away PostgreSQL cluster that the
PostgreSQL tests, scripts/cluster and scripts/bench --db postgresql start on loopback.

- start prints a URL that psql (as role mb, database movie_booking) connects to over TCP on
  127.0.0.1 only, and INSERT ... RETURNING works there (the id path issue 12 moves to);
- stop ends the server (the port refuses connections) and keeps the data; start again brings
  it back on the same port with the rows;
- destroy removes the directory and leaves no server listening;
- a directory the postgres user cannot reach (as root) is refused with a clear message; as
  another user, who owns it, it starts.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "pg-cluster")


def run(*args, check=True):
    p = subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=180)
    if check and p.returncode != 0:
        raise AssertionError(f"pg-cluster {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


def psql(url, sql):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"psql {sql!r}: {p.stderr}")
    return p.stdout.strip()


def refuses(port):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


class PgClusterTest(unittest.TestCase):

    def setUp(self):
        # Under /tmp itself (searchable by everyone), not inside a private mktemp -d.
        self.dir = os.path.join(tempfile.gettempdir(), f"mb-pg-test-{os.getpid()}-{id(self)}")
        self.addCleanup(lambda: run("destroy", self.dir, check=False))

    def test_start_connect_stop_restart_destroy(self):
        url = run("start", self.dir, "--fast").stdout.strip()
        parts = urllib.parse.urlsplit(url)
        self.assertEqual((parts.scheme, parts.username, parts.hostname, parts.path),
                         ("postgresql", "mb", "127.0.0.1", "/movie_booking"))
        self.assertEqual(psql(url, "SELECT current_user || ' ' || current_database()"),
                         "mb movie_booking")
        self.assertEqual(psql(url, "SHOW listen_addresses"), "127.0.0.1")
        psql(url, "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT)")
        first = psql(url, "INSERT INTO t (v) VALUES ('a') RETURNING id")
        second = psql(url, "INSERT INTO t (v) VALUES ('b') RETURNING id")
        self.assertLess(int(first), int(second))
        self.assertEqual(run("url", self.dir).stdout.strip(), url)

        run("stop", self.dir)
        self.assertTrue(refuses(parts.port), "stopped, yet the port answers")
        self.assertNotEqual(run("url", self.dir, check=False).returncode, 0)

        again = run("start", self.dir).stdout.strip()
        self.assertEqual(again, url, "a restart keeps its port")
        self.assertEqual(psql(url, "SELECT string_agg(v, ',' ORDER BY id) FROM t"), "a,b")
        self.assertEqual(psql(url, "SHOW fsync"), "on", "--fast is per start, not sticky")

        run("destroy", self.dir)
        self.assertFalse(os.path.exists(self.dir))
        self.assertTrue(refuses(parts.port))

    def test_a_private_directory_is_refused_clearly_as_root_and_works_otherwise(self):
        """As root the server runs as `postgres`, which cannot enter a 0700 directory of root's:
        a clear refusal. As anybody else the server runs as that user, who owns it: it starts."""
        private = tempfile.mkdtemp()  # mode 0700, owned by whoever runs the test
        self.addCleanup(shutil.rmtree, private, True)
        target = os.path.join(private, "pg")
        self.addCleanup(lambda: run("destroy", target, check=False))
        p = run("start", target, "--fast", check=False)
        if os.geteuid() == 0:
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("not reachable by the postgres user", p.stderr)
        else:
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(psql(p.stdout.strip(), "SELECT 1"), "1")

    def test_bad_usage_exits_non_zero_with_a_message(self):
        for args in ((), ("launch", self.dir), ("start",), ("start", self.dir, "--bogus")):
            p = run(*args, check=False)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertTrue(p.stderr.strip(), f"no message for {args}")


if __name__ == "__main__":
    unittest.main()
