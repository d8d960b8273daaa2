package io.gridwork.examples;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Renders the Mandelbrot set as a PNG, one band of rows per task; the master stitches the bands together in
 * order. The result is binary: save it with {@code grid result JOB --out mandelbrot.png}.
 *
 * <pre>
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.MandelbrotJob \
 *     --arg width=1200 --arg height=800 --arg rows=20
 * </pre>
 *
 * Arguments: {@code width}, {@code height} (pixels), {@code rows} (rows per task), {@code iterations},
 * {@code cx}, {@code cy} (centre), {@code scale} (width of the view in the complex plane).
 */
public final class MandelbrotJob extends GridJob<MandelbrotJob.Band, int[], byte[]> {

    /** Rows {@code [firstRow, firstRow + rows)} of the image. */
    public record Band(int firstRow, int rows) {}

    static final Codec<Band> BAND = new Codec<>() {
        @Override
        public byte[] encode(Band b) {
            return ByteBuffer.allocate(8).putInt(b.firstRow()).putInt(b.rows()).array();
        }

        @Override
        public Band decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new Band(b.getInt(), b.getInt());
        }
    };

    /** RGB pixels, 4 bytes each. */
    static final Codec<int[]> PIXELS = new Codec<>() {
        @Override
        public byte[] encode(int[] pixels) {
            ByteBuffer b = ByteBuffer.allocate(pixels.length * 4);
            b.asIntBuffer().put(pixels);
            return b.array();
        }

        @Override
        public int[] decode(byte[] bytes) {
            int[] pixels = new int[bytes.length / 4];
            ByteBuffer.wrap(bytes).asIntBuffer().get(pixels);
            return pixels;
        }
    };

    public MandelbrotJob() {
        super(BAND, PIXELS, Codecs.bytes("image/png"));
    }

    @Override
    public Set<String> arguments() {
        return Set.of("width", "height", "iterations", "cx", "cy", "scale", "rows");
    }

    private record View(int width, int height, int iterations, double cx, double cy, double scale) {
        static View of(JobArgs args) {
            int width = args.getInt("width", 800);
            int height = args.getInt("height", 600);
            int iterations = args.getInt("iterations", 500);
            if (width < 1 || height < 1 || (long) width * height > 100_000_000L) {
                throw new IllegalArgumentException("the image must have 1 to 100,000,000 pixels, got " + width + "x" + height);
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("argument 'iterations' must be positive, got " + iterations);
            }
            return new View(width, height, iterations, args.getDouble("cx", -0.5), args.getDouble("cy", 0.0),
                    args.getDouble("scale", 3.0));
        }
    }

    @Override
    public Stream<Band> split(JobArgs args) {
        View view = View.of(args);
        int rows = args.getInt("rows", 16);
        if (rows < 1) {
            throw new IllegalArgumentException("argument 'rows' must be positive, got " + rows);
        }
        int bands = (view.height() + rows - 1) / rows;
        return IntStream.range(0, bands).mapToObj(i -> new Band(i * rows, Math.min(rows, view.height() - i * rows)));
    }

    @Override
    public int[] execute(Band band, TaskContext context) {
        View view = View.of(context.args());
        int[] pixels = new int[band.rows() * view.width()];
        double step = view.scale() / view.width();
        double left = view.cx() - view.scale() / 2;
        double top = view.cy() + step * view.height() / 2;
        for (int r = 0; r < band.rows(); r++) {
            double ci = top - (band.firstRow() + r) * step;
            for (int x = 0; x < view.width(); x++) {
                double cr = left + x * step;
                double zr = 0;
                double zi = 0;
                int n = 0;
                while (n < view.iterations() && zr * zr + zi * zi <= 4) {
                    double t = zr * zr - zi * zi + cr;
                    zi = 2 * zr * zi + ci;
                    zr = t;
                    n++;
                }
                pixels[r * view.width() + x] = color(n, view.iterations());
            }
            context.checkCancelled();
        }
        return pixels;
    }

    private static int color(int n, int max) {
        if (n >= max) {
            return 0;
        }
        double t = (double) n / max;
        int red = (int) (9 * (1 - t) * t * t * t * 255);
        int green = (int) (15 * (1 - t) * (1 - t) * t * t * 255);
        int blue = (int) (8.5 * (1 - t) * (1 - t) * (1 - t) * t * 255);
        return (red << 16) | (green << 8) | blue;
    }

    @Override
    public byte[] merge(Stream<int[]> bands, JobArgs args) {
        View view = View.of(args);
        BufferedImage image = new BufferedImage(view.width(), view.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = {0};
        bands.forEach(pixels -> {
            int rows = pixels.length / view.width();
            image.setRGB(0, row[0], view.width(), rows, pixels, 0, view.width());
            row[0] += rows;
        });
        if (row[0] != view.height()) {
            throw new IllegalStateException("got " + row[0] + " rows, expected " + view.height());
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }
}
