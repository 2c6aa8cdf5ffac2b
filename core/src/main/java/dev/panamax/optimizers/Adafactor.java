package dev.panamax.optimizers;

import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras 3's {@code Adafactor} (Shazeer and Stern, 2018), a Keras 3 optimizer only. Per step
 * {@code t}: {@code rho = min(lr, 1 / sqrt(t))}, {@code alpha = max(epsilon_2, rms(var)) * rho},
 * {@code G2 = g^2 + epsilon_1}, {@code beta2t = 1 - t^beta_2_decay}. A variable of rank 2 or more
 * keeps factored second moments over its last two dimensions: {@code r} (the mean of G2 over the
 * last dimension), {@code c} (over the one before), each a moving average with {@code beta2t}, and
 * {@code v = (r / mean(r)) c}; a smaller one keeps {@code v = beta2t v + (1 - beta2t) G2}. Then
 * {@code u = g / sqrt(v)}, {@code var = var - alpha * (u / max(1, rms(u) / clip_threshold))}.
 *
 * <p>Slots as Keras 3 creates them, for each variable in turn: {@code r} and {@code c} (paths
 * {@code <optimizer>/<variable name>}; for a variable of rank 0 or 1 they are int32 zeros that
 * Keras keeps as placeholders) and {@code velocity} (the variable's shape, also for factored
 * variables, where Keras stores {@code v} in full).
 *
 * <p>{@code relative_step} is kept in the config but changes nothing, as in Keras 3: the step
 * size is {@code min(lr, 1 / sqrt(t))} either way. Means and root mean squares add in double
 * in a fixed order (see the Adafactor kernels of {@link dev.panamax.kernels.OptimizerKernels});
 * Keras adds in float32 in TensorFlow's order, so they may differ from Keras's in the last bits.
 */
public final class Adafactor extends Optimizer {

    /** Keras's default {@code learning_rate} for Adafactor. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private final double beta2Decay;
    private final double epsilon1;
    private final double epsilon2;
    private final double clipThreshold;
    private final boolean relativeStep;
    /** r / mean(r) of each factored variable, rewritten every step: scratch, not optimizer state. */
    private final Map<Variable, Tensor> rowFactors = new IdentityHashMap<>();

    private Adafactor(Builder b) {
        super(b, "Adafactor");
        this.beta2Decay = b.beta2Decay;
        this.epsilon1 = b.epsilon1;
        this.epsilon2 = b.epsilon2;
        this.clipThreshold = b.clipThreshold;
        this.relativeStep = b.relativeStep;
    }

