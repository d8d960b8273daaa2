package io.gridwork.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of Gridwork that is running: the project version, written into {@code gridwork-version.properties}
 * by the build (resource filtering). {@code grid --version}, the worker's registration and the master all read it
 * here, so they cannot disagree; it is the same whether the classes come from jars or from a build directory.
 */
public final class GridworkVersion {

    private static final String RESOURCE = "gridwork-version.properties";
    private static final String VERSION = read();

    private GridworkVersion() {}

    /** For example {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = GridworkVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the gridwork-api jar");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            if (v.isEmpty() || v.startsWith("${")) {
                throw new IllegalStateException(RESOURCE + " was not filtered by the build: '" + v + "'");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
