package teacup.drill;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A system call argument or result as a script writes it: a number, a name ({@code SOCK_STREAM},
 * {@code O_RDWR|O_NONBLOCK} as an {@link Or}), a string, {@code ...}, a list {@code [1]}, a
 * structure {@code {sin_port=htons(8080)}}, a call like {@code htons(8080)} or {@code sizeof(int)},
 * or an address {@code &optval}.
 */
public sealed interface Expression {
    record Number(long value) implements Expression {
        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    record Name(String name) implements Expression {
        @Override
        public String toString() {
            return name;
        }
    }

    record Text(String text) implements Expression {
        @Override
        public String toString() {
            return '"' + text + '"';
        }
    }

    record Ellipsis() implements Expression {
        @Override
        public String toString() {
            return "...";
        }
    }

    record Sequence(List<Expression> items) implements Expression {
        @Override
        public String toString() {
            return items.stream().map(Expression::toString).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    /** {@code {a=1, b=2}}; a field without a name (a positional member) has a null name. */
    record Structure(List<Field> fields) implements Expression {
        public Expression field(String name) {
            return fields.stream().filter(f -> name.equals(f.name())).map(Field::value).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return fields.stream().map(f -> f.name() == null ? f.value().toString() : f.name() + "=" + f.value())
                    .collect(Collectors.joining(", ", "{", "}"));
        }
    }

    record Field(String name, Expression value) {
    }

    record Call(String function, List<Expression> arguments) implements Expression {
        @Override
        public String toString() {
            return function + arguments.stream().map(Expression::toString).collect(Collectors.joining(", ", "(", ")"));
        }
    }

    record Or(List<Expression> terms) implements Expression {
        @Override
        public String toString() {
            return terms.stream().map(Expression::toString).collect(Collectors.joining("|"));
        }
    }

    record AddressOf(String name) implements Expression {
        @Override
        public String toString() {
            return "&" + name;
        }
    }
}
