package dev.panamax.optimizers;

import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.schedules.LearningRateSchedule;
import dev.panamax.tensor.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * The keyword arguments every optimizer shares: TF2's ({@code clipnorm}, {@code decay},
 * transformers, ...) and Keras 3's ({@code weight_decay}, {@code use_ema}, {@code loss_scale_factor},
 * {@code gradient_accumulation_steps}, ...). Unset options take Keras's defaults. The checks run
 * when the optimizer is built from them, with Keras's messages. Extended by
 * {@link Optimizer.Builder}.
 *
 * @param <B> the concrete builder
 */
public abstract class OptimizerOptions<B extends OptimizerOptions<B>> {
    String name;
    Hyperparameter learningRate;
    Double clipnorm;
    Double clipvalue;
    Double globalClipnorm;
    double decay;
    final List<GradientTransformer> gradientTransformers = new ArrayList<>();
    GradientTransformer gradientAggregator;
    Integer threads;
    OptimizerKernels kernels;
    boolean skipNonFiniteSteps;
    boolean keras3;
    boolean keras211;
    Double weightDecay;
    /**
     * Set by an optimizer that chooses each variable's weight decay itself (Muon's
     * {@code adam_weight_decay}): its weight-decay stage runs even when {@code weight_decay} is None.
     */
    boolean weightDecayPerVariable;
    boolean useEma;
    double emaMomentum = 0.99;
    Integer emaOverwriteFrequency;
    Double lossScaleFactor;
    Integer gradientAccumulationSteps;
    DType allSlotsDtype;
    final Map<String, DType> slotDtypes = new LinkedHashMap<>();
    Long stochasticRoundingSeed;

    /** This builder, typed as its own class (for chained calls). */
    protected abstract B self();

    /** Whether steps will run in Keras 3's order: a Keras 3 optimizer, or one of Keras 3's base options set. */
    final boolean usesKeras3Step() {
        return keras3 || weightDecay != null || useEma || lossScaleFactor != null
                || (gradientAccumulationSteps != null && gradientAccumulationSteps != 0);
    }

    /**
     * Reads the keys every optimizer shares from a Keras config into these options, as the
     * built-ins' {@code fromConfig} do: in Keras 3's form ({@code keras3}) Keras 3's keys and
     * messages, else TF2's. For a user optimizer's {@code fromConfig}.
     *
     * @param config not modified
     * @return the keys not read (the algorithm's own, or unknown ones), in the config's order
     * @throws IllegalArgumentException when a shared key has a value of the wrong type
     */
    public Map<String, Object> readBaseConfig(Map<String, ?> config, boolean keras3, double defaultLearningRate) {
        ConfigReader r = new ConfigReader(getClass().getSimpleName(), config, keras3);
        OptimizerConfig.readBase(r, this, defaultLearningRate);
        return r.unread();
    }

