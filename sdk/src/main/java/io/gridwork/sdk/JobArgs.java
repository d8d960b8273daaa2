package io.gridwork.sdk;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The arguments of a job, given on the command line as {@code --arg KEY=VALUE}, with typed getters.
 *
 * <pre>{@code
 * long samples = args.getLong("samples", 1_000_000);   // default when absent
 * int tasks = args.getInt("tasks");                     // required
 * }</pre>
 *
 * <p>A getter throws {@link IllegalArgumentException} naming the argument when it is missing (and has no
 * default) or malformed. Thrown from {@link GridJob#split}, that exception makes the master refuse the
 * submission with {@code INVALID_ARGUMENT} and the message, so nothing is stored and {@code grid submit}
 * exits with code 2. Integers may be written with underscores or as exact decimal powers, e.g. {@code 2e9}.
 */
public final class JobArgs {

    private static final JobArgs EMPTY = new JobArgs(Map.of(), Map.of());

    private final Map<String, String> values;
    private final Map<String, DataRef> data;

    private JobArgs(Map<String, String> values, Map<String, DataRef> data) {
        this.values = values;
        this.data = data;
    }

    /** Arguments with these keys and values, in this order. */
    public static JobArgs of(Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        if (values.isEmpty()) {
            return EMPTY;
        }
        Map<String, String> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value of " + k)));
        return new JobArgs(Collections.unmodifiableMap(copy), Map.of());
    }

    /** Arguments with these keys and values, and the data sets the job reads by the names it gave them. */
    public static JobArgs of(Map<String, String> values, Map<String, DataRef> data) {
        Objects.requireNonNull(data, "data");
        JobArgs args = of(values);
        if (data.isEmpty()) {
            return args;
        }
        Map<String, DataRef> copy = new LinkedHashMap<>();
        data.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "data name"), Objects.requireNonNull(v, "data " + k)));
        return new JobArgs(args.values, Collections.unmodifiableMap(copy));
    }

    /** The data sets the job reads ({@code grid submit --data NAME=ID}), by name, unmodifiable. */
    public Map<String, DataRef> data() {
        return data;
    }

    /** The data set the job was given under this name ({@code --data NAME=ID}). */
    public DataRef data(String name) {
        DataRef ref = data.get(name);
        if (ref == null) {
            throw new IllegalArgumentException("missing data set '" + name + "' (pass --data " + name + "=ID or "
                    + name + "=FILE)");
        }
        return ref;
    }

    /** Whether the job was given a data set under this name. */
    public boolean hasData(String name) {
        return data.containsKey(name);
    }

    /** No arguments. */
    public static JobArgs empty() {
        return EMPTY;
    }

    /** All arguments, unmodifiable. */
    public Map<String, String> asMap() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The value of a required argument. */
    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing argument '" + key + "' (pass --arg " + key + "=VALUE)");
        }
        return value;
    }

    public String get(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    public long getLong(String key) {
        return parseLong(key, get(key));
    }

    public long getLong(String key, long defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : parseLong(key, value);
    }

    public int getInt(String key) {
        return toInt(key, getLong(key));
    }

    public int getInt(String key, int defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : toInt(key, parseLong(key, value));
    }

    public double getDouble(String key) {
        return parseDouble(key, get(key));
    }

    public double getDouble(String key, double defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : parseDouble(key, value);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        String value = values.get(key);
        if (value == null) {
            return defaultValue;
        }
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return true;
            case "false": case "no": case "off": case "0":
                return false;
            default:
                throw malformed(key, value, "true or false");
        }
    }

    private static long parseLong(String key, String value) {
        String text = value.trim().replace("_", "");
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException notPlain) {
            try {
                return new BigDecimal(text).longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw malformed(key, value, "an integer");
            }
        }
    }

    private static int toInt(String key, long value) {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("argument '" + key + "' is out of range: " + value);
        }
        return (int) value;
    }

    private static double parseDouble(String key, String value) {
        try {
            double d = Double.parseDouble(value.trim().replace("_", ""));
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw malformed(key, value, "a finite number");
            }
            return d;
        } catch (NumberFormatException e) {
            throw malformed(key, value, "a number");
        }
    }

    private static IllegalArgumentException malformed(String key, String value, String expected) {
        return new IllegalArgumentException("argument '" + key + "' must be " + expected + ", got '" + value + "'");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobArgs && ((JobArgs) o).values.equals(values) && ((JobArgs) o).data.equals(data);
    }

    @Override
    public int hashCode() {
        return values.hashCode() * 31 + data.hashCode();
    }

    @Override
    public String toString() {
        return data.isEmpty() ? values.toString() : values + " data " + data.keySet();
    }
}
