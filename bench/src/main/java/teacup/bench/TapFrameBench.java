package teacup.bench;

import java.io.IOException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.os.PacketSocket;
import teacup.wire.BigEndian;

/**
 * Frames per second through a plain TAP (no offloads) at MTU 1500, TapLink alone with no stack
 * above it: the figure a one-frame-per-call C reader or writer is held to, with and without
 * io_uring batching, side by side in one run (needs root).
 *
 * <ul>
 *   <li><b>receive</b>: the TAP's queue is filled with {@code --frames} full-size frames by a packet
 *       socket on the kernel's side of the TAP while teacup reads nothing, then teacup drains it and
 *       is timed: the reader alone, with no sender on the CPU beside it;
 *   <li><b>send</b>: teacup writes {@code --frames} full-size frames addressed to a MAC no one has,
 *       which the kernel drops as soon as it has taken them (as "other host"), and is timed to its
 *       last flush.
 * </ul>
 * Each is repeated {@code --rounds} times and the best and median rounds are printed; Gbit/s
 * counts the whole 1514-byte frame. Usage: {@code TapFrameBench [--frames N] [--rounds N]
 * [--batch on|off|both]}. Everything it makes lives in a namespace named {@code tcup-bf-<random>},
 * deleted at the end (also on Ctrl-C).
 */
public final class TapFrameBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int FRAME = MTU + 14;
    /** Locally administered, and no one's: the kernel takes such a frame and drops it at once. */
    private static final long NOBODY = 0x02_74_63_ff_ff_feL;
    private static final long TEACUP = 0x02_74_63_00_00_02L;

    private final int frames;
    private final int rounds;
    private final Lab lab = new Lab("TapFrameBench");

    private TapFrameBench(int frames, int rounds) {
        this.frames = frames;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        int frames = 30_000;
        int rounds = 7;
        String batch = "both";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--frames" -> frames = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--batch" -> batch = args[++i];
                default -> {
                    System.err.println("usage: TapFrameBench [--frames N] [--rounds N] [--batch on|off|both]");
                    System.exit(2);
                }
            }
        }
        if (frames < 1000 || frames > 60_000 || rounds < 1 || rounds > 100 || !java.util.List.of("on", "off", "both").contains(batch)) {
            System.err.println("TapFrameBench: frames 1000..60000 (the TAP's queue holds them all), rounds 1..100, batch on|off|both");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("TapFrameBench: needs root (it makes a network namespace and a TAP device)");
            System.exit(1);
        }
        TapFrameBench bench = new TapFrameBench(frames, rounds);
        Thread cleanup = new Thread(bench.lab::cleanUp, "TapFrameBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            double[] off = batch.equals("on") ? null : bench.run(false);
            double[] on = batch.equals("off") ? null : bench.run(true);
            System.out.printf("plain TAP, MTU %d, %d frames of %d bytes per round, %d rounds, %d CPUs; best (median) frames/s%n",
                    MTU, frames, FRAME, rounds, Runtime.getRuntime().availableProcessors());
            System.out.printf("%-10s %34s %34s%n", "direction", "one frame per system call", "batched (io_uring)");
            String[] names = {"receive", "send"};
            for (int d = 0; d < 2; d++) {
                System.out.printf("%-10s %34s %34s%n", names[d], cell(off, d), cell(on, d));
            }
            for (int d = 0; d < 2; d++) {
                System.out.printf("RESULT tap_frames_%s plain_fps=%.0f batched_fps=%.0f batched_gbps=%.2f%n", names[d],
                        off == null ? 0 : off[2 * d], on == null ? 0 : on[2 * d], on == null ? 0 : gbps(on[2 * d]));
            }
        } finally {
            bench.lab.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private static String cell(double[] r, int d) {
        if (r == null) {
            return "-";
        }
        return String.format("%,9.0f %5.2f Gbit/s (%,9.0f)", r[2 * d], gbps(r[2 * d]), r[2 * d + 1]);
    }

    private static double gbps(double fps) {
        return fps * FRAME * 8 / 1e9;
    }

    /** {best receive, median receive, best send, median send} in frames per second. */
    private double[] run(boolean batch) throws IOException {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        String ns = "tcup-bf-" + HexFormat.of().formatHex(random);
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        try (TapLink tap = net.openTap(MTU, false, batch)) {
            if (tap.batched() != batch) {
                throw new IOException("asked for batch " + batch + ", got: " + tap.path());
            }
            System.err.println("TapFrameBench: " + tap.path());
            net.ip("link", "set", TAP, "txqueuelen", Integer.toString(frames + 1000));
            double[] receive = new double[rounds];
            double[] send = new double[rounds];
            byte[] frame = new byte[FRAME];
            BigEndian.put48(frame, 6, TEACUP);
            BigEndian.put16(frame, 12, 0x88b5); // IEEE local experimental EtherType: nobody's protocol
            for (int r = 0; r < rounds; r++) {
                receive[r] = receiveRound(net, tap, frame);
                send[r] = sendRound(tap, frame);
            }
            java.util.Arrays.sort(receive);
            java.util.Arrays.sort(send);
            return new double[] {receive[rounds - 1], receive[rounds / 2], send[rounds - 1], send[rounds / 2]};
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    /** Fills the TAP's queue from the kernel's side, then times teacup draining it. */
    private double receiveRound(PrivateNetwork net, TapLink tap, byte[] frame) throws IOException {
        byte[] in = new byte[tap.maxFrameLength() + 1];
        while (tap.receive(in, 0) > 0) {
            // whatever the kernel sent on its own (router solicitations) goes first
        }
        BigEndian.put48(frame, 0, TEACUP);
        try (PacketSocket kernelSide = open(net)) {
            for (int i = 0; i < frames; i++) {
                BigEndian.put32(frame, 14, i);
                while (kernelSide.send(frame, 0, FRAME) < 0) {
                    Thread.onSpinWait(); // the socket's send buffer is full: the qdisc catches up
                }
            }
        }
        long start = System.nanoTime();
        int got = 0;
        while (got < frames) {
            int n = tap.receive(in, 0);
            if (n == 0) {
                break; // drained: anything not here was dropped on the way in, and is not counted
            }
            got++;
        }
        long elapsed = System.nanoTime() - start;
        if (got < frames * 9 / 10) {
            System.err.println("TapFrameBench: only " + got + " of " + frames + " frames reached the TAP's queue");
        }
        return got * 1e9 / elapsed;
    }

    private double sendRound(TapLink tap, byte[] frame) throws IOException {
        BigEndian.put48(frame, 0, NOBODY);
        long dropped = tap.sendDropped();
        long start = System.nanoTime();
        for (int i = 0; i < frames; i++) {
            BigEndian.put32(frame, 14, i);
            tap.send(frame, 0, FRAME);
        }
        tap.flush();
        long elapsed = System.nanoTime() - start;
        long lost = tap.sendDropped() - dropped;
        if (lost > 0) {
            System.err.println("TapFrameBench: the TAP dropped " + lost + " frames sent");
        }
        return frames * 1e9 / elapsed;
    }

    private static PacketSocket open(PrivateNetwork net) throws IOException {
        try {
            return NetworkNamespace.callIn(net.namespace(), () -> PacketSocket.open(TAP));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
