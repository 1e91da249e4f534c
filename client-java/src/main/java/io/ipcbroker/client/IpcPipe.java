package io.ipcbroker.client;

/**
 * A pipe: Python's {@code a, b = Pipe(duplex)}. In a duplex pipe both ends send and receive; in a
 * simplex one {@link #a} only receives and {@link #b} only sends.
 *
 * @param <T> the message type
 */
public final class IpcPipe<T> {
  private final String name;
  private final boolean duplex;
  private final IpcConnection<T> a;
  private final IpcConnection<T> b;

  IpcPipe(String name, boolean duplex, IpcConnection<T> a, IpcConnection<T> b) {
    this.name = name;
    this.duplex = duplex;
    this.a = a;
    this.b = b;
  }

  /** The pipe's name. */
  public String name() {
    return name;
  }

  /** Whether both ends send and receive. */
  public boolean duplex() {
    return duplex;
  }

  /** The first end (the receiving one of a simplex pipe). */
  public IpcConnection<T> a() {
    return a;
  }

  /** The second end (the sending one of a simplex pipe). */
  public IpcConnection<T> b() {
    return b;
  }
}
