package io.gridwork.internal;

/** A merged job result, encoded by the job's result codec, with its text form (null if binary) and media type. */
public record EncodedResult(byte[] bytes, String text, String mediaType) {}
