package teacup.bench;

import java.util.Locale;

/**
 * One line of the scoreboard (issue 13: `bench/run --scoreboard`): a figure, teacup's value, the
 * reference measured beside it in the same run, the unit, what the reference is, and the target
 * the issue sets. The end-to-end benchmarks print these on stdout as
 * {@code SCORE|figure|teacup|reference|unit|reference name|target}; {@link Scoreboard} gathers them.
 */
final class Score {
    static final String PREFIX = "SCORE|";

    private Score() {
    }

    static void print(String figure, double teacup, double reference, String unit, String referenceName, String target) {
        System.out.println(PREFIX + String.join("|", figure, format(teacup), format(reference), unit, referenceName, target));
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.3g", v);
    }
}
