package io.gridwork.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Packs classes that are on the class path, with their nested and anonymous classes, into a job jar: for tests
 * and benchmarks whose job classes live next to them.
 */
public final class JobJars {

    private JobJars() {}

    public static Path of(Path dir, String name, Class<?>... classes) {
        try {
            Files.createDirectories(dir);
            Path jar = dir.resolve(name);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                for (Class<?> type : classes) {
                    add(out, type);
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(JarOutputStream out, Class<?> type) throws IOException {
        String resource = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no class file for " + type.getName());
            }
            out.putNextEntry(new JarEntry(resource));
            in.transferTo(out);
            out.closeEntry();
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            add(out, nested);
        }
        for (int i = 1; ; i++) { // anonymous classes: Outer$1, Outer$2, ...
            String anonymous = type.getName().replace('.', '/') + "$" + i + ".class";
            try (InputStream in = type.getClassLoader().getResourceAsStream(anonymous)) {
                if (in == null) {
                    break;
                }
                out.putNextEntry(new JarEntry(anonymous));
                in.transferTo(out);
                out.closeEntry();
            }
        }
    }
}
