package io.gridwork.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses repeated {@code KEY=VALUE} options, with one clear message for a malformed one. */
final class KeyValues {

    /** A job argument that takes an earlier job's result ({@code --arg model=@result:job-3}). */
    static final String RESULT_PREFIX = "@result:";

    private KeyValues() {}

    /**
     * @param option the option's name, for messages ({@code --arg})
     * @param readFiles whether a value {@code @FILE} means the contents of FILE ({@code @@text} means {@code @text});
     *     a value {@code @result:JOB} is kept as it is: the master replaces it by JOB's result (grid submit --after)
     */
    static Map<String, String> parse(String option, List<String> pairs, boolean readFiles) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage(option + " must be KEY=VALUE, got '" + pair + "'");
            }
            String key = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1);
            if (key.isEmpty()) {
                throw CliException.usage(option + " must be KEY=VALUE, got '" + pair + "'");
            }
            if (values.containsKey(key)) {
                throw CliException.usage(option + " " + key + " is given twice");
            }
            if (readFiles && value.startsWith("@@")) {
                value = value.substring(1);
            } else if (readFiles && value.startsWith(RESULT_PREFIX)) {
                // kept: the master replaces it by the job's result text when the job starts (a file of that name is
                // read as @./result:...)
            } else if (readFiles && value.startsWith("@")) {
                Path file = Path.of(value.substring(1));
                try {
                    value = Files.readString(file, StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    throw CliException.usage(option + " " + key + ": no such file " + file);
                } catch (IOException e) {
                    throw CliException.usage(option + " " + key + ": cannot read " + file + ": " + e.getMessage());
                }
            }
            values.put(key, value);
        }
        return values;
    }
}
