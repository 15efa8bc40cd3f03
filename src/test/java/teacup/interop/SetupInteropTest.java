package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import teacup.cli.Main;
import teacup.host.HostConfig;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.udp.UdpEndpoint;
import teacup.wire.MacAddress;

/**
 * {@code teacup setup} and the ways onto a network (issue 4, point 6), each in namespaces the
 * test makes. "host" stands for the user's machine and "internet" for the world beyond it,
 * joined by a veth pair; a kernel web server listens in "internet". Setup is run in "host" (its
 * config file in a temporary directory), then teacup, as an ordinary user with no link options,
 * fetches a file from "internet" through the NAT; {@code --undo} must leave "host" as it found it.
 * {@code --interface} mode runs teacup on one end of a veth pair with the kernel on the other.
 */
@Tag("interop")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup setup, NAT to a web server, and --interface on a veth")
class SetupInteropTest {
    private static final Duration COMMAND = Duration.ofSeconds(30);
    private static final String HOST_UPLINK = "198.18.200.1";
    private static final String SERVER = "198.18.200.2";
    private static final int PORT = 8080;
    /** nobody: an ordinary user, so that "no root needed after setup" is what is tested. */
    private static final String USER = "nobody";
    private static final int NOBODY_UID = 65534;

    @TempDir
    Path dir;

    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();
    private String host;
    private String internet;
    private Path config;
    private byte[] file;

    @BeforeEach
    void requirements() {
        TapNetwork.requireRoot("creates network namespaces, a TAP and nftables rules");
        TapNetwork.requirePrograms("ip", "nft", "python3", "setpriv", "sysctl", "unshare", "mknod", "ss");
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        IOException failure = null;
        for (String ns : namespaces) {
            try {
                SystemCommand.check(COMMAND, "ip", "netns", "del", ns);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    // ---------------------------------------------------------------- the world

    private String namespace(String role) throws IOException {
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        String name = "tcup-" + role + "-" + HexFormat.of().formatHex(random);
        SystemCommand.check(COMMAND, "ip", "netns", "add", name);
        namespaces.add(name);
        ip(name, "link", "set", "lo", "up");
        return name;
    }

    private static String ip(String ns, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", ns));
        argv.addAll(List.of(args));
        return SystemCommand.check(COMMAND, argv.toArray(String[]::new));
    }

    private static String[] in(String ns, String... program) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(program));
        return argv.toArray(String[]::new);
    }

    /** "host" and "internet" joined by a veth, the host's default route through it, a web server serving {@link #file}. */
    private void makeWorld() throws IOException, InterruptedException {
        host = namespace("h");
        internet = namespace("i");
        SystemCommand.check(COMMAND, "ip", "link", "add", "up0", "netns", host, "type", "veth", "peer", "name", "wan0",
                "netns", internet);
        ip(host, "addr", "add", HOST_UPLINK + "/24", "dev", "up0");
        ip(host, "link", "set", "up0", "up");
        ip(host, "route", "add", "default", "via", SERVER);
        ip(internet, "addr", "add", SERVER + "/24", "dev", "wan0");
        ip(internet, "link", "set", "wan0", "up");

        Path www = Files.createDirectory(dir.resolve("www"));
        file = new byte[3 << 20];
        new SplittableRandom(4).nextBytes(file);
        Files.write(www.resolve("file"), file);
        start(in(internet, "python3", "-m", "http.server", "--bind", SERVER, "--directory", www.toString(),
                Integer.toString(PORT)), dir.resolve("http.log"));
        awaitListener(internet, PORT);

        // A directory an ordinary user can read, for the config file and teacup's classes.
        Path etc = Files.createDirectory(dir.resolve("etc"));
        openToAll(dir);
        openToAll(etc);
        config = etc.resolve("teacup").resolve("config");
    }

    private static void openToAll(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Process start(String[] argv, Path log) throws IOException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(log.toFile()).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private static void awaitListener(String ns, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            String ss = SystemCommand.run(COMMAND, in(ns, "ss", "-Hntl")).stdout();
            if (ss.contains(":" + port + " ")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing listens on TCP port " + port + " in " + ns);
    }

    /** What setup may change, as text: links, addresses, routes, nftables, forwarding. */
    private static String snapshot(String ns) throws IOException {
        // IPv4 addresses only: an IPv6 link-local address's duplicate detection may finish in between.
        return ip(ns, "-d", "link") + ip(ns, "-4", "addr") + ip(ns, "route") + SystemCommand.check(COMMAND, in(ns, "nft", "list", "ruleset"))
                + SystemCommand.check(COMMAND, in(ns, "sysctl", "net.ipv4.ip_forward"));
    }

    // ---------------------------------------------------------------- running teacup

    /** {@code java -cp CLASSES teacup.cli.Main args...}, on a class path an ordinary user can read. */
    private String[] teacup(String... args) throws IOException, URISyntaxException {
        Path lib = dir.resolve("lib");
        if (!Files.isDirectory(lib)) {
            Files.createDirectory(lib);
            openToAll(lib);
            Path picocli = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Files.copy(picocli, lib.resolve("picocli.jar"));
            // teacup curl's libraries (HttpClient 5 and its logging), copied where an ordinary user can read them.
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                String name = Path.of(entry).getFileName().toString();
                if (name.endsWith(".jar") && (name.startsWith("httpclient5") || name.startsWith("httpcore5") || name.startsWith("slf4j"))) {
                    Files.copy(Path.of(entry), lib.resolve(name));
                }
            }
        }
        String classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> argv = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                classes + File.pathSeparator + lib.resolve("*"), Main.class.getName()));
        argv.addAll(List.of(args));
        return argv.toArray(String[]::new);
    }

