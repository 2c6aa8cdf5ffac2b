package dev.panamax.examples.mnist;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The table that ends a {@code --compare} run: one row per optimizer, best first, as a reader
 * of a comparison wants it.
 *
 * <pre>
 * optimizer  final eval acc  eval loss  train loss  time
 * Adam               96.05%     0.1482      0.1133  10.6 s
 * SGD                93.10%     0.2322      0.2514   7.9 s
 * </pre>
 */
final class SummaryTable {

    /**
     * Best first: the higher final evaluation accuracy, then (on 2,000 digits accuracies tie
     * often) the lower final evaluation loss, then the order of the command line.
     */
    static final Comparator<MnistTrainer.Run> BEST_FIRST = Comparator
            .comparingDouble(SummaryTable::finalAccuracy).reversed()
            .thenComparingDouble(r -> r.evalLoss()[r.evalLoss().length - 1]);

    private SummaryTable() {
    }

    static double finalAccuracy(MnistTrainer.Run run) {
        return run.evalAccuracy()[run.evalAccuracy().length - 1];
    }

    /** The runs best first (a stable sort: equal runs keep the command line's order). */
    static List<MnistTrainer.Run> ranked(List<MnistTrainer.Run> runs) {
        return runs.stream().sorted(BEST_FIRST).toList();
    }

    /** The table's lines, header first. */
    static List<String> lines(List<MnistTrainer.Run> runs) {
        int width = Math.max("optimizer".length(), runs.stream().mapToInt(r -> r.label().length()).max().orElse(0));
        String format = "%-" + width + "s  %14s  %9s  %10s  %6s";
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, format, "optimizer", "final eval acc", "eval loss", "train loss", "time"));
        for (MnistTrainer.Run run : ranked(runs)) {
            int last = run.evalAccuracy().length - 1;
            lines.add(String.format(Locale.ROOT, format, run.label(),
                    String.format(Locale.ROOT, "%.2f%%", 100 * run.evalAccuracy()[last]),
                    String.format(Locale.ROOT, "%.4f", run.evalLoss()[last]),
                    String.format(Locale.ROOT, "%.4f", run.trainLoss()[last]),
                    String.format(Locale.ROOT, "%.1f s", run.seconds())));
        }
        return lines;
    }
}
