package io.gridwork.cli;

/** Whether stdout and stderr are terminals, as the {@code ./grid} launcher found out ({@code test -t}). */
final class Terminal {

    private Terminal() {}

    static boolean stdout() {
        return Boolean.getBoolean("gridwork.stdout.tty");
    }

    static boolean stderr() {
        return Boolean.getBoolean("gridwork.stderr.tty");
    }
}
