package io.ipcbroker.server.queue;

/**
 * One item handed to a consumer, to be acked or nacked by {@code deliveryId}.
 *
 * @param redelivered whether an earlier consumer of this item ended without acking it
 * @param deliveryCount how many times the item was handed over, this one included
 */
public record Delivery<T>(long deliveryId, T item, boolean redelivered, int deliveryCount) {}
