package teacup.bench;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the command-line options JMH itself takes (so {@code -f 1 -wi 3 -prof gc ...}
 * work as usual) and then prints one table: time per operation, the packet rate and bit rate
 * that time implies for the bytes one operation handles, and the allocation per operation when
 * the gc profiler ran.
 */
public final class JmhSummary {
    private JmhSummary() {}

    public static void main(String[] args) throws RunnerException {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("JmhSummary: " + e.getMessage());
            System.exit(2);
            return;
        }
        Collection<RunResult> results = new Runner(options).run();
        print(results);
    }

    /**
     * The bytes one operation of {@code benchmark} handles: the packet, segment, frame or range
     * it parses or sums. Zero when a byte rate means nothing for it.
     */
    static int bytesPerOperation(String benchmark, String bytesParam) {
        return switch (benchmark) {
            case "ChecksumBench.compute" -> Integer.parseInt(bytesParam);
            case "CodecBench.ipv4WrapChecksum" -> Frames.MTU;                        // the whole IPv4 packet
            case "CodecBench.udpWrapChecksum" -> Frames.FULL_UDP_PAYLOAD + 8;         // the UDP datagram
            case "CodecBench.tcpWrapDataTimestamps" -> CodecBench.TCP_DATA_SEGMENT;   // the TCP segment
            case "IpLayerBench.udpReceive", "IpLayerBench.icmpEcho" -> Frames.MTU + 14; // the Ethernet frame
            case "CoalescingBench.joinRun" -> CoalescingBench.RUN * (Frames.MTU + 14);  // the frames joined
            case "CoalescingBench.interleavedFlows" -> 2 * (Frames.MTU + 14);           // two frames, one held
            default -> 0;
        };
    }

    private static void print(Collection<RunResult> results) {
        List<RunResult> sorted = results.stream()
                .sorted(Comparator.comparing((RunResult r) -> r.getParams().getBenchmark())
                        .thenComparing(r -> bytesParam(r).length()).thenComparing(JmhSummary::bytesParam))
                .toList();
        System.out.println();
        System.out.printf("%-36s %8s %12s %10s %8s %8s %10s%n",
                "benchmark", "bytes/op", "ns/op", "+-", "Mop/s", "Gbit/s", "alloc B/op");
        for (RunResult r : sorted) {
            String name = shortName(r.getParams().getBenchmark());
            String param = bytesParam(r);
            Result<?> primary = r.getPrimaryResult();
            double ns = primary.getScore();
            double error = primary.getScoreError();
            int bytes = bytesPerOperation(name, param);
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            String label = param.isEmpty() ? name : name + " (" + param + ")";
            System.out.printf("%-36s %8s %12.1f %10s %8.2f %8s %10s%n",
                    label,
                    bytes == 0 ? "-" : Integer.toString(bytes),
                    ns,
                    Double.isNaN(error) ? "-" : String.format("%.1f", error),
                    1e3 / ns,
                    bytes == 0 ? "-" : String.format("%.2f", bytes * 8 / ns),
                    alloc == null ? "-" : String.format("%.0f", alloc.getScore()));
        }
    }

    private static String bytesParam(RunResult r) {
        String p = r.getParams().getParam("bytes");
        return p == null ? "" : p;
    }

    private static String shortName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
    }
}
