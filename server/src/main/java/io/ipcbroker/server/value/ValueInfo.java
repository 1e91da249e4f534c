package io.ipcbroker.server.value;

/** A value or array as described to clients. */
public record ValueInfo(
    String name,
    TypeCode type,
    boolean isArray,
    int length,
    boolean hasLock,
    boolean locked,
    int lockWaiters) {}
