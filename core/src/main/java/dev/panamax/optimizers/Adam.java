package dev.panamax.optimizers;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Adam and AMSGrad: Keras {@code Adam} (TensorFlow {@code ApplyAdam} /
 * {@code ApplyAdamWithAmsgrad}), with epsilon added to {@code sqrt(v)} (the "epsilon hat" of the
 * paper's section 2.1). Per step {@code t = iterations + 1}:
 * {@code lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)}, {@code m = m + (g - m) * (1 - beta_1)},
 * {@code v = v + (g^2 - v) * (1 - beta_2)}, {@code w = w - lr_t * m / (sqrt(v) + epsilon)}.
 * With AMSGrad, {@code vhat = max(vhat, v)} replaces {@code v} in the denominator.
 *
 * <p>Slots: {@code m}, {@code v}, and {@code vhat} with AMSGrad.
 */
public final class Adam extends Optimizer {

    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double epsilon;
    private final boolean amsgrad;
    private final boolean lazy;

    private Adam(Builder b) {
        super(b, "Adam");
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
        this.epsilon = KerasArguments.epsilonOrDefault(b.epsilon);
        this.amsgrad = b.amsgrad;
        this.lazy = b.lazy;
    }

    /** Adam with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
    public Adam() {
        this(builder());
    }

    public Adam(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code Adam.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static Adam fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} of a config in Keras 3's form when {@code keras3}: a Keras 3 optimizer, Keras 3's keys. */
    public static Adam fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Adam", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.beta1(r.number("beta_1", 0.9));
        b.beta2(r.number("beta_2", 0.999));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        b.amsgrad(r.bool("amsgrad", false));
        r.finish();
        return b.build();
    }

    public double getEpsilon() {
        return epsilon;
    }

    public boolean isAmsgrad() {
        return amsgrad;
    }

    /** Whether sparse gradients update only their rows (see {@link Builder#lazy}). */
    public boolean isLazy() {
        return lazy;
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        // Keras's order: every m, then every v, then every vhat.
        for (Variable v : variables) {
            addSlot(v, "m", 0.0);
        }
        for (Variable v : variables) {
            addSlot(v, "v", 0.0);
        }
        if (amsgrad) {
            for (Variable v : variables) {
                addSlot(v, "vhat", 0.0);
            }
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        // Adam._prepare_local and the start of ApplyAdam, each operation rounded to dtype.
        double step = dtype.round(getIterations() + 1);
        double beta1 = hyperparameter("beta_1", dtype);
        double beta2 = hyperparameter("beta_2", dtype);
        double beta1Power = dtype.round(Math.pow(beta1, step));
        double beta2Power = dtype.round(Math.pow(beta2, step));
        double alpha = dtype.round(dtype.round(learningRate * dtype.round(Math.sqrt(dtype.round(1 - beta2Power))))
                / dtype.round(1 - beta1Power));
        AdamCoefficients c = new AdamCoefficients(alpha, dtype.round(1 - beta1), dtype.round(1 - beta2), dtype.round(epsilon));
        // Keras 2's sparse path computes its own lr_t * (sqrt(1 - beta_2^t) / (1 - beta_1^t)) in Python.
        double sparseAlpha = dtype.round(learningRate * dtype.round(dtype.round(Math.sqrt(dtype.round(1 - beta2Power)))
                / dtype.round(1 - beta1Power)));
        return withSparse(dense(c), lazy ? (variable, value, g) -> {
            Tensor m = getSlot(variable, "m");
            Tensor v = getSlot(variable, "v");
            Tensor vhat = amsgrad ? getSlot(variable, "vhat") : null;
            forEachRow(g, i -> {
                MemorySegment vhatRow = vhat != null ? g.touchedRow(vhat, i) : null;
                if (vhatRow != null) {
                    kernels().adamAmsgrad(dtype, g.touchedRow(value, i), g.touchedRow(m, i), g.touchedRow(v, i), vhatRow,
                            g.valueRow(i), 0, g.rowLength(), c);
                } else {
                    kernels().adam(dtype, g.touchedRow(value, i), g.touchedRow(m, i), g.touchedRow(v, i), g.valueRow(i),
                            0, g.rowLength(), c);
                }
            });
        } : (variable, value, g) -> {
            // Keras 2: m = m * beta_1 and v = v * beta_2 everywhere, scatter-add (1 - beta_1) g and
            // (1 - beta_2) g^2 on the rows, then move every element of the variable.
            Tensor m = getSlot(variable, "m");
            Tensor v = getSlot(variable, "v");
            TensorKernels k = tensorKernels(value);
            k.scale(m, beta1);
            k.scale(v, beta2);
            forEachRow(g, i -> {
                kernels().axpy(dtype, c.oneMinusBeta1(), g.valueRow(i), g.touchedRow(m, i), 0, g.rowLength());
                kernels().squareAxpy(dtype, c.oneMinusBeta2(), g.valueRow(i), g.touchedRow(v, i), 0, g.rowLength());
            });
            k.adamFromMoments(value, m, v, amsgrad ? getSlot(variable, "vhat") : null, sparseAlpha, c.epsilon());
        });
    }

    private VariableUpdate dense(AdamCoefficients c) {
        return (variable, value, gradient) -> {
            tensorKernels(value).adam(value, getSlot(variable, "m"), getSlot(variable, "v"),
                    amsgrad ? getSlot(variable, "vhat") : null, gradient, c);
        };
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("decay", getDecay());
        config.put("beta_1", serializeHyperparameter("beta_1"));
        config.put("beta_2", serializeHyperparameter("beta_2"));
        config.put("epsilon", epsilon);
        config.put("amsgrad", amsgrad);
    }

    /** Adam's keyword arguments. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.999);
        private double epsilon = DEFAULT_EPSILON;
        private boolean amsgrad;
        private boolean lazy;

        private Builder() {
        }

        /**
         * Lazy sparse updates (not in Keras; PyTorch's {@code SparseAdam}, TF Addons'
         * {@code LazyAdam}): a sparse gradient updates m, v (and vhat) and the variable on its
         * rows only, with the dense formula, so a step costs O(rows touched). Keras's own sparse
         * Adam decays m and v and moves every row of the variable. Dense gradients are not
         * affected. Not part of the config.
         */
        public Builder lazy(boolean lazy) {
            this.lazy = lazy;
            return this;
        }

        public Builder beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        public Builder beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return this;
        }

        public Builder beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        public Builder beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return this;
        }

        /** Added to {@code sqrt(v)}; 0 means Keras's default 1e-7. */
        public Builder epsilon(double epsilon) {
            this.epsilon = KerasArguments.epsilonOrDefault(epsilon);
            return this;
        }

        public Builder amsgrad(boolean amsgrad) {
            this.amsgrad = amsgrad;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Adam build() {
            return new Adam(this);
        }
    }
}
