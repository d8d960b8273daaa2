package io.gridwork.master.store;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Stores an ordered string map in one text column as {@code k=v&k=v}, URL-encoded, readable in SQL. */
public final class KeyValues {

    private KeyValues() {}

    public static String encode(Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        values.forEach((k, v) -> {
            if (text.length() > 0) {
                text.append('&');
            }
            text.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return text.toString();
    }

    public static Map<String, String> decode(String text) {
        if (text == null || text.isEmpty()) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : text.split("&")) {
            int eq = pair.indexOf('=');
            values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return Collections.unmodifiableMap(values);
    }
}
