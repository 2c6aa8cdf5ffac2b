package dev.panamax.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panamax.benchmarks.RooflineReport.Sample;
import dev.panamax.tensor.DType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;

/**
 * The README's product-path table from {@link ProductPathBenchmark}'s JMH JSON. Every ratio is
 * taken iteration by iteration (both times from the same seconds), then summarised as the median
 * with the min and max over the iterations. Given the results of several runs (the same trial
 * more than once), a cell is the median of the runs' medians with the min and max of those
 * medians, so one noisy run neither hides nor makes a gap:
 * <ul>
 *   <li>the limit of an iteration is the faster of the probe and the Java loop in it;
 *   <li>{@code kernel} and {@code applyGradients, off-heap} are that limit's time over theirs;
 *   <li>{@code applyGradients, wrapped float[]} is the Java loop's time over its own, both from the
 *   heap JVM: at 100% the user's hand-written loop over the same kind of arrays is no faster;
 *   <li>the last column, from the mixed JVM (a program with both kinds of tensor), gives the
 *   off-heap step against the limit and the wrapped step against the Java loop, as above.
 * </ul>
 */
final class ProductPathReport {

    private ProductPathReport() {
    }

    /** One trial's per-iteration nanoseconds of each contender, and its rounds per iteration. */
    private record Trial(Map<String, double[]> nanos, double[] rounds) {
        Sample ratios(IntToDoubleFunction ratioAt) {
            double[] r = new double[rounds.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = ratioAt.applyAsDouble(i);
            }
            return Sample.of(r);
        }

        double limit(int i) {
            return Math.min(nanos.get("probe")[i], nanos.get("java")[i]);
        }
    }

    static String table(List<JsonNode> results) {
        // "ALGORITHM size threads" -> memory -> its trials, one per run
        Map<String, Map<String, List<Trial>>> trials = new TreeMap<>();
        for (JsonNode result : results) {
            if (!result.path("benchmark").asText().endsWith("ProductPathBenchmark.round")) {
                continue;
            }
            JsonNode p = result.path("params");
            String key = RooflineReport.key(p, "algorithm", "size", "threads");
            JsonNode metrics = result.path("secondaryMetrics");
            Map<String, double[]> nanos = new TreeMap<>();
            for (String contender : ProductPathBenchmark.CONTENDERS) {
                nanos.put(contender, RooflineReport.iterations(metrics.path(contender + "Nanos")));
            }
            trials.computeIfAbsent(key, k -> new TreeMap<>())
                    .computeIfAbsent(p.path("memory").asText(), m -> new ArrayList<>())
                    .add(new Trial(nanos, RooflineReport.iterations(metrics.path("rounds"))));
        }
        if (trials.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("| algorithm | elements | threads | limit GB/s | SIMD kernel | `applyGradients`, off-heap tensors "
                + "| `applyGradients`, wrapped `float[]`, of the Java loop | both kinds in one JVM: off-heap / wrapped |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> keys = new ArrayList<>(trials.keySet());
        keys.sort(Comparator.comparing((String k) -> Algorithm.valueOf(k.split(" ")[0]).ordinal())
                .thenComparing(k -> Long.parseLong(k.split(" ")[1])).thenComparing(k -> Integer.parseInt(k.split(" ")[2])));
        for (String key : keys) {
            String[] k = key.split(" ");
            Algorithm algorithm = Algorithm.valueOf(k[0]);
            long size = Long.parseLong(k[1]);
            List<Trial> offHeap = trials.get(key).get("offheap");
            List<Trial> heap = trials.get(key).get("heap");
            List<Trial> mixed = trials.get(key).get("mixed");
            String limit = "";
            String kernel = "";
            String step = "";
            if (offHeap != null) {
                double bytes = (double) algorithm.bytesPerElement(DType.FLOAT32) * size;
                limit = String.format(Locale.ROOT, "%.1f",
                        acrossRuns(offHeap, t -> t.ratios(i -> bytes * t.rounds()[i] / t.limit(i))).median());
                kernel = percent(acrossRuns(offHeap, t -> t.ratios(i -> t.limit(i) / t.nanos().get("kernel")[i])));
                step = percent(acrossRuns(offHeap, t -> t.ratios(i -> t.limit(i) / t.nanos().get("step")[i])));
            }
            String wrapped = heap == null ? ""
                    : percent(acrossRuns(heap, t -> t.ratios(i -> t.nanos().get("java")[i] / t.nanos().get("wrapped")[i])));
            String both = mixed == null ? ""
                    : percent(acrossRuns(mixed, t -> t.ratios(i -> t.limit(i) / t.nanos().get("step")[i]))) + " / "
                    + percent(acrossRuns(mixed, t -> t.ratios(i -> t.nanos().get("java")[i] / t.nanos().get("wrapped")[i])));
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", RooflineReport.name(algorithm),
                    RooflineReport.elements(size), k[2], limit, kernel, step, wrapped, both));
        }
        return out.toString();
    }

    /** One run: {@code ratio}'s sample over its iterations; several: the sample of each run's median. */
    private static Sample acrossRuns(List<Trial> runs, Function<Trial, Sample> ratio) {
        if (runs.size() == 1) {
            return ratio.apply(runs.get(0));
        }
        double[] medians = new double[runs.size()];
        for (int r = 0; r < medians.length; r++) {
            medians[r] = ratio.apply(runs.get(r)).median();
        }
        return Sample.of(medians);
    }

    private static String percent(Sample s) {
        return String.format(Locale.ROOT, "%.0f%% (%.0f–%.0f)", 100 * s.median(), 100 * s.min(), 100 * s.max());
    }
}
