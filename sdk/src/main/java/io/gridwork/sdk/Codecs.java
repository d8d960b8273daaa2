package io.gridwork.sdk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The built-in codecs: the primitive types (boxed), {@code String}, {@code byte[]} and lists of any of them.
 *
 * <pre>{@code
 * public final class SumJob extends GridJob<List<Long>, Long, Long> {
 *     public SumJob() {
 *         super(Codecs.listOf(Codecs.LONG), Codecs.LONG, Codecs.LONG);
 *     }
 *     ...
 * }
 * }</pre>
 *
 * <p>Numbers are encoded big-endian at their natural width; strings as UTF-8; a list as its size followed by
 * each element's length and bytes. None of these codecs accepts {@code null}.
 */
public final class Codecs {

    private Codecs() {}

    public static final Codec<Boolean> BOOLEAN = fixed(1, (v, b) -> b.put((byte) (v ? 1 : 0)), b -> {
        byte v = b.get();
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException("not a boolean: byte " + v);
        }
        return v == 1;
    });
    public static final Codec<Byte> BYTE = fixed(1, (v, b) -> b.put(v), ByteBuffer::get);
    public static final Codec<Short> SHORT = fixed(2, (v, b) -> b.putShort(v), ByteBuffer::getShort);
    public static final Codec<Character> CHAR = fixed(2, (v, b) -> b.putChar(v), ByteBuffer::getChar);
    public static final Codec<Integer> INT = fixed(4, (v, b) -> b.putInt(v), ByteBuffer::getInt);
    public static final Codec<Long> LONG = fixed(8, (v, b) -> b.putLong(v), ByteBuffer::getLong);
    public static final Codec<Float> FLOAT = fixed(4, (v, b) -> b.putFloat(v), ByteBuffer::getFloat);
    public static final Codec<Double> DOUBLE = fixed(8, (v, b) -> b.putDouble(v), ByteBuffer::getDouble);

    /** UTF-8 text; its text form is the string itself, and as a result its media type is {@code text/plain}. */
    public static final Codec<String> STRING = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public String mediaType() {
            return "text/plain; charset=utf-8";
        }

        @Override
        public String toText(String value) {
            return value;
        }
    };

    /** Raw bytes, passed through unchanged; no text form. */
    public static final Codec<byte[]> BYTES = bytes("application/octet-stream");

    /** Raw bytes of the given media type (for example {@code image/png}), passed through unchanged. */
    public static Codec<byte[]> bytes(String mediaType) {
        Objects.requireNonNull(mediaType, "mediaType");
        return new Codec<>() {
            @Override
            public byte[] encode(byte[] value) {
                return Objects.requireNonNull(value, "value");
            }

            @Override
            public byte[] decode(byte[] bytes) {
                return bytes;
            }

            @Override
            public String mediaType() {
                return mediaType;
            }

            @Override
            public String toText(byte[] value) {
                return null;
            }
        };
    }

    /** A list of values, each encoded by {@code element}; decodes to an unmodifiable list. */
    public static <T> Codec<List<T>> listOf(Codec<T> element) {
        Objects.requireNonNull(element, "element");
        return new Codec<>() {
            @Override
            public byte[] encode(List<T> values) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + values.size() * 12);
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    out.writeInt(values.size());
                    for (T value : values) {
                        byte[] encoded = element.encode(value);
                        out.writeInt(encoded.length);
                        out.write(encoded);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return bytes.toByteArray();
            }

            @Override
            public List<T> decode(byte[] bytes) {
                try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                    int size = in.readInt();
                    if (size < 0 || size > bytes.length / 4) {
                        throw new IllegalArgumentException("malformed list: size " + size);
                    }
                    List<T> values = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        int length = in.readInt();
                        if (length < 0 || length > in.available()) {
                            throw new IllegalArgumentException("malformed list: element " + i + " has length " + length);
                        }
                        values.add(element.decode(in.readNBytes(length)));
                    }
                    if (in.available() != 0) {
                        throw new IllegalArgumentException("malformed list: " + in.available() + " bytes left over");
                    }
                    return Collections.unmodifiableList(values);
                } catch (IOException e) {
                    throw new IllegalArgumentException("malformed list: " + e.getMessage(), e);
                }
            }

            @Override
            public String toText(List<T> values) {
                StringBuilder text = new StringBuilder("[");
                for (T value : values) {
                    if (text.length() > 1) {
                        text.append(", ");
                    }
                    text.append(element.toText(value));
                }
                return text.append(']').toString();
            }
        };
    }

    private interface Writer<T> {
        void write(T value, ByteBuffer buffer);
    }

    private interface Reader<T> {
        T read(ByteBuffer buffer);
    }

    private static <T> Codec<T> fixed(int width, Writer<T> writer, Reader<T> reader) {
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                ByteBuffer buffer = ByteBuffer.allocate(width);
                writer.write(Objects.requireNonNull(value, "value"), buffer);
                return buffer.array();
            }

            @Override
            public T decode(byte[] bytes) {
                if (bytes.length != width) {
                    throw new IllegalArgumentException("expected " + width + " bytes, got " + bytes.length);
                }
                return reader.read(ByteBuffer.wrap(bytes));
            }
        };
    }
}
