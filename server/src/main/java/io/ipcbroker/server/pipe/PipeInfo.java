package io.ipcbroker.server.pipe;

/** A pipe as described to clients. */
public record PipeInfo(
    String name,
    boolean duplex,
    int capacity,
    boolean aClosed,
    boolean bClosed,
    int bufferedToA,
    int bufferedToB) {}
