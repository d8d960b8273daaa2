package io.gridwork.master.core;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which workers may run a job's tasks: comparisons joined by {@code &&}, for example
 * {@code os=linux && mem>=4g && gpu=a100}. The left side names a worker label ({@code --label KEY=VALUE}) or one of
 * the attributes every worker has: {@code os}, {@code arch}, {@code java} (major version), {@code mem} (bytes),
 * {@code cores}, {@code slots}, {@code name} (a label of the same name wins). Operators: {@code =} (or {@code ==}),
 * {@code !=}, {@code >=}, {@code <=}, {@code >}, {@code <}. Numbers may carry k, m, g or t (powers of 1024). A worker
 * without the attribute matches only {@code !=}.
 */
public final class Requirement {

    /** Matches every worker. */
    public static final Requirement ANY = new Requirement("", List.of());

    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*([A-Za-z][A-Za-z0-9._/-]*)\\s*(==|=|!=|>=|<=|>|<)\\s*(\"[^\"]*\"|[^\\s&\"]+)\\s*");
    private static final Pattern SIZE = Pattern.compile("(?i)(-?[0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?)b?");

    private record Clause(String key, String op, String value, BigDecimal number) {}

    private final String text;
    private final List<Clause> clauses;

    private Requirement(String text, List<Clause> clauses) {
        this.text = text;
        this.clauses = clauses;
    }

    /**
     * @throws IllegalArgumentException with a message for people, if the text is not a requirement
     */
    public static Requirement parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (trimmed.isEmpty()) {
            return ANY;
        }
        if (trimmed.length() > 1000) {
            throw new IllegalArgumentException("at most 1000 characters");
        }
        List<Clause> clauses = new ArrayList<>();
        for (String part : trimmed.split("&&", -1)) {
            Matcher m = CLAUSE.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + part.trim() + "' is not KEY=VALUE or a comparison like mem>=4g");
            }
            String op = m.group(2).equals("==") ? "=" : m.group(2);
            boolean quoted = m.group(3).startsWith("\"");
            String value = quoted ? m.group(3).substring(1, m.group(3).length() - 1) : m.group(3);
            if (!quoted && "=!<>".indexOf(value.charAt(0)) >= 0) {
                // os===linux, mem>==4g, os=!linux: an operator typo, not a value no worker has
                throw new IllegalArgumentException("'" + part.trim() + "' has more than one operator: write KEY, one of "
                        + "= == != >= <= > <, then the value (quote a value that starts with one: KEY=\"=x\")");
            }
            BigDecimal number = number(value);
            if (number == null && !op.equals("=") && !op.equals("!=")) {
                throw new IllegalArgumentException("'" + m.group(1) + op + value + "' compares with a number, and '" + value
                        + "' is not one");
            }
            clauses.add(new Clause(m.group(1), op, value, number));
        }
        return new Requirement(trimmed.replaceAll("\\s+", " "), List.copyOf(clauses));
    }

    /** Whether a worker with these attributes may run the tasks. */
    public boolean matches(Map<String, String> attributes) {
        for (Clause c : clauses) {
            String actual = attributes.get(c.key());
            if (actual == null) {
                if (!c.op().equals("!=")) {
                    return false;
                }
                continue;
            }
            BigDecimal n = c.number() == null ? null : number(actual);
            int cmp;
            if (c.number() != null && n != null) {
                cmp = n.compareTo(c.number());
            } else if (c.op().equals("=") || c.op().equals("!=")) {
                cmp = actual.equalsIgnoreCase(c.value()) ? 0 : 1;
            } else {
                return false;
            }
            boolean ok;
            switch (c.op()) {
                case "=": ok = cmp == 0; break;
                case "!=": ok = cmp != 0; break;
                case ">=": ok = cmp >= 0; break;
                case "<=": ok = cmp <= 0; break;
                case ">": ok = cmp > 0; break;
                default: ok = cmp < 0; break;
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public boolean isAny() {
        return clauses.isEmpty();
    }

    /** The requirement as written (whitespace folded). */
    @Override
    public String toString() {
        return text;
    }

    /** The attributes of a worker that requirements can name. */
    static Map<String, String> attributes(WorkerEntry w) {
        Map<String, String> a = new java.util.HashMap<>();
        Map<String, String> p = w.platform == null ? Map.of() : w.platform;
        a.put("os", p.getOrDefault("os", "").toLowerCase(Locale.ROOT));
        a.put("arch", p.getOrDefault("arch", ""));
        a.put("java", javaMajor(p.getOrDefault("java", "")));
        a.put("mem", p.getOrDefault("memory", "0"));
        a.put("cores", p.getOrDefault("cores", "0"));
        a.put("slots", Integer.toString(w.slots));
        a.put("name", w.name);
        a.putAll(w.labels);
        return a;
    }

    private static String javaMajor(String version) {
        String v = version.startsWith("1.") ? version.substring(2) : version;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? "" : v.substring(0, end);
    }

    private static BigDecimal number(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        BigDecimal n = new BigDecimal(m.group(1));
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k": return n.multiply(BigDecimal.valueOf(1L << 10));
            case "m": return n.multiply(BigDecimal.valueOf(1L << 20));
            case "g": return n.multiply(BigDecimal.valueOf(1L << 30));
            case "t": return n.multiply(BigDecimal.valueOf(1L << 40));
            default: return n;
        }
    }
}
