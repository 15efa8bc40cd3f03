package teacup.proxy;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/** The REP field of a SOCKS5 reply (RFC 1928 6). */
public enum Socks5Reply {
    SUCCEEDED(0x00),
    GENERAL_FAILURE(0x01),
    NOT_ALLOWED(0x02),
    NETWORK_UNREACHABLE(0x03),
    HOST_UNREACHABLE(0x04),
    CONNECTION_REFUSED(0x05),
    TTL_EXPIRED(0x06),
    COMMAND_NOT_SUPPORTED(0x07),
    ADDRESS_TYPE_NOT_SUPPORTED(0x08);

    private final int code;

    Socks5Reply(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * The reply that tells a client why its CONNECT failed. A name that did not resolve and a
     * host that never answered are both "host unreachable": the client can do nothing different
     * about either, and curl reports both the same way.
     */
    public static Socks5Reply forFailure(IOException e) {
        if (e instanceof UnknownHostException || e instanceof SocketTimeoutException) {
            return HOST_UNREACHABLE;
        }
        if (e instanceof NoRouteToHostException) {
            return NETWORK_UNREACHABLE;
        }
        if (e instanceof BindException) {
            return GENERAL_FAILURE; // out of local ports: our trouble, not the destination's
        }
        if (e instanceof ConnectException) {
            String m = e.getMessage();
            return m != null && m.toLowerCase(java.util.Locale.ROOT).contains("refused") ? CONNECTION_REFUSED : HOST_UNREACHABLE;
        }
        return GENERAL_FAILURE;
    }
}
