package teacup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints the scoreboard: every {@link Score} line found in the benchmark logs given as arguments,
 * as one Markdown table (figure, teacup, reference, ratio, target), under a line naming the machine
 * (CPU model, cores, kernel) and the date. Ratio is teacup / reference.
 *
 * <p>Usage: {@code Scoreboard LOG...}
 */
public final class Scoreboard {
    private Scoreboard() {
    }

    public static void main(String[] args) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String arg : args) {
            Path log = Path.of(arg);
            if (!Files.exists(log)) {
                continue;
            }
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith(Score.PREFIX)) {
                    String[] f = line.substring(Score.PREFIX.length()).split("\\|", -1);
                    if (f.length == 6) {
                        rows.add(f);
                    }
                }
            }
        }
        System.out.println("teacup scoreboard, " + LocalDate.now() + ": " + machine());
        System.out.println();
        System.out.println("| figure | teacup | reference (same run) | ratio | target |");
        System.out.println("|---|---:|---:|---:|---|");
        for (String[] f : rows) {
            System.out.printf("| %s | %s %s | %s %s (%s) | %s | %s |%n", f[0], f[1], f[3], f[2], f[3], f[4], ratio(f[1], f[2]), f[5]);
        }
        if (rows.isEmpty()) {
            System.out.println("| (no figures: did the benchmarks run as root?) | | | | |");
        }
    }

    private static String ratio(String teacup, String reference) {
        try {
            double r = Double.parseDouble(reference);
            return r == 0 ? "-" : String.format(Locale.ROOT, "%.2f", Double.parseDouble(teacup) / r);
        } catch (NumberFormatException e) {
            return "-";
        }
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException e) {
            // not Linux, or no /proc: say so
        }
        String kernel = "unknown kernel";
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            // as above
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, Linux " + kernel
                + ", Java " + Runtime.version();
    }
}
