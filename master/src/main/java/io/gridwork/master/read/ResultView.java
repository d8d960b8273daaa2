package io.gridwork.master.read;

/**
 * A succeeded job's result: the encoded bytes, their media type (null if unknown) and the result as text, as
 * {@code grid result} prints it (null for a binary result, such as an image).
 */
public record ResultView(String jobId, byte[] bytes, String mediaType, String text) {}
