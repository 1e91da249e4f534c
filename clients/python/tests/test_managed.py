# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import multiprocessing
import os
import pickle
import threading

from support import HERE, PYTHON_ROOT, BrokerTestCase, quiet_delete, unique

import ipcbroker
from ipcbroker.managed import DictProxy, ListProxy, Namespace


def _child_writes(d, l, ns):
    """A spawn child's body: writes through the three handles it was given."""
    d["from child"] = {"pid": os.getpid()}
    d.setdefault("count", 0)
    l.extend(["c1", "c2"])
    ns.status = "done"


def _quiet_delete_namespace(ns):
    # A Namespace's public names are its shared attributes; its own delete is `_delete`.
    try:
        ns._delete()
    except ipcbroker.NotFoundError:
        pass



class DictProxyTest(BrokerTestCase):
    def dict(self, initial=None, **kwargs):
        d = DictProxy(unique("d"), initial, **kwargs)
        self.addCleanup(quiet_delete, d)
        return d

    def test_mapping_api_round_trips(self):
        d = self.dict({"a": 1, "b": [1, 2]})
        d["c"] = {"nested": None}
        d["a"] = 10  # keeps its place
        self.assertEqual(len(d), 3)
        self.assertEqual(d["a"], 10)
        self.assertEqual(d.keys(), ["a", "b", "c"])
        self.assertEqual(d.values(), [10, [1, 2], {"nested": None}])
        self.assertEqual(d.items(), [("a", 10), ("b", [1, 2]), ("c", {"nested": None})])
        self.assertEqual(list(d), ["a", "b", "c"])
        self.assertEqual(d.copy(), {"a": 10, "b": [1, 2], "c": {"nested": None}})
        self.assertIs(type(d.copy()), dict)
        self.assertEqual(str(d), str(d.copy()))
        self.assertIn("a", d)
        self.assertNotIn("z", d)
        self.assertEqual(d.get("z"), None)
        self.assertEqual(d.get("z", 5), 5)
        self.assertEqual(d.pop("b"), [1, 2])
        self.assertEqual(d.pop("b", "gone"), "gone")
        self.assertEqual(d.setdefault("e", 1), 1)
        self.assertEqual(d.setdefault("e", 2), 1)
        self.assertIsNone(d.setdefault("n"))
        d.update({"x": 1}, y=2)
        d.update([("z", 3)])
        self.assertEqual(d.popitem(), ("z", 3))  # LIFO, as Python
        del d["a"]
        d["a"] = "again"  # deleted and set again: moves to the end
        self.assertEqual(d.keys(), ["c", "e", "n", "x", "y", "a"])
        d.clear()
        self.assertEqual(len(d), 0)
        self.assertEqual(d.copy(), {})

    def test_pythons_exceptions(self):
        d = self.dict()
        for call in (lambda: d["missing"], lambda: d.pop("missing")):
            with self.assertRaises(KeyError) as caught:
                call()
            self.assertEqual(caught.exception.reason, "KEY_NOT_FOUND")
        with self.assertRaises(KeyError):
            del d["missing"]
        with self.assertRaises(KeyError):
            d.popitem()
        # Keys are strings: other keys are never found, and never written.
        self.assertNotIn(1, d)
        self.assertEqual(d.get(1, "dflt"), "dflt")
        with self.assertRaises(KeyError):
            d[1]
        for write in (lambda: d.__setitem__(1, "x"), lambda: d.update({2: "y"})):
            with self.assertRaises(TypeError):
                write()
        with self.assertRaises(TypeError):
            [] in d  # unhashable, as a dict says
        with self.assertRaises(TypeError):
            d["set"] = {1, 2}  # not JSON; nothing is sent
        self.assertEqual(len(d), 0)
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            DictProxy(unique("missing"), create=False)
        self.assertEqual(caught.exception.reason, "DICT_NOT_FOUND")

    def test_iteration_pages_through_large_dicts(self):
        d = self.dict()
        d.update((str(i), i) for i in range(2500))  # more than two pages of 1,000
        self.assertEqual(len(d), 2500)
        self.assertEqual(list(d), [str(i) for i in range(2500)])
        self.assertEqual(d.values(), list(range(2500)))
        big = "x" * 900_000  # pages also stop by bytes
        for i in range(8):
            d["big%d" % i] = big
        self.assertEqual(len(d.items()), 2508)
        self.assertEqual(d.copy()["big7"], big)
        self.assertEqual(d.popitem(), ("big7", big))

    def test_compare_and_set_counts_without_loss(self):
        d = self.dict({"n": 0})
        self.assertTrue(d.compare_and_set("new", DictProxy.MISSING, 1))
        self.assertFalse(d.compare_and_set("new", DictProxy.MISSING, 2))

        def add(times):
            for _ in range(times):
                while True:
                    current = d["n"]
                    if d.compare_and_set("n", current, current + 1):
                        break

        threads = [threading.Thread(target=add, args=(25,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(d["n"], 100)

    def test_open_by_name_and_pickled_handle(self):
        d = self.dict({"k": "v"})
        self.assertEqual(DictProxy(d.name, {"ignored": 1}).copy(), {"k": "v"})
        copy = pickle.loads(pickle.dumps(d))
        copy["k2"] = 2
        self.assertEqual(d["k2"], 2)
        self.assertTrue(d.delete())
        with self.assertRaises(ipcbroker.NotFoundError):
            copy["k"]


class ListProxyTest(BrokerTestCase):
    def list(self, initial=None, **kwargs):
        l = ListProxy(unique("l"), initial, **kwargs)
        self.addCleanup(quiet_delete, l)
        return l

    def test_list_api_round_trips(self):
        l = self.list([1, 2, 3])
        l.append("x")
        l.extend([4, 5])
        l.insert(0, "first")
        l.insert(-100, "clamped")
        self.assertEqual(l.copy(), ["clamped", "first", 1, 2, 3, "x", 4, 5])
        self.assertIs(type(l.copy()), list)
        self.assertEqual(len(l), 8)
        self.assertEqual(l[0], "clamped")
        self.assertEqual(l[-1], 5)
        self.assertEqual(l[2:5], [1, 2, 3])
        self.assertEqual(l[::-3], [5, 3, "first"])
        self.assertEqual(l[100:], [])
        self.assertEqual(l.pop(), 5)
        self.assertEqual(l.pop(0), "clamped")
        del l[0]
        l[0] = "one"
        self.assertEqual(list(l), ["one", 2, 3, "x", 4])
        self.assertEqual(list(reversed(l)), [4, "x", 3, 2, "one"])
        self.assertEqual(l.index(3), 2)
        self.assertEqual(l.index(4, -1), 4)
        self.assertEqual(l.count(2), 1)
        self.assertIn("x", l)
        self.assertNotIn("y", l)
        same = l
        l += [6]
        self.assertIs(l, same)
        self.assertEqual(l + [7], ["one", 2, 3, "x", 4, 6, 7])
        self.assertEqual([0] + l, [0, "one", 2, 3, "x", 4, 6])
        self.assertEqual(str(l), str(l.copy()))
        l.clear()
        self.assertEqual(len(l), 0)

    def test_pythons_exceptions(self):
        l = self.list(["a"])
        for call in (lambda: l[5], lambda: l[-2], lambda: l.__setitem__(5, 1), lambda: l.pop(3)):
            with self.assertRaises(IndexError) as caught:
                call()
            self.assertEqual(caught.exception.reason, "INDEX_OUT_OF_RANGE")
        with self.assertRaises(IndexError):
            del l[1]
        with self.assertRaises(TypeError):
            l["a"]
        with self.assertRaises(ValueError):
            l.index("b")
        with self.assertRaises(ValueError):
            l[::0]
        with self.assertRaises(NotImplementedError):
            l[0:1] = [1]
        with self.assertRaises(NotImplementedError):
            del l[0:1]
        self.assertEqual(l.pop(), "a")
        with self.assertRaises(IndexError) as caught:
            l.pop()
        self.assertEqual(caught.exception.reason, "INDEX_OUT_OF_RANGE")
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            ListProxy(unique("missing"), create=False)
        self.assertEqual(caught.exception.reason, "LIST_NOT_FOUND")

    def test_iteration_and_slices_page_through_large_lists(self):
        big = "y" * 900_000
        l = self.list([big] * 10 + list(range(3000)))
        items = list(l)  # several answers: each stops near the broker's item limit
        self.assertEqual(len(items), 3010)
        self.assertEqual(items[:10], [big] * 10)
        self.assertEqual(items[10:], list(range(3000)))
        self.assertEqual(l[8:12], [big, big, 0, 1])
        self.assertEqual(l[::-1][-10:], [big] * 10)
        self.assertEqual(l.index(2999), 3009)

    def test_open_by_name_and_pickled_handle(self):
        l = self.list([1])
        self.assertEqual(ListProxy(l.name, [9, 9]).copy(), [1])
        copy = pickle.loads(pickle.dumps(l))
        copy.append(2)
        self.assertEqual(l.copy(), [1, 2])


class NamespaceTest(BrokerTestCase):
    def namespace(self, **kwargs):
        ns = Namespace(unique("ns"), **kwargs)
        self.addCleanup(_quiet_delete_namespace, ns)
        return ns

    def test_attributes_are_shared_and_missing_ones_raise_attribute_error(self):
        ns = self.namespace(x=1)
        other = Namespace(ns._name)
        self.assertEqual(other.x, 1)
        ns.y = "hello"
        ns.name = "a shared attribute, not the handle's name"
        self.assertEqual(other.y, "hello")
        self.assertEqual(other.name, "a shared attribute, not the handle's name")
        del other.x
        with self.assertRaises(AttributeError):
            ns.x
        with self.assertRaises(AttributeError):
            del ns.x
        self.assertEqual(getattr(ns, "x", "dflt"), "dflt")
        self.assertFalse(hasattr(ns, "x"))
        self.assertEqual(str(ns), "Namespace(y='hello', name=%r)" % ns.name)

    def test_underscore_attributes_stay_local(self):
        ns = self.namespace()
        ns._local = 5
        self.assertEqual(ns._local, 5)
        self.assertEqual(ns._copy(), {})
        with self.assertRaises(AttributeError):
            Namespace(ns._name)._local

    def test_pickled_handle(self):
        ns = self.namespace(a=[1, 2])
        copy = pickle.loads(pickle.dumps(ns))
        self.assertEqual(copy.a, [1, 2])
        copy.b = True
        self.assertTrue(ns.b)


class SpawnChildTest(BrokerTestCase):
    def test_a_spawn_child_writes_through_handles_it_was_given(self):
        self.python_path_for_children()
        d = DictProxy(unique("d"), {"count": 5})
        l = ListProxy(unique("l"), ["p1"])
        ns = Namespace(unique("ns"), status="started")
        self.addCleanup(quiet_delete, d)
        self.addCleanup(quiet_delete, l)
        self.addCleanup(_quiet_delete_namespace, ns)
        child = multiprocessing.get_context("spawn").Process(
            target=_child_writes, args=(d, l, ns)
        )
        child.start()
        child.join(50)
        self.assertEqual(child.exitcode, 0)
        self.assertEqual(d["from child"], {"pid": child.pid})
        self.assertEqual(d["count"], 5)
        self.assertEqual(l.copy(), ["p1", "c1", "c2"])
        self.assertEqual(ns.status, "done")
