package io.gridwork.worker;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What one attempt's code wrote to {@code System.out} and {@code System.err}, interleaved in the order written, bounded:
 * past the limit the first half and the last half are kept, and the bytes in between are only counted. Written by the
 * task's threads (through {@link TaskOutputCapture}), read once the attempt has ended. Thread-safe.
 */
final class TaskLog {

    private static final byte[] NONE = new byte[0];

    private final int limit;
    /** The most bytes the head keeps (half the limit). */
    private final int headLimit;
    /** The first bytes written; grown as they come (most tasks write nothing, and a log is made for every attempt). */
    private byte[] head = NONE;
    private int headLength;
    /** A ring of the last bytes written past the head, of {@code limit - headLimit} bytes once the head is full. */
    private byte[] tail = NONE;
    private int tailEnd;
    private int tailLength;
    private long total;
    private volatile boolean closed;

    /** @param limit the most bytes kept (at least 2: one for the head, one for the tail) */
    TaskLog(int limit) {
        if (limit < 2) {
            throw new IllegalArgumentException("a task log keeps at least 2 bytes, not " + limit);
        }
        this.limit = limit;
        this.headLimit = limit / 2;
    }

    /** Whether the attempt has ended: later writes (of threads it left behind) no longer belong to it. */
    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    synchronized void write(byte[] b, int off, int len) {
        total += len;
        int toHead = Math.min(len, headLimit - headLength);
        if (headLength + toHead > head.length) {
            head = java.util.Arrays.copyOf(head, Math.min(headLimit, Math.max(256, Math.max(headLength + toHead, head.length * 2))));
        }
        System.arraycopy(b, off, head, headLength, toHead);
        headLength += toHead;
        off += toHead;
        len -= toHead;
        if (len == 0) {
            return;
        }
        if (tail.length == 0) {
            tail = new byte[limit - headLimit];
        }
        if (len >= tail.length) {
            System.arraycopy(b, off + len - tail.length, tail, 0, tail.length);
            tailEnd = 0;
            tailLength = tail.length;
            return;
        }
        int first = Math.min(len, tail.length - tailEnd);
        System.arraycopy(b, off, tail, tailEnd, first);
        System.arraycopy(b, off + first, tail, 0, len - first);
        tailEnd = (tailEnd + len) % tail.length;
        tailLength = Math.min(tail.length, tailLength + len);
    }

    /** Bytes written in all. */
    synchronized long total() {
        return total;
    }

    /** Bytes written but not kept (0: the log is whole). */
    synchronized long cutBytes() {
        return total - headLength - tailLength;
    }

    /** The bound this log was made with. */
    int limit() {
        return limit;
    }

    /**
     * The kept output as text in {@code charset} (malformed input replaced): the head, then, if bytes were cut, a line
     * saying how many, then the tail.
     */
    synchronized String text(Charset charset) {
        String first = decode(head, 0, headLength, charset);
        if (tailLength == 0) {
            return first;
        }
        byte[] last = new byte[tailLength];
        int start = (tailEnd - tailLength + tail.length) % tail.length;
        int n = Math.min(tailLength, tail.length - start);
        System.arraycopy(tail, start, last, 0, n);
        System.arraycopy(tail, 0, last, n, tailLength - n);
        long cut = cutBytes();
        if (cut == 0) {
            return first + decode(last, 0, last.length, charset);
        }
        int from = 0;
        if (charset.equals(StandardCharsets.UTF_8)) {
            // do not start the tail in the middle of a character
            while (from < last.length && from < 3 && (last[from] & 0xC0) == 0x80) {
                from++;
            }
        }
        return first + (first.endsWith("\n") ? "" : "\n") + "[... " + cut + " bytes of output cut: over the limit of "
                + limit + " bytes (--task-log-limit) ...]\n" + decode(last, from, last.length - from, charset);
    }

    private static String decode(byte[] b, int off, int len, Charset charset) {
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(b, off, len, charset); // not reached with REPLACE
        }
    }
}
