package io.gridwork.master.core;

/** A succeeded job's result: the encoded bytes, their media type and the text form (null if binary). */
public record ResultData(String jobId, byte[] bytes, String mediaType, String text) {}
