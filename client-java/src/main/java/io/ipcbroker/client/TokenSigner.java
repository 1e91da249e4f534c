package io.ipcbroker.client;

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
 * Signs every call with the broker's token, which itself never leaves this process: {@code
 * authorization: IPCB1-HMAC-SHA256 TS.NONCE.SIG}, where {@code SIG} is {@code HMAC-SHA256(token,
 * "IPCB1\n" + TS + "\n" + NONCE + "\n" + method)} over the time in Unix milliseconds, 16 random
 * bytes and the call's full method name, both base64url without padding. The broker accepts each
 * signature once, within a minute of its clock (see the README's "Security").
 *
 * <p>It signs when a call starts: a call that waits for a connection (wait-for-ready) longer than
 * the broker's skew is refused {@code TOKEN_EXPIRED}, and a retry policy that re-sends a call the
 * broker already saw is refused {@code TOKEN_REPLAYED}. The SDK uses neither.
 *
 * <p>Add it to a channel of your own with {@code ClientInterceptors.intercept(channel, new
 * TokenSigner(token))} or {@code ManagedChannelBuilder.intercept}; {@link IpcBroker} adds it to the
 * channels it opens.
 */
public final class TokenSigner implements ClientInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();
  private final ThreadLocal<Mac> macs;

  /** Signs with {@code token}. */
  public TokenSigner(String token) {
    if (token.isEmpty()) {
      throw new IllegalArgumentException("the token is empty");
    }
    this.key = new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        headers.discardAll(AUTHORIZATION);
        headers.put(AUTHORIZATION, authorization(method.getFullMethodName()));
        super.start(listener, headers);
      }
    };
  }

  /** The {@code authorization} value for one call of {@code fullMethodName}. */
  String authorization(String fullMethodName) {
    byte[] nonceBytes = new byte[16];
    random.nextBytes(nonceBytes);
    String ts = Long.toString(System.currentTimeMillis());
    String nonce = B64.encodeToString(nonceBytes);
    String signed = "IPCB1\n" + ts + "\n" + nonce + "\n" + fullMethodName;
    byte[] sig = macs.get().doFinal(signed.getBytes(StandardCharsets.UTF_8));
    return "IPCB1-HMAC-SHA256 " + ts + "." + nonce + "." + B64.encodeToString(sig);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