    /** Adafactor with Keras's defaults: learning rate 0.001, beta_2_decay -0.8, epsilon_1 1e-30, epsilon_2 1e-3, clip_threshold 1. */
    public Adafactor() {
        this(builder());
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras 3's {@code Adafactor.from_config(config)}; a TF2-form config is read the same way, with TF2's key errors. */
    public static Adafactor fromConfig(Map<String, ?> config, boolean keras3) {
        ConfigReader r = new ConfigReader("Adafactor", config, keras3);
        Builder b = builder();
        OptimizerConfig.readBase(r, b, DEFAULT_LEARNING_RATE);
        b.beta2Decay(r.number("beta_2_decay", -0.8));
        b.epsilon1(r.number("epsilon_1", 1e-30));
        b.epsilon2(r.number("epsilon_2", 1e-3));
        b.clipThreshold(r.number("clip_threshold", 1.0));
        b.relativeStep(r.bool("relative_step", true));
        r.finish();
        return b.build();
    }

    /** {@code beta_2_decay}, as in the Keras config. */
    public double getBeta2Decay() {
        return beta2Decay;
    }

    /** {@code epsilon_1}, as in the Keras config. */
    public double getEpsilon1() {
        return epsilon1;
    }

    /** {@code epsilon_2}, as in the Keras config. */
    public double getEpsilon2() {
        return epsilon2;
    }

    /** {@code clip_threshold}, as in the Keras config. */
    public double getClipThreshold() {
        return clipThreshold;
    }

    /** {@code relative_step}, as in the Keras config. */
    public boolean isRelativeStep() {
        return relativeStep;
    }

    @Override
    protected Map<String, String> keras211SlotNames() {
        return Map.of("velocity", "v");
    }

    @Override
    protected double defaultLearningRate() {
        return DEFAULT_LEARNING_RATE;
    }

    @Override
    protected void createSlots(List<Variable> variables) {
        for (Variable v : variables) {
            long[] shape = v.shape();
            int rank = shape.length;
            if (rank < 2) {
                // Keras 3's placeholders: backend.Variable(0, name=var.name), int32 scalars never updated.
                // Keras 2.11 kept them out of its variables; here they are left out altogether.
                if (keras211) {
                    addVariableFromReference(v, "velocity");
                    continue;
                }
                addVariableFor(v, "r", new long[0], DType.INT32, 0, v.kerasName());
                addVariableFor(v, "c", new long[0], DType.INT32, 0, v.kerasName());
            } else {
                long[] cShape = Arrays.copyOf(shape, rank - 1);
                cShape[rank - 2] = shape[rank - 1];
                Tensor r = addVariableFor(v, "r", Arrays.copyOf(shape, rank - 1), v.dtype(), 0, v.kerasName());
                addVariableFor(v, "c", cShape, v.dtype(), 0, v.kerasName());
                Tensor previous = rowFactors.put(v, tensorKernels(v.value()).full(v.dtype(), 0, r.shape()));
                if (previous != null) { // a build that failed after making it, then a retry
                    previous.close();
                }
            }
            addVariableFromReference(v, "velocity");
        }
    }

    @Override
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        double step = dtype.round(getIterations() + 1);
        double rho = Math.min(learningRate, dtype.round(1 / dtype.round(Math.sqrt(step))));
        double beta2t = dtype.round(1 - dtype.round(Math.pow(step, dtype.round(beta2Decay))));
        double oneMinusBeta2t = dtype.round(1 - beta2t);
        double eps1 = dtype.round(epsilon1);
        double eps2 = dtype.round(epsilon2);
        double clip = dtype.round(clipThreshold);
        return (variable, value, gradient) -> {
            long size = value.size();
            if (size == 0) {
                return;
            }
            TensorKernels k = tensorKernels(value);
            double alpha = dtype.round(Math.max(eps2, rms(dtype, k.sumOfSquares(value), size)) * rho);
            Tensor v = getSlot(variable, "velocity");
            double sumOfSquares;
            long[] shape = value.shape();
            if (shape.length >= 2) {
                long rows = shape[shape.length - 2];
                long columns = shape[shape.length - 1];
                Tensor c = getSlot(variable, "c");
                Tensor factors = rowFactors.get(variable);
                k.adafactorFactors(gradient, getSlot(variable, "r"), c, factors, size / (rows * columns), rows, columns, beta2t,
                        oneMinusBeta2t, eps1);
                sumOfSquares = k.adafactorFactoredVelocity(v, gradient, factors, c, rows, columns);
            } else {
                sumOfSquares = k.adafactorVelocity(v, gradient, beta2t, oneMinusBeta2t, eps1);
            }
            double divisor = Math.max(1.0, dtype.round(rms(dtype, sumOfSquares, size) / clip));
            k.adafactorApply(value, v, gradient, alpha, divisor);
        };
    }

    /** Keras's {@code _rms}: {@code sqrt(mean(square(x)))} in the dtype, from the sum of squares. */
    private static double rms(DType dtype, double sumOfSquares, long size) {
        return dtype.round(Math.sqrt(dtype.round(dtype.round(sumOfSquares) / dtype.round(size))));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
        config.put("beta_2_decay", beta2Decay);
        config.put("epsilon_1", epsilon1);
        config.put("epsilon_2", epsilon2);
        config.put("clip_threshold", clipThreshold);
        config.put("relative_step", relativeStep);
    }

    @Override
    public synchronized void close() {
        rowFactors.values().forEach(Tensor::close);
        rowFactors.clear();
        super.close();
    }

    /** Adafactor's keyword arguments; always a Keras 3 optimizer. */
    public static final class Builder extends Keras3OnlyBuilder<Builder> {
        private double beta2Decay = -0.8;
        private double epsilon1 = 1e-30;
        private double epsilon2 = 1e-3;
        private double clipThreshold = 1.0;
        private boolean relativeStep = true;

        private Builder() {
            super("Adafactor", true);
        }

        /** The power of the step in the second moments' decay, {@code 1 - t^beta_2_decay} (default -0.8). */
        public Builder beta2Decay(double beta2Decay) {
            this.beta2Decay = beta2Decay;
            return this;
        }

        /** Added to the squared gradient (default 1e-30). */
        public Builder epsilon1(double epsilon1) {
            this.epsilon1 = epsilon1;
            return this;
        }

        /** The smallest root mean square of a variable that scales its step (default 1e-3). */
        public Builder epsilon2(double epsilon2) {
            this.epsilon2 = epsilon2;
            return this;
        }

        /** The root mean square above which an update is scaled down (default 1). */
        public Builder clipThreshold(double clipThreshold) {
            this.clipThreshold = clipThreshold;
            return this;
        }

        /** Kept in the config; as in Keras 3, the step size is {@code min(lr, 1 / sqrt(t))} either way. */
        public Builder relativeStep(boolean relativeStep) {
            this.relativeStep = relativeStep;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Adafactor build() {
            return new Adafactor(this);
        }
    }
}
