package io.gridwork.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.examples.GrepJob.Search;
import io.gridwork.sdk.DataRange;
import io.gridwork.sdk.DataRef;
import io.gridwork.sdk.JobArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GrepJob: one task per pattern, each reading the whole data set and counting the lines that contain its pattern. */
class GrepJobTest {

    final GrepJob job = new GrepJob();

    /** Runs the job as the grid would, over the text as the data set {@code text}. */
    String run(String text, String patterns) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        JobArgs args = JobArgs.of(Map.of("patterns", patterns),
                Map.of("text", new DataRef("text", "00".repeat(32), bytes.length, FakeTaskContext.CHUNK)));
        List<Long> outputs = new ArrayList<>();
        for (Search s : job.split(args).toList()) {
            assertThat(job.dataNeeds(s)).containsExactly(new DataRange("text", 0, bytes.length));
            FakeTaskContext context = FakeTaskContext.over("text", bytes);
            outputs.add(job.execute(GrepJob.SEARCHES.decode(GrepJob.SEARCHES.encode(s)), context));
            assertThat(context.opened).as("the whole data set, once").containsExactly(new DataRange("text", 0,
                    bytes.length));
        }
        return job.merge(outputs.stream(), args);
    }

    /** The expected count, the plain way: the text's lines that contain the pattern. */
    static long expected(String text, String pattern) {
        if (text.isEmpty()) {
            return 0;
        }
        return text.lines().filter(l -> l.contains(pattern)).count();
    }

    @Test
    void countsTheLinesThatContainEachPatternInTheOrderGiven() throws Exception {
        String text = "ERROR disk full\nWARN slow\nINFO ok\nERROR ERROR twice on one line\nwarn lower case\n"
                + "timeout then ERROR";
        assertThat(run(text, "WARN,ERROR,timeout,absent,ok"))
                .isEqualTo("WARN\t1\nERROR\t3\ntimeout\t1\nabsent\t0\nok\t1\n");
    }

    @Test
    void emptyDataAndEdgeLines() throws Exception {
        assertThat(run("", "a,b")).isEqualTo("a\t0\nb\t0\n");
        assertThat(run("\n\n\n", "a")).isEqualTo("a\t0\n");
        assertThat(run("no newline at the end: needle", "needle")).isEqualTo("needle\t1\n");
        assertThat(run("needle\n", "needle,e\n")).isEqualTo("needle\t1\ne\n\t0\n");
        assertThat(run("aaa\naab\nab", "aab,aa,b")).isEqualTo("aab\t1\naa\t2\nb\t2\n");
        assertThat(run("naïve café\n日本語のテキスト\ncafé", "café,本語,ï")).isEqualTo("café\t2\n本語\t1\nï\t1\n");
    }

    @Test
    void aLargeTextWithMatchesAcrossBufferEdgesAgreesWithThePlainCount() throws Exception {
        Random random = new Random(5);
        String[] words = {"abab", "abac", "ab", "c", "xyz", "aab", "é", "ababac"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 300_000) {
            sb.append(words[random.nextInt(words.length)]);
            sb.append(random.nextInt(12) == 0 ? "\n" : random.nextInt(3) == 0 ? " " : "");
        }
        String text = sb.toString();
        String patterns = "ababac,abab,aab,é c,xyzxyz,c\u00e9";
        StringBuilder want = new StringBuilder();
        for (String p : patterns.split(",")) {
            want.append(p).append('\t').append(expected(text, p)).append('\n');
        }
        assertThat(run(text, patterns)).isEqualTo(want.toString());
    }

    @Test
    void aVeryLongLineIsNeverHeldWhole() throws IOException {
        byte[] line = ("x".repeat(1 << 20) + "needle" + "y".repeat(1 << 20)).getBytes(StandardCharsets.UTF_8);
        assertThat(GrepJob.countLines(new ByteArrayInputStream(line), "needle".getBytes(StandardCharsets.UTF_8),
                line.length, null)).isEqualTo(1);
    }

    @Test
    void badArgumentsAreRefusedWhenTheJobIsSplit() {
        Map<String, DataRef> data = Map.of("text", new DataRef("text", "00".repeat(32), 10, 64));
        assertThatThrownBy(() -> job.split(JobArgs.of(Map.of("patterns", "a,,b"), data)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argument 'patterns' has an empty pattern (number 2 of 3): give patterns=a,b,c");
        assertThatThrownBy(() -> job.split(JobArgs.of(Map.of(), data)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("missing argument 'patterns' (pass --arg patterns=VALUE)");
        assertThatThrownBy(() -> job.split(JobArgs.of(Map.of("patterns", "a"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("missing data set 'text' (pass --data text=ID or text=FILE)");
        assertThat(job.arguments()).containsExactly("patterns");
    }

    @Test
    void aSearchTravelsAsItsCodecSays() {
        Search s = new Search("ERROR, é", new DataRange("text", 0, 12345));
        assertThat(GrepJob.SEARCHES.decode(GrepJob.SEARCHES.encode(s))).isEqualTo(s);
        assertThatThrownBy(() -> GrepJob.SEARCHES.decode(new byte[] {0, 0})).isInstanceOf(IllegalArgumentException.class);
    }
}
