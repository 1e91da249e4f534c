package io.ipcbroker.client;

/** A child for {@link JavaProcess}: writes each argument on its own line to stdout. */
final class EchoArgsMain {
  private EchoArgsMain() {}

  public static void main(String[] args) {
    for (String arg : args) {
      System.out.println(arg);
    }
  }
}
