package io.ipcbroker.client;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA, a server certificate for {@code localhost}/{@code 127.0.0.1} and a client certificate, made
 * at run time into a directory as PEM files (keys as PKCS#8), valid for one day.
 */
final class TestCertificates {
  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;

  /** A CA that signed nothing here: trusting it alone must fail the handshake. */
  final Path otherCaCert;

  private TestCertificates(Path dir) {
    caCert = dir.resolve("ca.pem");
    serverCert = dir.resolve("server.pem");
    serverKey = dir.resolve("server.key");
    clientCert = dir.resolve("client.pem");
    clientKey = dir.resolve("client.key");
    otherCaCert = dir.resolve("other-ca.pem");
  }

  /** Makes the files in {@code dir}. */
  static TestCertificates create(Path dir) throws Exception {
    TestCertificates c = new TestCertificates(dir);
    KeyPair caKeys = keys();
    X509Certificate ca = caCertificate("ipcbroker test CA", caKeys);
    write(c.caCert, ca);
    write(c.otherCaCert, caCertificate("some other CA", keys()));

    KeyPair serverKeys = keys();
    X509Certificate server =
        leaf(
            "localhost",
            serverKeys,
            ca,
            caKeys.getPrivate(),
            new GeneralNames(
                new GeneralName[] {
                  new GeneralName(GeneralName.dNSName, "localhost"),
                  new GeneralName(GeneralName.iPAddress, "127.0.0.1")
                }));
    write(c.serverCert, server);
    writeKey(c.serverKey, serverKeys.getPrivate());

    KeyPair clientKeys = keys();
    X509Certificate client = leaf("test client", clientKeys, ca, caKeys.getPrivate(), null);
    write(c.clientCert, client);
    writeKey(c.clientKey, clientKeys.getPrivate());
    return c;
  }

  private static KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate caCertificate(String cn, KeyPair keys) throws Exception {
    X500Name name = new X500Name("CN=" + cn);
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name, serial(), notBefore(), notAfter(), name, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return sign(b, keys.getPrivate());
  }

  private static X509Certificate leaf(
      String cn, KeyPair keys, X509Certificate issuer, PrivateKey issuerKey, GeneralNames sans)
      throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            issuer, serial(), notBefore(), notAfter(), new X500Name("CN=" + cn), keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
    if (sans != null) {
      b.addExtension(Extension.subjectAlternativeName, false, sans);
    }
    return sign(b, issuerKey);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom());
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static Date notAfter() {
    return Date.from(Instant.now().plus(Duration.ofDays(1)));
  }

  private static void write(Path file, X509Certificate cert) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(cert);
    }
  }

  private static void writeKey(Path file, PrivateKey key) throws Exception {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(key, null));
    }
  }
}
