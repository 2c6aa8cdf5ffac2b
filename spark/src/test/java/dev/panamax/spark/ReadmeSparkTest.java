package dev.panamax.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.distributed.AllReduceGradients;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's Spark example runs on three ranks as shown, and the README still shows it. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadmeSparkTest {

    private static final String SECTION = "../README.md";

    // The body below, between the markers, is the section's snippet.
    @Test
    void sparkExampleRunsAsShown() throws Exception {
        try (JavaSparkContext spark = new JavaSparkContext(SparkTrainingTest.conf("local[3]"))) {
            // --- snippet start
            // 300 points of y = 3x - 1, in 3 partitions: 3 ranks, each with its 100 points.
            List<float[]> points = IntStream.range(0, 300).mapToObj(i -> new float[] {i / 300f, 3 * i / 300f - 1}).toList();
            JavaRDD<float[]> data = spark.parallelize(points, 3);
            List<float[]> lines = SparkTraining.run(data, (collective, partition) -> {
                List<float[]> mine = new ArrayList<>();
                partition.forEachRemaining(mine::add);
                float[] line = {0f, 0f};                            // slope, intercept: the same start on every rank
                Variable w = new Variable("line", Tensor.wrap(line));
                try (Adam adam = Adam.builder().learningRate(0.05)
                        .gradientAggregator(new AllReduceGradients(collective)).build()) {
                    for (int step = 0; step < 500; step++) {
                        float[] g = new float[2];                   // this rank's part of the mean squared error's gradient
                        for (float[] p : mine) {
                            float error = line[0] * p[0] + line[1] - p[1];
                            g[0] += 2 * error * p[0] / 300;         // over all 300 points: the ranks' parts add up to it
                            g[1] += 2 * error / 300;
                        }
                        adam.applyGradients(List.of(new GradientAndVariable(Tensor.wrap(g), w)));  // sums the 3 ranks' g
                    }
                }
                return line;
            });
            System.out.println(java.util.Arrays.toString(lines.get(0)));  // about [3.0, -1.0], the same bits on every rank
            // --- snippet end
            assertEquals(3, lines.size());
            assertEquals(3.0, lines.get(0)[0], 0.05, "slope");
            assertEquals(-1.0, lines.get(0)[1], 0.05, "intercept");
            assertArrayEquals(lines.get(0), lines.get(1));
            assertArrayEquals(lines.get(0), lines.get(2));
        }
    }

    @Test
    void sectionShowsThisSnippet() throws IOException {
        String section = Files.readString(Path.of(SECTION));
        String source = Files.readString(Path.of("src", "test", "java", "dev", "panamax", "spark", "ReadmeSparkTest.java"));
        String snippet = source.substring(source.indexOf("// --- snippet start") + "// --- snippet start".length(),
                source.indexOf("            // --- snippet end"));
        // The test indents the snippet by 12 spaces; the section by none.
        String block = snippet.strip().lines().map(l -> l.startsWith("            ") ? l.substring(12) : l.strip())
                .collect(Collectors.joining("\n"));
        assertTrue(section.contains(block), SECTION + " does not show the example as tested:\n" + block);
    }
}
