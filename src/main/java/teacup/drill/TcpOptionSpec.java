package teacup.drill;

import java.util.List;

/**
 * One TCP option as a script writes it between {@code <} and {@code >}: its name ({@code mss},
 * {@code nop}, {@code eol}, {@code wscale}, {@code sackOK}, {@code TS}, {@code sack}, or any other
 * word, which the engine reports as unsupported) and its numbers in order ({@code TS val 1 ecr 2}
 * gives [1, 2]; {@code sack 1:2 3:4} gives [1, 2, 3, 4]).
 */
public record TcpOptionSpec(String name, List<Long> values) {
    public TcpOptionSpec {
        values = List.copyOf(values);
    }

    public static TcpOptionSpec of(String name, long... values) {
        return new TcpOptionSpec(name, java.util.Arrays.stream(values).boxed().toList());
    }

    /** As a script writes it. */
    @Override
    public String toString() {
        return switch (name) {
            case "TS" -> "TS val " + values.get(0) + " ecr " + values.get(1);
            case "sack" -> {
                StringBuilder b = new StringBuilder("sack");
                for (int i = 0; i + 1 < values.size(); i += 2) {
                    b.append(' ').append(values.get(i)).append(':').append(values.get(i + 1));
                }
                yield b.toString();
            }
            default -> {
                StringBuilder b = new StringBuilder(name);
                values.forEach(v -> b.append(' ').append(v));
                yield b.toString();
            }
        };
    }
}
