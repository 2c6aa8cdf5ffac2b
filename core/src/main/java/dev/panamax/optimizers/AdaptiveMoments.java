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
 * Adaptive moment estimation, the machinery {@link Adam} and {@link AdamW} share (Keras 3's AdamW
 * is its Adam with weight decay): the slots, the per-step coefficients and the kernel call, the
 * config keys and the builder options.
 */
abstract class AdaptiveMoments extends Optimizer {

    private final double epsilon;
    private final boolean amsgrad;
    private final boolean lazy;

    private final String momentum;
    private final String velocity;
    private final String velocityHat;

    AdaptiveMoments(Options<?> b, String defaultName) {
        super(b, defaultName);
        setHyperparameter("beta_1", b.beta1);
        setHyperparameter("beta_2", b.beta2);
        this.epsilon = b.keras3 ? KerasArguments.nonNegativeEpsilon(b.epsilon) : KerasArguments.epsilonOrDefault(b.epsilon);
        this.amsgrad = b.amsgrad;
        this.lazy = b.lazy;
        this.momentum = b.keras3 ? "momentum" : "m";
        this.velocity = b.keras3 ? "velocity" : "v";
        this.velocityHat = b.keras3 ? "velocity_hat" : "vhat";
        if (lazy && hasHalfPrecisionSlots()) {
            throw new IllegalArgumentException("lazy sparse updates need float32 slots: the slots are stored in "
                    + slotDtypes.halfTypeName() + " (slotDtype)");
        }
    }

    @Override
    List<String> halfPrecisionSlots(boolean keras3) {
        return keras3 ? List.of("momentum", "velocity", "velocity_hat") : List.of("m", "v", "vhat");
    }

    /** Reads Adam's keys (the base ones included) into {@code b} and builds it. */
    static <O extends AdaptiveMoments> O readConfig(ConfigReader r, Options<?> b) {
        OptimizerConfig.readBase(r, b, Adam.DEFAULT_LEARNING_RATE);
        b.beta1(r.number("beta_1", 0.9));
        b.beta2(r.number("beta_2", 0.999));
        b.epsilon(r.number("epsilon", DEFAULT_EPSILON));
        b.amsgrad(r.bool("amsgrad", false));
        r.finish();
        @SuppressWarnings("unchecked")
        O built = (O) b.build();
        return built;
    }

    /** {@code epsilon}, as in the Keras config. */
    public double getEpsilon() {
        return epsilon;
    }

    /** {@code amsgrad}, as in the Keras config. */
    public boolean isAmsgrad() {
        return amsgrad;
    }

    /** Whether sparse gradients update only their rows (see {@link Options#lazy}). */
    public boolean isLazy() {
        return lazy;
    }

    @Override
    protected double defaultLearningRate() {
        return Adam.DEFAULT_LEARNING_RATE;
    }

