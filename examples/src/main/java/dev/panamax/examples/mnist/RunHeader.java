package dev.panamax.examples.mnist;

import dev.panamax.kernels.KernelProvider;
import dev.panamax.optimizers.Hyperparameter;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.Optimizers;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The lines that open a run: everything needed to repeat it. The data and model line, the
 * kernels, threads and seed once; the optimizer's Keras JSON and its schedule before each
 * optimizer trains.
 */
final class RunHeader {

    private RunHeader() {
    }

    /** {@code MNIST: 8,000 training and 2,000 evaluation digits (shipped), MLP 784-128-10, ...}. */
    static String data(int trainCount, int evalCount, String source, int[] layers, int batchSize, int epochs,
                       int shift, double l2, double dropout) {
        return String.format(Locale.ROOT, "MNIST: %,d training and %,d evaluation digits (%s), MLP %s, batch %d,"
                        + " %d epoch%s, shift %d, l2 %s, dropout %s",
                trainCount, evalCount, source, layers(layers), batchSize, epochs, epochs == 1 ? "" : "s", shift,
                OptionChecks.number(l2), OptionChecks.number(dropout));
    }

    /** {@code kernels: simd (256-bit vectors: ...), threads: 2, seed: 42}. */
    static String machine(int threads, long seed) {
        return "kernels: " + KernelProvider.kernels().description() + ", threads: " + threads + ", seed: " + seed;
    }

    /** {@code workers: 3, this one worker 0; gradients added in worker order}. */
    static String workers(dev.panamax.distributed.Collective group) {
        return "workers: " + group.size() + ", this one worker " + group.rank() + "; gradients added in worker order";
    }

    /** {@code optimizer: {"class_name":"Adam","config":{...}}}: the config Keras would read back. */
    static String optimizer(Optimizer optimizer) {
        return "optimizer: " + Optimizers.toJson(optimizer);
    }

    /** {@code schedule: CosineDecay {initial_learning_rate=0.001, ...}}, or the constant learning rate. */
    static String schedule(Optimizer optimizer) {
        return "schedule: " + describeLearningRate(optimizer.getLearningRate());
    }

    /** What a learning rate is, in words and the schedule's Keras config. */
    static String describeLearningRate(Hyperparameter learningRate) {
        return switch (learningRate) {
            case Hyperparameter.Constant c -> "none (constant learning rate " + OptionChecks.number(c.constant()) + ")";
            case Hyperparameter.Scheduled s -> s.schedule().className() + " " + config(s.schedule().getConfig());
            case Hyperparameter.Supplied s -> "a callable (now " + OptionChecks.number(s.value(0)) + ")";
        };
    }

    static String layers(int[] layers) {
        StringJoiner joiner = new StringJoiner("-");
        for (int size : layers) {
            joiner.add(Integer.toString(size));
        }
        return joiner.toString();
    }

    private static String config(Map<String, Object> config) {
        StringJoiner joiner = new StringJoiner(", ", "{", "}");
        config.forEach((k, v) -> joiner.add(k + "=" + (v instanceof Double d ? OptionChecks.number(d) : v)));
        return joiner.toString();
    }
}
