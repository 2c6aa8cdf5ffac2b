package dev.panamax.examples.mnist;

import dev.panamax.optimizers.Hyperparameter;
import dev.panamax.optimizers.LossScaleOptimizer;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.Optimizers;
import dev.panamax.schedules.CosineDecay;
import dev.panamax.schedules.ExponentialDecay;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Makes the optimizers a command line names, each a Keras name ({@code adam}) or a serialized
 * optimizer (JSON), with {@code --lr}, {@code --clipnorm}, {@code --threads} and
 * {@code --schedule} applied. A name or config that cannot work is a {@link UsageException} that
 * names the option and lists the valid names.
 *
 * @param learningRate replaces each optimizer's own, or null
 * @param clipnorm     clips each gradient to this norm, or null
 * @param threads      of the update loops, or null for every core
 * @param schedule     {@code cosine}, {@code exponential} or null
 * @param epochs       the length of the run, which a cosine schedule spans
 * @param slotDtype    the dtype the optimizer's slots are stored in ({@code bfloat16},
 *                     {@code float16}), or null for the variables' float32
 * @param stochasticRoundingSeed the seed of the stochastic rounding of 16-bit weights, or null
 * @param weights      the dtype of the weights, {@code bfloat16} or {@code float16}, or null for float32
 * @param policy       Keras's dtype policy, {@code mixed_float16} (the optimizer, made a Keras 3 one,
 *                     is wrapped in a {@link LossScaleOptimizer}, as Keras 3's {@code compile} does)
 *                     or another, or null
 */
