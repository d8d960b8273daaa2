/**
 * The master's core: jobs, their tasks, the workers and their streams, dispatch, results, retries. One thread, the
 * {@link io.gridwork.master.core.Loop loop}, owns all of its state; the rooms below live on it and call one another
 * only downwards. Nothing here knows gRPC, HTTP or Quartz (a test says so).
 *
 * <h2>The rooms</h2>
 * <pre>
 *   rpc/, http/, schedule/
 *          |
 *      Scheduler ................ the facade: the public API; posts or calls onto the loop, nothing else
 *       |     |        \
 *       |  StatusBoard  \ ....... the read side: live snapshots, watchers, waiting reasons, queries
 *       |                \
 *   WorkerRegistry ........ workers, registration (through the journal), streams, messages, drains, adoption
 *       |      \             after a restart; applies the Liveness verdicts
 *       |    Liveness ........ the failure detector: given the time and the workers, returns verdicts, does nothing
 *       |
 *   TaskOutcomes .......... an attempt ended: fencing, result intake, and one RetryPolicy decision applied once
 *       |                     for failures, timeouts and losses
 *   Dispatcher ............ credits to tasks, in FairShare order; Speculation for slow tasks; retry wake-ups
 *       |
 *   Jobs -> JobRunner ..... a submission (checked by its own code, stored through the journal), resumption, cancel;
 *       |     -> TaskQueue    one runner per job, its JobPhase moving through a table, its tasks through TaskState's;
 *       |                     its TaskQueue holds the tasks waiting to run
 *   JobCodeHost ........... job code (load, split, merge) on the job-code executor, with time limits
 *   AttemptTable .......... current attempts; fencing ids by epoch; slots held; acknowledgement after the commit
 *   Flusher ............... one message per worker and one batch of writes per turn of the loop
 *   Journal ............... the one writer: group commit in order, retried until it succeeds or the master stops
 *   Loop .................. the mailbox: post, call with a time limit, timers that post; its depth is a gauge
 * </pre>
 *
 * <p>Calls go down the picture. The few that go up are events a room announces to whoever listens, never
 * questions: a {@link io.gridwork.master.core.JobRunner.Listener} (tasks ready, a job changed, a job ended) that
 * {@code Jobs} implements, and commit callbacks that the journal runs on the loop. Pure policies
 * ({@code FairShare}, {@code Speculation}, {@code RetryPolicy}, {@code JobPhase}) have no I/O and no clock of their
 * own, and are tested alone.
 *
 * <h2>Invariants every change keeps</h2>
 * <ul>
 *   <li>Writes go through the {@code Journal}, in the order the loop hands them over; a result is acknowledged, a
 *       submission answered and a registration completed only after its commit.</li>
 *   <li>Attempt ids are fencing tokens that grow with every attempt and every start of the master.</li>
 *   <li>Job code never runs on the loop, and always with a time limit; callers never wait for the loop without one.</li>
 * </ul>
 */
package io.gridwork.master.core;
