package io.gridwork.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Sizes as people write them, in bytes: {@code 65536}, {@code 64k} / {@code 64KiB}, {@code 1m} / {@code 1MiB} (a k is
 * 1024 bytes).
 */
public final class ByteSizeConverter implements CommandLine.ITypeConverter<Integer> {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*(b|k|kb|kib|m|mb|mib)?");

    @Override
    public Integer convert(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (for example 65536, 64k, 1m)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long bytes = unit.startsWith("k") ? n << 10 : unit.startsWith("m") ? n << 20 : n;
        if (bytes > Integer.MAX_VALUE) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too large");
        }
        return (int) bytes;
    }
}
