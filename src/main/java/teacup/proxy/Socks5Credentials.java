package teacup.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The one user name and password the SOCKS server accepts (RFC 1929), compared in constant time. */
public final class Socks5Credentials {
    private final byte[] user;
    private final byte[] password;

    private Socks5Credentials(byte[] user, byte[] password) {
        this.user = user;
        this.password = password;
    }

    /**
     * {@code USER:PASS} (the first colon splits them). Each must be 1 to 255 bytes in UTF-8: RFC
     * 1929 gives each a one-byte length. Throws IllegalArgumentException saying what is wrong.
     */
    public static Socks5Credentials parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("give USER:PASS, not '" + text + "'");
        }
        byte[] u = text.substring(0, colon).getBytes(StandardCharsets.UTF_8);
        byte[] p = text.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        if (u.length < 1 || u.length > 255 || p.length < 1 || p.length > 255) {
            throw new IllegalArgumentException("user name and password must each be 1 to 255 bytes");
        }
        return new Socks5Credentials(u, p);
    }

    /** True when both match. Both are always compared, so the time taken does not say which one was wrong. */
    boolean matches(byte[] givenUser, byte[] givenPassword) {
        boolean u = MessageDigest.isEqual(user, givenUser);
        boolean p = MessageDigest.isEqual(password, givenPassword);
        return u & p;
    }
}
