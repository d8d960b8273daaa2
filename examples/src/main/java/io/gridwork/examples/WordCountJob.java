package io.gridwork.examples;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.DataRange;
import io.gridwork.sdk.DataRef;
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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Word frequencies of a text. The result lists words by falling frequency, one {@code word<TAB>count} per line;
 * {@code top=N} keeps the first N. A word is a run of letters, digits and apostrophes, in lower case, without
 * apostrophes at either end.
 *
 * <p>A large text is a data set of the data grid, read where it lies: each task counts the words of one range of it
 * (about {@code tasks} ranges, cut at chunk edges, so that a task runs where its chunks are). A task counts the words
 * that <em>start</em> in its range: it reads a few bytes before the range to tell whether its first word began
 * earlier (then that word is the previous range's), and past its end to finish its last word. So the result is the
 * count over the whole file, wherever the cuts fall.
 *
 * <pre>
 * ID=$(grid data put corpus.txt)
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.WordCountJob \
 *     --data text=$ID --arg top=10 --wait
 * </pre>
 *
 * A small text can travel inside the tasks instead ({@code --arg text=@README.md}: the CLI reads the file, and the
 * job cuts it into {@code tasks} pieces at line ends). Without either, the job counts a sample text it carries. It
 * also shows codecs of a job's own types: a task's part of the text, and a word count map.
 */
public final class WordCountJob extends GridJob<WordCountJob.Part, Map<String, Long>, String> {

    /** The name of the data set (and of the argument) that holds the text. */
    public static final String TEXT = "text";
    /** How many tasks when {@code tasks} is not given. */
    static final int DEFAULT_TASKS = 8;

    /**
     * What one task counts: a piece of a text given as an argument ({@code text}), or a range of the data set
     * {@code text} ({@code range}); the other is null.
     */
    public record Part(String text, DataRange range) {
        public Part {
            if ((text == null) == (range == null)) {
                throw new IllegalArgumentException("a part is a text or a range, not both nor neither");
            }
        }

        static Part of(String text) {
            return new Part(text, null);
        }

        static Part of(DataRange range) {
            return new Part(null, range);
        }
    }

    /** A part as a tag byte, then the text's UTF-8 bytes (0) or the range's name, offset and length (1). */
    public static final Codec<Part> PARTS = new Codec<>() {
        @Override
        public byte[] encode(Part part) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                if (part.text() != null) {
                    out.writeByte(0);
                    out.write(part.text().getBytes(StandardCharsets.UTF_8));
                } else {
                    out.writeByte(1);
                    out.writeUTF(part.range().name());
                    out.writeLong(part.range().offset());
                    out.writeLong(part.range().length());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public Part decode(byte[] bytes) {
            if (bytes.length == 0) {
                throw new IllegalArgumentException("malformed part: no bytes");
            }
            if (bytes[0] == 0) {
                return Part.of(new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8));
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
                return Part.of(new DataRange(in.readUTF(), in.readLong(), in.readLong()));
            } catch (IOException e) {
                throw new IllegalArgumentException("malformed part: " + e.getMessage(), e);
            }
        }
    };

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
        super(PARTS, COUNTS, Codecs.STRING);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("text", "tasks", "top");
    }

    @Override
    public Stream<Part> split(JobArgs args) {
        int tasks = args.getInt("tasks", DEFAULT_TASKS);
        if (tasks < 1) {
            throw new IllegalArgumentException("argument 'tasks' must be positive, got " + tasks);
        }
        args.getInt("top", 0);
        if (args.hasData(TEXT)) {
            if (args.has(TEXT)) {
                throw new IllegalArgumentException("give the text once: --data text=ID or --arg text=..., not both");
            }
            return ranges(args.data(TEXT), tasks).stream().map(Part::of);
        }
        String text = args.find(TEXT).orElseGet(WordCountJob::sampleText);
        return chunks(text, tasks).stream().map(Part::of);
    }

    /** About {@code tasks} ranges covering the data set once, cut at chunk edges (at least one chunk each). */
    static List<DataRange> ranges(DataRef text, int tasks) {
        long target = Math.max(1, (text.size() + tasks - 1) / tasks);
        return text.ranges(target);
    }

    /** A task reads its range (and a few bytes around it): the master runs it where those chunks are. */
    @Override
    public List<DataRange> dataNeeds(Part part) {
        return part.range() == null ? List.of() : List.of(part.range());
    }

    /** The text cut into at most {@code parts} pieces of about equal size, at line ends where possible, never in a word. */
    static List<String> chunks(String text, int parts) {
        List<String> chunks = new ArrayList<>();
        int size = Math.max(1, (text.length() + parts - 1) / parts);
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + size);
            int newline = text.indexOf('\n', end);
            end = newline < 0 || newline - end > size ? end : newline + 1;
            // never between the two halves of a surrogate pair, nor inside a token
            while (end < text.length() && (Character.isLowSurrogate(text.charAt(end))
                    || Words.isWordChar(text.codePointBefore(end)) && Words.isWordChar(text.codePointAt(end)))) {
                end++;
            }
            chunks.add(text.substring(start, end));
            start = end;
        }
        return chunks;
    }

    @Override
    public Map<String, Long> execute(Part part, TaskContext context) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        if (part.text() != null) {
            Words.count(part.text(), counts);
            return counts;
        }
        DataRange range = part.range();
        long size = context.args().data(range.name()).size();
        Words.countRange((offset, length) -> context.openData(new DataRange(range.name(), offset, length)), size,
                range.offset(), range.end(), counts);
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
