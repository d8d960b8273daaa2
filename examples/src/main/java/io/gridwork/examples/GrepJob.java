package io.gridwork.examples;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.DataRange;
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
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How many lines of a text contain each of several patterns (plain substrings): one task per pattern, and each task
 * reads the whole data set. The result is one {@code pattern<TAB>count} line per pattern, in the order given.
 *
 * <pre>
 * ID=$(grid data put server.log)
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.GrepJob \
 *     --data text=$ID --arg patterns=ERROR,WARN,timeout --wait
 * </pre>
 *
 * <p>It is the broadcast case of the data grid: every task reads all of the data, so with N workers the data is read
 * N times. The workers fetch its chunks from each other, so the master sends it about once, not N times.
 *
 * <p>Lines end at {@code \n}; the last line needs none. Patterns are separated by commas (so a pattern cannot hold
 * one), matched byte for byte in UTF-8, case-sensitive; none may be empty.
 */
public final class GrepJob extends GridJob<GrepJob.Search, Long, String> {

    /** The name of the data set to search. */
    public static final String TEXT = "text";

    /** What one task does: count the lines of {@code data} (the whole data set) that contain {@code pattern}. */
    public record Search(String pattern, DataRange data) {
        public Search {
            if (pattern == null || pattern.isEmpty()) {
                throw new IllegalArgumentException("a pattern must not be empty");
            }
            java.util.Objects.requireNonNull(data, "data");
        }
    }

    /** A search as its pattern (UTF), then the data set's name (UTF), offset and length. */
    public static final Codec<Search> SEARCHES = new Codec<>() {
        @Override
        public byte[] encode(Search search) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                byte[] pattern = search.pattern().getBytes(StandardCharsets.UTF_8);
                out.writeInt(pattern.length);
                out.write(pattern);
                out.writeUTF(search.data().name());
                out.writeLong(search.data().offset());
                out.writeLong(search.data().length());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public Search decode(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                byte[] pattern = new byte[in.readInt()];
                in.readFully(pattern);
                return new Search(new String(pattern, StandardCharsets.UTF_8),
                        new DataRange(in.readUTF(), in.readLong(), in.readLong()));
            } catch (IOException | NegativeArraySizeException e) {
                throw new IllegalArgumentException("malformed search: " + e.getMessage(), e);
            }
        }
    };

    public GrepJob() {
        super(SEARCHES, Codecs.LONG, Codecs.STRING);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("patterns");
    }

    /** The patterns of {@code patterns=a,b,c}, in order; refuses an empty one. */
    static List<String> patterns(JobArgs args) {
        String list = args.get("patterns");
        List<String> patterns = new ArrayList<>();
        String[] parts = list.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                throw new IllegalArgumentException("argument 'patterns' has an empty pattern (number " + (i + 1)
                        + " of " + parts.length + "): give patterns=a,b,c");
            }
            patterns.add(parts[i]);
        }
        return patterns;
    }

    @Override
    public Stream<Search> split(JobArgs args) {
        DataRange whole = args.data(TEXT).whole();
        return patterns(args).stream().map(p -> new Search(p, whole));
    }

    /** Each task reads the whole data set: the master runs it where most of it is. */
    @Override
    public List<DataRange> dataNeeds(Search search) {
        return List.of(search.data());
    }

    @Override
    public Long execute(Search search, TaskContext context) throws IOException {
        try (InputStream in = context.openData(search.data())) {
            return countLines(in, search.pattern().getBytes(StandardCharsets.UTF_8), search.data().length(), context);
        }
    }

    /**
     * The lines of {@code in} that contain {@code pattern}, read once, a buffer at a time (Knuth-Morris-Pratt, so
     * that a line of any length is never held whole). {@code context} (may be null) hears progress and cancellation.
     */
    static long countLines(InputStream in, byte[] pattern, long size, TaskContext context) throws IOException {
        int[] fail = failure(pattern);
        byte[] buffer = new byte[1 << 16];
        long lines = 0;
        long read = 0;
        long nextReport = 0;
        int matched = 0;          // pattern bytes matched so far in this line
        boolean found = false;    // this line contains the pattern
        int n;
        while ((n = in.read(buffer)) > 0) {
            for (int i = 0; i < n; i++) {
                byte b = buffer[i];
                if (b == '\n') {
                    if (found) {
                        lines++;
                    }
                    found = false;
                    matched = 0;
                    continue;
                }
                if (found) {
                    continue;
                }
                while (matched > 0 && pattern[matched] != b) {
                    matched = fail[matched - 1];
                }
                if (pattern[matched] == b) {
                    matched++;
                    if (matched == pattern.length) {
                        found = true;
                        matched = 0;
                    }
                }
            }
            read += n;
            if (context != null && read >= nextReport) {
                context.checkCancelled();
                context.reportProgress(size == 0 ? 1.0 : Math.min(1.0, (double) read / size));
                nextReport = read + (16 << 20);
            }
        }
        return found ? lines + 1 : lines;
    }

    /** fail[i]: the length of the longest proper prefix of pattern[0..i] that is also its suffix. */
    private static int[] failure(byte[] pattern) {
        int[] fail = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = fail[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            fail[i] = k;
        }
        return fail;
    }

    @Override
    public String merge(Stream<Long> outputs, JobArgs args) {
        StringBuilder text = new StringBuilder();
        Iterator<String> patterns = patterns(args).iterator();
        outputs.forEachOrdered(count -> text.append(patterns.next()).append('\t').append(count).append('\n'));
        return text.toString();
    }
}