    /** The optimizer's {@code name} (Keras's default: the class name, or its snake case in Keras 3). */
    public B name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return self();
    }

    /** Keras's {@code learning_rate} as a constant. */
    public B learningRate(double learningRate) {
        this.learningRate = Hyperparameter.of(learningRate);
        return self();
    }

    /** Keras's {@code learning_rate} as a callable, evaluated once per step. */
    public B learningRate(DoubleSupplier learningRate) {
        this.learningRate = Hyperparameter.of(learningRate);
        return self();
    }

    /** Keras's {@code learning_rate} as a schedule of the step. */
    public B learningRate(LearningRateSchedule learningRate) {
        this.learningRate = Hyperparameter.of(learningRate);
        return self();
    }

    /** Clip each gradient to this L2 norm (tf.clip_by_norm). */
    public B clipnorm(double clipnorm) {
        this.clipnorm = clipnorm;
        return self();
    }

    /** Clip each gradient element to [-clipvalue, clipvalue]. */
    public B clipvalue(double clipvalue) {
        this.clipvalue = clipvalue;
        return self();
    }

    /** Clip all gradients together to this global L2 norm (tf.clip_by_global_norm). */
    public B globalClipnorm(double globalClipnorm) {
        this.globalClipnorm = globalClipnorm;
        return self();
    }

    /** Legacy inverse-time decay (TF2 only): {@code lr / (1 + decay * iterations)}. */
    public B decay(double decay) {
        this.decay = decay;
        return self();
    }

    /** Functions applied to the gradients after clipping, in order (TF2). */
    public B gradientTransformers(List<GradientTransformer> transformers) {
        this.gradientTransformers.clear();
        this.gradientTransformers.addAll(transformers);
        return self();
    }

    /**
     * Replaces the (single-device: identity) gradient aggregation, the hook of data-parallel
     * training ({@code dev.panamax.distributed.AllReduceGradients}). Where it runs follows the
     * dialect: TF2's {@code gradient_aggregator} runs first, before clipping; Keras 3's TensorFlow
     * backend sums the replicas' gradients after clipping and weight decay, just before the update
     * ({@code _all_reduce_sum_gradients} in {@code _backend_update_step}), so there each replica
     * clips its own gradients.
     */
    public B gradientAggregator(GradientTransformer aggregator) {
        this.gradientAggregator = aggregator;
        return self();
    }

    /** Threads that share the update of a large tensor (default: every core). Results do not depend on it. */
    public B threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        return self();
    }

    /**
     * Skips every step whose gradients hold a NaN or an Infinity: such a step changes nothing but
     * {@code Optimizer.getSkippedSteps()} (Optax's {@code apply_if_finite}; Keras 3's
     * LossScaleOptimizer skips the same way). Costs one read of the gradients per step. A Panamax
     * option, not part of the Keras config. Default false: Keras applies such steps, and one
     * Infinity with {@code global_clipnorm} turns every variable NaN.
     */
    public B skipNonFiniteSteps(boolean skip) {
        this.skipNonFiniteSteps = skip;
        return self();
    }

    /** Kernels to call instead of {@link KernelProvider#kernels()} (tests and benchmarks). */
    public B kernels(OptimizerKernels kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        return self();
    }

    /**
     * A Keras 3 optimizer: Keras 3's formulas where they differ from Keras 2's (RMSprop, Adagrad,
     * Nadam), Keras 3's step order, config form and checks (only one clipping option).
     */
    public B keras3(boolean keras3) {
        this.keras3 = keras3;
        return self();
    }

    /**
     * Keras 2.11 to 2.15's non-legacy optimizer ({@code tf.keras.optimizers.Optimizer}, whose config
     * says {@code "is_legacy_optimizer": false}): Keras 3's formulas (with {@code keras3(true)}),
     * Keras 2's slot names ({@code m}, {@code v}, {@code vhat}, {@code u}), config form (with
     * {@code jit_compile} and {@code is_legacy_optimizer}) and variables (no learning rate), EMA
     * averages that start as the variables, and TensorFlow's global norm.
     */
    public B keras211(boolean keras211) {
        this.keras211 = keras211;
        if (keras211) {
            this.keras3 = true;
        }
        return self();
    }

    /**
     * Keras 3's {@code weight_decay}: before each update, {@code var -= var * weight_decay * lr}
     * (decoupled, as AdamW), except for variables excluded with
     * {@link Optimizer#excludeFromWeightDecay}. Steps then run in Keras 3's order.
     */
    public B weightDecay(double weightDecay) {
        this.weightDecay = weightDecay;
        return self();
    }

    /**
     * Keras 3's {@code use_ema}: keep an exponential moving average of the variables (see
     * {@link Optimizer#finalizeVariableValues}). Steps then run in Keras 3's order.
     */
    public B useEma(boolean useEma) {
        this.useEma = useEma;
        return self();
    }

    /** Keras 3's {@code ema_momentum} (default 0.99), in [0, 1]: the weight of the old average. */
    public B emaMomentum(double emaMomentum) {
        this.emaMomentum = emaMomentum;
        return self();
    }

    /** Keras 3's {@code ema_overwrite_frequency}: every this many updates the variables take their averages. */
    public B emaOverwriteFrequency(int emaOverwriteFrequency) {
        this.emaOverwriteFrequency = emaOverwriteFrequency;
        return self();
    }

    /**
     * Keras 3's {@code loss_scale_factor}: gradients are divided by it before anything else; the
     * loss should have been multiplied by it ({@link Optimizer#scaleLoss}). Steps then run in Keras
     * 3's order.
     */
    public B lossScaleFactor(double lossScaleFactor) {
        this.lossScaleFactor = lossScaleFactor;
        return self();
    }

    /**
     * Keras 3's {@code gradient_accumulation_steps} (at least 2): each call adds its gradients up,
     * and every N-th call updates with their mean. Steps then run in Keras 3's order.
     */
    public B gradientAccumulationSteps(int steps) {
        this.gradientAccumulationSteps = steps;
        return self();
    }

    /**
     * Stores every slot the algorithm's fused kernels can keep in 16 bits in {@code dtype}
     * ({@code BFLOAT16} or {@code FLOAT16}; {@code FLOAT32} means the default): SGD's
     * {@code momentum}, Adam's and AdamW's first and second moments (and AMSGrad's maximum), Lion's
     * {@code momentum}. The kernels read each slot, compute in float32 and round the stored value
     * to nearest, ties to even; the variables stay float32. A Panamax extension, written in the
     * config as {@code "slot_dtypes"} (slot name to dtype name; a config may also give one dtype
     * name for every slot); other optimizers refuse it.
     */
    public B slotDtype(DType dtype) {
        this.allSlotsDtype = Objects.requireNonNull(dtype, "dtype");
        return self();
    }

    /**
     * Stores one slot, by the name {@link Optimizer#getSlot} takes (Adam: {@code "m"} and
     * {@code "v"}, or Keras 3's {@code "momentum"} and {@code "velocity"}), in {@code dtype}; wins
     * over {@link #slotDtype(DType)}.
     */
    public B slotDtype(String slot, DType dtype) {
        this.slotDtypes.put(Objects.requireNonNull(slot, "slot"), Objects.requireNonNull(dtype, "dtype"));
        return self();
    }

    /**
     * Rounds the new values of bfloat16 and float16 variables stochastically instead of to
     * nearest: up or down with probabilities that make the expected stored value the float32
     * result, so that updates smaller than half a unit in the last place still move the variable
     * on average. The random bits are a hash of {@code seed}, the step, the variable's position
     * among the optimizer's variables and the element's index: the same bits on every backend and
     * thread count, and again after a checkpoint is restored. A Panamax extension, written in the
     * config as {@code "stochastic_rounding_seed"}; it changes nothing for float32 and float64
     * variables.
     */
    public B stochasticRounding(long seed) {
        this.stochasticRoundingSeed = seed;
        return self();
    }
}
