package io.ipcbroker.conformance;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs each call for a broker that requires a token, written from the scheme the README gives (not
 * from the SDK, which this suite does not use): {@code authorization: IPCB1-HMAC-SHA256
 * TS.NONCE.SIG}, {@code SIG = HMAC-SHA256(token, "IPCB1\n" + TS + "\n" + NONCE + "\n" + method)}.
 */
final class CallSigner implements ClientInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final byte[] token;
  private final SecureRandom random = new SecureRandom();

  CallSigner(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        headers.put(AUTHORIZATION, sign(method.getFullMethodName()));
        super.start(listener, headers);
      }
    };
  }

  private String sign(String method) {
    byte[] nonceBytes = new byte[16];
    random.nextBytes(nonceBytes);
    String ts = Long.toString(System.currentTimeMillis());
    String nonce = B64.encodeToString(nonceBytes);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(token, "HmacSHA256"));
      byte[] sig =
          mac.doFinal(
              ("IPCB1\n" + ts + "\n" + nonce + "\n" + method).getBytes(StandardCharsets.UTF_8));
      return "IPCB1-HMAC-SHA256 " + ts + "." + nonce + "." + B64.encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
