package io.gridwork.testing;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * A loop for tests that runs on the calling thread: an event posted from outside runs at once, and events
 * posted while one runs queue behind it, in order, as on the real single-threaded loop. Shared by the master's and
 * the worker's tests (api's test jar).
 */
public final class DirectLoop implements Executor {

    private final Queue<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    @Override
    public synchronized void execute(Runnable event) {
        queue.add(event);
        if (running) {
            return;
        }
        running = true;
        try {
            Runnable next;
            while ((next = queue.poll()) != null) {
                next.run();
            }
        } finally {
            running = false;
        }
    }
}
