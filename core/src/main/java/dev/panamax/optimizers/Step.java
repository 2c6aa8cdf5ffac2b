package dev.panamax.optimizers;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.state.Hyperparameters;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.optimizers.step.AccumulateGradients;
import dev.panamax.optimizers.step.ApplyConstraints;
import dev.panamax.optimizers.step.ClipByGlobalNorm;
import dev.panamax.optimizers.step.ClipByNorm;
import dev.panamax.optimizers.step.ClipByValue;
import dev.panamax.optimizers.step.FiniteGradients;
import dev.panamax.optimizers.step.GradientBuffers;
import dev.panamax.optimizers.step.GradientChecks;
import dev.panamax.optimizers.step.GradientStage;
import dev.panamax.optimizers.step.MovingAverage;
import dev.panamax.optimizers.step.ScaleLoss;
import dev.panamax.optimizers.step.WeightDecay;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The stages of one optimizer's steps, after the checks and the build, in TF2's order or in Keras
 * 3's. Each stage is its own class ({@code optimizers.step}); this class only says in which order
 * they run. Keras 3's stages are null when their option is off.
 */
final class Step implements AutoCloseable {

    private final BaseOptimizer optimizer;
    private final OptimizerVariables store;
    private final Hyperparameters hyperparameters;
    private final TensorKernelsLookup kernels;
    final GradientBuffers buffers;
    final GradientChecks checks;
    final FiniteGradients finiteGradients;
    private final UpdateVariables update;
    /** Not final: a {@link LossScaleOptimizer} turns its inner optimizer's off. */
    ScaleLoss lossScale;
    final AccumulateGradients accumulation;
    final WeightDecay weightDecay;
    final MovingAverage ema;

    Step(BaseOptimizer optimizer, OptimizerOptions<?> b, OptimizerVariables store, Hyperparameters hyperparameters,
         TensorKernelsLookup kernels) {
        this.optimizer = optimizer;
        this.store = store;
        this.hyperparameters = hyperparameters;
        this.kernels = kernels;
        this.buffers = new GradientBuffers(kernels);
        this.checks = new GradientChecks(store, kernels, b.keras3, optimizer.slotDtypes.halfTypeName(), this::checkHalfVariable);
        this.finiteGradients = new FiniteGradients(kernels);
        this.update = new UpdateVariables(optimizer, buffers);
        this.lossScale = b.lossScaleFactor != null ? new ScaleLoss(b.lossScaleFactor, buffers, kernels) : null;
        boolean accumulating = b.gradientAccumulationSteps != null && b.gradientAccumulationSteps != 0;
        this.accumulation = accumulating ? new AccumulateGradients(b.gradientAccumulationSteps, store, buffers, kernels) : null;
        this.weightDecay = b.weightDecay != null || b.weightDecayPerVariable ? new WeightDecay(b.weightDecay, kernels) : null;
        boolean overwriting = b.emaOverwriteFrequency != null && b.emaOverwriteFrequency != 0;
        this.ema = b.useEma
                ? new MovingAverage(b.emaMomentum, overwriting ? b.emaOverwriteFrequency : null, b.keras211, store, kernels) : null;
    }

    /**
     * The checks of a bfloat16 or float16 variable, before anything is written: the algorithm
     * updates it, and no stage that reads or writes the variable in its own dtype is on.
     */
    private void checkHalfVariable(Variable v) {
        String what = "Variable '" + v.name() + "' has dtype " + v.dtype().kerasName() + ": ";
        if (!optimizer.updatesHalfVariables()) {
            throw new UnsupportedOperationException(what + optimizer.getName() + " updates float32 and float64 variables; SGD,"
                    + " Adam, AdamW and Lion also update bfloat16 and float16 ones. Or keep the variable in float32 (as Keras's"
                    + " mixed precision policies do) and store the optimizer's slots in " + v.dtype().kerasName()
                    + " with slotDtype");
        }
        if (ema != null) {
            throw new UnsupportedOperationException(what + "use_ema keeps averages of float32 and float64 variables only");
        }
        if (accumulation != null) {
            throw new UnsupportedOperationException(what + "gradient_accumulation_steps accumulates the gradients of float32"
                    + " and float64 variables only");
        }
        if (weightDecay != null && !optimizer.decaysInUpdate(v)) {
            throw new UnsupportedOperationException(what + "weight_decay on a 16-bit variable runs inside the fused kernels"
                    + " of Adam and AdamW only");
        }
    }

    /** Whether any of Keras 3's stages is on. */
    boolean hasKeras3Stages() {
        return lossScale != null || accumulation != null || weightDecay != null || ema != null;
    }

    /** The checks of a build, before anything is created: every weight-decay exclusion names a variable. */
    void checkBuild(List<Variable> variables) {
        if (weightDecay != null) {
            weightDecay.checkExclusions(variables);
        }
    }

