package io.ipcbroker.server.rpc;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * The cancel and close handlers of a unary call that parks, installed before the handler returns
 * (grpc-java only accepts them then) and bound to their actions later, once the core objects exist.
 * An event that fires before its action is bound runs the action when it is bound, so no cancel or
 * commit is ever missed.
 *
 * <p>grpc-java runs exactly one of the two per call: close when the response was written, cancel
 * when the call ended any other way (client cancel, deadline, dropped connection).
 */
public final class CallHooks {
  private Runnable onCancel; // guarded by this
  private Runnable onClose; // guarded by this
  private boolean cancelled;
  private boolean closed;

  private CallHooks() {}

  /** Installs the handlers on {@code call}; call it first thing in the service method. */
  public static CallHooks install(ServerCallStreamObserver<?> call, SerializedSender<?> sender) {
    CallHooks hooks = new CallHooks();
    call.setOnCancelHandler(
        () -> {
          sender.markClosed();
          hooks.fire(true);
        });
    call.setOnCloseHandler(() -> hooks.fire(false));
    return hooks;
  }

  /** Binds what to do if the call is cancelled. */
  public void onCancel(Runnable action) {
    boolean runNow;
    synchronized (this) {
      onCancel = action;
      runNow = cancelled;
    }
    if (runNow) {
      action.run();
    }
  }

  /** Binds what to do once the response was written. */
  public void onClose(Runnable action) {
    boolean runNow;
    synchronized (this) {
      onClose = action;
      runNow = closed;
    }
    if (runNow) {
      action.run();
    }
  }

  private void fire(boolean cancel) {
    Runnable action;
    synchronized (this) {
      if (cancel) {
        cancelled = true;
        action = onCancel;
      } else {
        closed = true;
        action = onClose;
      }
    }
    if (action != null) {
      action.run();
    }
  }
}
