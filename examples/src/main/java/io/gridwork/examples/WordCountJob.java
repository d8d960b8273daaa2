package io.gridwork.examples;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Word frequencies of a text given to the job: the text is cut into {@code tasks} chunks at line ends, and
 * each chunk travels to its worker inside its task (no shared disk). The result lists words by falling
 * frequency, one {@code word<TAB>count} per line; {@code top=N} keeps the first N.
 *
 * <pre>
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.WordCountJob \
 *     --arg text=@README.md --arg tasks=8 --arg top=10 --wait
 * </pre>
 *
 * ({@code --arg key=@FILE} makes the CLI read the value from a file.) Without {@code text}, the job counts a
 * sample text it carries. It also shows a codec of a job's own type: a word count map.
 */
public final class WordCountJob extends GridJob<String, Map<String, Long>, String> {

    /** A word to count map, as its size then each word (UTF) and count. */
    public static final Codec<Map<String, Long>> COUNTS = new Codec<>() {
        @Override
        public byte[] encode(Map<String, Long> counts) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(counts.size());
                for (Map.Entry<String, Long> e : counts.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeLong(e.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public Map<String, Long> decode(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                int size = in.readInt();
                Map<String, Long> counts = new HashMap<>(Math.max(16, size * 2));
                for (int i = 0; i < size; i++) {
                    counts.put(in.readUTF(), in.readLong());
                }
                return counts;
            } catch (IOException e) {
                throw new IllegalArgumentException("malformed word counts: " + e.getMessage(), e);
            }
        }
    };

    public WordCountJob() {
        super(Codecs.STRING, COUNTS, Codecs.STRING);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("text", "tasks", "top");
    }

    @Override
    public Stream<String> split(JobArgs args) {
        String text = args.find("text").orElseGet(WordCountJob::sampleText);
        int tasks = args.getInt("tasks", 8);
        if (tasks < 1) {
            throw new IllegalArgumentException("argument 'tasks' must be positive, got " + tasks);
        }
        args.getInt("top", 0);
        List<String> chunks = chunks(text, tasks);
        return IntStream.range(0, chunks.size()).mapToObj(chunks::get);
    }

    /** The text cut into at most {@code parts} pieces of about equal size, at line ends where possible. */
    static List<String> chunks(String text, int parts) {
        List<String> chunks = new ArrayList<>();
        int size = Math.max(1, (text.length() + parts - 1) / parts);
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + size);
            int newline = text.indexOf('\n', end);
            end = newline < 0 || newline - end > size ? end : newline + 1;
            while (end < text.length() && Character.isLetterOrDigit(text.charAt(end - 1))
                    && Character.isLetterOrDigit(text.charAt(end))) {
                end++;
            }
            chunks.add(text.substring(start, end));
            start = end;
        }
        return chunks;
    }

    @Override
    public Map<String, Long> execute(String chunk, TaskContext context) {
        Map<String, Long> counts = new HashMap<>();
        for (String word : chunk.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{Nd}']+")) {
            String w = word.replaceAll("^'+|'+$", "");
            if (!w.isEmpty()) {
                counts.merge(w, 1L, Long::sum);
            }
        }
        return counts;
    }

    @Override
    public String merge(Stream<Map<String, Long>> outputs, JobArgs args) {
        Map<String, Long> total = new TreeMap<>();
        outputs.forEach(counts -> counts.forEach((w, c) -> total.merge(w, c, Long::sum)));
        int top = args.getInt("top", 0);
        StringBuilder text = new StringBuilder();
        total.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(top > 0 ? top : Long.MAX_VALUE)
                .forEach(e -> text.append(e.getKey()).append('\t').append(e.getValue()).append('\n'));
        return text.toString();
    }

    static String sampleText() {
        try (InputStream in = WordCountJob.class.getResourceAsStream("sample.txt")) {
            if (in == null) {
                throw new IllegalStateException("the sample text is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
