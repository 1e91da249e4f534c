package io.ipcbroker.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The signature scheme as the README states it, signed here independently of any client, and the
 * broker's clock and replay rules.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TokenAuthTest {
  private static final String TOKEN = "0123456789abcdef-token";
  private static final String METHOD = "ipcbroker.v1.QueueService/PutItem";

  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
  private final TokenAuth auth = new TokenAuth(TOKEN, now::get, 1000);
  private int nonceSeq;

  @Test
  void aSignatureByTheSpecGetsIn() {
    auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false);
    // A leading slash, as some clients name methods, signs the same name.
    auth.check(sign(TOKEN, now.get(), nonce(), METHOD), "/" + METHOD, false);
  }

  @Test
  void noValueIsMissing() {
    assertReason(() -> auth.check(null, METHOD, false), Reason.TOKEN_MISSING);
    assertReason(() -> auth.check("", METHOD, true), Reason.TOKEN_MISSING);
  }

  @Test
  void anotherTokenOrMethodIsInvalid() {
    assertReason(
        () ->
            auth.check(sign("another-token-of-length", now.get(), nonce(), METHOD), METHOD, false),
        Reason.TOKEN_INVALID);
    assertReason(
        () ->
            auth.check(
                sign(TOKEN, now.get(), nonce(), "ipcbroker.v1.QueueService/DeleteQueue"),
                METHOD,
                false),
        Reason.TOKEN_INVALID);
  }

  @Test
  void aTimestampOutsideTheSkewIsExpiredAndInsideItIsAccepted() {
    long skew = TokenAuth.SKEW.toMillis();
    auth.check(sign(TOKEN, now.get() - skew, nonce(), METHOD), METHOD, false);
    auth.check(sign(TOKEN, now.get() + skew, nonce(), METHOD), METHOD, false);
    assertReason(
        () -> auth.check(sign(TOKEN, now.get() - skew - 1, nonce(), METHOD), METHOD, false),
        Reason.TOKEN_EXPIRED);
    assertReason(
        () -> auth.check(sign(TOKEN, now.get() + skew + 1, nonce(), METHOD), METHOD, false),
        Reason.TOKEN_EXPIRED);
  }

  @Test
  void aNonceIsAcceptedOnceForAsLongAsItsTimestampIsValid() {
    String value = sign(TOKEN, now.get() + TokenAuth.SKEW.toMillis(), nonce(), METHOD);
    auth.check(value, METHOD, false);
    assertReason(() -> auth.check(value, METHOD, false), Reason.TOKEN_REPLAYED);
    // Replayed as late as its timestamp allows: two windows on, it is still remembered.
    now.addAndGet(2 * TokenAuth.SKEW.toMillis());
    assertReason(() -> auth.check(value, METHOD, false), Reason.TOKEN_REPLAYED);
    // Past that, the timestamp alone refuses it.
    now.addAndGet(1);
    assertReason(() -> auth.check(value, METHOD, false), Reason.TOKEN_EXPIRED);
  }

  @Test
  void aNonceSignedAtTheEndOfAWindowIsRememberedAsLongAsItIsValid() {
    long w = TokenAuth.SKEW.toMillis();
    auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false); // the clock's first reading
    now.addAndGet(w - 1);
    String late = sign(TOKEN, now.get() + w, nonce(), METHOD); // as far ahead as allowed
    auth.check(late, METHOD, false);
    // Its timestamp stays acceptable until the clock is two windows past it.
    for (int i = 0; i < 4; i++) {
      now.addAndGet(w / 2);
      assertReason(() -> auth.check(late, METHOD, false), Reason.TOKEN_REPLAYED);
    }
    now.addAndGet(1);
    assertReason(() -> auth.check(late, METHOD, false), Reason.TOKEN_EXPIRED);
  }

  @Test
  void aClockThatStepsBackCannotReviveAForgottenNonce() {
    long w = TokenAuth.SKEW.toMillis();
    long start = now.get();
    String value = sign(TOKEN, start, nonce(), METHOD);
    auth.check(value, METHOD, false);
    now.addAndGet(3 * w);
    // A call three windows later moves the ledger on, and the nonce's window is dropped.
    auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false);
    now.set(start); // the clock is set back
    assertReason(() -> auth.check(value, METHOD, false), Reason.TOKEN_EXPIRED);
    // Until the clock catches up, signatures older than the latest reading allows are refused.
    assertReason(
        () -> auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false),
        Reason.TOKEN_EXPIRED);
    now.set(start + 3 * w);
    auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false);
    assertReason(() -> auth.check(value, METHOD, false), Reason.TOKEN_EXPIRED);
  }

  @Test
  void theLedgerForgetsOldGenerationsAndRefusesWhenFull() {
    String first = sign(TOKEN, now.get(), nonce(), METHOD);
    auth.check(first, METHOD, false);
    for (int i = 1; i < 1000; i++) {
      auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false);
    }
    BrokerException full =
        catchBroker(() -> auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false));
    assertThat(full.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
    // A window later they are all still held.
    now.addAndGet(TokenAuth.SKEW.toMillis());
    assertReason(() -> auth.check(first, METHOD, false), Reason.TOKEN_REPLAYED);
    // Three windows later those nonces can no longer be replayed (their timestamps expired), so
    // they are dropped and new calls get in.
    now.addAndGet(3 * TokenAuth.SKEW.toMillis());
    auth.check(sign(TOKEN, now.get(), nonce(), METHOD), METHOD, false);
  }

  @Test
  void bearerIsAcceptedOnlyOverTls() {
    auth.check("Bearer " + TOKEN, METHOD, true);
    assertReason(() -> auth.check("Bearer " + TOKEN, METHOD, false), Reason.TOKEN_INVALID);
    assertReason(() -> auth.check("Bearer " + TOKEN + "x", METHOD, true), Reason.TOKEN_INVALID);
    assertReason(() -> auth.check("bearer nope", METHOD, true), Reason.TOKEN_INVALID);
  }

  @Test
  void malformedValuesAreInvalid() {
    for (String bad :
        new String[] {
          "IPCB1-HMAC-SHA256",
          "IPCB1-HMAC-SHA256 ",
          "IPCB1-HMAC-SHA256 1.2",
          "IPCB1-HMAC-SHA256 1.2.3.4",
          "IPCB1-HMAC-SHA256 x.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "IPCB1-HMAC-SHA256 1.AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "IPCB1-HMAC-SHA256 1.!!.??",
          "Digest x".repeat(100)
        }) {
      assertReason(() -> auth.check(bad, METHOD, false), Reason.TOKEN_INVALID);
    }
  }

  @Test
  void shortTokensAreRefused() {
    assertThatThrownBy(() -> new TokenAuth("short")).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- helpers ----

  /** 16 distinct bytes per call, base64url without padding. */
  private String nonce() {
    byte[] b = new byte[16];
    int n = ++nonceSeq;
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (n >>> (8 * (7 - i)));
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The scheme of the README, written out. */
  private static String sign(String token, long ts, String nonce, String method) {
    Mac mac;
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    byte[] sig =
        mac.doFinal(
            ("IPCB1\n" + ts + "\n" + nonce + "\n" + method).getBytes(StandardCharsets.UTF_8));
    return "IPCB1-HMAC-SHA256 "
        + ts
        + "."
        + nonce
        + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
  }

  private static void assertReason(Runnable r, Reason reason) {
    assertThat(catchBroker(r).reason()).isEqualTo(reason);
  }

  private static BrokerException catchBroker(Runnable r) {
    try {
      r.run();
    } catch (BrokerException e) {
      return e;
    }
    throw new AssertionError("expected a BrokerException");
  }
}
