"""Configuration from flags, environment and file, with the documented precedence.

ARCHITECTURE.md, "Configuration": "CLI11: flags > environment (MOVIE_...) > TOML file
(config/movie-booking.toml) > built-in defaults. --print-config shows the effective
configuration." MISSION.md checkpoints: "configuration from file and environment".
"""

import os
import re
import socket
import subprocess
import tempfile
import unittest

from harness import E2ETestCase, binary_path, clean_env


def run_binary(args, env=None, timeout_s=20, stdout_only=False):
    """Run the binary to completion; returns (exit code, stdout+stderr or stdout only)."""
    proc = subprocess.run([binary_path()] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=clean_env(env), timeout=timeout_s)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or not stdout_only:
        out = out + err
    return proc.returncode, out


PORT_LINE = re.compile(r"^\s*port\s*=\s*(\d+)\s*$", re.MULTILINE)


class ConfigTest(E2ETestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mb-e2e-config-")
        self.addCleanup(self.tmp.cleanup)
        self.data_dir = os.path.join(self.tmp.name, "data")

    def print_config(self, args=(), env=None):
        """stdout of --print-config (the TOML), asserting exit code 0."""
        code, out = run_binary(["--print-config"] + list(args), env, stdout_only=True)
        self.assertEqual(code, 0, f"--print-config failed:\n{out}")
        return out

    def port_in(self, out):
        ports = PORT_LINE.findall(out)
        self.assertEqual(len(ports), 1, f"expected exactly one 'port = N' line in:\n{out}")
        return int(ports[0])

    def test_print_config_shows_effective_values(self):
        """ARCHITECTURE.md "Configuration": --print-config prints the effective configuration
        as TOML and exits 0 -- including the port and data directory given as flags, and the
        built-in defaults (decline limit 1000000, review deadline 610 ms)."""
        out = self.print_config(["--port", "12345", "--data-dir", self.data_dir])
        self.assertEqual(self.port_in(out), 12345)
        self.assertIn(self.data_dir, out)
        self.assertIn("1000000", out, "default payment decline limit")
        self.assertIn("610", out, "default review deadline (ms)")

    def test_flag_beats_env(self):
        """ARCHITECTURE.md "Configuration": MOVIE_PORT / MOVIE_DATA_DIR are used when no flag is
        given; a flag wins over the environment."""
        env = {"MOVIE_PORT": "23456", "MOVIE_DATA_DIR": self.data_dir}
        out = self.print_config(env=env)
        self.assertEqual(self.port_in(out), 23456)
        self.assertIn(self.data_dir, out)

        other_dir = os.path.join(self.tmp.name, "flag-dir")
        out = self.print_config(["--port", "34567", "--data-dir", other_dir], env=env)
        self.assertEqual(self.port_in(out), 34567)
        self.assertIn(other_dir, out)
        self.assertNotIn(self.data_dir + "\"", out)
        self.assertNotIn("23456", out)

        out = self.print_config(["--payment-decline-above", "777"],
                                env={"MOVIE_PAYMENT_DECLINE_ABOVE": "888"})
        self.assertIn("777", out)
        self.assertNotIn("888", out)

    def test_config_file_round_trip_and_precedence(self):
        """ARCHITECTURE.md "Configuration": the printed configuration is a valid --config file;
        a value from the file is used, the environment beats the file, a flag beats both."""
        out = self.print_config(["--data-dir", self.data_dir])
        self.port_in(out)
        path = os.path.join(self.tmp.name, "movie-booking.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(PORT_LINE.sub("port = 45678", out))
        self.assertEqual(self.port_in(self.print_config(["--config", path])), 45678)
        self.assertEqual(self.port_in(self.print_config(["--config", path],
                                                        env={"MOVIE_PORT": "45679"})), 45679)
        self.assertEqual(self.port_in(self.print_config(["--config", path, "--port", "45680"],
                                                        env={"MOVIE_PORT": "45679"})), 45680)

    def test_env_port_is_used_by_the_server(self):
        """ARCHITECTURE.md "Configuration": the running server listens where MOVIE_PORT says
        when no --port flag is given, and --port wins over MOVIE_PORT."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free = s.getsockname()[1]
        server = self.start_server(env={"MOVIE_PORT": str(free)}, port_flag=False)
        self.assertEqual(server.port, free)
        self.assertStatus(server.client().get("/actuator/health"), 200)
        server.stop()

        server = self.start_server(env={"MOVIE_PORT": str(free)})  # with --port 0
        self.assertNotEqual(server.port, free)
        self.assertStatus(server.client().get("/actuator/health"), 200)

    def test_bad_command_lines_fail(self):
        """ARCHITECTURE.md "Configuration" (CLI11): an unknown flag or an invalid value ends
        the process with a non-zero exit code and a message naming the problem."""
        code, out = run_binary(["--bogus-flag", "--data-dir", self.data_dir])
        self.assertNotEqual(code, 0, out)
        self.assertIn("bogus-flag", out)
        code, out = run_binary(["--port", "not-a-port", "--data-dir", self.data_dir])
        self.assertNotEqual(code, 0, out)
        self.assertIn("port", out.lower())
        code, out = run_binary(["--config", os.path.join(self.tmp.name, "missing.toml"),
                                "--data-dir", self.data_dir])
        self.assertNotEqual(code, 0, out)

    def write_toml(self, text):
        path = os.path.join(self.tmp.name, "strict.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def assert_refused(self, args, env, *names):
        """README "Configuration": exit code 2 and a message naming each of `names`."""
        code, out = run_binary(list(args) + ["--data-dir", self.data_dir], env)
        self.assertEqual(code, 2, out)
        for name in names:
            self.assertIn(name, out)
        self.assertNotIn("listening on", out)
        return out

    def test_unknown_toml_key_stops_start_up(self):
        """Issue 11: an unknown key in the TOML file is refused, not ignored."""
        path = self.write_toml("port = 0\nbody-limt = 4096\n")
        out = self.assert_refused(["--config", path], None, "body-limt", path)
        self.assertIn("unknown key", out)

    def test_unknown_movie_variable_stops_start_up(self):
        """Issue 11: a MOVIE_* variable that names no setting is a typo, refused with its name;
        MOVIE_JWT_SECRET (no flag, on purpose) is known."""
        out = self.assert_refused([], {"MOVIE_PROT": "8080"}, "MOVIE_PROT", "environment")
        self.assertIn("unknown variable", out)
        code, out = run_binary(["--print-config"], {"MOVIE_JWT_SECRET": "x" * 40})
        self.assertEqual(code, 0, out)

    def test_bad_values_name_the_key_and_its_source(self):
        """Issue 11: out of range, wrong type, bad enum -> exit 2 naming the key and where it
        came from (command line, environment, file)."""
        self.assert_refused([], {"MOVIE_PORT": "70000"}, "MOVIE_PORT", "environment")
        self.assert_refused([], {"MOVIE_THREADS": "many"}, "MOVIE_THREADS", "environment")
        self.assert_refused([], {"MOVIE_LOG_FORMAT": "xml"}, "MOVIE_LOG_FORMAT")
        self.assert_refused(["--access-log", "sample:0"], None, "--access-log", "command line")
        self.assert_refused(["--bus", "carrier-pigeon"], None, "--bus")
        for line, key in (("port = 70000", "port"), ('log-format = "xml"', "log-format"),
                          ('threads = "many"', "threads"), ("breaker-failure-rate = 2.5",
                                                            "breaker-failure-rate")):
            path = self.write_toml(line + "\n")
            self.assert_refused(["--config", path], None, key, "config file " + path)

    def test_check_config(self):
        """`movie-booking check-config --config FILE`: 0 + "ok" for a good configuration
        (file and environment), 2 + the messages for a bad one; never starts a server."""
        good = self.write_toml('port = 0\nauth = "off"\naddress = "127.0.0.1"\n')
        code, out = run_binary(["check-config", "--config", good])
        self.assertEqual((code, out.strip()), (0, "ok"))
        code, out = run_binary(["check-config", "--config", good], {"MOVIE_PORTT": "1"})
        self.assertEqual(code, 2, out)
        self.assertIn("MOVIE_PORTT", out)
        bad = self.write_toml("port = 0\nmax-bach = 10\n")
        code, out = run_binary(["check-config", "--config", bad])
        self.assertEqual(code, 2, out)
        self.assertIn("max-bach", out)
        # Settings that are fine alone but not together (auth = jwt without a key).
        keyless = self.write_toml('auth = "jwt"\n')
        code, out = run_binary(["check-config", "--config", keyless])
        self.assertEqual(code, 2, out)
        self.assertIn("needs a key", out)

    def test_print_config_redacts_the_secret(self):
        """Issue 11: --print-config never prints the HS256 secret (only that one is set)."""
        secret = "s3cr3t-" + "z" * 40
        out = self.print_config(env={"MOVIE_JWT_SECRET": secret})
        self.assertNotIn(secret, out)
        self.assertIn("MOVIE_JWT_SECRET=<redacted>", out)
        path = os.path.join(self.tmp.name, "secret")
        with open(path, "w", encoding="utf-8") as f:
            f.write(secret)
        os.chmod(path, 0o600)
        out = self.print_config(["--jwt-secret-file", path])
        self.assertNotIn(secret, out)
        self.assertIn(path, out)

    def test_sigterm_stops_cleanly(self):
        """ARCHITECTURE.md "Threads" / seed zero-downtime redeploys: SIGTERM ends the server
        promptly (within 10 s, no SIGKILL needed) with exit code 0."""
        server = self.start_server()
        self.assertStatus(server.client().get("/actuator/health"), 200)
        code = server.stop()
        self.assertEqual(code, 0, server.log_tail(50))


if __name__ == "__main__":
    unittest.main()


class DocumentedSettingsTest(unittest.TestCase):
    """Docs that code can check, code checks: the README's settings tables and the example
    TOML file list every setting the binary has, with the binary's own defaults."""

    ROOT = os.path.join(os.path.dirname(__file__), "..", "..")

    def effective(self):
        code, out = run_binary(["--print-config"], stdout_only=True)
        self.assertEqual(code, 0, out)
        values = {}
        for line in out.splitlines():
            m = re.match(r'^#?\s*([a-z][a-z0-9-]*)\s*=\s*(.*)$', line)
            if m and not line.startswith("# environment"):
                values[m.group(1)] = m.group(2).strip().strip('"')
        self.assertIn("port", values)
        return values

    def readme_rows(self, with_defaults=False):
        """Rows of the README's tables that start with a flag; with_defaults: only tables
        whose second column is "default"."""
        rows, header = [], ""
        with open(os.path.join(self.ROOT, "README.md"), encoding="utf-8") as f:
            for line in f:
                if not line.startswith("|"):
                    header = ""
                elif not header:
                    header = line
                elif re.match(r"^\| `--[a-z]", line):
                    cells = [c.strip() for c in header.split("|")]
                    if not with_defaults or (len(cells) > 2 and cells[2] == "default"):
                        rows.append(line)
        return rows

    def test_readme_lists_every_setting(self):
        documented = set()
        for row in self.readme_rows():
            documented |= set(re.findall(r"`--([a-z][a-z0-9-]*)", row.split("|")[1]))
        missing = sorted(set(self.effective()) - documented - {"config"})
        self.assertEqual(missing, [], "settings without a README row")

    def test_readme_defaults_are_the_binarys(self):
        """Where a row gives one default per flag, each is the value --print-config shows."""
        values = self.effective()
        checked = 0
        for row in self.readme_rows(with_defaults=True):
            cells = row.split("|")
            flags = re.findall(r"`--([a-z][a-z0-9-]*)", cells[1])
            defaults = re.findall(r"`([^`]*)`", cells[2])
            if not flags or len(defaults) != len(flags):
                continue
            for flag, default in zip(flags, defaults):
                if flag in values and re.fullmatch(r"[0-9.]+|[a-z]+", default):
                    checked += 1
                    self.assertEqual(values[flag].strip('"'), default, f"--{flag} in README")
        self.assertGreater(checked, 20)

    def test_example_toml_lists_every_setting(self):
        with open(os.path.join(self.ROOT, "config", "movie-booking.toml"), encoding="utf-8") as f:
            text = f.read()
        listed = set(re.findall(r"^#\s*([a-z][a-z0-9-]*)=", text, re.MULTILINE))
        missing = sorted(set(self.effective()) - listed - {"config"})
        self.assertEqual(missing, [], "settings missing in config/movie-booking.toml")
