# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""How Python values travel as broker payloads: bytes plus a declared content type.

The broker never decodes payloads; readers in any language decode them by their content type.
The default serializer, ``"json"``, sends ``str`` as ``text/plain; charset=utf-8`` and ``bytes``
as ``application/octet-stream`` (so that a Java or Node reader needs no JSON parser for them) and
everything else as ``application/json``. ``"pickle"`` must be chosen explicitly, on the writing
and on the reading side: unpickling runs code of the writer's choosing, so a reader decodes
``application/x-python-pickle`` only when it was given ``serializer="pickle"``.
"""
import json
import pickle

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
BYTES = "application/octet-stream"
PICKLE = "application/x-python-pickle"

SERIALIZERS = ("json", "pickle")


class DecodeError(ValueError):
    """A payload could not be decoded (bad JSON, pickle not allowed, bad UTF-8)."""


def check_serializer(serializer):
    if serializer not in SERIALIZERS:
        raise ValueError("serializer must be one of %s, not %r" % (SERIALIZERS, serializer))
    return serializer


def encode(value, serializer="json"):
    """(data, content_type) for ``value``."""
    if serializer == "pickle":
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), PICKLE
    if isinstance(value, str):
        return value.encode("utf-8"), TEXT
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), BYTES
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode("utf-8"), JSON
    except (TypeError, ValueError) as e:
        raise TypeError(
            "%s is not JSON serializable; use serializer='pickle' to send Python objects"
            % type(value).__name__
        ) from e


def decode(data, content_type, serializer="json"):
    """The value a payload stands for, by its content type."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        if base == "application/json" or base.endswith("+json"):
            return json.loads(data.decode("utf-8"))
        if base.startswith("text/"):
            return data.decode("utf-8")
        if base == PICKLE:
            if serializer != "pickle":
                raise DecodeError(
                    "the item is a Python pickle; open this object with serializer='pickle' to "
                    "accept pickles"
                )
            return pickle.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DecodeError("payload is not valid %s: %s" % (base, e)) from e
    # application/octet-stream, protobuf and anything unknown: the raw bytes.
    return bytes(data)
