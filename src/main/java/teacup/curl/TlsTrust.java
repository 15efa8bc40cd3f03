package teacup.curl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Which servers {@code teacup curl} believes: the JDK's trust store by default, only the
 * certificates of a PEM file with {@code --cacert} (curl's meaning: it replaces the default
 * store), or anyone with {@code -k}. Host names are checked separately, by the TLS strategy.
 */
final class TlsTrust {
    private TlsTrust() {}

    /** The TLS context for these options; a bad {@code --cacert} file is a {@link CurlExit} (77). */
    static SSLContext context(Path caFile, boolean insecure) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (insecure) {
                context.init(null, new TrustManager[] {new TrustEveryone()}, null);
            } else if (caFile != null) {
                TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                f.init(trustStore(caFile));
                context.init(null, f.getTrustManagers(), null);
            } else {
                context.init(null, null, null);
            }
            return context;
        } catch (GeneralSecurityException e) {
            throw new CurlExit(CurlExit.TLS_CONNECT, "(35) cannot set up TLS: " + e.getMessage());
        }
    }

    /** A key store holding every certificate of the PEM (or DER) file as a trusted entry. */
    static KeyStore trustStore(Path caFile) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new CurlExit(CurlExit.BAD_CA_FILE, "(77) error setting certificate verify locations: "
                    + caFile + ": no such file");
        } catch (IOException | GeneralSecurityException e) {
            throw new CurlExit(CurlExit.BAD_CA_FILE, "(77) error reading CA file " + caFile + ": " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new CurlExit(CurlExit.BAD_CA_FILE, "(77) no certificate in CA file " + caFile);
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new CurlExit(CurlExit.BAD_CA_FILE, "(77) error loading CA file " + caFile + ": " + e.getMessage());
        }
    }

    /** {@code -k}: every chain is accepted (the user asked not to verify). */
    private static final class TrustEveryone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
