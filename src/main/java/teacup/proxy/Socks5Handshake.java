package teacup.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import teacup.wire.Ipv4Address;

/**
 * The server's side of a SOCKS5 handshake on one client socket (RFC 1928 3 and 4, RFC 1929 2):
 * method selection, the optional user name and password, and the request.
 *
 * <p>The whole handshake has one deadline; every read waits only for what is left of it, so a
 * client trickling a byte at a time cannot hold its thread longer than a silent one. Each field
 * is read with its exact length, never more than 255 bytes at once, so nothing a client sends
 * makes the server buffer more than that.
 */
final class Socks5Handshake {
    static final int VERSION = 0x05;
    static final int NO_AUTHENTICATION = 0x00;
    static final int USER_PASSWORD = 0x02;
    static final int NO_ACCEPTABLE_METHOD = 0xFF;
    static final int USER_PASSWORD_VERSION = 0x01;
    static final int AUTH_SUCCESS = 0x00;
    static final int AUTH_FAILURE = 0x01;
    private static final int REPLY_LENGTH = 10;

    /** The client broke the protocol or gave up; the server drops it without another word. */
    static final class Refused extends IOException {
        Refused(String reason) {
            super(reason);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Socks5Credentials credentials;
    private final long deadline;

    /** {@code credentials} null: only "no authentication" is offered. */
    Socks5Handshake(Socket socket, Socks5Credentials credentials, long deadlineNanos) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.credentials = credentials;
        this.deadline = deadlineNanos;
    }

    /**
     * Runs the handshake up to and including the request, which it returns unanswered. Throws
     * {@link Refused} when the client is to be closed: a wrong version, no acceptable method
     * (after telling it so), wrong credentials (after telling it so), an address type nobody
     * knows (after replying 0x08), or the deadline.
     */
    Socks5Request negotiate() throws IOException {
        // RFC 1928 3: VER, NMETHODS, METHODS.
        if (readByte() != VERSION) {
            throw new Refused("not SOCKS version 5");
        }
        byte[] methods = readBytes(readByte());
        int wanted = credentials == null ? NO_AUTHENTICATION : USER_PASSWORD;
        boolean offered = false;
        for (byte m : methods) {
            offered |= (m & 0xff) == wanted;
        }
        if (!offered) {
            write(VERSION, NO_ACCEPTABLE_METHOD);
            throw new Refused("no acceptable authentication method offered");
        }
        write(VERSION, wanted);
        if (credentials != null) {
            authenticate();
        }

        // RFC 1928 4: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT. RSV is not checked: it carries nothing.
        if (readByte() != VERSION) {
            throw new Refused("request is not SOCKS version 5");
        }
        int command = readByte();
        readByte();
        int type = readByte();
        String host = switch (type) {
            case Socks5Request.IPV4 -> Ipv4Address.format(readInt());
            case Socks5Request.DOMAIN -> new String(readBytes(readByte()), StandardCharsets.ISO_8859_1);
            case Socks5Request.IPV6 -> HexFormat.of().formatHex(readBytes(16));
            default -> {
                // The address's length is unknown, so the rest of the request cannot be read.
                reply(Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED, Ipv4Address.ANY, 0);
                throw new Refused("unknown address type " + type);
            }
        };
        int port = readByte() << 8 | readByte();
        return new Socks5Request(command, type, host, port);
    }

    /** RFC 1929 2: VER 1, ULEN, UNAME, PLEN, PASSWD; answered VER 1, STATUS. */
    private void authenticate() throws IOException {
        if (readByte() != USER_PASSWORD_VERSION) {
            throw new Refused("not user name/password version 1");
        }
        byte[] user = readBytes(readByte());
        byte[] password = readBytes(readByte());
        if (!credentials.matches(user, password)) {
            // RFC 1929 2: on failure the server must close the connection after answering.
            write(USER_PASSWORD_VERSION, AUTH_FAILURE);
            throw new Refused("wrong user name or password");
        }
        write(USER_PASSWORD_VERSION, AUTH_SUCCESS);
    }

    /** Sends the reply to the request: REP and, on success, the address the server connected from (RFC 1928 6). */
    void reply(Socks5Reply reply, Ipv4Address bound, int port) throws IOException {
        out.write(encodeReply(reply, bound, port));
        out.flush();
    }

    static byte[] encodeReply(Socks5Reply reply, Ipv4Address bound, int port) {
        int a = bound.bits();
        return new byte[] {VERSION, (byte) reply.code(), 0x00, Socks5Request.IPV4,
                (byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a, (byte) (port >>> 8), (byte) port};
    }

    static int replyLength() {
        return REPLY_LENGTH;
    }

    private void write(int a, int b) throws IOException {
        out.write(new byte[] {(byte) a, (byte) b});
        out.flush();
    }

    private int readInt() throws IOException {
        return readByte() << 24 | readByte() << 16 | readByte() << 8 | readByte();
    }

    private int readByte() throws IOException {
        awaitTurn();
        int b = in.read();
        if (b < 0) {
            throw new EOFException("client closed during the handshake");
        }
        return b;
    }

    private byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            awaitTurn();
            int r = in.read(b, got, n - got);
            if (r < 0) {
                throw new EOFException("client closed during the handshake");
            }
            got += r;
        }
        return b;
    }

    /** Lets the next read wait only for what is left of the deadline. */
    private void awaitTurn() throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("handshake not finished in time");
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
    }
}
