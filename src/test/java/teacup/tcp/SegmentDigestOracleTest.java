package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The refactoring oracle: every TCP segment that the deterministic tests below make teacup send
 * (connection-level harnesses, capture replays, seeded two-stack simulations), digested per test
 * and compared with the digests committed in {@value #RESOURCE}. A refactor of the TCP core must
 * leave every line of that file as it is; a change of behaviour is its own commit, which says why
 * and regenerates the file with {@code ./mvnw test -Dtest=SegmentDigestOracleTest -Dteacup.digest.update=true}.
 *
 * <p>It runs those test classes itself through the JUnit Platform launcher, with recording on,
 * so the tests stay as they are and the oracle sees exactly what they exercise.
 */
class SegmentDigestOracleTest {
    static final String RESOURCE = "segment-digests.txt";
    static final Path SOURCE = Path.of("src/test/resources/teacup/tcp", RESOURCE);

    /** Deterministic tests whose segments the oracle digests: simulated time, seeded randomness. */
    static final List<String> CLASSES = List.of(
            "teacup.tcp.TcpRequirementsTest",
            "teacup.tcp.TcpConnectionTest",
            "teacup.tcp.LossRecoveryTest",
            "teacup.tcp.CaptureReplayTest",
            "teacup.tcp.LongStreamTest",
            "teacup.tcp.TcpLayerTest",
            "teacup.tcp.TcpLayerPushTest",
            "teacup.stack.TcpSimulationTest",
            "teacup.stack.LossyTransferTest",
            "teacup.stack.StackSimulationTest",
            "teacup.stack.StackStatusTest",
            "teacup.stack.TcpSegmentationOffloadTest");

    @Test
    @DisplayName("refactoring oracle: the segments of every deterministic TCP test are those of the committed digests")
    void segmentsAreUnchanged() throws Exception {
        Map<String, String> got = run();
        assertTrue(got.size() > 150, "too few tests ran under the oracle: " + got.size());
        if (Boolean.getBoolean("teacup.digest.update")) {
            Files.createDirectories(SOURCE.getParent());
            Files.writeString(SOURCE, format(got), StandardCharsets.UTF_8);
            System.out.println("segment digests written to " + SOURCE + ": " + got.size() + " tests, all " + total(got));
            return;
        }
        Map<String, String> want = committed();
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> e : want.entrySet()) {
            String now = got.get(e.getKey());
            if (!e.getValue().equals(now)) {
                differences.add(e.getKey() + ": committed " + e.getValue() + ", now " + (now == null ? "(did not run)" : now));
            }
        }
        for (String test : got.keySet()) {
            if (!want.containsKey(test)) {
                differences.add(test + ": new test, not in " + RESOURCE + " (regenerate it in a commit of its own)");
            }
        }
        System.out.println("segment digests: " + got.size() + " tests, all " + total(got));
        if (!differences.isEmpty()) {
            fail(differences.size() + " tests sent other segments than the committed digests say:\n  "
                    + String.join("\n  ", differences));
        }
        assertEquals(total(want), total(got));
    }

    /** Runs {@link #CLASSES} with recording on; returns "segments digest" for each test, by its id. */
    private static Map<String, String> run() {
        Map<String, String> digests = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .filters(EngineFilter.includeEngines("junit-jupiter"));
        for (String name : CLASSES) {
            request.selectors(DiscoverySelectors.selectClass(name));
        }
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier id) {
                if (id.isTest()) {
                    SegmentDigest.begin();
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    failures.add(id.getUniqueId() + ": " + result.getThrowable().map(Throwable::toString).orElse("aborted"));
                }
                if (id.isTest()) {
                    SegmentDigest d = SegmentDigest.end();
                    digests.put(shortId(id.getUniqueId()), d.segments() + " " + d.hex());
                }
            }
        });
        if (!failures.isEmpty()) {
            fail("tests failed under the oracle:\n  " + String.join("\n  ", failures));
        }
        return digests;
    }

    /** {@code [engine:junit-jupiter]/[class:teacup.tcp.X]/[nested-class:Y]/[method:z()]} as {@code tcp.X/Y/z()}. */
    static String shortId(String uniqueId) {
        StringBuilder b = new StringBuilder();
        for (String part : uniqueId.split("/")) {
            if (part.startsWith("[engine:")) {
                continue;
            }
            String value = part.substring(part.indexOf(':') + 1, part.length() - 1);
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(value.startsWith("teacup.") ? value.substring("teacup.".length()) : value);
        }
        return b.toString();
    }

    private static String format(Map<String, String> digests) {
        StringBuilder b = new StringBuilder();
        b.append("# Segment digests of the deterministic TCP tests (SegmentDigestOracleTest): segments, SHA-256, test.\n");
        b.append("# A refactor leaves this file unchanged; a change of behaviour regenerates it in a commit of its own.\n");
        digests.forEach((test, d) -> b.append(d).append(' ').append(test).append('\n'));
        return b.toString();
    }

    private static Map<String, String> committed() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (InputStream in = SegmentDigestOracleTest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                fail(RESOURCE + " is missing; generate it with -Dteacup.digest.update=true");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ", 3);
                m.put(f[2], f[0] + " " + f[1]);
            }
        }
        return m;
    }

    /** One digest over all the tests' digests, to quote in a commit message. */
    private static String total(Map<String, String> digests) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long segments = 0;
        for (Map.Entry<String, String> e : digests.entrySet()) {
            sha.update((e.getKey() + " " + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            segments += Long.parseLong(e.getValue().substring(0, e.getValue().indexOf(' ')));
        }
        return segments + " segments, digest " + HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }
}