    /** {@code setpriv} to nobody in front of {@code argv}: the same program, run by an ordinary user. */
    private static String[] asNobody(String[] argv) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY_UID, "--regid=" + NOBODY_UID,
                "--clear-groups", "--"));
        all.addAll(List.of(argv));
        return all.toArray(String[]::new);
    }

    /**
     * {@code argv} (which runs as nobody) where nobody may open /dev/net/tun. Distributions make it
     * mode 0666 (systemd's udev rules); some containers leave it 0600. Then a node open to all is
     * bound over it in a mount namespace of this one run, which changes nothing outside it.
     */
    private String[] withTunOpenToAll(String[] argv) throws IOException {
        if (Files.getPosixFilePermissions(Path.of("/dev/net/tun")).contains(PosixFilePermission.OTHERS_WRITE)) {
            return argv;
        }
        Path node = dir.resolve("tun");
        if (Files.notExists(node)) {
            SystemCommand.check(COMMAND, "mknod", "-m", "666", node.toString(), "c", "10", "200");
        }
        List<String> all = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /dev/net/tun && exec \"$@\"", node.toString()));
        all.addAll(List.of(argv));
        return all.toArray(String[]::new);
    }

    record Run(int exitCode, byte[] stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\nstderr:\n" + stderr;
        }
    }

    /** Runs {@code argv} with {@code stdin}, TEACUP_CONFIG set to {@code configFile}, bounded by {@link #COMMAND}. */
    private Run run(Path configFile, byte[] stdin, String... argv) throws IOException, InterruptedException {
        Path in = Files.createTempFile(dir, "run", ".in");
        Path out = Files.createTempFile(dir, "run", ".out");
        Path err = Files.createTempFile(dir, "run", ".err");
        Files.write(in, stdin);
        for (Path p : List.of(in, out, err)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put(HostConfig.PATH_VARIABLE, configFile.toString());
        Process p = pb.start();
        started.add(p);
        boolean done = p.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        return new Run(done ? p.exitValue() : -1, Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
    }

    private Run setup(String... args) throws IOException, InterruptedException, URISyntaxException {
        return run(config, new byte[0], in(host, teacup(concat(List.of("setup"), args))));
    }

    private static String[] concat(List<String> first, String... rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(Arrays.asList(rest));
        return all.toArray(String[]::new);
    }

    /** The body after the blank line that ends an HTTP response's head. */
    private static byte[] body(byte[] response) {
        for (int i = 0; i + 3 < response.length; i++) {
            if (response[i] == '\r' && response[i + 1] == '\n' && response[i + 2] == '\r' && response[i + 3] == '\n') {
                return Arrays.copyOfRange(response, i + 4, response.length);
            }
        }
        throw new AssertionError("no HTTP head in " + new String(response, 0, Math.min(200, response.length), StandardCharsets.ISO_8859_1));
    }

    private static final byte[] GET = ("GET /file HTTP/1.0\r\nHost: " + SERVER + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    // ---------------------------------------------------------------- the tests

    @Test
    @DisplayName("after teacup setup --user nobody, nobody's teacup nc with no link options fetches a file through the NAT")
    void setupThenFetchThroughNatWithoutRoot() throws Exception {
        makeWorld();
        String before = snapshot(host);
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "nameserver " + SERVER + "\n");

        Run s = setup("--user", USER, "--resolv-conf", resolv.toString(), "--systemd-resolv-conf", dir.resolve("none").toString());
        assertEquals(0, s.exitCode(), s.describe() + new String(s.stdout(), StandardCharsets.UTF_8));
        HostConfig c = HostConfig.load(config).orElseThrow();
        assertEquals("teacup0", c.tap());
        assertEquals(List.of(teacup.wire.Ipv4Address.parse(SERVER)), c.dns(), "a reachable server is used as it is");
        assertEquals(Optional.empty(), c.dnsRedirect());
        assertEquals("1", SystemCommand.check(COMMAND, in(host, "sysctl", "-n", "net.ipv4.ip_forward")).strip());
        assertTrue(ip(host, "-d", "link", "show", "dev", "teacup0").contains("user nobody"), "the TAP belongs to nobody");

        Run fetch = run(config, GET, withTunOpenToAll(in(host, asNobody(teacup("nc", "-w", "10", SERVER, Integer.toString(PORT))))));
        assertEquals(0, fetch.exitCode(), fetch.describe());
        assertArrayEquals(file, body(fetch.stdout()), "the file came through whole");
        String log = Files.readString(dir.resolve("http.log"));
        assertTrue(log.contains(HOST_UPLINK + " - - "), "the server saw the host's address (masquerade), not teacup's:\n" + log);

        Run again = setup("--user", USER);
        assertEquals(0, again.exitCode(), "setup again is harmless: " + again.describe());
        assertEquals(c, HostConfig.load(config).orElseThrow(), "and changes nothing recorded");

        Run undo = setup("--undo");
        assertEquals(0, undo.exitCode(), undo.describe());
        assertEquals(before, snapshot(host), "--undo leaves the namespace as it was");
        assertTrue(Files.notExists(config) && Files.notExists(config.getParent()), "config file and the directory setup made are gone");
        Run undoAgain = setup("--undo");
        assertEquals(0, undoAgain.exitCode(), "--undo again is harmless: " + undoAgain.describe());
    }

    @Test
    @DisplayName("issue 4's whole path: after setup, nobody's teacup curl with no link options fetches 20 MB by name (dnsmasq) through the NAT")
    void curlByNameThroughDnsAndNat() throws Exception {
        TapNetwork.requirePrograms("dnsmasq");
        makeWorld();
        byte[] big = new byte[20 << 20];
        new SplittableRandom(20).nextBytes(big);
        Files.write(dir.resolve("www").resolve("big"), big);
        start(in(internet, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file", "--user=nobody",
                "--group=nogroup", "--no-resolv", "--no-hosts", "--listen-address=" + SERVER, "--bind-interfaces",
                "--port=53", "--host-record=www.teacup.test," + SERVER), dir.resolve("dnsmasq.log"));
        awaitListener(internet, 53);
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "nameserver " + SERVER + "\n");
        Run s = setup("--user", USER, "--resolv-conf", resolv.toString(), "--systemd-resolv-conf", dir.resolve("none").toString());
        assertEquals(0, s.exitCode(), s.describe());

        Path out = dir.resolve("got");
        Files.createFile(out);
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw-rw-"));
        Run fetch = run(config, new byte[0], withTunOpenToAll(in(host, asNobody(teacup("curl", "-s", "-S", "-f", "--max-time", "60",
                "-o", out.toString(), "http://www.teacup.test:" + PORT + "/big")))));
        assertEquals(0, fetch.exitCode(), fetch.describe());
        assertArrayEquals(sha256(big), sha256(Files.readAllBytes(out)), "20 MB by name, through DNS and NAT, whole");
        assertEquals(0, setup("--undo").exitCode());
    }

    private static byte[] sha256(byte[] data) throws java.security.NoSuchAlgorithmException {
        return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    }

    @Test
    @DisplayName("with only a loopback resolver, teacup's DNS is the gateway and reaches that resolver through the TAP")
    void dnsReachesALoopbackStub() throws Exception {
        makeWorld();
        String before = snapshot(host);
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "# a systemd-resolved host\nnameserver 127.0.0.53\noptions edns0 trust-ad\n");
        // The stand-in for the stub resolver: answers each datagram with "answer:" and what it got.
        Process stub = start(in(host, "python3", "-c", String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('127.0.0.53', 53))",
                "for _ in range(20):",
                "    data, peer = s.recvfrom(2048)",
                "    s.sendto(b'answer:' + data, peer)")), dir.resolve("stub.log"));

        Run s = setup("--resolv-conf", resolv.toString(), "--systemd-resolv-conf", dir.resolve("none").toString());
        assertEquals(0, s.exitCode(), s.describe());
        HostConfig c = HostConfig.load(config).orElseThrow();
        assertEquals(List.of(c.gateway()), c.dns());
        assertEquals(Optional.of(teacup.wire.Ipv4Address.parse("127.0.0.53")), c.dnsRedirect());

        TapLink tap = NetworkNamespace.callIn(host, () -> TapLink.open(c.tap()));
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:05:02"), c.address().address(),
                c.address().prefixLength(), c.gateway(), 1500);
        try (NetStack stack = new NetStack(tap, iface, Clock.SYSTEM, new SplittableRandom(5)).start();
                UdpSocket socket = UdpSocket.bind(stack, 0)) {
            UdpEndpoint.Datagram answer = null;
            for (int attempt = 0; attempt < 5 && answer == null; attempt++) {
                socket.send(c.dns().getFirst(), 53, "query".getBytes(StandardCharsets.US_ASCII));
                try {
                    answer = socket.receive(Duration.ofSeconds(2));
                } catch (java.net.SocketTimeoutException e) {
                    // the stub may not be bound yet on a busy machine: ask again
                }
            }
            assertTrue(answer != null, "no answer from the loopback resolver; it said: " + Files.readString(dir.resolve("stub.log")));
            assertEquals("answer:query", new String(answer.data(), StandardCharsets.US_ASCII));
            assertEquals(c.gateway().bits(), answer.source(), "the answer comes from the address teacup asked");
        } finally {
            stub.destroyForcibly();
        }

        assertEquals(0, setup("--undo").exitCode());
        assertEquals(before, snapshot(host), "--undo leaves the namespace as it was");
    }

    @Test
    @DisplayName("as root with no setup, teacup makes a temporary one for the run and removes it on exit")
    void rootWithoutSetupUsesATemporaryOne() throws Exception {
        makeWorld();
        String before = snapshot(host);
        Run fetch = run(dir.resolve("no-config"), GET, in(host, teacup("nc", "-w", "10", SERVER, Integer.toString(PORT))));
        assertEquals(0, fetch.exitCode(), fetch.describe());
        assertTrue(fetch.stderr().contains("temporary"), "it says what it did: " + fetch.stderr());
        assertArrayEquals(file, body(fetch.stdout()));
        assertEquals(before, snapshot(host), "the temporary set-up is gone after the run");
    }

    @Test
    @DisplayName("teacup daemon on a temporary set-up, stopped by SIGTERM, leaves nothing behind")
    void temporarySetupGoesWithSigterm() throws Exception {
        makeWorld();
        String before = snapshot(host);
        Path log = dir.resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(in(host, teacup("daemon"))).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(log.toFile()).redirectErrorStream(true);
        pb.environment().put(HostConfig.PATH_VARIABLE, dir.resolve("no-config").toString());
        Process daemon = pb.start();
        started.add(daemon);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(log).contains("teacup daemon:") && daemon.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(daemon.isAlive(), "daemon did not come up:\n" + Files.readString(log));
        SystemCommand.Result ping = SystemCommand.run(COMMAND, in(host, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "198.19.123.2"));
        assertEquals(0, ping.exitCode(), ping.stdout() + Files.readString(log));

        daemon.destroy(); // SIGTERM to ip netns exec, which has become the JVM
        assertTrue(daemon.waitFor(15, TimeUnit.SECONDS), "daemon still running after SIGTERM");
        assertEquals(before, snapshot(host), "the temporary set-up is gone after SIGTERM:\n" + Files.readString(log));
    }

    @Test
    @DisplayName("an ordinary user with no setup is told in one line what to run; setup itself needs root")
    void ordinaryUserWithoutSetupIsToldWhatToRun() throws Exception {
        makeWorld();
        String before = snapshot(host);
        Run nc = run(dir.resolve("no-config"), new byte[0], in(host, asNobody(teacup("nc", SERVER, Integer.toString(PORT)))));
        assertEquals(Main.EXIT_USAGE, nc.exitCode(), nc.describe());
        assertEquals(1, nc.stderr().strip().lines().count(), nc.stderr());
        assertTrue(nc.stderr().contains("sudo teacup setup --user nobody"), nc.stderr());

        Run s = run(config, new byte[0], in(host, asNobody(teacup("setup"))));
        assertEquals(1, s.exitCode(), s.describe());
        assertEquals(1, s.stderr().strip().lines().count(), s.stderr());
        assertTrue(s.stderr().contains("teacup setup needs root") && s.stderr().contains("sudo teacup setup"), s.stderr());
        assertEquals(before, snapshot(host), "nothing was changed");
    }

    @Test
    @DisplayName("--interface on a veth: teacup announces its own MAC by ARP (RFC 5227), the kernel pings it, and 3 MB echo back whole")
    void interfaceModeOverAVeth() throws Exception {
        TapNetwork.requirePrograms("ethtool");
        String[] ends = vethWithoutOffloads();
        String kernel = ends[0];
        String side = ends[1];

        String mac = "02:74:63:00:0a:02";
        Path log = dir.resolve("nc.log");
        Process nc = start(teacup("nc", "-v", "-l", "-k", "--echo", "--netns", side, "--interface", "t0",
                "--ip", "198.18.210.2/24", "--mac", mac, "7000"), log);
        awaitListening(nc, log);
        interfaceChecks(kernel, side, mac, "198.18.210.2", log);
    }

    @Test
    @DisplayName("--interface with --dhcp: teacup leases an address from dnsmasq on the wire, announces it, answers ping")
    void interfaceModeWithDhcp() throws Exception {
        TapNetwork.requirePrograms("ethtool", "dnsmasq");
        String[] ends = vethWithoutOffloads();
        String kernel = ends[0];
        String side = ends[1];
        Path leases = dir.resolve("leases");
        start(in(kernel, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file", "--port=0",
                "--dhcp-range=198.18.210.50,198.18.210.99,255.255.255.0,1h", "--dhcp-option=3,198.18.210.1",
                "--interface=k0", "--bind-interfaces", "--dhcp-leasefile=" + leases), dir.resolve("dnsmasq.log"));
        String mac = "02:74:63:00:0a:03";
        Path log = dir.resolve("nc-dhcp.log");
        Process nc = start(teacup("nc", "-v", "-l", "-k", "--echo", "--netns", side, "--interface", "t0",
                "--dhcp", "--mac", mac, "7000"), log);
        awaitListening(nc, log);
        String lease = Files.readString(leases).lines().filter(l -> l.contains(mac)).findFirst()
                .orElseThrow(() -> new AssertionError("no lease for " + mac));
        String address = lease.split("\\s+")[2];
        assertTrue(address.startsWith("198.18.210."), lease);
        interfaceChecks(kernel, side, mac, address, log);
    }

    /** A veth between a "kernel" namespace (k0, 198.18.210.1/24) and teacup's (t0), offloads off on both ends. */
    private String[] vethWithoutOffloads() throws IOException {
        String kernel = namespace("k");
        String side = namespace("t");
        SystemCommand.check(COMMAND, "ip", "link", "add", "k0", "netns", kernel, "type", "veth", "peer", "name", "t0",
                "netns", side);
        ip(kernel, "addr", "add", "198.18.210.1/24", "dev", "k0");
        // Learn addresses from gratuitous ARP, so that the announcement alone puts teacup in the table.
        SystemCommand.check(COMMAND, in(kernel, "sysctl", "-q", "-w", "net.ipv4.conf.k0.arp_accept=1"));
        ip(kernel, "link", "set", "k0", "up");
        ip(side, "link", "set", "t0", "up");
        // A packet socket sees frames as the kernel holds them: a veth passes on TCP segments with
        // the checksum not yet filled in (tx checksum offload) and many segments in one (TSO/GSO),
        // and GRO would merge received ones. teacup checks every checksum and takes one MTU-sized
        // frame at a time, so all of these are off, as on a real NIC GRO must be.
        SystemCommand.check(COMMAND, in(kernel, "ethtool", "-K", "k0", "tx", "off", "tso", "off", "gso", "off", "gro", "off"));
        SystemCommand.check(COMMAND, in(side, "ethtool", "-K", "t0", "tx", "off", "tso", "off", "gso", "off", "gro", "off"));
        return new String[] {kernel, side};
    }

    private static void awaitListening(Process nc, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(log).contains("listening") && nc.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(nc.isAlive() && Files.readString(log).contains("listening"), "teacup nc did not start:\n" + Files.readString(log));
    }

    /** The kernel learned teacup's own MAC from its announcement, pings it, and an echo of 3 MB comes back whole. */
    private void interfaceChecks(String kernel, String side, String mac, String address, Path log) throws Exception {
        boolean announced = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!announced && System.nanoTime() < deadline) {
            announced = ip(kernel, "neigh", "show", address).contains(mac);
            Thread.sleep(50);
        }
        assertTrue(announced, "the kernel never learned teacup's MAC from its announcement: " + ip(kernel, "neigh"));

        SystemCommand.Result ping = SystemCommand.run(COMMAND, in(kernel, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", address));
        assertEquals(0, ping.exitCode(), ping.stdout() + ping.stderr());
        assertTrue(ping.stdout().contains("3 packets transmitted, 3 received"), ping.stdout());
        String t0Mac = ip(side, "link", "show", "t0").lines().filter(l -> l.contains("link/ether")).findFirst().orElseThrow()
                .strip().split("\\s+")[1];
        assertTrue(!t0Mac.equalsIgnoreCase(mac), "teacup must use a MAC of its own, not the interface's");

        Path client = dir.resolve("echo.py");
        Files.writeString(client, String.join("\n",
                "import socket, threading, random",
                "data = random.Random(7).randbytes(3 << 20)",
                "s = socket.create_connection(('" + address + "', 7000), timeout=20)",
                "def send():",
                "    s.sendall(data)",
                "    s.shutdown(socket.SHUT_WR)",
                "t = threading.Thread(target=send)",
                "t.start()",
                "got = bytearray()",
                "while True:",
                "    b = s.recv(65536)",
                "    if not b:",
                "        break",
                "    got += b",
                "t.join()",
                "print('echo ok' if bytes(got) == data else 'echo differs: %d bytes back' % len(got))",
                ""));
        SystemCommand.Result echo = SystemCommand.run(Duration.ofSeconds(60), in(kernel, "python3", client.toString()));
        assertEquals("echo ok", echo.stdout().strip(), echo.stderr() + "\nteacup:\n" + Files.readString(log));
    }
}
