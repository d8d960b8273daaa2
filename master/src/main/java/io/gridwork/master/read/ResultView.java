package io.gridwork.master.read;

/** A succeeded job's result: the encoded bytes and their media type (null if unknown). */
public record ResultView(String jobId, byte[] bytes, String mediaType) {}
