package io.ipcbroker.server.auth;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a call's {@code authorization} value against the broker's shared token, which never
 * crosses the network in clear (Python's authkey is used the same way, through an HMAC challenge).
 *
 * <p>A call proves it knows the token with a signature of its own: {@code IPCB1-HMAC-SHA256
 * TS.NONCE.SIG}, where {@code TS} is the caller's clock in Unix milliseconds, {@code NONCE} 16
 * random bytes and {@code SIG} {@code HMAC-SHA256(token, "IPCB1\n" + TS + "\n" + NONCE + "\n" +
 * method)}, both base64url without padding, and {@code method} the call's full name without a
 * leading slash ({@code ipcbroker.v1.QueueService/PutItem}). The broker accepts a timestamp within
 * {@link #SKEW} of its own clock and each nonce once, so a signature seen on the wire can neither
 * be turned into the token, nor be used for another method, nor be replayed.
 *
 * <p>{@code Bearer TOKEN} is accepted only on a TLS connection, for tools such as grpcurl that
 * cannot sign; on plaintext it is refused, since the token has then already travelled in clear.
 *
 * <p>Comparisons take the same time whatever the bytes ({@link MessageDigest#isEqual}).
 */
public final class TokenAuth {
  /** The signature scheme's name, the first word of the value. */
  public static final String SCHEME = "IPCB1-HMAC-SHA256";

  /** How far a signature's timestamp may be from the broker's clock. */
  public static final Duration SKEW = Duration.ofSeconds(60);

  /** The shortest token accepted: 16 characters. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private static final String BEARER = "Bearer";
  private static final int NONCE_BYTES = 16;
  private static final int SIG_BYTES = 32;

  private final byte[] token;
  private final SecretKeySpec key;
  private final NonceLedger nonces;
  private final LongSupplier clockMillis;
  private final ThreadLocal<Mac> macs;

  /** Checks calls against {@code token}, on the system clock. */
  public TokenAuth(String token) {
    this(token, System::currentTimeMillis, NonceLedger.DEFAULT_CAPACITY);
  }

  TokenAuth(String token, LongSupplier clockMillis, int nonceCapacity) {
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(
          "the auth token must be at least " + MIN_TOKEN_LENGTH + " characters");
    }
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.key = new SecretKeySpec(this.token, "HmacSHA256");
    this.clockMillis = clockMillis;
    this.nonces = new NonceLedger(SKEW.toMillis(), nonceCapacity);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /**
   * Checks one call.
   *
   * @param authorization the call's {@code authorization} value, or null without one
   * @param method the call's full method name ({@code ipcbroker.v1.QueueService/PutItem})
   * @param confidential whether the connection is encrypted (TLS)
   * @throws BrokerException {@code TOKEN_MISSING}, {@code TOKEN_INVALID}, {@code TOKEN_EXPIRED},
   *     {@code TOKEN_REPLAYED}, or {@code LIMIT_EXCEEDED} when more signed calls arrived within the
   *     skew window than the nonce ledger holds
   */
  public void check(String authorization, String method, boolean confidential) {
    if (authorization == null || authorization.isEmpty()) {
      throw BrokerException.of(Reason.TOKEN_MISSING, "the broker requires a token");
    }
    int space = authorization.indexOf(' ');
    String scheme = space < 0 ? authorization : authorization.substring(0, space);
    String rest = space < 0 ? "" : authorization.substring(space + 1).trim();
    if (scheme.equalsIgnoreCase(BEARER)) {
      if (!confidential) {
        throw invalid(scheme, "a bearer token is only accepted over TLS");
      }
      if (!MessageDigest.isEqual(token, rest.getBytes(StandardCharsets.UTF_8))) {
        throw invalid(scheme, "the token does not match");
      }
      return;
    }
    if (!scheme.equals(SCHEME)) {
      throw invalid(scheme, "unknown authorization scheme");
    }
    String[] parts = rest.split("\\.", -1);
    if (parts.length != 3) {
      throw invalid(scheme, "expected TS.NONCE.SIG");
    }
    long ts;
    byte[] nonce;
    byte[] sig;
    try {
      ts = Long.parseLong(parts[0]);
      nonce = Base64.getUrlDecoder().decode(parts[1]);
      sig = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw invalid(scheme, "malformed signature");
    }
    if (nonce.length != NONCE_BYTES || sig.length != SIG_BYTES) {
      throw invalid(scheme, "malformed signature");
    }
    String bare = method.startsWith("/") ? method.substring(1) : method;
    if (!MessageDigest.isEqual(sig, sign(parts[0], parts[1], bare))) {
      throw invalid(scheme, "the signature does not match the token");
    }
    long now = clockMillis.getAsLong();
    // Not older than a window before the latest clock reading (see NonceLedger), nor later than a
    // window ahead of this one. Comparisons, not a difference: a hostile ts cannot overflow them.
    if (ts < nonces.oldestAcceptable(now) || ts > now + SKEW.toMillis()) {
      long skewSeconds = now / 1000 - ts / 1000;
      throw BrokerException.of(
          Reason.TOKEN_EXPIRED,
          "the signature's timestamp is " + skewSeconds + " s from the broker's clock",
          "skewSeconds",
          skewSeconds);
    }
    if (!nonces.firstUse(nonceKey(nonce), ts, now)) {
      throw BrokerException.of(Reason.TOKEN_REPLAYED, "this signature was already used");
    }
  }

  /** The signature of {@code ts}, {@code nonce} (as sent) and {@code method}. */
  private byte[] sign(String ts, String nonce, String method) {
    Mac mac = macs.get();
    String signed = "IPCB1\n" + ts + "\n" + nonce + "\n" + method;
    return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  /** 64 of the nonce's random bits: two nonces share them once in 2^64. */
  private static long nonceKey(byte[] nonce) {
    long k = 0;
    for (int i = 0; i < 8; i++) {
      k = (k << 8) | (nonce[i] & 0xff);
    }
    return k;
  }

  private static BrokerException invalid(String scheme, String why) {
    // Never echo the client's own word: a client that sent its bare token as the value would get
    // it back in an error, and into its logs.
    String shown =
        scheme.equals(SCHEME) ? SCHEME : scheme.equalsIgnoreCase(BEARER) ? BEARER : "other";
    return BrokerException.of(Reason.TOKEN_INVALID, why, "scheme", shown);
  }
}
