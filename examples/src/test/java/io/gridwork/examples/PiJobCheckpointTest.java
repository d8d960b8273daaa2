package io.gridwork.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskCancelledException;
import io.gridwork.sdk.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PiJob's checkpoints: a task resumed from any of its checkpoints counts exactly what an uninterrupted one does. */
class PiJobCheckpointTest {

    private static final long SEED = 0x9E3779B97F4A7C15L;

    /** The count PiJob gave before checkpoints, drawn from SplittableRandom. */
    private static long reference(long index, long samples) {
        SplittableRandom random = new SplittableRandom(SEED + index * 0xBF58476D1CE4E5B9L);
        long inside = 0;
        for (long i = 0; i < samples; i++) {
            double x = random.nextDouble();
            double y = random.nextDouble();
            if (x * x + y * y <= 1.0) {
                inside++;
            }
        }
        return inside;
    }

    /** A context that keeps the checkpoints saved, and can stop the task after a number of saves (a lost attempt). */
    private static final class Saving implements TaskContext {
        final long index;
        final Map<String, String> args;
        byte[] given;
        final List<byte[]> saved = new ArrayList<>();
        int killAfterSaves = Integer.MAX_VALUE;

        Saving(long index, long every, byte[] given) {
            this.index = index;
            this.args = Map.of("checkpointEvery", Long.toString(every));
            this.given = given;
        }

        @Override
        public void saveCheckpoint(byte[] state) {
            saved.add(state.clone());
            if (saved.size() >= killAfterSaves) {
                throw new TaskCancelledException("killed after " + saved.size() + " saves");
            }
        }

        @Override
        public Optional<byte[]> checkpoint() {
            return saved.isEmpty() ? Optional.ofNullable(given) : Optional.of(saved.get(saved.size() - 1));
        }

        @Override
        public String jobId() {
            return "job-1";
        }

        @Override
        public long taskIndex() {
            return index;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public JobArgs args() {
            return JobArgs.of(args);
        }

        @Override
        public void reportProgress(double fraction) {
        }

        @Override
        public void reportProgress(double fraction, String message) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }
    }

    @Test
    void theCountIsTheOneSplittableRandomGave() {
        for (long index : new long[] {0, 1, 7, 12345}) {
            assertThat(PiJob.countInside(index, 100_003, null)).as("task %d", index).isEqualTo(reference(index, 100_003));
        }
    }

    @Test
    void everyCheckpointIsSavedAndAResumedTaskCountsTheSame() {
        long samples = 100_000;
        long expected = reference(3, samples);
        Saving first = new Saving(3, 7_000, null);
        assertThat(new PiJob().execute(samples, first)).isEqualTo(expected);
        assertThat(first.saved).as("one save per 7000 samples, none at the end").hasSize((int) (samples / 7_000));
        for (byte[] checkpoint : first.saved) {
            Saving resumed = new Saving(3, 7_000, checkpoint);
            List<long[]> computed = new ArrayList<>();
            assertThat(PiJob.countInside(3, samples, 7_000, resumed, (i, from, to) -> computed.add(new long[] {from, to})))
                    .isEqualTo(expected);
            long from = java.nio.ByteBuffer.wrap(checkpoint).getLong();
            assertThat(computed.get(0)[0]).as("it resumes where the checkpoint left off").isEqualTo(from);
            assertThat(computed.stream().mapToLong(c -> c[1] - c[0]).sum()).isEqualTo(samples - from);
        }
    }

    @Test
    void aTaskKilledAfterSomeSavesAndResumedCountsTheSame() {
        long samples = 50_000;
        Saving lost = new Saving(0, 4_000, null);
        lost.killAfterSaves = 5;
        assertThatThrownBy(() -> new PiJob().execute(samples, lost)).isInstanceOf(TaskCancelledException.class);
        Saving next = new Saving(0, 4_000, lost.saved.get(lost.saved.size() - 1));
        assertThat(new PiJob().execute(samples, next)).isEqualTo(reference(0, samples));
    }

    @Test
    void aNegativeIntervalIsRefused() {
        assertThatThrownBy(() -> new PiJob().split(JobArgs.of(Map.of("checkpointEvery", "-1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpointEvery");
    }
}
