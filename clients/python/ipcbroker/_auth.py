# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Signs every call with the broker's token; the token itself is never sent.

The broker (``--auth-token-file``) accepts ``authorization: IPCB1-HMAC-SHA256 TS.NONCE.SIG``,
where ``SIG`` is ``HMAC-SHA256(token, "IPCB1\\n" + TS + "\\n" + NONCE + "\\n" + method)`` over
the time in Unix milliseconds, 16 random bytes and the call's full method name without its
leading slash, both base64url without padding. Each signature is accepted once, within a minute
of the broker's clock (see the README's "Security").
"""
import base64
import hashlib
import hmac
import os
import secrets
import time
from collections import namedtuple

import grpc

ENV_TOKEN = "IPCBROKER_TOKEN"
ENV_TLS_CA = "IPCBROKER_TLS_CA"
SCHEME = "IPCB1-HMAC-SHA256"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def authorization(token, method):
    """The ``authorization`` value of one call of ``method`` (``/pkg.Service/Method``)."""
    ts = str(int(time.time() * 1000))
    nonce = _b64(secrets.token_bytes(16))
    signed = "IPCB1\n%s\n%s\n%s" % (ts, nonce, method.lstrip("/"))
    sig = hmac.new(token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).digest()
    return "%s %s.%s.%s" % (SCHEME, ts, nonce, _b64(sig))


class _Details(
    namedtuple(
        "_Details",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class Signer(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """A channel interceptor that adds a fresh signature to each call."""

    def __init__(self, token):
        if not token:
            raise ValueError("the token is empty")
        self._token = token

    def _sign(self, details):
        metadata = list(details.metadata or ())
        metadata.append(("authorization", authorization(self._token, details.method)))
        return _Details(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._sign(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._sign(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._sign(details), request_iterator)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._sign(details), request_iterator)


def open_channel(target, options, token=None, tls_ca=None, client_cert=None, client_key=None):
    """A channel to ``target``: TLS when a CA file is given (argument, else ``IPCBROKER_TLS_CA``),
    signing each call when a token is (argument, else ``IPCBROKER_TOKEN``). Returns
    ``(channel_for_stubs, channel_to_close)``."""
    if bool(client_cert) != bool(client_key):
        raise ValueError("client_cert and client_key go together")
    token = token if token is not None else os.environ.get(ENV_TOKEN, "")
    tls_ca = tls_ca if tls_ca is not None else os.environ.get(ENV_TLS_CA, "")
    if tls_ca:
        def read(path):
            if not path:
                return None
            with open(path, "rb") as f:
                return f.read()

        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(tls_ca),
            private_key=read(client_key),
            certificate_chain=read(client_cert),
        )
        raw = grpc.secure_channel(target, credentials, options=options)
    elif client_cert or client_key:
        raise ValueError("a client certificate needs tls_ca")
    else:
        raw = grpc.insecure_channel(target, options=options)
    if token:
        return grpc.intercept_channel(raw, Signer(token)), raw
    return raw, raw
