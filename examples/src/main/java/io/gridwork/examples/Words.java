package io.gridwork.examples;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;

/**
 * Words as {@link WordCountJob} counts them, in a {@code String} or in UTF-8 bytes, with the same answer either way.
 *
 * <p>A token is a longest run of letters, decimal digits and apostrophes ({@code '}); its word is the token in lower
 * case without apostrophes at either end (a token of apostrophes only is no word). Anything else separates tokens.
 *
 * <p>In bytes, the text is UTF-8 read leniently, so that any byte sequence has one reading and a reading that starts
 * part-way gives the same characters from its first lead byte on: a byte that cannot start or continue a character
 * (a stray continuation byte, a lead byte without its continuation bytes, 0xF8 to 0xFF) is one separator, and an
 * overlong form, a surrogate or a code point above U+10FFFF a separator as long as its sequence.
 */
final class Words {

    /** Bytes read at a time past a range's end, to finish a word cut there. */
    static final int TAIL_STEP = 256;

    private Words() {}

    static boolean isWordChar(int codePoint) {
        return codePoint == '\'' || Character.isLetter(codePoint) || Character.isDigit(codePoint);
    }

    /** The word of a token: lower case, no apostrophes at either end; "" if none is left. */
    static String word(CharSequence token) {
        int from = 0;
        int to = token.length();
        while (from < to && token.charAt(from) == '\'') {
            from++;
        }
        while (to > from && token.charAt(to - 1) == '\'') {
            to--;
        }
        return token.subSequence(from, to).toString().toLowerCase(Locale.ROOT);
    }

    /** Adds the words of {@code text} to {@code counts}. */
    static void count(String text, Map<String, Long> counts) {
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isWordChar(cp)) {
                token.appendCodePoint(cp);
            } else if (token.length() > 0) {
                add(token, counts);
            }
        }
        if (token.length() > 0) {
            add(token, counts);
        }
    }

    private static void add(StringBuilder token, Map<String, Long> counts) {
        String w = word(token);
        if (!w.isEmpty()) {
            counts.merge(w, 1L, Long::sum);
        }
        token.setLength(0);
    }

    /** Opens bytes {@code [offset, offset + length)} of the text being counted. */
    interface Source {
        InputStream open(long offset, long length) throws IOException;
    }

    /**
     * Adds to {@code counts} the words that start in bytes {@code [start, end)} of a text of {@code size} bytes: a
     * word that starts before {@code start} is left to the range before (a few bytes before {@code start} are read to
     * tell), and the last word is read to its end past {@code end}, {@value #TAIL_STEP} bytes at a time. So ranges
     * that cover a text once count each of its words once.
     */
    static void countRange(Source source, long size, long start, long end, Map<String, Long> counts)
            throws IOException {
        if (start < 0 || end < start || end > size) {
            throw new IllegalArgumentException("range [" + start + ", " + end + ") of a text of " + size + " bytes");
        }
        if (start == end) {
            return;
        }
        // the character that ends at `start` begins at most 4 bytes before it (UTF-8 has at most 4 bytes a character)
        long from = Math.max(0, start - 4);
        try (Utf8 in = new Utf8(source, from, end, size)) {
            StringBuilder token = new StringBuilder();
            boolean inToken = false;
            boolean owned = false;
            in.skipContinuationBytes(); // bytes of a character that began before `from`: not needed to tell
            while (true) {
                long at = in.position();
                if (at >= end && !(inToken && owned)) {
                    break; // past the range, and not inside a word of its own
                }
                int cp = in.next();
                if (cp < 0) {
                    break;
                }
                if (isWordChar(cp)) {
                    if (!inToken) {
                        inToken = true;
                        owned = at >= start;
                    }
                    if (owned) {
                        token.appendCodePoint(cp);
                    }
                } else {
                    if (inToken && owned) {
                        add(token, counts);
                    }
                    inToken = false;
                    owned = false;
                }
            }
            if (inToken && owned) {
                add(token, counts);
            }
        }
    }

    /**
     * Code points from UTF-8 bytes (read leniently, see the class comment), with the position of each: the range
     * {@code [from, end)} first, then on demand {@value #TAIL_STEP} bytes at a time up to {@code size}.
     */
    private static final class Utf8 implements AutoCloseable {
        private final Source source;
        private final long size;
        private InputStream in;
        private long opened;        // bytes of the text up to the end of the stream open now
        private final byte[] buffer = new byte[1 << 16];
        private int length;
        private int next;
        private long bufferStart;   // position of buffer[0]

        Utf8(Source source, long from, long end, long size) throws IOException {
            this.source = source;
            this.size = size;
            this.in = source.open(from, end - from);
            this.opened = end;
            this.bufferStart = from;
        }

        long position() {
            return bufferStart + next;
        }

        /** The byte at position() + ahead, or -1 past the text's end. */
        private int peek(int ahead) throws IOException {
            while (next + ahead >= length) {
                if (!fill()) {
                    return -1;
                }
            }
            return buffer[next + ahead] & 0xff;
        }

        /** Reads more bytes, keeping those not consumed yet; false at the text's end. */
        private boolean fill() throws IOException {
            if (next > 0) {
                System.arraycopy(buffer, next, buffer, 0, length - next);
                length -= next;
                bufferStart += next;
                next = 0;
            }
            while (true) {
                int n = in.read(buffer, length, buffer.length - length);
                if (n > 0) {
                    length += n;
                    return true;
                }
                if (opened >= size) {
                    return false;
                }
                in.close();
                long step = Math.min(TAIL_STEP, size - opened);
                in = source.open(opened, step);
                opened += step;
            }
        }

        void skipContinuationBytes() throws IOException {
            int b;
            while ((b = peek(0)) >= 0 && (b & 0xC0) == 0x80) {
                next++;
            }
        }

        /** The next code point (U+FFFD for what is not one), or -1 at the text's end. */
        int next() throws IOException {
            int b = peek(0);
            if (b < 0) {
                return -1;
            }
            int more;
            int cp;
            if (b < 0x80) {
                next++;
                return b;
            } else if (b >= 0xC0 && b < 0xE0) {
                more = 1;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b < 0xF0) {
                more = 2;
                cp = b & 0x0F;
            } else if (b >= 0xF0 && b < 0xF8) {
                more = 3;
                cp = b & 0x07;
            } else {
                next++;
                return 0xFFFD; // a stray continuation byte, or no lead byte at all
            }
            for (int i = 1; i <= more; i++) {
                int c = peek(i);
                if (c < 0 || (c & 0xC0) != 0x80) {
                    next++;
                    return 0xFFFD; // a lead byte without its continuation bytes
                }
                cp = cp << 6 | (c & 0x3F);
            }
            next += more + 1;
            int least = more == 1 ? 0x80 : more == 2 ? 0x800 : 0x10000;
            if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return 0xFFFD;
            }
            return cp;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
