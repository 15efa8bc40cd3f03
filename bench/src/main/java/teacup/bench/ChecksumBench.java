package teacup.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import teacup.wire.Checksum;

/** The RFC 1071 sum alone: one TCP segment's worth, and the largest IPv4 datagram's. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChecksumBench {
    @Param({"1460", "65536"})
    public int bytes;

    private byte[] input;

    @Setup
    public void setUp() {
        input = new byte[bytes];
        Frames.fill(input, 0, bytes);
    }

    @Benchmark
    public int compute() {
        return Checksum.compute(input, 0, bytes);
    }
}
