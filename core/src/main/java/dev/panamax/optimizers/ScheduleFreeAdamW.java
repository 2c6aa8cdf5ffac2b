package dev.panamax.optimizers;

import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Keras 3's {@code ScheduleFreeAdamW} (Defazio et al., 2024), a Keras 3 optimizer only. The
 * variable holds {@code y}, the point where gradients are taken; the slot {@code momentum} holds
 * {@code z}, which starts as a copy of the variable; {@code velocity} is Adam's second moment. Per
 * step {@code t}, with {@code lr} times {@code min(t / warmup_steps, 1)} when {@code warmup_steps > 0}:
 * {@code v = v + (g^2 - v)(1 - beta_2)}, {@code z' = z - lr g / (sqrt(v / (1 - beta_2^t)) + epsilon)},
 * {@code x = (y - (1 - beta_1) z) / beta_1}, {@code x' = (1 - 1/t) x + (1/t) z'},
 * {@code y = (1 - beta_1) z' + beta_1 x'}. The average {@code x} is not stored: each step recovers it
 * from {@code y} and {@code z}, so the variable always holds {@code y}, for training and evaluation.
 *
 * <p>Keras reads the old {@code z} as {@code momentum.value}. On JAX and NumPy that is the value
 * before this step's update, which is the algorithm as published and as Keras writes it; on
 * TensorFlow and PyTorch it is the variable itself, updated in place before {@code x} is recovered,
 * so those backends use the new {@code z} there from the second step on. We follow the algorithm
 * (the JAX and NumPy result).
 */
public final class ScheduleFreeAdamW extends Optimizer {

    /** Keras's default {@code learning_rate} for ScheduleFreeAdamW. */
    public static final double DEFAULT_LEARNING_RATE = 0.0025;

    private final double epsilon;
    private final int warmupSteps;

    private ScheduleFreeAdamW(Builder b) {
        super(b, "ScheduleFreeAdamW");
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
        this.epsilon = b.epsilon;
        this.warmupSteps = b.warmupSteps;
    }

    /** ScheduleFreeAdamW with Keras's defaults: learning rate 0.0025, beta_1 0.9, beta_2 0.999, epsilon 1e-8, no warmup. */
    public ScheduleFreeAdamW() {
        this(builder());
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras 3's {@code ScheduleFreeAdamW.from_config(config)}; a TF2-form config is read the same way, with TF2's key errors. */
    public static ScheduleFreeAdamW fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("ScheduleFreeAdamW", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.beta1(r.number("beta_1", 0.9));
        b.beta2(r.number("beta_2", 0.999));
        b.epsilon(r.number("epsilon", 1e-8));
        Integer warmup = r.integer("warmup_steps");
        b.warmupSteps(warmup == null ? 0 : warmup);
        r.finish();
        return b.build();
    }

    /** {@code epsilon}, as in the Keras config. */
    public double getEpsilon() {
        return epsilon;
    }

    /** {@code warmup_steps}, as in the Keras config. */
    public int getWarmupSteps() {
        return warmupSteps;
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        for (Variable v : variables) {
            addVariableFromReference(v, "momentum");
            addVariableFromReference(v, "velocity");
        }
        // Keras then assigns a copy of each variable to its momentum: z starts at y.
        for (Variable v : variables) {
            Tensor z = getSlot(v, "momentum");
            tensorKernels(z).copy(v.value(), z);
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        double step = dtype.round(getIterations() + 1);
        double lr = warmupSteps > 0
                ? dtype.round(learningRate * Math.min(dtype.round(step / dtype.round(warmupSteps)), 1.0)) : learningRate;
        double beta1 = dtype.round(exactHyperparameter("beta_1"));
        double beta2 = dtype.round(exactHyperparameter("beta_2"));
        double weight = dtype.round(1.0 / step);
        ScheduleFreeCoefficients c = new ScheduleFreeCoefficients(lr, dtype.round(1 - beta1), beta1, dtype.round(1 - beta2),
                dtype.round(1 - dtype.round(Math.pow(beta2, step))), dtype.round(epsilon), weight, dtype.round(1 - weight));
        return (variable, value, gradient) -> tensorKernels(value).scheduleFreeAdamw(value, getSlot(variable, "momentum"),
                getSlot(variable, "velocity"), gradient, c);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("beta_1", serializeHyperparameter("beta_1"));
        config.put("beta_2", serializeHyperparameter("beta_2"));
        config.put("epsilon", epsilon);
        config.put("warmup_steps", warmupSteps);
    }

    /** ScheduleFreeAdamW's keyword arguments; always a Keras 3 optimizer. */
    public static final class Builder extends Keras3OnlyBuilder<Builder> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.999);
        private double epsilon = 1e-8;
        private int warmupSteps;

        private Builder() {
            super("ScheduleFreeAdamW", false);
        }

        /** The interpolation between z and the average x (default 0.9). */
        public Builder beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_1} to a callable, evaluated once per step before anything is written. */
        public Builder beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** The second moment's decay (default 0.999). */
        public Builder beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Sets {@code beta_2} to a callable, evaluated once per step before anything is written. */
        public Builder beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Added outside the square root (default 1e-8; 0 is kept). */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return this;
        }

        /** Steps over which the learning rate rises linearly from lr / warmup_steps to lr (default 0: none). */
        public Builder warmupSteps(int warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public ScheduleFreeAdamW build() {
            return new ScheduleFreeAdamW(this);
        }
    }
}
