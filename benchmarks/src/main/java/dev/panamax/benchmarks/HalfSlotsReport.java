package dev.panamax.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panamax.benchmarks.RooflineReport.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntToDoubleFunction;

/**
 * The README's tables of 16-bit forms, from {@link HalfSlotsBenchmark}'s JMH JSON: every ratio
 * is taken iteration by iteration (all times from the same seconds), then given as the median
 * with the min and max over the iterations, or over the runs' medians when several runs measured
 * the same trial. The 16-bit form's limit is the faster of its probe and its Java loop; float32
 * over that limit is the most any kernel of the 16-bit form could gain over float32 in those rounds.
 */
final class HalfSlotsReport {

    private HalfSlotsReport() {
    }

    static String table(List<JsonNode> results) {
        Map<String, List<Map<String, double[]>>> trials = new TreeMap<>();
        for (JsonNode result : results) {
            if (!result.path("benchmark").asText().endsWith("HalfSlotsBenchmark.round")) {
                continue;
            }
            JsonNode metrics = result.path("secondaryMetrics");
            Map<String, double[]> nanos = new TreeMap<>();
            for (String contender : HalfSlotsBenchmark.CONTENDERS) {
                nanos.put(contender, RooflineReport.iterations(metrics.path(contender + "Nanos")));
            }
            nanos.put("rounds", RooflineReport.iterations(metrics.path("rounds")));
            String halfType = result.path("params").path("halfType").asText("BFLOAT16"); // older runs: bfloat16 only
            trials.computeIfAbsent(RooflineReport.key(result.path("params"), "form", "size", "threads") + " " + halfType,
                    k -> new ArrayList<>()).add(nanos);
        }
        if (trials.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("| 16-bit form | elements | threads | bytes per element, float32 → 16-bit | limit GB/s "
                + "| `applyGradients`, 16-bit, off-heap, of its limit | wrapped arrays, of its limit "
                + "| speed-up over float32, off-heap | float32 over the 16-bit limit | float32, of its limit |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> keys = new ArrayList<>(trials.keySet());
        keys.sort((a, b) -> {
            String[] x = a.split(" ");
            String[] y = b.split(" ");
            int c = x[3].compareTo(y[3]);
            c = c != 0 ? c : Integer.compare(HalfSlotsBenchmark.Form.valueOf(x[0]).ordinal(), HalfSlotsBenchmark.Form.valueOf(y[0]).ordinal());
            c = c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
            return c != 0 ? c : Integer.compare(Integer.parseInt(x[2]), Integer.parseInt(y[2]));
        });
        for (String key : keys) {
            String[] k = key.split(" ");
            HalfSlotsBenchmark.Form form = HalfSlotsBenchmark.Form.valueOf(k[0]);
            long size = Long.parseLong(k[1]);
            List<Map<String, double[]>> runs = trials.get(key);
            long bytes32 = form.algorithm.bytesPerElement(dev.panamax.tensor.DType.FLOAT32);
            long bytes16 = form.halfBytesPerElement();
            Sample limit = acrossRuns(runs, t -> i -> bytes16 * size * t.get("rounds")[i] / limit16(t, i));
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %d → %d | %.1f | %s | %s | %s | %s | %s |%n",
                    form.label(k[3].toLowerCase(Locale.ROOT)), RooflineReport.elements(size), k[2], bytes32, bytes16, limit.median(),
                    percent(acrossRuns(runs, t -> i -> limit16(t, i) / t.get("step16")[i])),
                    percent(acrossRuns(runs, t -> i -> limit16(t, i) / t.get("wrapped16")[i])),
                    times(acrossRuns(runs, t -> i -> t.get("step32")[i] / t.get("step16")[i])),
                    times(acrossRuns(runs, t -> i -> t.get("step32")[i] / limit16(t, i))),
                    percent(acrossRuns(runs, t -> i -> t.get("probe32")[i] / t.get("step32")[i]))));
        }
        return out.toString();
    }

    private static double limit16(Map<String, double[]> t, int i) {
        return Math.min(t.get("probe16")[i], t.get("java16")[i]);
    }

    /** One run: the ratio's sample over its iterations; several: the sample of each run's median. */
    private static Sample acrossRuns(List<Map<String, double[]>> runs,
                                     java.util.function.Function<Map<String, double[]>, IntToDoubleFunction> ratio) {
        double[] medians = new double[runs.size()];
        Sample only = null;
        for (int r = 0; r < runs.size(); r++) {
            Map<String, double[]> t = runs.get(r);
            IntToDoubleFunction at = ratio.apply(t);
            double[] values = new double[t.get("rounds").length];
            for (int i = 0; i < values.length; i++) {
                values[i] = at.applyAsDouble(i);
            }
            only = Sample.of(values);
            medians[r] = only.median();
        }
        return runs.size() == 1 ? only : Sample.of(medians);
    }

    private static String percent(Sample s) {
        return String.format(Locale.ROOT, "%.0f%% (%.0f–%.0f)", 100 * s.median(), 100 * s.min(), 100 * s.max());
    }

    private static String times(Sample s) {
        return String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", s.median(), s.min(), s.max());
    }
}
