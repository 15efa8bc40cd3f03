package teacup.proxy;

/**
 * A client's request as read off the wire (RFC 1928 4): the command, the address type, the
 * destination as text (dotted quad, domain name, or an IPv6 address in hex) and the port.
 */
public record Socks5Request(int command, int addressType, String host, int port) {
    public static final int CONNECT = 0x01;
    public static final int BIND = 0x02;
    public static final int UDP_ASSOCIATE = 0x03;

    public static final int IPV4 = 0x01;
    public static final int DOMAIN = 0x03;
    public static final int IPV6 = 0x04;

    public String destination() {
        return (addressType == IPV6 ? "[" + host + "]" : host) + ":" + port;
    }
}