    /** Creates the stages' variables for a build: EMA averages, then gradient accumulators (Keras 3's order). */
    void build(List<Variable> variables) {
        if (ema != null) {
            ema.build(variables);
        }
        if (accumulation != null) {
            accumulation.build(variables);
        }
    }

    /**
     * TF2's {@code apply_gradients} after the checks: aggregate, clip by value, by norm, by global
     * norm, the user's transformers; then each variable's update and constraint; count the step.
     */
    void tf2(List<GradientAndVariable> pairs) {
        GradientTransformer aggregator = optimizer.gradientAggregator;
        pairs = buffers.inVariableKind(aggregator == null ? pairs : List.copyOf(aggregator.apply(pairs)));
        for (GradientStage clip : clipStages(true)) {
            pairs = clip.apply(pairs);
        }
        for (GradientTransformer f : optimizer.gradientTransformers) {
            pairs = List.copyOf(f.apply(pairs));
        }
        if (aggregator != null || !optimizer.gradientTransformers.isEmpty()) {
            // User code may have returned other gradients; built-in stages keep shapes and dtypes.
            pairs = buffers.inVariableKind(pairs);
            checks.check(pairs, " after the gradient transformers");
        }
        hyperparameters.beginStep(store.iterations());
        ApplyConstraints constraints = new ApplyConstraints();
        try {
            optimizer.beginStep();
            update.beginStep();
            for (GradientAndVariable pair : pairs) {
                Variable variable = pair.variable();
                update.apply(variable, variable.value(), pair.gradient());
                constraints.apply(variable);
            }
            store.incrementIterations();
        } finally {
            hyperparameters.endStep();
        }
        constraints.throwIfAnyFailed();
    }

    /**
     * Keras 3's {@code apply} after the checks: unscale the loss; accumulate, or on an update call
     * average the accumulated gradients, clip, decay the weights, aggregate across replicas and
     * update; then the moving averages, the constraints, and count the call.
     */
    void keras3(List<GradientAndVariable> pairs) {
        hyperparameters.beginStep(store.iterations());
        ApplyConstraints constraints = new ApplyConstraints();
        try {
            pairs = buffers.inVariableKind(pairs);
            if (lossScale != null) {
                pairs = lossScale.apply(pairs);
            }
            if (accumulation != null && !accumulation.isUpdateStep(store.iterations())) {
                accumulation.accumulate(pairs);
            } else {
                if (accumulation != null) {
                    pairs = accumulation.averaged(pairs);
                }
                // Keras 2.11's non-legacy optimizers clip with tf.clip_by_global_norm, Keras 3 with its own norm.
                for (GradientStage clip : clipStages(optimizer.keras211)) {
                    pairs = clip.apply(pairs);
                }
                if (weightDecay != null) {
                    weightDecay.apply(BaseOptimizer.variablesOf(pairs), optimizer::learningRate, optimizer::weightDecayOf,
                            optimizer::decaysInUpdate);
                }
                if (optimizer.gradientAggregator != null) {
                    // Keras 3's TensorFlow backend sums the replicas' gradients here, in _backend_update_step:
                    // after clipping (each replica clips its own) and weight decay, just before the update.
                    pairs = buffers.inVariableKind(List.copyOf(optimizer.gradientAggregator.apply(pairs)));
                    checks.check(pairs, " after the gradient aggregator");
                }
                optimizer.beginStep();
                update.beginStep();
                for (GradientAndVariable pair : pairs) {
                    update.apply(pair.variable(), pair.variable().value(), pair.gradient());
                }
                if (accumulation != null) {
                    accumulation.reset();
                }
            }
            if (ema != null) {
                ema.update(optimizer.getIterations());
            }
            constraints.apply(BaseOptimizer.variablesOf(pairs));
            store.incrementIterations();
        } finally {
            hyperparameters.endStep();
        }
        constraints.throwIfAnyFailed();
    }

    /**
     * The clipping stages that are set, in TF2's order (Keras 3 allows only one).
     *
     * @param tf2 whether the global norm is TF2's {@code tf.global_norm} rather than Keras 3's
     */
    private List<GradientStage> clipStages(boolean tf2) {
        List<GradientStage> stages = new ArrayList<>(3);
        if (optimizer.clipvalue != null) {
            stages.add(new ClipByValue(optimizer.clipvalue, buffers, kernels));
        }
        if (optimizer.clipnorm != null) {
            stages.add(new ClipByNorm(optimizer.clipnorm, buffers, kernels));
        }
        if (optimizer.globalClipnorm != null) {
            stages.add(new ClipByGlobalNorm(optimizer.globalClipnorm, tf2, buffers, kernels));
        }
        return stages;
    }

    @Override
    public void close() {
        buffers.close();
        update.close();
    }
}
