package dev.panamax.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamax.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns JMH JSON into the README's tables: {@link ProductPathReport}'s table of the paths users
 * take (from {@link ProductPathBenchmark}), then the kernels' table of {@link RooflineBenchmark}:
 * per algorithm, dtype, size and thread count, the SIMD kernel's median time with its spread over
 * the measurement iterations, its bandwidth, the probe's and the Java peer's bandwidth, the
 * roofline ratio (the faster peer's time / kernel time, medians of separate trials of one run)
 * and the speedup over the scalar kernels.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.panamax.benchmarks.RooflineReport results.json...}
 */
public final class RooflineReport {

    private RooflineReport() {
    }

    /** Median, min and max of one benchmark's iteration scores (microseconds). */
    record Sample(double median, double min, double max) {
        static Sample of(double[] scores) {
            double[] s = scores.clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            return new Sample(median, s[0], s[s.length - 1]);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: RooflineReport results.json...");
            System.exit(2);
        }
        List<String> jsons = new ArrayList<>();
        for (String file : args) {
            jsons.add(Files.readString(Path.of(file)));
        }
        List<JsonNode> results = new ArrayList<>();
        for (String json : jsons) {
            new ObjectMapper().readTree(json).forEach(results::add);
        }
        List<String> tables = new ArrayList<>();
        for (String table : List.of(ProductPathReport.table(results), HalfSlotsReport.table(results), table(results))) {
            if (!table.isEmpty()) {
                tables.add(table);
            }
        }
        System.out.print(String.join("\n", tables));
    }

    /** The kernels' table from {@link RooflineBenchmark}'s results; empty when there are none. */
    static String table(List<JsonNode> results) {
        // key "ALGORITHM DTYPE size threads" -> impl -> sample
        Map<String, Map<String, Sample>> runs = new TreeMap<>();
        for (JsonNode result : results) {
            if (!result.path("benchmark").asText().endsWith("RooflineBenchmark.pass")) {
                continue;
            }
            JsonNode p = result.path("params");
            runs.computeIfAbsent(key(p, "algorithm", "dtype", "size", "threads"), k -> new TreeMap<>())
                    .put(p.path("impl").asText(), Sample.of(iterations(result.path("primaryMetric"))));
        }
        if (runs.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("| algorithm | dtype | elements | threads | SIMD µs, median (min–max) | SIMD GB/s | probe GB/s | Java peer GB/s "
                + "| roofline | scalar µs | SIMD / scalar |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Map.Entry<String, Map<String, Sample>>> rows = new ArrayList<>(runs.entrySet());
        rows.sort((a, b) -> compareKeys(a.getKey(), b.getKey()));
        for (Map.Entry<String, Map<String, Sample>> row : rows) {
            String[] k = row.getKey().split(" ");
            Algorithm algorithm = Algorithm.valueOf(k[0]);
            DType dtype = DType.valueOf(k[1]);
            long size = Long.parseLong(k[2]);
            Sample simd = row.getValue().get("simd");
            Sample probe = row.getValue().get("probe");
            Sample scalar = row.getValue().get("scalar");
            Sample java = row.getValue().get("java");
            // The limit: the faster of the probe and the plain Java loop with the same traffic.
            Double limit = probe == null && java == null ? null
                    : Math.min(probe == null ? Double.MAX_VALUE : probe.median(), java == null ? Double.MAX_VALUE : java.median());
            double bytes = (double) algorithm.bytesPerElement(dtype) * size;
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    name(algorithm), dtype.kerasName(), elements(size), k[3],
                    simd == null ? "" : String.format(Locale.ROOT, "%.0f (%.0f–%.0f)", simd.median(), simd.min(), simd.max()),
                    simd == null ? "" : gbPerSecond(bytes, simd.median()),
                    probe == null ? "" : gbPerSecond(bytes, probe.median()),
                    java == null ? "" : gbPerSecond(bytes, java.median()),
                    simd == null || limit == null ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * limit / simd.median()),
                    scalar == null ? "" : String.format(Locale.ROOT, "%.0f", scalar.median()),
                    simd == null || scalar == null ? "" : String.format(Locale.ROOT, "%.1f×", scalar.median() / simd.median())));
        }
        return out.toString();
    }

    /** The named parameters' values, joined by spaces. */
    static String key(JsonNode params, String... names) {
        List<String> values = new ArrayList<>();
        for (String name : names) {
            values.add(params.path(name).asText());
        }
        return String.join(" ", values);
    }

    /** A metric's per-iteration values, all forks in order. */
    static double[] iterations(JsonNode metric) {
        List<Double> values = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            fork.forEach(v -> values.add(v.asDouble()));
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static int compareKeys(String a, String b) {
        String[] x = a.split(" ");
        String[] y = b.split(" ");
        int c = Integer.compare(Algorithm.valueOf(x[0]).ordinal(), Algorithm.valueOf(y[0]).ordinal());
        c = c != 0 ? c : x[1].compareTo(y[1]);
        c = c != 0 ? c : Long.compare(Long.parseLong(x[2]), Long.parseLong(y[2]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[3]), Integer.parseInt(y[3]));
    }

    private static String gbPerSecond(double bytes, double micros) {
        return String.format(Locale.ROOT, "%.1f", bytes / (micros * 1e3));
    }

    static String name(Algorithm algorithm) {
        return algorithm.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String elements(long size) {
        return size % (1 << 20) == 0 ? (size >> 20) + "M" : size % 1024 == 0 ? (size >> 10) + "K" : Long.toString(size);
    }
}
