# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""The broker's token from Python: the signature as the README specifies it, and a broker started
with --auth-token-file that lets signed calls in and refuses the others with their reasons."""
import base64
import hashlib
import hmac
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import grpc

import support
from ipcbroker import BrokerError, Manager, Queue, _auth
from ipcbroker._broker import Broker

TOKEN = "python-token-0123456789"


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignatureTest(unittest.TestCase):
    def test_the_value_follows_the_scheme(self):
        before = int(time.time() * 1000)
        value = _auth.authorization(TOKEN, "/ipcbroker.v1.QueueService/PutItem")
        scheme, rest = value.split(" ")
        self.assertEqual(scheme, "IPCB1-HMAC-SHA256")
        ts, nonce, sig = rest.split(".")
        self.assertGreaterEqual(int(ts), before)
        self.assertLessEqual(int(ts), int(time.time() * 1000))
        self.assertEqual(len(_unb64(nonce)), 16)
        signed = "IPCB1\n%s\n%s\nipcbroker.v1.QueueService/PutItem" % (ts, nonce)
        expected = hmac.new(TOKEN.encode(), signed.encode(), hashlib.sha256).digest()
        self.assertEqual(_unb64(sig), expected)
        self.assertNotIn(TOKEN, value)

    def test_each_call_gets_a_new_nonce(self):
        a = _auth.authorization(TOKEN, "/m")
        b = _auth.authorization(TOKEN, "/m")
        self.assertNotEqual(a.split(".")[1], b.split(".")[1])


@unittest.skipUnless(os.path.exists(support.BROKER_JAR), "the broker jar is not built")
class TokenBrokerTest(support.BrokerTestCase):
    @classmethod
    def setUpClass(cls):
        directory = tempfile.mkdtemp(prefix="ipcbroker-auth-")
        token_file = os.path.join(directory, "token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(TOKEN + "\n")
        cls.token_target = support.start_broker("--auth-token-file", token_file)

    def test_signed_calls_get_in(self):
        broker = Broker(self.token_target, token=TOKEN)
        self.addCleanup(broker.close)
        had = os.environ.get("IPCBROKER_TOKEN")
        self.addCleanup(
            lambda: os.environ.pop("IPCBROKER_TOKEN", None)
            if had is None
            else os.environ.__setitem__("IPCBROKER_TOKEN", had)
        )
        manager = Manager(address=self.token_target, authkey=TOKEN.encode())
        manager.start()
        # Starting it published the token for the processes this program starts next.
        self.assertEqual(os.environ.get("IPCBROKER_TOKEN"), had or TOKEN)
        self.addCleanup(manager.shutdown)
        q = manager.Queue()
        q.put("signed")
        self.assertEqual(q.get(timeout=10), "signed")

    def test_no_token_is_missing_and_a_wrong_one_invalid(self):
        with self.assertRaises(BrokerError) as missing:
            Broker(self.token_target, token="", connect_timeout=10)
        self.assertEqual(missing.exception.code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(missing.exception.reason, "TOKEN_MISSING")
        with self.assertRaises(BrokerError) as wrong:
            Broker(self.token_target, token="another-token-0123456789", connect_timeout=10)
        self.assertEqual(wrong.exception.code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(wrong.exception.reason, "TOKEN_INVALID")


def _openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_certificates():
    """A directory with a CA (ca.pem), a server certificate for localhost and 127.0.0.1
    (server.pem, server.key) and a client certificate (client.pem, client.key), all made now."""
    d = tempfile.mkdtemp(prefix="ipcbroker-tls-")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
             "-subj", "/CN=ipcbroker test CA", cwd=d)
    with open(os.path.join(d, "san.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    with open(os.path.join(d, "client.cnf"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name, cn, ext in (("server", "localhost", "san.cnf"), ("client", "worker", "client.cnf")):
        _openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                 "-subj", "/CN=" + cn, cwd=d)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", name + ".pem", "-days", "1", "-extfile", ext, cwd=d)
    return d


@unittest.skipUnless(os.path.exists(support.BROKER_JAR), "the broker jar is not built")
@unittest.skipUnless(shutil.which("openssl"), "openssl makes the test certificates")
class TlsBrokerTest(support.BrokerTestCase):
    """A broker serving TLS with a CA and certificates made at run time (no key is committed)."""

    @classmethod
    def setUpClass(cls):
        d = _make_certificates()
        cls.ca = os.path.join(d, "ca.pem")
        address = support.start_broker(
            "--tls-cert", os.path.join(d, "server.pem"), "--tls-key", os.path.join(d, "server.key")
        )
        cls.tls_target = "localhost:" + address.rsplit(":", 1)[1]

    def test_a_client_that_trusts_the_ca_gets_in(self):
        broker = Broker(self.tls_target, tls_ca=self.ca)
        self.addCleanup(broker.close)
        q = Queue(support.unique("tls"), broker=broker)
        self.addCleanup(support.quiet_delete, q)
        q.put("over tls")
        self.assertEqual(q.get(timeout=10), "over tls")

    def test_a_plaintext_client_cannot_connect(self):
        with self.assertRaises(BrokerError) as e:
            Broker(self.tls_target, tls_ca="", connect_timeout=3)
        # It waits for a connection that never becomes ready (wait_for_ready) until its timeout.
        self.assertIn(
            e.exception.code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        )

    def test_half_a_client_key_pair_is_refused(self):
        with self.assertRaises(ValueError):
            Broker(self.tls_target, tls_ca=self.ca, client_cert=self.ca)


@unittest.skipUnless(os.path.exists(support.BROKER_JAR), "the broker jar is not built")
@unittest.skipUnless(shutil.which("openssl"), "openssl makes the test certificates")
class MutualTlsBrokerTest(support.BrokerTestCase):
    """A broker that requires client certificates (--tls-client-ca)."""

    @classmethod
    def setUpClass(cls):
        d = _make_certificates()
        cls.dir = d
        cls.ca = os.path.join(d, "ca.pem")
        address = support.start_broker(
            "--tls-cert", os.path.join(d, "server.pem"), "--tls-key", os.path.join(d, "server.key"),
            "--tls-client-ca", cls.ca,
        )
        cls.tls_target = "localhost:" + address.rsplit(":", 1)[1]

    def test_a_client_with_a_certificate_gets_in(self):
        broker = Broker(
            self.tls_target,
            tls_ca=self.ca,
            client_cert=os.path.join(self.dir, "client.pem"),
            client_key=os.path.join(self.dir, "client.key"),
        )
        self.addCleanup(broker.close)
        q = Queue(support.unique("mtls"), broker=broker)
        self.addCleanup(support.quiet_delete, q)
        q.put("over mutual tls")
        self.assertEqual(q.get(timeout=10), "over mutual tls")

    def test_a_client_without_a_certificate_cannot_connect(self):
        with self.assertRaises(BrokerError) as e:
            Broker(self.tls_target, tls_ca=self.ca, connect_timeout=3)
        # The handshake fails, so the channel never becomes ready (wait_for_ready).
        self.assertIn(
            e.exception.code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        )


if __name__ == "__main__":
    unittest.main()
