package io.ipcbroker.server.admin;

import java.time.Instant;

/**
 * The broker's identity and live totals, as {@code GetBrokerStatus} answers them.
 *
 * @param serverId identifies this run of the broker
 * @param version the broker's version
 * @param startTime when this run started serving
 * @param address {@code host:port}
 * @param tokenRequired whether calls must be signed with a token
 * @param tls whether it serves TLS
 * @param clientCertificatesRequired whether it requires client certificates
 * @param sessions live sessions
 * @param queues queues
 * @param queueBytes bytes queues hold, as the byte caps count them
 * @param maxQueueBytes the broker-wide queue byte cap, 0 for none
 * @param processesRunning spawned processes that have not exited
 * @param processes process records kept
 * @param pools pools
 */
public record BrokerFigures(
    String serverId,
    String version,
    Instant startTime,
    String address,
    boolean tokenRequired,
    boolean tls,
    boolean clientCertificatesRequired,
    int sessions,
    int queues,
    long queueBytes,
    long maxQueueBytes,
    int processesRunning,
    int processes,
    int pools) {}
