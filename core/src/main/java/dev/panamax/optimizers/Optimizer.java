package dev.panamax.optimizers;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.optimizers.state.Hyperparameters;
import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.optimizers.step.WeightDecay;
import dev.panamax.schedules.LearningRateSchedule;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The Keras optimizer. A step ({@link #applyGradients}, {@link #apply}) runs every check before
 * anything is written, builds the optimizer's variables on first use, then a pipeline of small
 * stages ({@code optimizers.step}) in TF2's order ({@code OptimizerV2.apply_gradients}) or Keras
 * 3's ({@code BaseOptimizer.apply}), over the optimizer's named state ({@link OptimizerVariables})
 * and hyperparameters ({@link Hyperparameters}). Algorithms only declare their slots, compute their
 * per-step coefficients and call their kernel ({@link #prepare}), or, as Keras 3 user optimizers
 * do, override {@link #updateStep}; no optimizer loops over elements.
 *
 * <p>This class adds the Keras API around the step: options, the optimizer's variables
 * ({@code variables}, {@code save_own_variables}, {@code stateless_apply}, weights), config and
 * lifetime. Built-in gradient stages never modify the caller's gradient tensors.
 *
 * <p>Every method that reads or changes the optimizer's state is {@code synchronized} on it:
 * steps from several threads are serialised, each whole. Hold the optimizer's lock to make
 * several calls one unit. An optimizer dropped without {@link #close()} is freed by the garbage
 * collector (its tensors' cleaners); {@code close()} frees it at once.
 */
public abstract class Optimizer extends BaseOptimizer {

    /** Keras's fallback {@code backend.epsilon()}: used when epsilon is 0 or absent. */
    public static final double DEFAULT_EPSILON = 1e-7;

    final OwnVariables own = new OwnVariables(this);
    /** Not final: a {@link LossScaleOptimizer} clears its inner optimizer's, as Keras 3 does. */
    private Double lossScaleFactor;
    private final double emaMomentum;
    private final Integer emaOverwriteFrequency;

    /** Makes the optimizer from its builder's arguments. */
    protected Optimizer(Builder<?> b, String defaultName) {
        super(b, defaultName);
        this.lossScaleFactor = b.lossScaleFactor;
        this.emaMomentum = b.emaMomentum;
        this.emaOverwriteFrequency = b.emaOverwriteFrequency;
    }

    // ---- state -------------------------------------------------------------------------------------

    /**
     * Whether this optimizer is a Keras 3 one ({@link Builder#keras3}): Keras 3's formulas where
     * they differ from Keras 2's (RMSprop, Adagrad, Nadam), step order, config form and messages.
     */
    public final boolean isKeras3() {
        return keras3;
    }

    /**
     * Whether this optimizer is Keras 2.11 to 2.15's non-legacy one
     * ({@link Builder#keras211}, or a TF2-form config with {@code "is_legacy_optimizer": false}):
     * Keras 3's formulas with Keras 2's slot names, variables and config form.
     */
    public final boolean isKeras211() {
        return keras211;
    }

    /** Threads that share the update of a large tensor. */
    public final int getThreads() {
        return executor.threads();
    }

    /**
     * Changes the threads that share the update of a large tensor (as {@link Builder#threads}).
     * Results do not depend on it; not part of the Keras config.
     */
    public final synchronized void setThreads(int threads) {
        executor = ChunkedExecutor.shared(threads);
        lookup.setHost(new HostTensorKernels(kernels, executor));
    }

    /** Legacy inverse-time decay of the learning rate ({@code decay}); 0 when off. */
    public final double getDecay() {
        return initialDecay;
    }

    /** {@code clipnorm}, or null when not set. */
    public final Double getClipnorm() {
        return clipnorm;
    }

    /** {@code clipvalue}, or null when not set. */
    public final Double getClipvalue() {
        return clipvalue;
    }

    /** {@code global_clipnorm}, or null when not set. */
    public final Double getGlobalClipnorm() {
        return globalClipnorm;
    }

    /** The gradient aggregator ({@code gradient_aggregator}), or null for the single-device identity. */
    public final GradientTransformer getGradientAggregator() {
        return gradientAggregator;
    }

    /** Keras's {@code clipnorm} setter: may not be set while {@code global_clipnorm} is. */
    public final synchronized void setClipnorm(Double value) {
        rejectOnWrapper("clipnorm", value);
        KerasArguments.checkNonNegative("clipnorm", value);
        KerasArguments.rejectClipWithTransformers("clipnorm", value, gradientTransformers);
        if (value != null && globalClipnorm != null) {
            throw new IllegalArgumentException("`clipnorm` cannot be set when `global_clipnorm` is set. Instead, use the "
                    + "`global_clipnorm` argument. Received: clipnorm=" + value + ", global_clipnorm=" + globalClipnorm + ".");
        }
        clipnorm = value;
    }

    /** Keras's {@code global_clipnorm} setter: may not be set while {@code clipnorm} is. */
    public final synchronized void setGlobalClipnorm(Double value) {
        rejectOnWrapper("global_clipnorm", value);
        KerasArguments.checkNonNegative("global_clipnorm", value);
        KerasArguments.rejectClipWithTransformers("global_clipnorm", value, gradientTransformers);
        if (value != null && clipnorm != null) {
            throw new IllegalArgumentException("`global_clipnorm` cannot be set when `clipnorm` is set. Instead, use the "
                    + "`clipnorm` argument. Received: clipnorm=" + clipnorm + ", global_clipnorm=" + value + ".");
        }
        globalClipnorm = value;
    }

    /** A wrapper never clips (its inner optimizer does): Keras 3's LossScaleOptimizer refuses the option, with this message. */
    private void rejectOnWrapper(String option, Double value) {
        if (value != null && inner() != null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " does not support `" + option + "`. Instead, set `"
                    + option + "` on the `inner_optimizer`.");
        }
    }

    // ---- minimize, assignments, the learning rate -------------------------------------------------

    /**
     * TF2's {@code minimize(loss, var_list)}: computes the loss and its gradients with
     * {@code lossAndGradients} (Java has no gradient tape), then applies the gradients of
     * {@code variables}, asked for after the loss so that variables the loss creates on its first
     * call are included. A variable without a gradient is skipped with Keras's warning.
     *
     * @return the loss
     */
    public final synchronized double minimize(Supplier<LossAndGradients> lossAndGradients, Supplier<List<Variable>> variables) {
        LossAndGradients result = Objects.requireNonNull(lossAndGradients.get(), "the loss function returned null");
        List<Variable> vars = Objects.requireNonNull(variables.get(), "the variable list is null");
        List<GradientAndVariable> pairs = new ArrayList<>(vars.size());
        for (Variable v : vars) {
            pairs.add(new GradientAndVariable(result.gradients().get(v), v));
        }
        applyGradients(pairs);
        return result.loss();
    }

    /** {@link #minimize(Supplier, Supplier)} with a fixed variable list. */
    public final synchronized double minimize(Supplier<LossAndGradients> lossAndGradients, List<Variable> variables) {
        Objects.requireNonNull(variables, "variables");
        return minimize(lossAndGradients, () -> variables);
    }

    /** Keras 3's {@code assign(variable, value)}: copies {@code value} into {@code target} (same dtype, shape and place). */
    public final synchronized void assign(Tensor target, Tensor value) {
        OwnVariables.checkAssign("assign", target, value);
        lookup.of(target).copy(value, target);
    }

    /** Keras 3's {@code assign_add(variable, value)}: {@code target += value}. */
    public final synchronized void assignAdd(Tensor target, Tensor value) {
        OwnVariables.checkAssign("assign_add", target, value);
        lookup.of(target).axpy(value, target, 1.0);
    }

    /** Keras 3's {@code assign_sub(variable, value)}: {@code target -= value}. */
    public final synchronized void assignSub(Tensor target, Tensor value) {
        OwnVariables.checkAssign("assign_sub", target, value);
        lookup.of(target).axpy(value, target, -1.0);
    }

    /** Sets the learning rate; a wrapper's is the one of the optimizer it wraps (Keras 3's {@code LossScaleOptimizer}). */
    public final synchronized void setLearningRate(double learningRate) {
        learningRateOwner().setHyperparameter("learning_rate", Hyperparameter.of(learningRate));
    }

    /** Sets the learning rate to a callable, evaluated once per step. */
    public final synchronized void setLearningRate(DoubleSupplier learningRate) {
        learningRateOwner().setHyperparameter("learning_rate", Hyperparameter.of(learningRate));
    }

    /** Sets the learning rate to a schedule of the step. */
    public final synchronized void setLearningRate(LearningRateSchedule learningRate) {
        learningRateOwner().setHyperparameter("learning_rate", Hyperparameter.of(learningRate));
    }

    /** The learning rate; a wrapper's is the one of the optimizer it wraps. */
    public final synchronized Hyperparameter getLearningRate() {
        return learningRateOwner().getHyperparameter("learning_rate");
    }

    private BaseOptimizer learningRateOwner() {
        Optimizer inner = inner();
        return inner != null ? inner : this;
    }

    // ---- Keras 3's base options ----------------------------------------------------------------------

    /** Keras 3's {@code weight_decay}, or null when off. */
    public final Double getWeightDecay() {
        return step.weightDecay == null ? null : step.weightDecay.weightDecay();
    }

    /**
     * Keras 3's {@code exclude_from_weight_decay(var_list, var_names)}: no weight decay for the
     * variables of {@code variables}, nor for those whose Keras name (the last part of the path)
     * contains a match of one of {@code names}, read as regular expressions. Each call replaces the
     * exclusions of the one before. Every exclusion must name a variable of the build (checked at the
     * build, or now if built). Without weight decay it has no effect, as in Keras.
     *
     * @param variables not modified; may be null
     * @param names     not modified; may be null
     * @throws IllegalArgumentException when a name is not a regular expression, or an exclusion
     *                                  names no variable of the build
     */
    public final synchronized void excludeFromWeightDecay(List<Variable> variables, List<String> names) {
        checkOpen();
        if (step.weightDecay == null) {
            return;
        }
        WeightDecay.Exclusions exclusions = WeightDecay.Exclusions.of(variables, names);
        if (store.isBuilt()) {
            exclusions.check(store.trainableVariables());
        }
        step.weightDecay.exclude(exclusions);
    }

    /** Keras 3's {@code use_ema}. */
    public final boolean usesEma() {
        return step.ema != null;
    }

    /** Keras 3's {@code ema_momentum} (0.99 unless set; used only with EMA). */
    public final double getEmaMomentum() {
        return emaMomentum;
    }

    /** Keras 3's {@code ema_overwrite_frequency}, or null. */
    public final Integer getEmaOverwriteFrequency() {
        return emaOverwriteFrequency;
    }

    /**
     * Keras 3's {@code finalize_variable_values(var_list)}: with EMA, each variable takes its moving
     * average (as {@code model.fit} does at the end of training); without, nothing. A wrapper
     * hands the call to the optimizer it wraps.
     *
     * @throws IllegalArgumentException Keras's message when {@code variables} is not as long as the
     *                                  build's list; nothing is written then
     */
    public final synchronized void finalizeVariableValues(List<Variable> variables) {
        checkOpen();
        if (step.ema != null) {
            step.ema.overwriteVariables(variables);
        }
        Optimizer inner = inner();
        if (inner != null) {
            inner.finalizeVariableValues(variables);
        }
    }

    /** Keras 3's {@code loss_scale_factor}, or null. */
    public final Double getLossScaleFactor() {
        return lossScaleFactor;
    }

    /**
     * Keras 3's {@code scale_loss(loss)}: {@code loss * loss_scale_factor}, or the loss when there
     * is none; a {@link LossScaleOptimizer}'s, {@code loss} times its current dynamic scale.
     */
    public final synchronized double scaleLoss(double loss) {
        Double scale = lossScale();
        return scale == null ? loss : loss * scale;
    }

    /** The factor {@link #scaleLoss} multiplies by, or null. Package-private: {@link LossScaleOptimizer} has its own. */
    Double lossScale() {
        return lossScaleFactor;
    }

    /**
     * Keras 3's {@code inner_optimizer.loss_scale_factor = None}: a {@link LossScaleOptimizer}
     * unscales the gradients itself, so the optimizer it wraps must not divide them again.
     */
    final void clearLossScaleFactor() {
        lossScaleFactor = null;
        step.lossScale = null;
    }

    /** Keras 3's {@code gradient_accumulation_steps}, or null. */
    public final Integer getGradientAccumulationSteps() {
        return step.accumulation == null ? null : step.accumulation.steps();
    }

    // ---- the optimizer's variables -----------------------------------------------------------------

    /**
     * Keras 3's {@code optimizer.variables}: {@code iteration} (an int64 scalar), {@code learning_rate}
     * (a float32 scalar, when it is a number), then every variable the optimizer created, in creation
     * order (EMA averages, gradient accumulators, the algorithm's slots), each with its Keras 3 path.
     * Slots are the live tensors; {@code iteration} and {@code learning_rate} are copies. A
     * {@link LossScaleOptimizer} lists its own, then those of the optimizer it wraps.
     */
    public final synchronized List<OptimizerVariable> variables() {
        checkOpen();
        return own.variables();
    }

    /** Keras 3's {@code save_own_variables(store)}: {@code store["0"]}, {@code store["1"]}, ... = heap copies of {@link #variables()}. */
    public final synchronized void saveOwnVariables(Map<String, Tensor> target) {
        checkOpen();
        own.save(target);
    }

    /**
     * Keras 3's {@code load_own_variables(store)}, all or nothing: every entry is checked (count,
     * keys, shapes, values) before any is written. Where Keras warns "Skipping variable loading for
     * optimizer ..." and loads nothing, this throws with the same message.
     *
     * @param source not modified
     * @throws IllegalArgumentException when the store does not fit this optimizer's variables
     */
    public final synchronized void loadOwnVariables(Map<String, ? extends Tensor> source) {
        checkOpen();
        own.load(source);
    }

    /**
     * Keras 3's {@code stateless_apply(optimizer_variables, grads, trainable_variables)}: the step
     * {@link #apply(List)} would take from the given values, without changing this optimizer, its
     * variables or the arguments.
     *
     * @param optimizerVariables one tensor per {@link #variables()} entry. Not modified.
     * @param gradients          one gradient (or null) per variable of the build. Not modified.
     * @param trainableValues    one tensor per variable of the build. Not modified.
     * @return new heap tensors: the variables' values and the optimizer's variables after the step
     */
    public final synchronized StatelessResult statelessApply(List<Tensor> optimizerVariables, List<? extends Gradient> gradients,
                                                List<Tensor> trainableValues) {
        checkOpen();
        return own.statelessApply(optimizerVariables, gradients, trainableValues);
    }

    /**
     * Keras 2's {@code get_weights()}: {@code iterations} (an int64 scalar) first, then every
     * tensor the optimizer created, in creation order. Heap copies that need no closing. A
     * {@link LossScaleOptimizer}'s are its own, then those of the optimizer it wraps.
     */
    public final synchronized List<Tensor> getWeights() {
        checkOpen();
        return own.weights();
    }

    /**
     * Keras 2's {@code set_weights(weights)}, in {@link #getWeights()}'s order. Every length and
     * shape is checked before anything is written. Build the optimizer first to have slots.
     */
    public final synchronized void setWeights(List<Tensor> weights) {
        checkOpen();
        own.setWeights(weights);
    }

    // ---- checkpoints ---------------------------------------------------------------------------------

    /**
     * Saves this optimizer's whole state to {@code file}, a safetensors file, with the format, its
     * version, the Java class, the Keras config ({@link Optimizers#toJson}) and a CRC32C of the file
     * in its metadata. The tensors, by key:
     * <ul>
     *   <li>{@code iteration}: the step counter (the calls of {@code apply}), int64;</li>
     *   <li>{@code learning_rate}: the learning rate when it is a number, float64 (exact);</li>
     *   <li>{@code <variable name>/<slot>}: each variable's slots, EMA average and accumulator
     *       ({@code dense/kernel/m}, {@code dense/kernel/average}), under {@link #getSlot}'s names;</li>
     *   <li>{@code <name>}: optimizer-wide variables ({@code momentum_cache}, {@code step_counter});</li>
     *   <li>{@code inner_optimizer/<key>}: those of the optimizer a {@link LossScaleOptimizer} wraps.</li>
     * </ul>
     * They lie in the file in the order of {@link #variables()}, so the n-th is Keras 3's
     * {@code save_own_variables} entry {@code store[str(n)]} (whose learning rate is a float32).
     * The model's variables are not saved. Tensors are streamed, whatever their size (a device
     * tensor through one host copy). The file is replaced atomically: a crash leaves the old file
     * or the new one. {@link #load} and {@link Optimizers#load} read it back; the README's
     * "Checkpoints" section describes the format.
     *
     * @param file the checkpoint; its directory must exist. Replaced, or created.
     * @throws IllegalStateException when the config cannot be written (a schedule without a
     *                               config) or two variables of the build share a name
     * @throws IOException           when writing fails; {@code file} is then unchanged
     */
    public final synchronized void save(Path file) throws IOException {
        checkOpen();
        Checkpoint.save(this, file);
    }

    /**
     * Restores the state {@link #save} wrote into this optimizer, which must be of the same class
     * and config (its name, learning rate, {@code clipnorm} and {@code global_clipnorm} may
     * differ; a number learning rate is restored from the file) and built with variables of the
     * same names, shapes and dtypes (call {@link #build} first, or use {@link Optimizers#load}).
     * Everything is checked before anything is written: on a {@link CheckpointException} this
     * optimizer is unchanged. Steps after the load give the same bits as steps of the optimizer
     * that was saved.
     *
     * @param file not modified
     * @throws CheckpointException when the file is truncated, corrupt, not a checkpoint, or does not
     *                             fit this optimizer; the message names the key, the expected and the found value
     * @throws IOException         when the file cannot be read; if that happens after every check
     *                             passed (the disk fails mid-copy), the state is partly loaded and
     *                             the message says so
     */
    public final synchronized void load(Path file) throws IOException {
        checkOpen();
        Checkpoint.load(this, file);
    }

    // ---- config --------------------------------------------------------------------------------------

    /**
     * Keras's {@code get_config()}: Keras 3's keys for a {@linkplain #isKeras3() Keras 3}
     * optimizer; otherwise TF2's ({@code name}, the clipping options that are set, the algorithm's
     * keys), with Keras 3's base options appended when set, as Keras 2.11+ wrote them. Slots
     * stored in 16-bit types ({@link OptimizerOptions#slotDtype}) add Panamax's key
     * {@code "slot_dtypes"} (slot name to dtype name) last.
     */
    public final synchronized Map<String, Object> getConfig() {
        return keras211 ? OptimizerConfig.keras211(this) : keras3 ? keras3Config() : OptimizerConfig.tf2(this);
    }

    /**
     * Keras 3's {@code get_config()}: the base keys, then the algorithm's. Package-private:
     * {@link LossScaleOptimizer} writes only its own four keys, as Keras 3 does.
     */
    Map<String, Object> keras3Config() {
        return OptimizerConfig.keras3(this);
    }

    /** Adds the algorithm's keys to {@code config}, in Keras's order. By default, only the learning rate. */
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
    }

    /** Keras's {@code _serialize_hyperparameter}: the value, a callable's current value, or a schedule's config. */
    protected final Object serializeHyperparameter(String key) {
        return hyperparameters.serialize(key, store.iterations());
    }

    // ---- lifetime ----------------------------------------------------------------------------------

    /** Frees the optimizer's variables and scratch memory. The model's variables are not touched. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        store.close();
        step.close();
    }

    @Override
    public String toString() {
        try {
            return getClass().getSimpleName() + getConfig();
        } catch (RuntimeException e) { // e.g. a lambda schedule, which has no config
            return getClass().getSimpleName() + "(" + name + ")";
        }
    }

    /**
     * The builder of an optimizer: {@link OptimizerOptions}' keyword arguments, and the algorithm's.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> extends OptimizerOptions<B> {

        /** Builds the optimizer; every argument is checked here, with Keras's messages. */
        public abstract Optimizer build();
    }
}
