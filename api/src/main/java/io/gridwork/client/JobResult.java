package io.gridwork.client;

import io.gridwork.sdk.Codec;
import java.util.Optional;

/**
 * The result of a job that succeeded: the bytes its result codec produced, their media type, and the text form
 * the codec gave (absent for binary results such as images).
 *
 * <pre>{@code
 * double pi = client.result(jobId).decode(Codecs.DOUBLE);
 * }</pre>
 */
public final class JobResult {

    private final String jobId;
    private final String mediaType;
    private final byte[] bytes;
    private final String text;

    public JobResult(String jobId, String mediaType, byte[] bytes, String text) {
        this.jobId = jobId;
        this.mediaType = mediaType;
        this.bytes = bytes;
        this.text = text;
    }

    public String jobId() {
        return jobId;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The encoded result (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    /** The result as text, if its codec gives it one. */
    public Optional<String> text() {
        return Optional.ofNullable(text);
    }

    /** The result decoded with the job's result codec. */
    public <T> T decode(Codec<T> codec) {
        return codec.decode(bytes);
    }
}
