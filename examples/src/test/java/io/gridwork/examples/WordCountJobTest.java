package io.gridwork.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.examples.WordCountJob.Part;
import io.gridwork.sdk.DataRange;
import io.gridwork.sdk.DataRef;
import io.gridwork.sdk.JobArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WordCountJob over a data set: ranges cut anywhere (in a word, between words, inside a character of several bytes)
 * count every word exactly once, so the result equals the count of the whole text.
 */
class WordCountJobTest {

    final WordCountJob job = new WordCountJob();

    /** The words of the whole text, counted as a String (the other code path). */
    static Map<String, Long> whole(byte[] text) {
        Map<String, Long> counts = new HashMap<>();
        Words.count(new String(text, StandardCharsets.UTF_8), counts);
        return counts;
    }

    /** The words of the text counted by tasks over ranges cut at {@code cuts} (ascending, inside the text). */
    Map<String, Long> byRanges(byte[] text, long... cuts) throws IOException {
        List<Long> edges = new ArrayList<>();
        edges.add(0L);
        for (long c : cuts) {
            edges.add(c);
        }
        edges.add((long) text.length);
        Map<String, Long> total = new HashMap<>();
        for (int i = 0; i + 1 < edges.size(); i++) {
            FakeTaskContext context = FakeTaskContext.over("text", text);
            Part part = new Part(null, new DataRange("text", edges.get(i), edges.get(i + 1) - edges.get(i)));
            job.execute(WordCountJob.PARTS.decode(WordCountJob.PARTS.encode(part)), context)
                    .forEach((w, c) -> total.merge(w, c, Long::sum));
        }
        return total;
    }

