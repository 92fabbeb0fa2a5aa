"""JWTs made independently of the server's JWT library, for the security tests.

Python's standard library signs HS256 (hmac); RS256 is signed by the ``openssl`` command line
tool over a key pair it generates. Attack tokens (``alg: none``, a tampered payload, an HS256
token keyed with the RS256 public key) are built byte by byte.
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def claims(sub, roles=("customer",), iss=None, aud=None, ttl_s=3600, now=None, **extra):
    """A claims set: sub, roles, iat/nbf = now, exp = now + ttl_s, iss/aud when given."""
    now = int(time.time()) if now is None else int(now)
    c = {"sub": sub, "roles": list(roles), "iat": now, "nbf": now, "exp": now + ttl_s}
    if iss is not None:
        c["iss"] = iss
    if aud is not None:
        c["aud"] = aud
    c.update(extra)
    return c


def hs256(secret, payload, header=None):
    """A compact JWS signed with HMAC-SHA256 keyed by ``secret`` (bytes or str)."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    signing_input = _segment(header or {"alg": "HS256", "typ": "JWT"}) + "." + _segment(payload)
    mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def unsigned(payload):
    """``alg: none`` with an empty signature (RFC 7519 §6: must be refused)."""
    return _segment({"alg": "none", "typ": "JWT"}) + "." + _segment(payload) + "."


def tampered(token, **changes):
    """``token`` with claims changed in its payload and its original signature kept."""
    header, payload, signature = token.split(".")
    padded = payload + "=" * (-len(payload) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded))
    data.update(changes)
    return header + "." + _segment(data) + "." + signature


class RsaKeyPair:
    """An RSA-2048 key pair in a temporary directory, made and used by ``openssl``."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="mb-keys-")
        self.private_key = os.path.join(self._dir.name, "private.pem")
        self.public_key = os.path.join(self._dir.name, "public.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", self.private_key],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", self.private_key, "-pubout", "-out",
                        self.public_key], check=True, capture_output=True)
        with open(self.public_key, "rb") as f:
            self.public_pem = f.read()

    def rs256(self, payload, kid=None):
        header = {"alg": "RS256", "typ": "JWT"}
        if kid is not None:
            header["kid"] = kid
        signing_input = _segment(header) + "." + _segment(payload)
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.private_key],
                                   input=signing_input.encode("ascii"), check=True,
                                   capture_output=True).stdout
        return signing_input + "." + b64url(signature)

    def cleanup(self):
        self._dir.cleanup()
