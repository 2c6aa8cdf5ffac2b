package dev.panamax.optimizers;

import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Nadam, Adam with Nesterov momentum: Keras {@code Nadam}.
 *
 * <p>Keras 2 (the default) follows Dozat's momentum schedule
 * {@code mu_t = beta_1 (1 - 0.5 * 0.96^(schedule_decay * t))} with {@code schedule_decay}
 * (written as {@code decay}, default 0.004), keeps the running product of the {@code mu_t} in the
 * optimizer-wide weight {@code momentum_cache}, applies the learning rate without inverse-time
 * decay, and rejects a learning-rate schedule. With {@link Builder#keras3(boolean) keras3},
 * Keras 3's formula: {@code mu_t = beta_1 (1 - 0.5 * 0.96^t)}, a schedule is allowed.
 *
 * <p>Weights: {@code momentum_cache} (a scalar of the first variable's dtype), then slots
 * {@code m} and {@code v}.
 */
public final class Nadam extends Optimizer {

    /** Keras's default {@code learning_rate} for Nadam. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;
    /** Keras 2's {@code schedule_decay} default. */
    public static final double DEFAULT_SCHEDULE_DECAY = 0.004;

    private final double epsilon;
    private boolean rejectsSchedules;
    /** {@code momentum_cache} (Keras 2) or {@code u_product} (Keras 3): the product of the momenta so far. */
    private Tensor momentumCache;
    private double momentumCacheAtStepStart;

    private Nadam(Builder b) {
        if (!b.keras3 && b.learningRate instanceof Hyperparameter.Scheduled) {
            throw scheduleRejected();
        }
        super(b, "Nadam");
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
        // Keras 3 keeps an epsilon of 0; TF2 takes backend.epsilon() for it.
        this.epsilon = b.keras3 ? b.epsilon : KerasArguments.epsilonOrDefault(b.epsilon);
        this.rejectsSchedules = !b.keras3;
    }

    private static IllegalArgumentException scheduleRejected() {
        return new IllegalArgumentException("The Nadam optimizer does not support tf.keras.optimizers.LearningRateSchedules"
                + " as the learning rate.");
    }

    /** Nadam with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7, schedule decay 0.004. */
    public Nadam() {
        this(builder());
    }

    /** Nadam with Keras's defaults and this {@code learning_rate}. */
    public Nadam(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Keras's {@code Nadam.from_config(config)}. The momentum-schedule decay is read from
     * {@code schedule_decay}, else from {@code decay} (which is what {@code get_config} writes).
     */
    public static Nadam fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} with Keras 3's formula when {@code keras3} (a config in Keras 3's serialized form). */
    public static Nadam fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Nadam", config, keras3);
        Builder b = builder().keras3(keras3);
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        Double scheduleDecay = r.number("schedule_decay");
        if (scheduleDecay != null) {
            b.decay(scheduleDecay);
        } else if (!r.has("decay")) {
            b.decay(keras3 ? 0.0 : DEFAULT_SCHEDULE_DECAY);
        }
        b.beta1(r.number("beta_1", 0.9));
        b.beta2(r.number("beta_2", 0.999));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        r.finish();
        return b.build();
    }

    @Override
    protected void validateHyperparameter(String key, Hyperparameter value) {
        if (rejectsSchedules && key.equals("learning_rate") && value instanceof Hyperparameter.Scheduled) {
            throw scheduleRejected();
        }
    }

    /** {@code epsilon}, as in the Keras config. */
    public double getEpsilon() {
        return epsilon;
    }


    @Override
    protected Map<String, String> keras211SlotNames() {
        return Map.of("momentum", "m", "velocity", "v");
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        if (keras3) {
            // Keras 3.10+: momentum and velocity for each variable in turn, then the u_product variable.
            for (Variable v : variables) {
                addSlot(v, "momentum", 0.0);
                addSlot(v, "velocity", 0.0);
            }
            if (!variables.isEmpty()) {
                momentumCache = addVariable(new long[0], 1.0, variables.get(0).dtype(), "u_product");
            }
            return;
        }
        if (!variables.isEmpty()) {
            momentumCache = addVariable(new long[0], 1.0, variables.get(0).dtype(), "momentum_cache");
        }
        for (Variable v : variables) {
            addSlot(v, "m", 0.0);
        }
        for (Variable v : variables) {
            addSlot(v, "v", 0.0);
        }
    }

    @Override
    protected void beginStep() {
        if (!keras3) {
            // Keras 2's _prepare: read the cache once, before any dtype's coefficients update it.
            momentumCacheAtStepStart = momentumCache.getDouble(0);
            return;
        }
        // Keras 3's _backend_update_step: u_product *= beta_1 * (1 - 0.5 * 0.96^t), in its own dtype.
        DType t = momentumCache.dtype();
        double beta1 = t.round(exactHyperparameter("beta_1"));
        double decay = t.round(0.5 * t.round(Math.pow(t.round(0.96), t.round(getIterations() + 1))));
        double product = t.round(t.round(momentumCache.getDouble(0) * beta1) * t.round(1 - decay));
        momentumCache.setDouble(0, product);
        momentumCacheAtStepStart = product;
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double decayedLearningRate) {
        // Nadam applies the learning rate without legacy inverse-time decay (its `decay` is the schedule decay).
        double lr = hyperparameter("learning_rate", dtype);
        double beta1 = keras3 ? dtype.round(exactHyperparameter("beta_1")) : hyperparameter("beta_1", dtype);
        double beta2 = keras3 ? dtype.round(exactHyperparameter("beta_2")) : hyperparameter("beta_2", dtype);
        double step = dtype.round(getIterations() + 1);
        double nextStep = dtype.round(getIterations() + 2);
        double decayBase = dtype.round(0.96);
        double momentum;
        double nextMomentum;
        double scheduleNew;
        if (keras3) {
            momentum = momentumAt(dtype, beta1, decayBase, step);
            nextMomentum = momentumAt(dtype, beta1, decayBase, nextStep);
            scheduleNew = dtype.round(momentumCacheAtStepStart);
        } else {
            double scheduleDecay = dtype.round(getDecay());
            momentum = momentumAt(dtype, beta1, decayBase, dtype.round(scheduleDecay * step));
            nextMomentum = momentumAt(dtype, beta1, decayBase, dtype.round(scheduleDecay * nextStep));
            scheduleNew = dtype.round(dtype.round(momentumCacheAtStepStart) * momentum);
            if (dtype == momentumCache.dtype()) {
                momentumCache.setDouble(0, scheduleNew);
            }
        }
        double scheduleNext = dtype.round(scheduleNew * nextMomentum);
        double beta2Power = dtype.round(Math.pow(beta2, step));
        NadamCoefficients c = new NadamCoefficients(lr, beta1, dtype.round(1 - beta1), beta2, dtype.round(1 - beta2),
                dtype.round(1 - momentum), nextMomentum, dtype.round(1 - scheduleNew),
                dtype.round(1 - scheduleNext), dtype.round(1 - beta2Power), dtype.round(epsilon));
        VariableUpdate dense = (variable, value, gradient) -> {
            if (keras3) {
                tensorKernels(value).nadamKeras3(value, getSlot(variable, keras3 ? "momentum" : "m"), getSlot(variable, keras3 ? "velocity" : "v"), gradient, c);
            } else {
                tensorKernels(value).nadam(value, getSlot(variable, keras3 ? "momentum" : "m"), getSlot(variable, keras3 ? "velocity" : "v"), gradient, c);
            }
        };
        if (keras3) {
            return dense; // Keras 3's formulas make an IndexedSlices dense
        }
        // Keras 2: m and v decay everywhere; the rows get the dense formula (m * beta_1 + g * (1 - beta_1)
        // is the dense beta_1 * m + (1 - beta_1) * g), and the variable moves on its rows only.
        return withSparse(dense, (variable, value, g) -> {
            Tensor m = getSlot(variable, keras3 ? "momentum" : "m");
            Tensor v = getSlot(variable, keras3 ? "velocity" : "v");
            forEachUntouchedRange(g, (from, to) -> {
                kernels(value).scale(dtype, m.segment(), from, to, beta1);
                kernels(value).scale(dtype, v.segment(), from, to, beta2);
            });
            forEachRow(g, i -> {
                kernels(value).nadam(dtype, g.touchedRow(value, i), g.touchedRow(m, i), g.touchedRow(v, i), g.valueRow(i),
                        0, g.rowLength(), c);
            });
        });
    }

    /** {@code beta_1 * (1 - 0.5 * base^exponent)}, each operation in {@code dtype}. */
    private static double momentumAt(DType dtype, double beta1, double base, double exponent) {
        return dtype.round(beta1 * dtype.round(1 - dtype.round(0.5 * dtype.round(Math.pow(base, exponent)))));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("beta_1", serializeHyperparameter("beta_1"));
        config.put("beta_2", serializeHyperparameter("beta_2"));
        config.put("epsilon", epsilon);
    }

    /** Nadam's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.999);
        private double epsilon = DEFAULT_EPSILON;

        private Builder() {
            decay(DEFAULT_SCHEDULE_DECAY);
        }

        /** Sets {@code beta_1}, Keras's argument of that name. */
        public Builder beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_1} to a callable, evaluated once per step before anything is written. */
        public Builder beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        /** Sets {@code beta_2}, Keras's argument of that name. */
        public Builder beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Sets {@code beta_2} to a callable, evaluated once per step before anything is written. */
        public Builder beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** 0 means Keras's default 1e-7. */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return this;
        }

        /** Keras 2's {@code schedule_decay} of the momentum schedule (the same as {@link #decay}); default 0.004. */
        public Builder scheduleDecay(double scheduleDecay) {
            return decay(scheduleDecay);
        }

        /**
         * Keras 3's formula: momentum schedule {@code 0.96^t}, learning-rate schedules allowed, no
         * {@code decay} (set to 0). Default false (Keras 2).
         */
        @Override
        public Builder keras3(boolean keras3) {
            super.keras3(keras3);
            return decay(keras3 ? 0.0 : DEFAULT_SCHEDULE_DECAY);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Nadam build() {
            return new Nadam(this);
        }
    }
}
