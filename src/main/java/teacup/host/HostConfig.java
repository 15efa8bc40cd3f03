package teacup.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import teacup.wire.Ipv4Address;

/**
 * What {@code teacup setup} made on this host, as recorded in its config file: the first half
 * is what commands need to run with no link options (the TAP, teacup's address, gateway and
 * DNS servers), the second what {@code teacup setup --undo} needs to take it all away again.
 *
 * <p>The file lives at {@value #DEFAULT_PATH} (setup runs as root and one TAP serves one host,
 * so the file is the host's, readable by everyone), or wherever the environment variable
 * {@value #PATH_VARIABLE} points. It holds {@code key = value} lines; {@code #} starts a comment.
 *
 * @param tap                 the TAP device teacup attaches to
 * @param address             teacup's own address and prefix on it
 * @param gateway             the host's side of the TAP, teacup's router
 * @param dns                 DNS servers for teacup (may be empty)
 * @param hostAddress         the address setup gave the host's side of the TAP
 * @param owner               the user the TAP belongs to (absent: root only)
 * @param nftTable            the {@code inet} nftables table setup added
 * @param dnsRedirect         the host's loopback resolver DNS to the gateway is sent to, when there is one
 * @param previousIpForward   {@code net.ipv4.ip_forward} as it was before setup, restored by undo
 * @param createdDirectory    whether setup made the config file's directory (undo removes it when empty)
 */
