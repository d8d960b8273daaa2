package io.gridwork.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * Builds job jars for tests: from classes already compiled with the tests (with their nested classes), or from
 * Java sources compiled on the spot, against the SDK on the test class path.
 */
public final class TestJars {

    private TestJars() {}

    /** A jar in {@code dir} holding the bytes of these classes and of every class nested in them. */
    public static Path of(Path dir, String name, Class<?>... classes) {
        return io.gridwork.internal.JobJars.of(dir, name, classes);
    }

    /** A jar in {@code dir} of these sources (class name to source text), compiled against the test class path. */
    public static Path compile(Path dir, String name, Map<String, String> sources) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("tests need a JDK (javax.tools), not a JRE");
        }
        try {
            Path classes = Files.createTempDirectory(Files.createDirectories(dir), "classes-");
            List<JavaFileObject> units = new ArrayList<>();
            sources.forEach((className, text) -> units.add(new SimpleJavaFileObject(
                    URI.create("string:///" + className.replace('.', '/') + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return text;
                }
            }));
            var files = compiler.getStandardFileManager(null, null, null);
            files.setLocation(StandardLocation.CLASS_OUTPUT, List.of(classes.toFile()));
            StringWriter errors = new StringWriter();
            boolean ok = compiler.getTask(errors, files, null,
                    List.of("-classpath", System.getProperty("java.class.path"), "--release", "17"), null, units).call();
            if (!ok) {
                throw new IllegalStateException("test sources do not compile: " + errors);
            }
            Path jar = dir.resolve(name);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                 Stream<Path> walk = Files.walk(classes)) {
                for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                    out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to a file (for example a jar that is not a jar). */
    public static Path file(Path dir, String name, byte[] bytes) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name);
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(bytes);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