    @Test
    void theWordsOfASentence() {
        Map<String, Long> counts = whole("Hello, hello world's 'end' -- ''' 42 x42\nÉté été"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("hello", 2L, "world's", 1L, "end", 1L, "42", 1L,
                "x42", 1L, "été", 2L));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "the quick brown fox\njumps over the lazy dog\n",
            "no trailing newline at all",
            "oneword",
            "  \n\t ,,, !!",
            "'tis the season's 'quoted' words'' and ''' alone",
            "Ünïcödé wörds: 日本語のテキスト, naïve café; Ελληνικά λέξεις",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters of four bytes: 𝔘𝔫 𝔦𝔠𝔬 and emoji 😀 between 😀words😀",
            "a",
            ""})
    void rangesCutAtEveryByteCountEachWordOnce(String sample) throws IOException {
        byte[] text = sample.getBytes(StandardCharsets.UTF_8);
        Map<String, Long> expected = whole(text);
        assertThat(byRanges(text)).isEqualTo(expected);
        for (int cut = 1; cut < text.length; cut++) {
            assertThat(byRanges(text, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
        for (int a = 1; a < text.length; a += 3) {
            for (int b = a + 1; b < text.length; b += 5) {
                assertThat(byRanges(text, a, b)).as("cuts at %d and %d", a, b).isEqualTo(expected);
            }
        }
        long[] everyByte = new long[Math.max(0, text.length - 1)];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(byRanges(text, everyByte)).as("one byte a range").isEqualTo(expected);
    }

    @Test
    void aLargeRandomTextOverChunkAlignedRangesEqualsTheWholeCount() throws IOException {
        Random random = new Random(11);
        String[] vocabulary = {"alpha", "beta", "gamma", "délta", "ε", "日本", "x'y", "''", "42", "𝔘𝔫"};
        String[] separators = {" ", "\n", ", ", " -- ", "\t", "!"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 20_000) {
            sb.append(vocabulary[random.nextInt(vocabulary.length)]).append(separators[random.nextInt(separators.length)]);
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        DataRef ref = new DataRef("text", "00".repeat(32), text.length, FakeTaskContext.CHUNK);
        List<Long> cuts = new ArrayList<>();
        for (DataRange r : WordCountJob.ranges(ref, 37)) {
            if (r.offset() > 0) {
                cuts.add(r.offset());
            }
        }
        assertThat(byRanges(text, cuts.stream().mapToLong(Long::longValue).toArray())).isEqualTo(whole(text));
    }

    @Test
    void aTaskReadsOnlyALittleAroundItsRange() throws IOException {
        byte[] text = ("aaaa bbbb " + "x".repeat(1000) + " cccc").getBytes(StandardCharsets.UTF_8);
        FakeTaskContext context = FakeTaskContext.over("text", text);
        Map<String, Long> counts = job.execute(Part.of(new DataRange("text", 5, 10)), context);
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("bbbb", 1L, "x".repeat(1000), 1L));
        assertThat(context.opened.get(0)).isEqualTo(new DataRange("text", 1, 14));
        assertThat(context.opened.subList(1, context.opened.size())).as("the last word, read to its end")
                .allSatisfy(r -> assertThat(r.length()).isLessThanOrEqualTo(Words.TAIL_STEP))
                .hasSize((1000 - 5 + Words.TAIL_STEP) / Words.TAIL_STEP);

        FakeTaskContext atSpace = FakeTaskContext.over("text", text);
        assertThat(job.execute(Part.of(new DataRange("text", 0, 5)), atSpace)).isEqualTo(Map.of("aaaa", 1L));
        assertThat(atSpace.opened).as("a range that ends after a separator reads nothing past it")
                .containsExactly(new DataRange("text", 0, 5));
    }

    @Test
    void splitMakesChunkAlignedRangesThatCoverTheDataSetOnce() throws Exception {
        Map<String, DataRef> data = Map.of("text", new DataRef("text", "00".repeat(32), 1000, 64));
        List<Part> parts = job.split(JobArgs.of(Map.of("tasks", "4"), data)).toList();
        long next = 0;
        for (Part p : parts) {
            assertThat(p.text()).isNull();
            assertThat(p.range().offset()).isEqualTo(next);
            assertThat(p.range().offset() % 64).isZero();
            assertThat(job.dataNeeds(p)).containsExactly(p.range());
            next = p.range().end();
        }
        assertThat(next).isEqualTo(1000);
        assertThat(parts).hasSize(4);

        Map<String, DataRef> empty = Map.of("text", new DataRef("text", "00".repeat(32), 0, 64));
        List<Part> none = job.split(JobArgs.of(Map.of(), empty)).toList();
        assertThat(none).isEmpty();
        assertThat(job.merge(Stream.of(), JobArgs.of(Map.of(), empty))).isEmpty();
    }

    @Test
    void theTextIsGivenOnceAndTheOldArgumentStillWorks() throws Exception {
        Map<String, DataRef> data = Map.of("text", new DataRef("text", "00".repeat(32), 10, 64));
        assertThatThrownBy(() -> job.split(JobArgs.of(Map.of("text", "a b"), data)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("give the text once: --data text=ID or --arg text=..., not both");

        JobArgs args = JobArgs.of(Map.of("text", "b a b\nc 'a' b", "tasks", "3"));
        List<Part> parts = job.split(args).toList();
        assertThat(parts).allSatisfy(p -> assertThat(job.dataNeeds(p)).isEmpty());
        List<Map<String, Long>> outputs = new ArrayList<>();
        for (Part p : parts) {
            outputs.add(job.execute(WordCountJob.PARTS.decode(WordCountJob.PARTS.encode(p)), null));
        }
        assertThat(job.merge(outputs.stream(), args)).isEqualTo("b\t3\na\t2\nc\t1\n");
    }

    @Test
    void textPiecesAreNeverCutInsideAWordOrACharacter() {
        String text = "don't 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 stop";
        for (int parts = 1; parts <= text.length(); parts++) {
            List<String> chunks = WordCountJob.chunks(text, parts);
            assertThat(String.join("", chunks)).isEqualTo(text);
            Map<String, Long> counts = new HashMap<>();
            chunks.forEach(c -> Words.count(c, counts));
            assertThat(counts).as("%d parts: %s", parts, chunks).isEqualTo(Map.of("don't", 1L, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢".toLowerCase(), 1L,
                    "stop", 1L));
        }
    }

    @Test
    void bytesThatAreNotUtf8AreSeparatorsWhereverTheCutFalls() throws IOException {
        byte[] text = {'a', 'b', (byte) 0xE2, (byte) 0x82, 'c', (byte) 0x80, (byte) 0x80, 'd', (byte) 0xFF, 'e',
                (byte) 0xC3, (byte) 0xA9, 'f', (byte) 0xF0, (byte) 0x9D, (byte) 0x94, (byte) 0x98, 'g',
                (byte) 0xC0, (byte) 0x81, 'h'};
        Map<String, Long> expected = byRanges(text);
        assertThat(expected).isEqualTo(Map.of("ab", 1L, "c", 1L, "d", 1L, "eéf𝔘g", 1L, "h", 1L));
        for (int cut = 1; cut < text.length; cut++) {
            assertThat(byRanges(text, cut)).as("cut at %d", cut).isEqualTo(expected);
            for (int cut2 = cut + 1; cut2 < text.length; cut2++) {
                assertThat(byRanges(text, cut, cut2)).as("cuts at %d, %d", cut, cut2).isEqualTo(expected);
            }
        }
    }

    @Test
    void aPartTravelsAsItsCodecSaysAndMalformedBytesAreRefused() {
        Part text = Part.of("some text é");
        Part range = Part.of(new DataRange("text", 4 << 20, 123));
        assertThat(WordCountJob.PARTS.decode(WordCountJob.PARTS.encode(text))).isEqualTo(text);
        assertThat(WordCountJob.PARTS.decode(WordCountJob.PARTS.encode(range))).isEqualTo(range);
        assertThatThrownBy(() -> WordCountJob.PARTS.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WordCountJob.PARTS.decode(new byte[] {1, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Part(null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