public record HostConfig(String tap, Cidr address, Ipv4Address gateway, List<Ipv4Address> dns, Cidr hostAddress,
        Optional<String> owner, String nftTable, Optional<Ipv4Address> dnsRedirect, String previousIpForward,
        boolean createdDirectory) {

    public static final String DEFAULT_PATH = "/etc/teacup/config";
    public static final String PATH_VARIABLE = "TEACUP_CONFIG";
    /**
     * A system property that, set to {@code forbidden}, keeps commands from reading the host's
     * config or making a temporary set-up: the unit tests set it, as they run in the host's own
     * network namespace and must leave it alone.
     */
    public static final String HOST_SETUP_PROPERTY = "teacup.hostSetup";

    public HostConfig {
        dns = List.copyOf(dns);
        if (!TapNames.valid(tap)) {
            throw new IllegalArgumentException("not a usable interface name: '" + tap + "'");
        }
        if (!nftTable.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("not a usable nftables table name: '" + nftTable + "'");
        }
        if (!previousIpForward.matches("[01]")) {
            throw new IllegalArgumentException("previous-ip-forward must be 0 or 1, not '" + previousIpForward + "'");
        }
        if (address.prefixLength() != hostAddress.prefixLength() || address.network() != hostAddress.network()) {
            throw new IllegalArgumentException("address " + address + " and host-address " + hostAddress + " are not on one subnet");
        }
    }

    /** An IPv4 address with a prefix length, e.g. {@code 198.19.123.2/24}. */
    public record Cidr(Ipv4Address address, int prefixLength) {
        public Cidr {
            Ipv4Address.mask(prefixLength); // checks 0..32
        }

        /** Parses {@code A.B.C.D/N} (a bare address is a /32); throws IllegalArgumentException with a one-line reason. */
        public static Cidr parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                return new Cidr(Ipv4Address.parse(text), 32);
            }
            int prefix;
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("prefix length must be 0..32, not " + prefix);
            }
            return new Cidr(Ipv4Address.parse(text.substring(0, slash)), prefix);
        }

        public int mask() {
            return Ipv4Address.mask(prefixLength);
        }

        /** The network's first address (the host bits zero). */
        public int network() {
            return address.bits() & mask();
        }

        /** The {@code n}th address of this network, e.g. {@code host(1)} is x.y.z.1 of a /24. */
        public Ipv4Address host(int n) {
            return new Ipv4Address(network() + n);
        }

        /** This network with the host bits cleared, e.g. 198.19.123.0/24. */
        public Cidr subnet() {
            return new Cidr(new Ipv4Address(network()), prefixLength);
        }

        /** True when the two networks share any address. */
        public boolean overlaps(Cidr other) {
            int shorter = Ipv4Address.mask(Math.min(prefixLength, other.prefixLength));
            return (address.bits() & shorter) == (other.address.bits() & shorter);
        }

        @Override
        public String toString() {
            return address + "/" + prefixLength;
        }
    }

    /** Linux interface names: 1..15 bytes, no slash, colon or white space, not "." or "..". */
    public static final class TapNames {
        private TapNames() {}

        public static boolean valid(String name) {
            return name != null && !name.isEmpty() && name.length() <= 15 && !name.equals(".") && !name.equals("..")
                    && name.chars().allMatch(c -> c > ' ' && c < 127 && c != '/' && c != ':');
        }
    }

    // ---------------------------------------------------------------- where the file is

    /** The config file's path: {@value #PATH_VARIABLE} when set, else {@value #DEFAULT_PATH}. */
    public static Path path() {
        String fromEnvironment = System.getenv(PATH_VARIABLE);
        return Path.of(fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment : DEFAULT_PATH);
    }

    /** True when this JVM may not use the host's set-up (see {@link #HOST_SETUP_PROPERTY}). */
    static boolean hostSetupForbidden() {
        return "forbidden".equals(System.getProperty(HOST_SETUP_PROPERTY));
    }

    /**
     * Reads the config at {@code file}; empty when there is none. A file that is there but
     * cannot be used throws an IOException naming the file, the line and the reason.
     */
    public static Optional<HostConfig> load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(text));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the config to {@code file} (replacing it whole, readable by everyone). */
    public void store(Path file) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(temporary, format(), StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(temporary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system; the default permissions will do
        }
        // Renamed into place so that a reader never sees half a file.
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    // ---------------------------------------------------------------- the format

    private static final List<String> KEYS = List.of("tap", "address", "gateway", "dns", "host-address", "owner",
            "nft-table", "dns-redirect", "previous-ip-forward", "created-directory");

    /** The file's text, one {@code key = value} line each, with comments saying what the parts are for. */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append("# teacup host configuration, written by `teacup setup`; removed by `teacup setup --undo`.\n");
        b.append("# Commands given no link options (--tap, --interface, --ip) use the first four lines.\n");
        b.append("tap = ").append(tap).append('\n');
        b.append("address = ").append(address).append('\n');
        b.append("gateway = ").append(gateway).append('\n');
        b.append("dns = ").append(String.join(" ", dns.stream().map(Ipv4Address::toString).toList())).append('\n');
        b.append("# What setup changed, so that --undo removes exactly that.\n");
        b.append("host-address = ").append(hostAddress).append('\n');
        owner.ifPresent(o -> b.append("owner = ").append(o).append('\n'));
        b.append("nft-table = ").append(nftTable).append('\n');
        dnsRedirect.ifPresent(r -> b.append("dns-redirect = ").append(r).append('\n'));
        b.append("previous-ip-forward = ").append(previousIpForward).append('\n');
        b.append("created-directory = ").append(createdDirectory ? "yes" : "no").append('\n');
        return b.toString();
    }

    /** Parses the file's text; throws IllegalArgumentException naming the line and what is wrong with it. */
    public static HostConfig parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        int lineNumber = 0;
        for (String raw : text.split("\n", -1)) {
            lineNumber++;
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("line " + lineNumber + ": expected KEY = VALUE, not '" + line + "'");
            }
            String key = line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("line " + lineNumber + ": unknown key '" + key + "'");
            }
            if (values.put(key, value) != null) {
                throw new IllegalArgumentException("line " + lineNumber + ": '" + key + "' given twice");
            }
        }
        try {
            List<Ipv4Address> dns = new ArrayList<>();
            String dnsText = values.getOrDefault("dns", "");
            for (String server : dnsText.split("[\\s,]+")) {
                if (!server.isEmpty()) {
                    dns.add(Ipv4Address.parse(server));
                }
            }
            return new HostConfig(
                    required(values, "tap"),
                    Cidr.parse(required(values, "address")),
                    Ipv4Address.parse(required(values, "gateway")),
                    dns,
                    Cidr.parse(required(values, "host-address")),
                    Optional.ofNullable(values.get("owner")).filter(s -> !s.isEmpty()),
                    required(values, "nft-table"),
                    Optional.ofNullable(values.get("dns-redirect")).filter(s -> !s.isEmpty()).map(Ipv4Address::parse),
                    required(values, "previous-ip-forward"),
                    yesOrNo(values.getOrDefault("created-directory", "no")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("missing") ? e.getMessage() : "bad value: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return value;
    }

    private static boolean yesOrNo(String value) {
        return switch (value) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException("created-directory must be yes or no, not '" + value + "'");
        };
    }
}
