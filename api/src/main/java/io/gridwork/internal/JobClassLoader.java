package io.gridwork.internal;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * The class loader of one job: the job's jar first, over the JDK, seeing of Gridwork only the SDK package
 * {@code io.gridwork.sdk}. Two jobs that bundle different versions of a library each get their own, and
 * neither sees the libraries of the master or worker that runs it. When the job ends the loader is closed and
 * dropped, so its classes can be collected.
 */
public final class JobClassLoader extends URLClassLoader {

    static {
        registerAsParallelCapable();
    }

    private static final String SDK_PACKAGE = "io.gridwork.sdk.";

    private final ClassLoader sdkLoader;

    /**
     * @param name a name for diagnostics, for example the job id
     * @param jar the job's jar
     * @param sdkLoader the loader that defines {@code io.gridwork.sdk} classes for the host
     */
    public JobClassLoader(String name, Path jar, ClassLoader sdkLoader) {
        super(name, new URL[] {toUrl(jar)}, ClassLoader.getPlatformClassLoader());
        this.sdkLoader = sdkLoader;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(SDK_PACKAGE)) {
            return sdkLoader.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    /** Closes the jar; never throws. */
    public void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // the loader is being dropped anyway
        }
    }

    private static URL toUrl(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("bad jar path " + jar, e);
        }
    }
}
