"""The web page served by the binary (README "Web page"), on a real server over raw sockets.

Contract: ``/`` and the files of the web root (the shipped ``web/`` by default, ``--web-root DIR``
otherwise, ``--web-root none`` for none) on the API's own port; GET and HEAD with a strong
ETag from the content (If-None-Match → 304), Cache-Control (``no-cache`` for HTML, longer for
other assets), the right Content-Type, a Content-Security-Policy without ``unsafe-inline`` and
``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``. No path leaves the root: ``..``
(plain or ``%2e%2e``), ``%2f``, ``%5c``, NUL, ``//`` → 400; absolute paths, hidden files,
symlinks out of the root, FIFOs → 404; all problem+json. API routes keep priority: an unknown
API path is still a problem+json 404, never index.html.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from harness import AUTH_OFF_ARGS, DEADLINE_SCALE, E2ETestCase, binary_path, clean_env

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def request(port, target, method="GET", headers=None):
    """One raw request (the target sent byte for byte): (status, headers, body)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        deadline = time.monotonic() + 10 * DEADLINE_SCALE
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    parsed = {}
    for field in fields:
        name, _, value = field.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), parsed, body


class WebRootTest(E2ETestCase):
    """A web root of our own: known files, a symlink out, a FIFO, a hidden file."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="mb-web-")
        root = os.path.join(cls.base, "web")
        os.makedirs(os.path.join(root, "js"))
        cls.files = {
            "index.html": b"<!doctype html><title>ours</title><script type=module src=js/app.js></script>",
            "js/app.js": b"export const answer = 42;\n",
            "style.css": b"body { margin: 0 }\n",
            "app.0123abcd.js": b"// hashed\n",
            ".secret": b"hidden",
        }
        for name, content in cls.files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(content)
        with open(os.path.join(cls.base, "outside.txt"), "wb") as f:
            f.write(b"outside the root")
        os.symlink(os.path.join(cls.base, "outside.txt"), os.path.join(root, "leak.txt"))
        os.mkfifo(os.path.join(root, "pipe.js"))
        cls.server = cls.start_class_server(["--web-root", root])
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.base, ignore_errors=True)

    def assert_problem(self, target, status, method="GET"):
        got, headers, body = request(self.port, target, method)
        self.assertEqual(got, status, f"{method} {target}: {body[:300]!r}")
        self.assertEqual(headers["content-type"], "application/problem+json", target)
        problem = json.loads(body)
        self.assertEqual(problem["status"], status)
        self.assertNotIn(b"outside the root", body)
        self.assertNotIn(b"root:", body)
        return problem

    def test_index_and_assets_with_their_headers(self):
        status, headers, body = request(self.port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(body, self.files["index.html"])
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["cache-control"], "no-cache")
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        csp = headers["content-security-policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(headers["x-frame-options"], "DENY")
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
            readme = " ".join(f.read().split())
        self.assertIn(f"`Content-Security-Policy: {csp}`", readme, "README states the CSP sent")
        self.assertRegex(headers["etag"], r'^"[0-9a-f]{32}"$')  # strong: no W/

        status, headers, body = request(self.port, "/js/app.js")
        self.assertEqual((status, body), (200, self.files["js/app.js"]))
        self.assertEqual(headers["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(headers["cache-control"], "public, max-age=300")
        self.assertEqual(request(self.port, "/style.css")[1]["content-type"],
                         "text/css; charset=utf-8")
        self.assertEqual(request(self.port, "/app.0123abcd.js")[1]["cache-control"],
                         "public, max-age=31536000, immutable")

    def test_etag_revalidation_and_head(self):
        _, headers, _ = request(self.port, "/index.html")
        etag = headers["etag"]
        status, again, body = request(self.port, "/", headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(again["etag"], etag)
        self.assertEqual(request(self.port, "/", headers={"If-None-Match": '"stale"'})[0], 200)
        # The other file has another tag.
        self.assertNotEqual(request(self.port, "/js/app.js")[1]["etag"], etag)

        status, head, body = request(self.port, "/", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(head["etag"], etag)
        self.assertEqual(int(head["content-length"]), len(self.files["index.html"]))

    def test_no_path_leaves_the_root(self):
        for target in ("/../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E/%2e%2e/etc/passwd",
                       "/js/..%2f..%2foutside.txt", "/js%2fapp.js", "/..%5coutside.txt",
                       "/index.html%00.png", "//etc/passwd", "/js/./app.js"):
            self.assert_problem(target, 400)
        for target in ("/etc/passwd", "/leak.txt", "/pipe.js", "/.secret", "/js",
                       "/missing.js", "/" + "a" * 300):
            self.assert_problem(target, 404)

    def test_api_routes_keep_priority(self):
        status, headers, body = request(self.port, "/books")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/hal+json")
        # An unknown path under an API resource: its 404 problem, not the page.
        problem = self.assert_problem("/books/1/nothing", 404)
        self.assertEqual(problem["instance"], "/books/1/nothing")
        self.assert_problem("/actuator/nothing", 404)
        # A wrong method on an API path is still the API's 405.
        status, headers, _ = request(self.port, "/books", method="PUT")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["allow"])
        # A wrong method on a file.
        status, headers, _ = request(self.port, "/index.html", method="DELETE")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD, OPTIONS")
        status, headers, _ = request(self.port, "/index.html", method="OPTIONS")
        self.assertEqual((status, headers["allow"]), (204, "GET, HEAD, OPTIONS"))

    def test_a_file_changed_on_disk_is_served_with_a_new_etag(self):
        path = os.path.join(self.base, "web", "changing.js")
        with open(path, "wb") as f:
            f.write(b"// one\n")
        first = request(self.port, "/changing.js")[1]["etag"]
        with open(path, "wb") as f:
            f.write(b"// two\n")
        status, headers, body = request(self.port, "/changing.js", headers={"If-None-Match": first})
        self.assertEqual((status, body), (200, b"// two\n"))
        self.assertNotEqual(headers["etag"], first)


class ShippedWebPageTest(E2ETestCase):
    """Without --web-root the repository's web/ is served; --web-root none serves nothing;
    a --web-root that is not a directory stops the start (exit 2)."""

    def test_the_shipped_page_by_default(self):
        server = self.start_server()
        status, headers, body = request(server.port, "/")
        self.assertEqual(status, 200)
        with open(os.path.join(REPO, "web", "index.html"), "rb") as f:
            self.assertEqual(body, f.read())
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")

    def test_none_serves_no_page(self):
        server = self.start_server(["--web-root", "none"])
        status, headers, _ = request(server.port, "/")
        self.assertEqual(status, 404)
        self.assertEqual(headers["content-type"], "application/problem+json")

    def test_a_missing_directory_stops_the_start(self):
        data_dir = tempfile.mkdtemp(prefix="mb-web-")
        try:
            done = subprocess.run(
                [binary_path(), "--port", "0", "--address", "127.0.0.1", "--data-dir", data_dir,
                 "--log-format", "text", *AUTH_OFF_ARGS, "--web-root", "/nonexistent/web"],
                env=clean_env(), stdin=subprocess.DEVNULL, capture_output=True,
                timeout=30 * DEADLINE_SCALE)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        self.assertEqual(done.returncode, 2, output)
        self.assertIn("--web-root /nonexistent/web", output)

if __name__ == "__main__":
    unittest.main()
