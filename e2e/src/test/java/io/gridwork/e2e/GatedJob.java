package io.gridwork.e2e;

import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.sdk.TaskContext;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link TallyJob} held open by a file: a task that starts while the file {@code gate} exists takes its {@code ms}
 * (reporting progress), one that starts after the test deleted it returns its output at once. A test that needs a job
 * running while it looks at it holds the job as long as it looks, however slow the machine, then ends it without
 * waiting out tasks nobody looks at; the result still shows every task merged exactly once.
 */
public final class GatedJob extends TallyJob {

    @Override
    public Long execute(Long i, TaskContext context) throws Exception {
        if (Files.exists(Path.of(context.args().get("gate", "")))) {
            return super.execute(i, context);
        }
        return i * i + 1; // the tally's output, without its wait
    }
}