    @Override
    protected Map<String, String> keras211SlotNames() {
        return Map.of("momentum", "m", "velocity", "v", "velocity_hat", "vhat");
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        if (keras3) {
            // Keras 3's add_optimizer_variables(var_list, ["momentum", "velocity"]): both for each variable in turn.
            for (Variable v : variables) {
                addSlot(v, momentum, 0.0);
                addSlot(v, velocity, 0.0);
            }
        } else {
            // Keras 2's order: every m, then every v.
            for (Variable v : variables) {
                addSlot(v, momentum, 0.0);
            }
            for (Variable v : variables) {
                addSlot(v, velocity, 0.0);
            }
        }
        if (amsgrad) {
            for (Variable v : variables) {
                addSlot(v, velocityHat, 0.0);
            }
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        // TF2: Adam._prepare_local and the start of ApplyAdam, the betas stored in float32 first.
        // Keras 3: update_step, where 1 - beta_1 is a Python float before it meets the tensor.
        double step = dtype.round(getIterations() + 1);
        double exactBeta1 = keras3 ? exactHyperparameter("beta_1") : hyperparameter("beta_1", dtype);
        double exactBeta2 = keras3 ? exactHyperparameter("beta_2") : hyperparameter("beta_2", dtype);
        AdamCoefficients c = coefficients(dtype, learningRate, step, exactBeta1, exactBeta2, epsilon);
        if (lazy) {
            return withSparse(dense(c), lazyRows(dtype, c));
        }
        if (keras3 || hasHalfPrecisionSlots()) {
            // Keras 3's formula meets an IndexedSlices as a dense tensor; so does Keras 2's with
            // 16-bit slots, which only the dense kernel reads.
            return dense(c);
        }
        // Keras 2's sparse path computes its own lr_t * (sqrt(1 - beta_2^t) / (1 - beta_1^t)) in Python.
        double beta1 = dtype.round(exactBeta1);
        double beta2 = dtype.round(exactBeta2);
        double beta1Power = dtype.round(Math.pow(beta1, step));
        double beta2Power = dtype.round(Math.pow(beta2, step));
        double sparseAlpha = dtype.round(learningRate * dtype.round(dtype.round(Math.sqrt(dtype.round(1 - beta2Power)))
                / dtype.round(1 - beta1Power)));
        return withSparse(dense(c), (variable, value, g) -> {
            // Keras 2: m = m * beta_1 and v = v * beta_2 everywhere, scatter-add (1 - beta_1) g and
            // (1 - beta_2) g^2 on the rows, then move every element of the variable.
            Tensor m = getSlot(variable, momentum);
            Tensor v = getSlot(variable, velocity);
            TensorKernels k = tensorKernels(value);
            k.scale(m, beta1);
            k.scale(v, beta2);
            forEachRow(g, i -> {
                kernels(value).axpy(dtype, c.oneMinusBeta1(), g.valueRow(i), g.touchedRow(m, i), 0, g.rowLength());
                kernels(value).squareAxpy(dtype, c.oneMinusBeta2(), g.valueRow(i), g.touchedRow(v, i), 0, g.rowLength());
            });
            k.adamFromMoments(value, m, v, amsgrad ? getSlot(variable, velocityHat) : null, sparseAlpha, c.epsilon());
        });
    }

    /**
     * Adam's per-step coefficients in {@code dtype}, as Keras 3's {@code Adam.update_step} (and
     * Muon's {@code _adamw_update_step}, the same lines) computes them:
     * {@code alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)} with each beta cast to the dtype and
     * each operation rounded to it, {@code 1 - beta} from the beta as given (a Python float), then
     * cast. TF2 gives betas already stored in float32.
     *
     * @param learningRate this step's learning rate in the dtype
     * @param step         {@code iterations + 1} in the dtype
     */
    static AdamCoefficients coefficients(DType dtype, double learningRate, double step, double exactBeta1, double exactBeta2,
                                         double epsilon) {
        double beta1Power = dtype.round(Math.pow(dtype.round(exactBeta1), step));
        double beta2Power = dtype.round(Math.pow(dtype.round(exactBeta2), step));
        double alpha = dtype.round(dtype.round(learningRate * dtype.round(Math.sqrt(dtype.round(1 - beta2Power))))
                / dtype.round(1 - beta1Power));
        return new AdamCoefficients(alpha, dtype.round(1 - exactBeta1), dtype.round(1 - exactBeta2), dtype.round(epsilon));
    }

    /** The lazy sparse path: the dense formula on the touched rows only. */
    private VariableUpdate.SparsePath lazyRows(DType dtype, AdamCoefficients c) {
        return (variable, value, g) -> {
            Tensor m = getSlot(variable, momentum);
            Tensor v = getSlot(variable, velocity);
            Tensor vhat = amsgrad ? getSlot(variable, velocityHat) : null;
            forEachRow(g, i -> {
                MemorySegment vhatRow = vhat != null ? g.touchedRow(vhat, i) : null;
                if (vhatRow != null) {
                    kernels(value).adamAmsgrad(dtype, g.touchedRow(value, i), g.touchedRow(m, i), g.touchedRow(v, i), vhatRow,
                            g.valueRow(i), 0, g.rowLength(), c);
                } else {
                    kernels(value).adam(dtype, g.touchedRow(value, i), g.touchedRow(m, i), g.touchedRow(v, i), g.valueRow(i),
                            0, g.rowLength(), c);
                }
            });
        };
    }

    /** Keras 3's dense path decays the variable in the Adam kernel (AdamW in one pass); the lazy sparse path does not. */
    @Override
    boolean decaysInUpdate(Variable variable) {
        return keras3 && !lazy;
    }

    private VariableUpdate dense(AdamCoefficients c) {
        return (variable, value, gradient) -> {
            Double decay = decaysInUpdate(variable) ? fusedWeightDecay(variable) : null;
            DType t = HalfVariableRounding.computeDtype(value.dtype());
            AdamCoefficients withDecay = decay == null ? c : c.withWeightDecay(t.round(decay), learningRate(t));
            tensorKernels(value).adam(value, getSlot(variable, momentum), getSlot(variable, velocity),
                    amsgrad ? getSlot(variable, velocityHat) : null, gradient, withDecay, rounding(variable));
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

    /**
     * Adam's keyword arguments, shared by {@link Adam.Builder} and {@link AdamW.Builder}.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Options<B extends Options<B>> extends Optimizer.Builder<B> {
        private Hyperparameter beta1 = Hyperparameter.of(0.9);
        private Hyperparameter beta2 = Hyperparameter.of(0.999);
        private double epsilon = DEFAULT_EPSILON;
        private boolean amsgrad;
        private boolean lazy;

        Options() {
        }

        /**
         * Lazy sparse updates (not in Keras; PyTorch's {@code SparseAdam}, TF Addons'
         * {@code LazyAdam}): a sparse gradient updates the slots and the variable on its rows only,
         * with the dense formula, so a step costs O(rows touched). Keras's own sparse Adam decays
         * the moments and moves every row of the variable. Dense gradients are not affected. Not
         * part of the config.
         */
        public B lazy(boolean lazy) {
            this.lazy = lazy;
            return self();
        }

        public B beta1(double beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return self();
        }

        public B beta1(DoubleSupplier beta1) {
            this.beta1 = Hyperparameter.of(beta1);
            return self();
        }

        public B beta2(double beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return self();
        }

        public B beta2(DoubleSupplier beta2) {
            this.beta2 = Hyperparameter.of(beta2);
            return self();
        }

        /** Added to {@code sqrt(v)}; in TF2's form 0 means Keras's default 1e-7. Must be >= 0. */
        public B epsilon(double epsilon) {
            this.epsilon = KerasArguments.nonNegativeEpsilon(epsilon);
            return self();
        }

        public B amsgrad(boolean amsgrad) {
            this.amsgrad = amsgrad;
            return self();
        }

        @Override
        public abstract AdaptiveMoments build();
    }


}
