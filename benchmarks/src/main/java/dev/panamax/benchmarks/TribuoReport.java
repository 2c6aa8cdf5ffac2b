package dev.panamax.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The README's table of {@link TribuoOptimiserBenchmark}: per model shape, gradient kind and
 * algorithm, Tribuo's and Panamax's time of one step, the median over every measurement iteration
 * of every run given (with the min and max), the parameters stepped per second at that median, and
 * Panamax's speed-up, the median (min, max) of the per-iteration ratios (both timed in the same rounds).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.panamax.benchmarks.TribuoReport run1.json run2.json...}
 */
public final class TribuoReport {

    private TribuoReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: TribuoReport results.json...");
            System.exit(2);
        }
        // "shape gradient algorithm" -> contender -> per iteration µs per step
        Map<String, Map<String, List<Double>>> runs = new LinkedHashMap<>();
        for (String file : args) {
            for (JsonNode result : new ObjectMapper().readTree(Path.of(file).toFile())) {
                if (!result.path("benchmark").asText().endsWith("TribuoOptimiserBenchmark.round")) {
                    continue;
                }
                JsonNode p = result.path("params");
                Map<String, List<Double>> run = runs.computeIfAbsent(p.path("shape").asText() + " " + p.path("gradient").asText()
                        + " " + p.path("algorithm").asText(), k -> new LinkedHashMap<>());
                JsonNode secondary = result.path("secondaryMetrics");
                List<Double> steps = iterations(secondary.path("steps"));
                for (String contender : TribuoOptimiserBenchmark.CONTENDERS) {
                    List<Double> nanos = iterations(secondary.path(contender + "Nanos"));
                    List<Double> micros = run.computeIfAbsent(contender, k -> new ArrayList<>());
                    for (int i = 0; i < nanos.size(); i++) {
                        micros.add(nanos.get(i) / steps.get(i) / 1e3);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| weights (labels x columns) | gradient | algorithm | Tribuo 4.3.2, µs per step | Tribuo, G params/s "
                + "| Panamax, µs per step | Panamax, G params/s | Panamax / Tribuo |\n");
        out.append("|---|---|---|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Map<String, List<Double>>> run : runs.entrySet()) {
            String[] key = run.getKey().split(" ");
            String[] dims = key[0].split("x");
            long params = Long.parseLong(dims[0]) * Long.parseLong(dims[1]);
            List<Double> tribuo = run.getValue().get("tribuo");
            List<Double> panamax = run.getValue().get("panamax");
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < panamax.size(); i++) {
                ratios.add(tribuo.get(i) / panamax.get(i));
            }
            out.append(String.format(Locale.ROOT, "| %s x %s | %s | %s | %s | %.3f | %s | %.3f | %.1f× (%.1f–%.1f) |%n", dims[0], dims[1],
                    key[1], key[2], spread(tribuo), params / median(tribuo) / 1e3, spread(panamax), params / median(panamax) / 1e3,
                    median(ratios), min(ratios), max(ratios)));
        }
        System.out.print(out);
    }

    /** {@code median (min–max)} of per-iteration µs. */
    private static String spread(List<Double> micros) {
        return fmt(median(micros)) + " (" + fmt(min(micros)) + "–" + fmt(max(micros)) + ")";
    }

    private static List<Double> iterations(JsonNode metric) {
        List<Double> values = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            fork.forEach(v -> values.add(v.asDouble()));
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no iterations in " + metric);
        }
        return values;
    }

    private static String fmt(double micros) {
        return String.format(Locale.ROOT, micros >= 100 ? "%,.0f" : "%.1f", micros);
    }

    private static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }
}
