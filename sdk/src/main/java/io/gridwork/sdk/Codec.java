package io.gridwork.sdk;

/**
 * Turns values of one type into bytes and back, so that task inputs, task outputs and job results can travel
 * between the master and the workers without Java serialization.
 *
 * <p>{@link Codecs} has codecs for the primitive types, {@code String}, {@code byte[]} and lists of them. A job
 * with its own types writes a codec for them:
 *
 * <pre>{@code
 * record Point(double x, double y) {}
 *
 * Codec<Point> POINT = new Codec<>() {
 *     public byte[] encode(Point p) {
 *         return ByteBuffer.allocate(16).putDouble(p.x()).putDouble(p.y()).array();
 *     }
 *     public Point decode(byte[] bytes) {
 *         ByteBuffer b = ByteBuffer.wrap(bytes);
 *         return new Point(b.getDouble(), b.getDouble());
 *     }
 * };
 * }</pre>
 *
 * <p>Codecs must be stateless and thread-safe: one instance encodes and decodes on many threads at once.
 *
 * @param <T> the type of the values
 */
public interface Codec<T> {

    /** The bytes of {@code value}. Throws (any runtime exception) if the value cannot be encoded. */
    byte[] encode(T value);

    /** The value that {@link #encode} turned into {@code bytes}. Throws if the bytes are malformed. */
    T decode(byte[] bytes);

    /**
     * The media type of the encoded bytes when they are a job result, for example {@code image/png}. The CLI
     * writes a result that has no {@linkplain #toText text form} to a file with this type.
     */
    default String mediaType() {
        return "application/octet-stream";
    }

    /**
     * The value as text, shown by {@code grid result} and {@code grid submit --wait}; {@code null} if the value
     * has no useful text form (binary data such as an image). The default is {@link String#valueOf(Object)}.
     */
    default String toText(T value) {
        return String.valueOf(value);
    }
}