record OptimizerChoice(Double learningRate, Double clipnorm, Integer threads, String schedule, int epochs, String slotDtype,
                       Long stochasticRoundingSeed, String weights, String policy) {

    /** ExponentialDecay's rate per epoch: 0.9, so 10 epochs end at about a third of the start. */
    static final double DECAY_PER_EPOCH = 0.9;

    /** The optimizers to train: {@code --compare}'s names ({@code all}: every built-in), else {@code --optimizer}. */
    static List<String> texts(String optimizer, List<String> compare) {
        if (compare == null) {
            return List.of(optimizer);
        }
        if (compare.size() == 1 && compare.get(0).trim().equalsIgnoreCase("all")) {
            return Optimizers.builtInNames();
        }
        List<String> names = new ArrayList<>();
        compare.forEach(n -> names.add(n.trim()));
        return names;
    }

    /** The built-in names as a user types them, sorted: {@code adadelta, adafactor, ...}. */
    static List<String> validNames() {
        return Optimizers.builtInNames().stream().map(n -> n.toLowerCase(Locale.ROOT)).sorted().toList();
    }

    /**
     * Makes each optimizer once and closes it, so that a bad name or config fails before the data
     * loads. The schedule's length does not matter to that check.
     */
    void check(String option, List<String> texts) {
        for (String text : texts) {
            if (option.equals("--compare") && text.startsWith("{")) {
                throw new UsageException("--compare takes optimizer names separated by commas, got JSON ('" + text
                        + "'); pass one serialized optimizer with --optimizer");
            }
            try (Optimizer o = create(option, text, 1)) {
                checkUpdatesWeights(option, o);
            }
        }
    }

    /**
     * {@code o} (closed) as Keras 3 trains a {@code mixed_float16} model: a Keras 3 optimizer (read
     * again from its Keras 3 config when it is a TF2 one) in a {@link LossScaleOptimizer}.
     */
    private Optimizer lossScaled(String option, Optimizer o) {
        Optimizer inner = o;
        if (!o.isKeras3()) {
            try (o) {
                inner = Optimizers.deserialize(Optimizers.serializeKeras3(o));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--policy mixed_float16 with " + option + ": " + firstLine(e.getMessage()));
            }
            if (threads != null) {
                inner.setThreads(threads);
            }
        }
        try {
            return LossScaleOptimizer.builder(inner).build();
        } catch (RuntimeException e) {
            inner.close();
            throw new UsageException("--policy mixed_float16 with " + option + ": " + firstLine(e.getMessage()));
        }
    }

    /** With 16-bit weights: builds a copy of {@code o} on one such weight, so that an optimizer that cannot update it fails now. */
    private void checkUpdatesWeights(String option, Optimizer o) {
        if (weights == null || weights.equals("float32")) {
            return;
        }
        try (Optimizer copy = Optimizers.deserialize(Optimizers.serialize(o));
             Tensor weight = Tensor.zeros(DType.fromKerasName(weights), 1)) {
            copy.build(List.of(new Variable("dense/kernel", weight)));
        } catch (RuntimeException e) {
            throw new UsageException("--variable-dtype " + weights + " with " + option + ": " + firstLine(e.getMessage()));
        }
    }

    /** The optimizer {@code text} names; {@code stepsPerEpoch} sizes the schedule. */
    Optimizer create(String option, String text, int stepsPerEpoch) {
        Optimizer o = withSlotDtype(option, parse(option, text.trim()));
        try {
            if (learningRate != null) {
                o.setLearningRate(learningRate);
            }
            if (clipnorm != null) {
                o.setClipnorm(clipnorm);
            }
            if (threads != null) {
                o.setThreads(threads);
            }
            if (schedule != null) {
                double start = learningRate != null ? learningRate : constantLearningRate(o, option);
                o.setLearningRate(schedule.equals("cosine")
                        ? new CosineDecay(start, (double) stepsPerEpoch * epochs)
                        : new ExponentialDecay(start, stepsPerEpoch, DECAY_PER_EPOCH));
            }
            return "mixed_float16".equals(policy) ? lossScaled(option, o) : o;
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    private static Optimizer parse(String option, String text) {
        boolean json = text.startsWith("{") || text.startsWith("[");
        try {
            return json ? Optimizers.fromJson(text) : Optimizers.get(text);
        } catch (IllegalArgumentException e) {
            if (!json && e.getMessage() != null && e.getMessage().startsWith("Could not interpret optimizer identifier")) {
                throw new UsageException(option + ": unknown optimizer '" + text + "', expected one of "
                        + String.join(", ", validNames()) + " (any case), or a serialized optimizer in JSON such as"
                        + " '{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.001}}'");
            }
            throw new UsageException(option + ": " + firstLine(e.getMessage()));
        }
    }

    /**
     * {@code o} made again from its config with Panamax's {@code "slot_dtypes"} and
     * {@code "stochastic_rounding_seed"} set, when {@code --slot-dtype} or {@code --stochastic-rounding} is given.
     */
    private Optimizer withSlotDtype(String option, Optimizer o) {
        if (slotDtype == null && stochasticRoundingSeed == null) {
            return o;
        }
        try (o) {
            Map<String, Object> serialized = Optimizers.serialize(o);
            @SuppressWarnings("unchecked")
            Map<String, Object> config = new LinkedHashMap<>((Map<String, Object>) serialized.get("config"));
            if (slotDtype != null) {
                config.put("slot_dtypes", slotDtype);
            }
            if (stochasticRoundingSeed != null) {
                config.put("stochastic_rounding_seed", stochasticRoundingSeed);
            }
            Map<String, Object> again = new LinkedHashMap<>(serialized);
            again.put("config", config);
            return Optimizers.deserialize(again);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--slot-dtype " + slotDtype + " with " + option + ": " + firstLine(e.getMessage()));
        }
    }

    private static double constantLearningRate(Optimizer o, String option) {
        if (o.getLearningRate() instanceof Hyperparameter.Constant c) {
            return c.constant();
        }
        throw new UsageException("--schedule needs a constant learning rate to start from, but the " + option
                + " config has " + RunHeader.describeLearningRate(o.getLearningRate()) + "; pass --lr, or leave --schedule out");
    }

    private static String firstLine(String message) {
        return message == null ? "invalid" : message.lines().findFirst().orElse(message);
    }
}
