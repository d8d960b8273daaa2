/**
 * The task author's SDK: extend {@link io.gridwork.sdk.GridJob} with {@code split}, {@code execute} and
 * {@code merge}, pick {@link io.gridwork.sdk.Codecs codecs} for its inputs, outputs and result, package it in a
 * jar and submit it with {@code grid submit --jar JAR --job CLASS}. Job code may use only this package and its
 * own jar: the master and the workers load each job in a class loader of its own that sees nothing else of
 * Gridwork.
 *
 * <p>This package is the artifact {@code io.gridwork:gridwork-sdk}: pure JDK, no dependencies. Compile jobs
 * against it with scope {@code provided}; the master and the workers supply it at run time.
 */
package io.gridwork.sdk;
