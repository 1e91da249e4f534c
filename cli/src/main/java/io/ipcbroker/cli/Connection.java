package io.ipcbroker.cli;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.ipcbroker.client.TokenSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * How a client subcommand reaches the broker: its address, token and TLS files, from options or
 * from the environment variables that the SDKs and the broker's children use. The options belong to
 * the top command and every subcommand inherits them, so they go before or after it.
 */
final class Connection {
  static final String DEFAULT_TARGET = "127.0.0.1:50051";

  @Option(
      scope = ScopeType.INHERIT,
      names = "--target",
      paramLabel = "HOST:PORT",
      description = "the broker (default: $IPCBROKER_TARGET, else " + DEFAULT_TARGET + ")")
  String target;

  @Option(
      scope = ScopeType.INHERIT,
      names = "--token-file",
      paramLabel = "PATH",
      description = "sign calls with the token in PATH (default: $IPCBROKER_TOKEN)")
  Path tokenFile;

  @Option(
      scope = ScopeType.INHERIT,
      names = "--tls-ca",
      paramLabel = "PATH",
      description = "connect with TLS, trusting this PEM CA (default: $IPCBROKER_TLS_CA)")
  Path tlsCa;

  @Option(
      scope = ScopeType.INHERIT,
      names = "--tls-cert",
      paramLabel = "PATH",
      description = "a PEM client certificate, for a broker that requires one")
  Path tlsCert;

  @Option(
      scope = ScopeType.INHERIT,
      names = "--tls-key",
      paramLabel = "PATH",
      description = "the PEM key of --tls-cert")
  Path tlsKey;

  /** Opens a channel as the options and {@code env} say. */
  ManagedChannel open(Map<String, String> env) throws IOException {
    String address = target != null ? target : env.getOrDefault("IPCBROKER_TARGET", "");
    if (address.isBlank()) {
      address = DEFAULT_TARGET;
    }
    String token =
        tokenFile != null
            ? Files.readString(tokenFile, StandardCharsets.UTF_8).strip()
            : env.getOrDefault("IPCBROKER_TOKEN", "").strip();
    Path ca = tlsCa;
    if (ca == null && !env.getOrDefault("IPCBROKER_TLS_CA", "").isBlank()) {
      ca = Path.of(env.get("IPCBROKER_TLS_CA"));
    }
    ManagedChannelBuilder<?> builder =
        Grpc.newChannelBuilder(address.strip(), credentials(ca)).maxInboundMessageSize(64 << 20);
    if (!token.isEmpty()) {
      builder.intercept(new TokenSigner(token));
    }
    return builder.build();
  }

  private ChannelCredentials credentials(Path ca) throws IOException {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (ca == null) {
      if (tlsCert != null) {
        throw new IllegalArgumentException("--tls-cert needs --tls-ca");
      }
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls =
        TlsChannelCredentials.newBuilder().trustManager(ca.toFile());
    if (tlsCert != null) {
      tls.keyManager(tlsCert.toFile(), tlsKey.toFile());
    }
    return tls.build();
  }
}
