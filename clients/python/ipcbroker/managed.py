# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``DictProxy``, ``ListProxy`` and ``Namespace``: the containers a ``Manager`` serves, held by
the broker under a name, with the API of CPython's proxies.

Every method is one atomic call on the broker (``update``, ``extend`` and ``clear`` included),
except where noted: reads that walk the whole container (iteration, ``keys()``, ``copy()``,
``index``, ``count``, ``in`` on a list) fetch it a page at a time, and, as the broker's paging
promises, see every element present throughout exactly once, without a ``RuntimeError`` if it
changes meanwhile. Values are copied, as with CPython's proxies: mutating a value read from the
container changes nothing until it is written back.

Values are encoded by the ``serializer`` (JSON by default, pickle only when asked, see
``ipcbroker._codec``). Dict keys are strings (the broker's keys, shared with every language): a
write with another key type raises ``TypeError``, a lookup of one finds nothing.

Not provided, because the broker has no atomic form for them and a read-modify-write from here
could lose or corrupt a concurrent change: ``ListProxy.remove``, ``reverse``, ``sort``, ``*=``, and
slice assignment and deletion (they raise ``NotImplementedError``).
"""
import operator
import sys

from . import _stubs
from ._codec import check_serializer, decode, encode
from ._handle import Handle, fresh_name, resolve

__all__ = ["DictProxy", "ListProxy", "Namespace"]

_dpb = _stubs.dicts
_lpb = _stubs.lists
_payload = _stubs.payload

# Entries per page of a dict listing: the broker's maximum (it also stops a page early by bytes).
_PAGE_SIZE = 1000

_INT64_MAX = (1 << 63) - 1


class _Missing:
    """The key is absent (for ``DictProxy.compare_and_set``)."""

    def __repr__(self):
        return "MISSING"

    def __reduce__(self):
        return "MISSING"


MISSING = _Missing()

_NO_DEFAULT = object()


class _Container(Handle):
    """What the three share: the serializer and payload coding."""

    def _encode(self, value):
        data, content_type = encode(value, self._serializer)
        return _payload.Payload(data=data, content_type=content_type)

    def _decode(self, payload):
        return decode(payload.data, payload.content_type, self._serializer)

    def _state(self):
        return (self._name, self._serializer)

    def _restore(self, state):
        self._name, self._serializer = state


def _write_key(key):
    if not isinstance(key, str):
        raise TypeError(
            "a broker dict's keys are str (shared with every language), not %s"
            % type(key).__name__
        )
    return key


def _read_key(key):
    """The key to look up, or None for one that cannot be in a broker dict."""
    hash(key)  # TypeError for an unhashable key, as a dict raises it
    return key if isinstance(key, str) else None


class DictProxy(_Container):
    """A named dict on the broker (the ``dict`` a ``Manager`` serves).

    ``DictProxy(name, initial)`` creates the dict, filled from ``initial`` (a mapping or pairs),
    or opens the existing one of that name (then ``initial`` is ignored). ``name=None`` makes a
    fresh name; ``create=False`` only opens it (``NotFoundError`` if there is none). Missing keys
    raise ``KeyError`` (``reason == "KEY_NOT_FOUND"``).
    """

    MISSING = MISSING

    def __init__(self, name=None, initial=None, *, broker=None, serializer="json", create=True):
        self._broker = resolve(broker)
        self._serializer = check_serializer(serializer)
        self._name = name or fresh_name("dict")
        if create:
            created = self._broker.call(
                self._broker.dicts.CreateDict,
                _dpb.CreateDictRequest(name=self._name, allow_existing=True),
            ).created
            if created and initial:
                self.update(initial)
        else:
            self._broker.call(
                self._broker.dicts.DescribeDict, _dpb.DescribeDictRequest(name=self._name)
            )

    # -- single keys ------------------------------------------------------------------------

    def __getitem__(self, key):
        wire = _read_key(key)
        if wire is None:
            raise KeyError(key)
        response = self._broker.call(
            self._broker.dicts.GetDictItem, _dpb.GetDictItemRequest(name=self._name, key=wire)
        )
        return self._decode(response.value)

    def get(self, key, default=None):
        """The value of ``key``, or ``default`` if the dict does not have it."""
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key, value):
        self._broker.call(
            self._broker.dicts.SetDictItem,
            _dpb.SetDictItemRequest(
                name=self._name, key=_write_key(key), value=self._encode(value)
            ),
        )

    def __delitem__(self, key):
        wire = _read_key(key)
        if wire is None:
            raise KeyError(key)
        self._broker.call(
            self._broker.dicts.DeleteDictItem,
            _dpb.DeleteDictItemRequest(name=self._name, key=wire),
        )

    def __contains__(self, key):
        wire = _read_key(key)
        if wire is None:
            return False
        return self._broker.call(
            self._broker.dicts.DictContains, _dpb.DictContainsRequest(name=self._name, key=wire)
        ).contains

    def pop(self, key, default=_NO_DEFAULT):
        """Removes ``key`` and returns its value; ``default`` if it is missing and one is given,
        else ``KeyError``."""
        try:
            wire = _read_key(key)
            if wire is None:
                raise KeyError(key)
            response = self._broker.call(
                self._broker.dicts.PopDictItem, _dpb.PopDictItemRequest(name=self._name, key=wire)
            )
        except KeyError:
            if default is _NO_DEFAULT:
                raise
            return default
        return self._decode(response.value)

    def setdefault(self, key, default=None):
        """Returns the value of ``key``, first setting it to ``default`` if it is missing (one
        atomic call: only one of several concurrent callers sets it)."""
        response = self._broker.call(
            self._broker.dicts.SetDefaultDictItem,
            _dpb.SetDefaultDictItemRequest(
                name=self._name, key=_write_key(key), default_value=self._encode(default)
            ),
        )
        return self._decode(response.value)

    def compare_and_set(self, key, expected, new_value):
        """Atomically sets ``key`` to ``new_value`` if its value is ``expected`` (compared as
        encoded: the same bytes and content type), or if it is missing when ``expected`` is
        ``DictProxy.MISSING``. Returns whether it did. For read-modify-write loops."""
        request = _dpb.CompareAndSetDictItemRequest(
            name=self._name, key=_write_key(key), new_value=self._encode(new_value)
        )
        if expected is not MISSING:
            request.expected.CopyFrom(self._encode(expected))
        return self._broker.call(self._broker.dicts.CompareAndSetDictItem, request).swapped

    # -- whole dict -------------------------------------------------------------------------

    def __len__(self):
        return self._broker.call(
            self._broker.dicts.DictLen, _dpb.DictLenRequest(name=self._name)
        ).len

    def _pages(self, method, request_type, field):
        token = ""
        while True:
            response = self._broker.call(
                method,
                request_type(name=self._name, page_size=_PAGE_SIZE, page_token=token),
            )
            yield from getattr(response, field)
            token = response.next_page_token
            if not token:
                return

    def __iter__(self):
        """The keys in insertion order, fetched a page at a time."""
        return self._pages(self._broker.dicts.ListDictKeys, _dpb.ListDictKeysRequest, "keys")

    def keys(self):
        """The keys, in insertion order, as a list (as CPython's ``DictProxy.keys()``)."""
        return list(self)

    def values(self):
        """The values, in their keys' insertion order, as a list."""
        return [
            self._decode(p)
            for p in self._pages(
                self._broker.dicts.ListDictValues, _dpb.ListDictValuesRequest, "values"
            )
        ]

    def items(self):
        """The ``(key, value)`` pairs, in insertion order, as a list."""
        return [
            (e.key, self._decode(e.value))
            for e in self._pages(
                self._broker.dicts.ListDictItems, _dpb.ListDictItemsRequest, "entries"
            )
        ]

    def copy(self):
        """A plain ``dict`` with the entries."""
        return dict(self.items())

    def update(self, other=(), **kwargs):
        """Sets every key of ``other`` (a mapping or pairs) and ``kwargs``, in one atomic call."""
        if isinstance(other, DictProxy):
            pairs = other.items()  # paged, rather than one call per key
        elif hasattr(other, "keys"):
            pairs = [(k, other[k]) for k in other.keys()]
        else:
            pairs = list(other)
        pairs.extend(kwargs.items())
        entries = [
            _dpb.DictEntry(key=_write_key(k), value=self._encode(v)) for k, v in pairs
        ]
        self._broker.call(
            self._broker.dicts.UpdateDict, _dpb.UpdateDictRequest(name=self._name, entries=entries)
        )

    def popitem(self):
        """Removes and returns the last inserted ``(key, value)`` pair; ``KeyError`` if the dict
        is empty. Finds the last key by walking the keys (the broker has no call for it), then
        pops it atomically; if another process took it meanwhile, looks again."""
        while True:
            last = None
            found = False
            for last in self:
                found = True
            if not found:
                raise KeyError("popitem(): dictionary is empty")
            try:
                return last, self.pop(last)
            except KeyError:
                continue

    def clear(self):
        """Removes every entry, in one atomic call."""
        self._broker.call(self._broker.dicts.ClearDict, _dpb.ClearDictRequest(name=self._name))

    def delete(self):
        """Deletes the dict on the broker; returns whether it existed."""
        return self._broker.call(
            self._broker.dicts.DeleteDict, _dpb.DeleteDictRequest(name=self._name)
        ).deleted

    def __str__(self):
        # CPython's proxies show the referent's repr.
        return repr(self.copy())

    def __repr__(self):
        return "<ipcbroker.DictProxy name=%r>" % (self._name,)


def _index(index):
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(
            "list indices must be integers or slices, not %s" % type(index).__name__
        ) from None


def _bound(value):
    """A slice bound for the wire: an int64 (beyond it, clamping gives the same slice)."""
    if value is None:
        return None
    value = _index(value)
    return max(-_INT64_MAX, min(_INT64_MAX, value))


class ListProxy(_Container):
    """A named list on the broker (the ``list`` a ``Manager`` serves).

    ``ListProxy(name, initial)`` creates the list with the elements of ``initial``, or opens the
    existing one of that name (then ``initial`` is ignored). ``name=None`` makes a fresh name;
    ``create=False`` only opens it. Indices follow Python's (negative ones count from the end; a
    bad one raises ``IndexError``, ``reason == "INDEX_OUT_OF_RANGE"``).
    """

    def __init__(self, name=None, initial=None, *, broker=None, serializer="json", create=True):
        self._broker = resolve(broker)
        self._serializer = check_serializer(serializer)
        self._name = name or fresh_name("list")
        if create:
            created = self._broker.call(
                self._broker.lists.CreateList,
                _lpb.CreateListRequest(name=self._name, allow_existing=True),
            ).created
            if created and initial:
                self.extend(initial)
        else:
            self._broker.call(
                self._broker.lists.DescribeList, _lpb.DescribeListRequest(name=self._name)
            )

    def _slice(self, start=None, stop=None, step=None):
        """(values, the list's length at the first answer) of ``l[start:stop:step]``, read in as
        many answers as the broker needs."""
        request = _lpb.SliceListRequest(name=self._name)
        if start is not None:
            request.start = start
        if stop is not None:
            request.stop = stop
        if step is not None:
            request.step = step
        values, length = [], None
        while True:
            response = self._broker.call(self._broker.lists.SliceList, request)
            if length is None:
                length = response.len
            values.extend(self._decode(p) for p in response.values)
            if not response.truncated:
                return values, length
            request.start = response.next_start

    # -- elements ---------------------------------------------------------------------------

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._slice(_bound(index.start), _bound(index.stop), _bound(index.step))[0]
        response = self._broker.call(
            self._broker.lists.GetListItem,
            _lpb.GetListItemRequest(name=self._name, index=_bound(index)),
        )
        return self._decode(response.value)

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            raise NotImplementedError(
                "slice assignment: the broker has no atomic form for it (assign elements, or "
                "clear and extend)"
            )
        self._broker.call(
            self._broker.lists.SetListItem,
            _lpb.SetListItemRequest(
                name=self._name, index=_bound(index), value=self._encode(value)
            ),
        )

    def __delitem__(self, index):
        if isinstance(index, slice):
            raise NotImplementedError("slice deletion: the broker has no atomic form for it")
        self._broker.call(
            self._broker.lists.DeleteListItem,
            _lpb.DeleteListItemRequest(name=self._name, index=_bound(index)),
        )

    def __len__(self):
        return self._broker.call(
            self._broker.lists.ListLen, _lpb.ListLenRequest(name=self._name)
        ).len

    def append(self, value):
        """Appends ``value``."""
        self._broker.call(
            self._broker.lists.AppendList,
            _lpb.AppendListRequest(name=self._name, value=self._encode(value)),
        )

    def extend(self, values):
        """Appends every element of ``values``, in order, in one atomic call."""
        payloads = [self._encode(v) for v in values]
        self._broker.call(
            self._broker.lists.ExtendList,
            _lpb.ExtendListRequest(name=self._name, values=payloads),
        )

    def __iadd__(self, values):
        self.extend(values)
        return self

    def insert(self, index, value):
        """Inserts ``value`` before ``index`` (clamped to the list, as Python does)."""
        self._broker.call(
            self._broker.lists.InsertListItem,
            _lpb.InsertListItemRequest(
                name=self._name, index=_bound(index), value=self._encode(value)
            ),
        )

    def pop(self, index=None):
        """Removes and returns the element at ``index`` (the last by default); ``IndexError``
        for an empty list or a bad index."""
        request = _lpb.PopListItemRequest(name=self._name)
        if index is not None:
            request.index = _bound(index)
        return self._decode(self._broker.call(self._broker.lists.PopListItem, request).value)

    def clear(self):
        """Removes every element, in one atomic call."""
        self._broker.call(self._broker.lists.ClearList, _lpb.ClearListRequest(name=self._name))

    # -- reads of the whole list ------------------------------------------------------------

    def __iter__(self):
        """The elements in order, fetched as few answers at a time as the broker allows."""
        request = _lpb.SliceListRequest(name=self._name)
        while True:
            response = self._broker.call(self._broker.lists.SliceList, request)
            for payload in response.values:
                yield self._decode(payload)
            if not response.truncated:
                return
            request.start = response.next_start

    def __reversed__(self):
        return reversed(self.copy())

    def __contains__(self, value):
        return any(v is value or v == value for v in self)

    def index(self, value, start=0, stop=sys.maxsize):
        """The first index of ``value`` in ``l[start:stop]``; ``ValueError`` if it is not there."""
        start, stop = _bound(start), _bound(stop)
        values, length = self._slice(start, stop)
        if start < 0:
            start = max(0, start + length)
        for i, v in enumerate(values):
            if v is value or v == value:
                return start + i
        raise ValueError("%r is not in list" % (value,))

    def count(self, value):
        """How many elements equal ``value``."""
        return sum(1 for v in self if v is value or v == value)

    def copy(self):
        """A plain ``list`` with the elements."""
        return self._slice()[0]

    def __add__(self, other):
        return self.copy() + list(other)

    def __radd__(self, other):
        return list(other) + self.copy()

    def __mul__(self, n):
        return self.copy() * n

    __rmul__ = __mul__

    def delete(self):
        """Deletes the list on the broker; returns whether it existed."""
        return self._broker.call(
            self._broker.lists.DeleteList, _lpb.DeleteListRequest(name=self._name)
        ).deleted

    def __str__(self):
        return repr(self.copy())

    def __repr__(self):
        return "<ipcbroker.ListProxy name=%r>" % (self._name,)


class Namespace(_Container):
    """A named namespace on the broker (the ``Namespace`` a ``Manager`` serves): its public
    attributes are the entries of the broker dict of the same name, so ``ns.x = 1`` in one
    process is ``ns.x`` in every other. A missing attribute raises ``AttributeError``.

    As with CPython's ``NamespaceProxy``, attributes whose names start with ``_`` stay in this
    object and are not shared; that is also where the handle's own operations live, so that no
    public name is taken from the namespace: ``ns._name``, ``ns._delete()``, ``ns._copy()``.
    ``kwargs`` fill the namespace when this call creates it.
    """

    def __init__(self, name=None, *, broker=None, serializer="json", create=True, **kwargs):
        backing = DictProxy(
            name or fresh_name("namespace"),
            kwargs,
            broker=broker,
            serializer=serializer,
            create=create,
        )
        self._dict = backing
        self._broker = backing._broker
        self._name = backing._name
        self._serializer = backing._serializer

    def _restore(self, state):
        super()._restore(state)
        backing = DictProxy.__new__(DictProxy)
        backing._broker = self._broker
        backing._restore(state)
        self._dict = backing

    def __getattribute__(self, attr):
        if attr.startswith("_"):
            return object.__getattribute__(self, attr)
        try:
            return object.__getattribute__(self, "_dict")[attr]
        except KeyError:
            raise AttributeError(
                "'Namespace' object has no attribute %r" % (attr,)
            ) from None

    def __setattr__(self, attr, value):
        if attr.startswith("_"):
            object.__setattr__(self, attr, value)
        else:
            self._dict[attr] = value

    def __delattr__(self, attr):
        if attr.startswith("_"):
            object.__delattr__(self, attr)
            return
        try:
            del self._dict[attr]
        except KeyError:
            raise AttributeError(
                "'Namespace' object has no attribute %r" % (attr,)
            ) from None

    def _copy(self):
        """The shared attributes, as a plain dict."""
        return self._dict.copy()

    def _delete(self):
        """Deletes the namespace on the broker; returns whether it existed."""
        return self._dict.delete()

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._dict.keys()))

    def __str__(self):
        items = self._copy().items()
        return "Namespace(%s)" % ", ".join("%s=%r" % item for item in items)

    def __repr__(self):
        return "<ipcbroker.Namespace name=%r>" % (self._name,)
