package dev.panamax.examples.mnist;

import static dev.panamax.examples.mnist.MnistCurvesPlotTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The table that ends a --compare run. */
class MnistSummaryTableTest {

    @Test
    void bestAccuracyFirstThenLowerLossThenCommandLineOrder() {
        MnistTrainer.Run sgd = run("SGD", 0.5, 0.90, 7.94);
        MnistTrainer.Run adam = run("Adam", 0.8, 0.9605, 10.6);
        // Same accuracy as Adam, higher loss.
        MnistTrainer.Run adamW = new MnistTrainer.Run("AdamW", 2.3, new double[] {0.2}, new double[] {0.2},
                new double[] {0.9605}, 3);
        MnistTrainer.Run lion = run("Lion", 0.8, 0.9605, 1);
        assertEquals(List.of(
                        "optimizer  final eval acc  eval loss  train loss    time",
                        "AdamW              96.05%     0.2000      0.2000   3.0 s",
                        "Adam               96.05%     1.0395      1.0395  10.6 s",
                        "Lion               96.05%     1.0395      1.0395   1.0 s",
                        "SGD                90.00%     1.1000      1.1000   7.9 s"),
                SummaryTable.lines(List.of(sgd, adam, adamW, lion)));
    }
}
