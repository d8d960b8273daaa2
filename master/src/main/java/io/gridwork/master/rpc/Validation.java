package io.gridwork.master.rpc;

import java.util.Map;
import java.util.regex.Pattern;

/** Checks of request fields; each failure names the field. */
final class Validation {

    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern JAVA_CLASS = Pattern.compile(
            "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._:-]{1,40}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9._/-]{0,62}");

    private Validation() {}

    static void sha256(String field, String value) {
        if (!SHA256.matcher(value).matches()) {
            throw Statuses.invalid(field + " must be 64 lower-case hex digits, got '" + abbreviate(value) + "'");
        }
    }

    static void jobClass(String field, String value) {
        if (value.isEmpty()) {
            throw Statuses.invalid(field + " is required");
        }
        if (value.length() > 500 || !JAVA_CLASS.matcher(value).matches()) {
            throw Statuses.invalid(field + " is not a Java class name: '" + abbreviate(value) + "'");
        }
    }

    static void jobId(String field, String value) {
        if (value.isEmpty()) {
            throw Statuses.invalid(field + " is required");
        }
        if (!JOB_ID.matcher(value).matches()) {
            throw Statuses.invalid(field + " is not a job id: '" + abbreviate(value) + "'");
        }
    }

    static void workerName(String field, String value) {
        if (!NAME.matcher(value).matches()) {
            throw Statuses.invalid(field + " must be 1-200 letters, digits or ._@:- starting with a letter or digit, got '"
                    + abbreviate(value) + "'");
        }
    }

    static void args(String field, Map<String, String> args, int maxTotalBytes) {
        long total = 0;
        for (Map.Entry<String, String> e : args.entrySet()) {
            String key = e.getKey();
            if (key.isEmpty()) {
                throw Statuses.invalid(field + " has an empty key");
            }
            if (key.length() > 200 || key.chars().anyMatch(c -> Character.isISOControl(c) || c == '=')) {
                throw Statuses.invalid(field + " key '" + abbreviate(key) + "' must be at most 200 characters, without '=' or control characters");
            }
            total += key.length() + e.getValue().length();
        }
        if (total > maxTotalBytes) {
            throw io.grpc.Status.RESOURCE_EXHAUSTED.withDescription(field + " take " + total
                    + " characters, over the master's limit of " + maxTotalBytes + " (its option --max-args-size)")
                    .asRuntimeException();
        }
    }

    private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}");

    static void tokenName(String field, String value) {
        if (!TOKEN_NAME.matcher(value).matches()) {
            throw Statuses.invalid(field + " must be 1-100 letters, digits or ._@- starting with a letter or digit, got '"
                    + abbreviate(value) + "'");
        }
    }

    static void labels(String field, Map<String, String> labels) {
        if (labels.size() > 64) {
            throw Statuses.invalid(field + " has " + labels.size() + " entries; at most 64");
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!LABEL_KEY.matcher(e.getKey()).matches()) {
                throw Statuses.invalid(field + " key '" + abbreviate(e.getKey())
                        + "' must start with a letter and hold only letters, digits and ._/-");
            }
            if (e.getValue().length() > 200 || e.getValue().chars().anyMatch(Character::isISOControl)) {
                throw Statuses.invalid(field + " value of '" + e.getKey() + "' must be at most 200 printable characters");
            }
        }
    }

    static void range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw Statuses.invalid(field + " must be from " + min + " to " + max + ", got " + value);
        }
    }

    /** A job's worker requirement, e.g. {@code os=linux && mem>=4g}; empty is fine (any worker). */
    static void requirement(String field, String value) {
        try {
            io.gridwork.master.core.Requirement.parse(value);
        } catch (IllegalArgumentException e) {
            throw Statuses.invalid(field + ": " + e.getMessage());
        }
    }

    private static final Pattern SCHEDULE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    static void scheduleName(String field, String value) {
        if (!SCHEDULE_NAME.matcher(value).matches()) {
            throw Statuses.invalid(field + ": '" + abbreviate(value) + "' is not a schedule name (letters, digits, '.', "
                    + "'_' and '-', starting with a letter or digit, at most 200)");
        }
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 79) + "…" : s;
    }
}
