package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.stub.MetadataUtils;
import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.ListQueuesRequest;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's token and TLS, end to end on loopback: which calls get in, with which status and
 * reason the others are refused, and that the SDK and the broker's children connect with them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecurityTest {
  private static final String TOKEN = "s3cret-token-for-tests-0123456789";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path certDir;
  private static TestCertificates certs;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(certDir);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  // ---- token ----

  @Test
  void everyBrokerMethodRefusesACallWithoutToken() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    ManagedChannel channel = plaintext(broker);
    List<ServiceDescriptor> services =
        List.of(
            SessionServiceGrpc.getServiceDescriptor(),
            QueueServiceGrpc.getServiceDescriptor(),
            ProcessServiceGrpc.getServiceDescriptor(),
            ValueServiceGrpc.getServiceDescriptor(),
            LockServiceGrpc.getServiceDescriptor(),
            SemaphoreServiceGrpc.getServiceDescriptor(),
            EventServiceGrpc.getServiceDescriptor(),
            BarrierServiceGrpc.getServiceDescriptor(),
            PipeServiceGrpc.getServiceDescriptor(),
            DictServiceGrpc.getServiceDescriptor(),
            ListServiceGrpc.getServiceDescriptor(),
            PoolServiceGrpc.getServiceDescriptor(),
            ServerReflectionGrpc.getServiceDescriptor());
    int methods = 0;
    for (ServiceDescriptor service : services) {
      for (MethodDescriptor<?, ?> m : service.getMethods()) {
        IpcBrokerException e = Errors.translate(emptyCall(channel, m.getFullMethodName()));
        assertThat(e.code())
            .as(m.getFullMethodName())
            .isEqualTo(IpcBrokerException.Code.UNAUTHENTICATED);
        assertThat(e.reason()).as(m.getFullMethodName()).isEqualTo("TOKEN_MISSING");
        methods++;
      }
    }
    assertThat(methods).isGreaterThan(80);
  }

  @Test
  void healthChecksNeedNoToken() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    HealthCheckResponse r =
        HealthGrpc.newBlockingStub(plaintext(broker))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void aSignedCallGetsInAndAWrongTokenDoesNot() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    ManagedChannel channel = plaintext(broker);
    QueueServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new TokenSigner(TOKEN)))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listQueues(ListQueuesRequest.getDefaultInstance());

    assertRefused(
        () ->
            QueueServiceGrpc.newBlockingStub(
                    ClientInterceptors.intercept(
                        channel, new TokenSigner("another-token-of-enough-length")))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listQueues(ListQueuesRequest.getDefaultInstance()),
        "TOKEN_INVALID");
  }

  @Test
  void aSignatureIsGoodForOneCallOfOneMethodOnly() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    ManagedChannel channel = plaintext(broker);
    String listQueues = QueueServiceGrpc.getListQueuesMethod().getFullMethodName();
    String value = new TokenSigner(TOKEN).authorization(listQueues);

    listQueues(withAuthorization(channel, value)); // the first use gets in
    assertRefused(() -> listQueues(withAuthorization(channel, value)), "TOKEN_REPLAYED");

    // Signed for ListQueues, presented on another method.
    String other =
        new TokenSigner(TOKEN)
            .authorization(SessionServiceGrpc.getCreateSessionMethod().getFullMethodName());
    assertRefused(() -> listQueues(withAuthorization(channel, other)), "TOKEN_INVALID");
  }

  @Test
  void malformedAuthorizationIsInvalid() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    ManagedChannel channel = plaintext(broker);
    for (String bad :
        new String[] {
          "IPCB1-HMAC-SHA256",
          "IPCB1-HMAC-SHA256 1.2",
          "IPCB1-HMAC-SHA256 x.AAAAAAAAAAAAAAAAAAAAAA.AAAA",
          "IPCB1-HMAC-SHA256 1.!!!.???",
          "IPCB1-HMAC-SHA256 99999999999999999999.AAAAAAAAAAAAAAAAAAAAAA.AAAA",
          "Basic dXNlcjpwYXNz"
        }) {
      assertRefused(() -> listQueues(withAuthorization(channel, bad)), "TOKEN_INVALID");
    }
  }

  @Test
  void aBearerTokenIsRefusedOnPlaintext() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    assertRefused(
        () -> listQueues(withAuthorization(plaintext(broker), "Bearer " + TOKEN)), "TOKEN_INVALID");
  }

  @Test
  void theSdkSignsWithItsTokenAndFailsWithoutIt() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    try (IpcBroker client = IpcBroker.builder().target(broker.address()).authToken(TOKEN).build()) {
      IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("auth"), 0);
      q.put("hello");
      assertThat(q.get(Duration.ofSeconds(10))).isEqualTo("hello");
    }
    assertThatThrownBy(() -> IpcBroker.builder().target(broker.address()).authToken("").build())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(IpcBrokerException.Code.UNAUTHENTICATED);
              assertThat(e.reason()).isEqualTo("TOKEN_MISSING");
            });
  }

  @Test
  void credentialsForAChannelOfOneselfAreRefusedRatherThanIgnored() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    ManagedChannel own = plaintext(broker);
    assertThatThrownBy(() -> IpcBroker.builder().channel(own).authToken(TOKEN).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> IpcBroker.builder().channel(own).tls(certs.caCert).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void childrenGetTheTokenAndConnectBack() throws Exception {
    BrokerServer broker = start(BrokerConfig.builder().authToken(TOKEN));
    try (IpcBroker client = IpcBroker.builder().target(broker.address()).authToken(TOKEN).build()) {
      String name = EmbeddedBroker.uniqueName("child-auth");
      IpcQueue<String> q = client.queue(name, 0);
      IpcProcess p = client.process(JavaProcess.of(ConnectBackMain.class, name)).start();
      String item;
      try {
        item = q.get(Duration.ofSeconds(60));
      } catch (QueueEmptyException e) {
        p.join(Duration.ofSeconds(10));
        throw new AssertionError("the child put nothing; its stderr: " + p.stderr(), e);
      }
      assertThat(item).startsWith("Process-1 ");
      assertThat(p.join(Duration.ofSeconds(30))).isTrue();
      assertThat(p.exitcode()).isZero();
      p.close();
    }
  }

  // ---- TLS ----

  @Test
  void tlsServesTheSdkThatTrustsItsCa() throws Exception {
    BrokerServer broker =
        start(
            BrokerConfig.builder()
                .tls(new BrokerConfig.Tls(certs.serverCert, certs.serverKey, null)));
    try (IpcBroker client =
        IpcBroker.builder().target(localhost(broker)).tls(certs.caCert).build()) {
      IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("tls"), 0);
      q.put("over tls");
      assertThat(q.get(Duration.ofSeconds(10))).isEqualTo("over tls");
    }
    // A client that trusts another CA cannot complete the handshake.
    assertCannotConnect(IpcBroker.builder().target(localhost(broker)).tls(certs.otherCaCert));
    // Nor can one that speaks plaintext.
    assertCannotConnect(IpcBroker.builder().target(localhost(broker)));
  }

  @Test
  void mutualTlsRequiresAClientCertificateFromItsCa() throws Exception {
    BrokerServer broker =
        start(
            BrokerConfig.builder()
                .tls(new BrokerConfig.Tls(certs.serverCert, certs.serverKey, certs.caCert)));
    try (IpcBroker client =
        IpcBroker.builder()
            .target(localhost(broker))
            .tls(certs.caCert)
            .clientCertificate(certs.clientCert, certs.clientKey)
            .build()) {
      client.queue(EmbeddedBroker.uniqueName("mtls"), 0).put("with a certificate");
    }
    // Without a client certificate the handshake fails.
    assertCannotConnect(IpcBroker.builder().target(localhost(broker)).tls(certs.caCert));
  }

  @Test
  void aBearerTokenIsAcceptedOverTls() throws Exception {
    BrokerServer broker =
        start(
            BrokerConfig.builder()
                .authToken(TOKEN)
                .tls(new BrokerConfig.Tls(certs.serverCert, certs.serverKey, null)));
    ManagedChannel channel =
        track(
            NettyChannelBuilder.forTarget(
                    localhost(broker),
                    TlsChannelCredentials.newBuilder().trustManager(certs.caCert.toFile()).build())
                .build());
    listQueues(withAuthorization(channel, "Bearer " + TOKEN));
    assertRefused(
        () -> listQueues(withAuthorization(channel, "Bearer wrong-token-of-enough-length")),
        "TOKEN_INVALID");
    // The SDK signs over TLS too.
    try (IpcBroker client =
        IpcBroker.builder().target(localhost(broker)).tls(certs.caCert).authToken(TOKEN).build()) {
      client.queue(EmbeddedBroker.uniqueName("tls-token"), 0).put("both");
    }
  }

  // ---- helpers ----

  private BrokerServer start(BrokerConfig.Builder config) throws Exception {
    BrokerServer broker = new BrokerServer(config.host("127.0.0.1").port(0).build());
    broker.start();
    closeables.add(broker::shutdown);
    return broker;
  }

  /** The broker's address by the name its test certificate carries. */
  private static String localhost(BrokerServer broker) {
    return "localhost:" + broker.port();
  }

  private ManagedChannel plaintext(BrokerServer broker) {
    return track(NettyChannelBuilder.forTarget(broker.address()).usePlaintext().build());
  }

  private ManagedChannel track(ManagedChannel channel) {
    closeables.add(
        () -> {
          channel.shutdownNow();
          channel.awaitTermination(10, TimeUnit.SECONDS);
        });
    return channel;
  }

  private static Channel withAuthorization(Channel channel, String value) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, value);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void listQueues(Channel channel) {
    QueueServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listQueues(ListQueuesRequest.getDefaultInstance());
  }

  /** The builder's client cannot open its session: the connection never becomes usable. */
  private static void assertCannotConnect(IpcBroker.Builder builder) {
    assertThatThrownBy(() -> builder.rpcTimeout(Duration.ofSeconds(5)).build())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.code()).isEqualTo(IpcBrokerException.Code.UNAVAILABLE));
  }

  private static void assertRefused(Runnable call, String reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            s -> {
              IpcBrokerException e = Errors.translate(s);
              assertThat(e.code()).isEqualTo(IpcBrokerException.Code.UNAUTHENTICATED);
              assertThat(e.reason()).isEqualTo(reason);
            });
  }

  /**
   * Calls {@code method} with one empty message (the encoding of any message with every field
   * unset) and returns how the call ended, with its trailers.
   */
  private static StatusRuntimeException emptyCall(Channel channel, String method) throws Exception {
    MethodDescriptor<byte[], byte[]> m =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(method)
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    ClientCall<byte[], byte[]> call =
        channel.newCall(m, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<StatusRuntimeException> closed = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status.asRuntimeException(trailers));
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(new byte[0]);
    call.halfClose();
    return closed.get(20, TimeUnit.SECONDS);
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
}
