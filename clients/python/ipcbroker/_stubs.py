# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""The generated stubs (ipcbroker/v1/, made by generate.py from proto/), in one place."""
try:
    from .v1 import barrier_service_pb2 as barrier
    from .v1 import barrier_service_pb2_grpc as barrier_grpc
    from .v1 import dict_service_pb2 as dicts
    from .v1 import dict_service_pb2_grpc as dicts_grpc
    from .v1 import error_reason_pb2 as error_reason
    from .v1 import event_service_pb2 as event
    from .v1 import event_service_pb2_grpc as event_grpc
    from .v1 import list_service_pb2 as lists
    from .v1 import list_service_pb2_grpc as lists_grpc
    from .v1 import lock_service_pb2 as lock
    from .v1 import lock_service_pb2_grpc as lock_grpc
    from .v1 import payload_pb2 as payload
    from .v1 import pipe_service_pb2 as pipe
    from .v1 import pipe_service_pb2_grpc as pipe_grpc
    from .v1 import pool_service_pb2 as pool
    from .v1 import pool_service_pb2_grpc as pool_grpc
    from .v1 import process_service_pb2 as process
    from .v1 import process_service_pb2_grpc as process_grpc
    from .v1 import queue_service_pb2 as queue
    from .v1 import queue_service_pb2_grpc as queue_grpc
    from .v1 import semaphore_service_pb2 as semaphore
    from .v1 import semaphore_service_pb2_grpc as semaphore_grpc
    from .v1 import session_service_pb2 as session
    from .v1 import session_service_pb2_grpc as session_grpc
    from .v1 import value_service_pb2 as value
    from .v1 import value_service_pb2_grpc as value_grpc
except ImportError as e:  # pragma: no cover - a setup problem, said plainly
    raise ImportError(
        "ipcbroker's generated stubs are missing or stale: run `python3 clients/python/generate.py` "
        "(needs grpcio-tools, or protoc with grpc_python_plugin): %s" % e
    ) from e

# Broker attribute -> (module, stub class).
SERVICES = {
    "sessions": (session_grpc, "SessionServiceStub"),
    "queues": (queue_grpc, "QueueServiceStub"),
    "processes": (process_grpc, "ProcessServiceStub"),
    "values": (value_grpc, "ValueServiceStub"),
    "pipes": (pipe_grpc, "PipeServiceStub"),
    "locks": (lock_grpc, "LockServiceStub"),
    "semaphores": (semaphore_grpc, "SemaphoreServiceStub"),
    "events": (event_grpc, "EventServiceStub"),
    "barriers": (barrier_grpc, "BarrierServiceStub"),
    "dicts": (dicts_grpc, "DictServiceStub"),
    "lists": (lists_grpc, "ListServiceStub"),
    "pools": (pool_grpc, "PoolServiceStub"),
}
