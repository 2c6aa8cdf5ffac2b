package dev.panamax.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.Optimizers;
import java.util.Objects;
import java.util.function.Supplier;
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.Tensor;

/**
 * Any Panamax optimizer as a Tribuo {@link StochasticGradientOptimiser}: Tribuo's linear models,
 * factorization machines and CRFs (the trainers that take a {@code StochasticGradientOptimiser})
 * train with Keras's exact Adam, AdamW, RMSprop, Adagrad, Nadam, Lion, ... and Panamax's Vector
 * API kernels.
 *
 * <pre>{@code
 * StochasticGradientOptimiser adam = PanamaxOptimiser.of(Adam.builder().learningRate(0.001));
 * var trainer = new LinearSGDTrainer(new LogMulticlass(), adam, 5, 1000, 1, 42L);
 * }</pre>
 *
 * <h2>Tribuo's contract, and how it is met</h2>
 * {@code AbstractSGDTrainer} copies the optimiser ({@link #copy()}), calls {@link #initialise} with
 * the model's {@link Parameters}, then for each example (or minibatch) calls
 * {@code parameters.update(step(gradients, weight))}, then {@link #finalise()} and {@link #reset()}.
 * The gradients it passes are those of the log-likelihood, the direction that <em>lowers</em> the
 * loss (for {@code LogMulticlass}, {@code onehot - softmax}), and {@code parameters.update} adds what
 * {@code step} returns. {@code weight} is the example's weight (a minibatch's mean weight); Tribuo's
 * {@code SGD} and {@code AdaGrad} scale the gradient by it, its {@code Adam} ignores it. Here the
 * optimizer gets {@code -weight * gradient}, the gradient of the weighted loss, as Keras would (with
 * weight 1, an exact negation). In minibatch mode Tribuo passes the sum of the examples' gradients
 * times the minibatch size ({@code AbstractSGDTrainer}); both Tribuo's optimisers and this one take
 * that as it comes.
 *
 * <h2>No copies where Tribuo's types allow it</h2>
 * A {@code DenseVector} parameter is one Panamax variable over its own {@code double[]}
 * ({@code Tensor.wrap}); a {@code DenseMatrix} is one variable per row array, when the optimizer
 * treats elements independently (Keras's element-wise optimizers without {@code clipnorm}, see
 * {@link #withWholeMatrices}). The kernels then write Tribuo's parameters in place, the slots live in
 * Java arrays beside them, and {@code step} returns empty sparse tensors, which Tribuo adds at the
 * cost of a loop over the rows. One pass remains per step: Tribuo's gradient has the opposite sign,
 * so a dense gradient is multiplied by {@code -weight} in its own arrays (Tribuo's optimisers
 * overwrite their gradients too), which the kernels then read; a sparse one is written dense into a
 * buffer. Everything else goes through a copy of the parameter ({@code CopiedParameter}): a
 * matrix for an optimizer that needs it whole (Lamb, Adafactor, Muon, {@code clipnorm}, user
 * optimizers), tensors of other classes (a {@code ShrinkingMatrix}),
 * {@link #withReturnUpdates returnUpdates} (for Tribuo's {@code ParameterAveraging}, which reads what
 * {@code step} returns), and a JVM where Tribuo's arrays cannot be read ({@code TribuoArrays}).
 *
 * <h2>Sparse gradients</h2>
 * Linear models and factorization machines give {@code DenseSparseMatrix} (rows of
 * {@code SparseVector}) gradients for examples with absent features, as MNIST's zero pixels are in
 * Tribuo. They are written dense (zeros, then the stored elements), and the optimizer takes Keras's
 * dense step: for plain SGD and Adagrad the zeros change nothing, as in Tribuo's own optimisers; Adam's
 * moments decay everywhere, as in Keras's (and TF's sparse) Adam.
 *
 * <h2>Configuration and provenance</h2>
 * The optimizer is recorded as Keras writes it ({@link Optimizers#toJson}, e.g.
 * {@code {"class_name": "Adam", "config": {...}}}) in the {@code optimizer} field of Tribuo's
 * configuration system (OLCUT), with {@code threads}, {@code wholeMatrices} and
 * {@code returnUpdates}: a trained model's provenance names the exact optimizer, and OLCUT can make
 * this optimiser again from it or from a configuration file. An optimiser made from a builder or a
 * factory makes each run's optimizer with it ({@link #copy()} keeps it), so options that Keras's
 * config does not hold (kernels, threads, gradient transformers, a {@code DoubleSupplier} learning
 * rate, which the config records as its current value) are kept; its config must still be writable,
 * for the provenance.
 *
 * <p>Thread safety: a Tribuo optimiser serves one training run at a time (trainers use copies).
 * The methods here are synchronized.
 */
public final class PanamaxOptimiser implements StochasticGradientOptimiser {

    @Config(mandatory = true, description = "The Panamax optimizer as Keras serializes it, "
            + "{\"class_name\": \"Adam\", \"config\": {...}} (Panamax's Optimizers.toJson; Keras 3's form too).")
    private String optimizer;

    @Config(description = "Threads that share the update of a large tensor; 0 keeps the optimizer's own "
            + "(Panamax's default: every core). Results do not depend on it.")
    private int threads = 0;

    @Config(description = "Make every DenseMatrix parameter one Panamax variable (through a copy), even where the "
            + "optimizer's step allows updating its rows in place. For gradient transformers that read whole variables.")
    private boolean wholeMatrices = false;

    @Config(description = "Return the update for Tribuo to add, instead of writing the parameters in place and "
            + "returning empty updates: for wrappers that read step's result, such as ParameterAveraging.")
    private boolean returnUpdates = false;

    /** Makes each run's optimizer; from {@link #optimizer} when OLCUT made this object. */
    private Supplier<? extends Optimizer> factory;
    private TrainingState state;

    /** For OLCUT, which sets the fields and calls {@link #postConfig()}. */
    private PanamaxOptimiser() {
    }

    private PanamaxOptimiser(Supplier<? extends Optimizer> factory, String json, int threads, boolean wholeMatrices,
                             boolean returnUpdates) {
        this.factory = factory;
        this.optimizer = json;
        this.threads = threads;
        this.wholeMatrices = wholeMatrices;
        this.returnUpdates = returnUpdates;
        checkThreads();
    }

    // ---- making one --------------------------------------------------------------------------------

    /**
     * The optimizer {@code builder} builds, a new one for each training run.
     *
     * @param builder kept and built again for each run (and each {@link #copy()}); do not change it afterwards
     * @throws IllegalArgumentException when the optimizer's Keras config cannot be written (a lambda learning rate)
     */
    public static PanamaxOptimiser of(Optimizer.Builder<?> builder) {
        Objects.requireNonNull(builder, "builder");
        return of(builder::build);
    }

    /**
     * The optimizers {@code factory} makes, a new one for each training run.
     *
     * @param factory must return a new, unused optimizer on every call
     * @throws IllegalArgumentException when it returns the same optimizer twice, or one whose Keras
     *                                  config cannot be written
     */
    public static PanamaxOptimiser of(Supplier<? extends Optimizer> factory) {
        Objects.requireNonNull(factory, "factory");
        try (Optimizer first = Objects.requireNonNull(factory.get(), "the optimizer factory returned null");
             Optimizer second = factory.get()) {
            if (first == second) {
                throw new IllegalArgumentException("The optimizer factory returned the same " + first.getClass().getSimpleName()
                        + " twice: it must make a new optimizer on every call (each training run has its own state)");
            }
            return new PanamaxOptimiser(factory, configOf(first), 0, false, false);
        }
    }

    /**
     * Keras's {@code keras.optimizers.get(name)}: {@code "adam"}, {@code "Adagrad"}, ... with its Keras defaults.
     *
     * @throws IllegalArgumentException {@code Could not interpret optimizer identifier: <name>} for an unknown name
     */
    public static PanamaxOptimiser named(String name) {
        Objects.requireNonNull(name, "name");
        try (Optimizer prototype = Optimizers.get(name)) {
            String json = configOf(prototype);
            return new PanamaxOptimiser(() -> Optimizers.fromJson(json), json, 0, false, false);
        }
    }

    /**
     * A serialized optimizer, as Keras writes it ({@code {"class_name": "Adam", "config": {...}}},
     * TF2's or Keras 3's form).
     *
     * @throws IllegalArgumentException when Panamax cannot read it (the message says where and why)
     */
    public static PanamaxOptimiser fromJson(String json) {
        Objects.requireNonNull(json, "json");
        Optimizers.fromJson(json).close(); // every error now, not at the first training run
        return new PanamaxOptimiser(() -> Optimizers.fromJson(json), json, 0, false, false);
    }

    /** This optimiser with its optimizer's update loops on {@code threads} threads (0: the optimizer's own). Results do not change. */
    public PanamaxOptimiser withThreads(int threads) {
        return new PanamaxOptimiser(factory, optimizer, threads, wholeMatrices, returnUpdates);
    }

    /**
     * This optimiser with every {@code DenseMatrix} parameter one variable of shape {@code [rows, cols]},
     * stepped through a copy, even for element-wise optimizers, whose rows are otherwise updated in
     * place. Only a gradient transformer that reads whole variables needs it: the optimizers whose
     * step depends on a whole variable (Lamb, Adafactor, Muon, {@code clipnorm}, user optimizers) get
     * whole matrices anyway.
     */
    public PanamaxOptimiser withWholeMatrices(boolean wholeMatrices) {
        return new PanamaxOptimiser(factory, optimizer, threads, wholeMatrices, returnUpdates);
    }

    /**
     * This optimiser returning from {@code step} the update for Tribuo to add ({@code new - old}
     * values, exact for steps small against the values, else within a rounding), instead of writing
     * the parameters in place and returning empty updates. For code that reads step's result rather
     * than only adding it, such as Tribuo's {@code ParameterAveraging}; costs copies of every
     * parameter per step.
     */
    public PanamaxOptimiser withReturnUpdates(boolean returnUpdates) {
        return new PanamaxOptimiser(factory, optimizer, threads, wholeMatrices, returnUpdates);
    }

    /** OLCUT: checks the fields it set and makes the optimizer factory from {@code optimizer}. */
    @Override
    public void postConfig() {
        if (optimizer == null) {
            throw new PropertyException("", "optimizer", "PanamaxOptimiser needs the optimizer's Keras JSON in 'optimizer'");
        }
        try {
            Optimizers.fromJson(optimizer).close();
            checkThreads();
        } catch (IllegalArgumentException e) {
            throw new PropertyException(e, "", "optimizer", "PanamaxOptimiser cannot use its configuration: " + e.getMessage());
        }
        String json = optimizer;
        factory = () -> Optimizers.fromJson(json);
    }

    // ---- Tribuo's contract -------------------------------------------------------------------------

    /**
     * Makes this run's optimizer and builds it with the tensors {@code parameters.get()} returns now
     * (slots made now; a later {@code Parameters.set} is not seen, as by Tribuo's own optimisers,
     * which size their state here). A run already under way is dropped first.
     *
     * @throws IllegalArgumentException when a parameter is neither a Tribuo {@code Matrix} nor an {@code SGDVector}
     */
    @Override
    public synchronized void initialise(Parameters parameters) {
        reset();
        Optimizer made = Objects.requireNonNull(factory.get(), "the optimizer factory returned null");
        if (threads > 0) {
            made.setThreads(threads);
        }
        state = TrainingState.start(made, parameters, wholeMatrices, returnUpdates);
    }

    /**
     * One optimizer step on the parameters given to {@link #initialise}.
     *
     * @param updates Tribuo's gradients, one per parameter, in the direction that lowers the loss
     *                (dense or sparse). A dense one ({@code DenseMatrix}, {@code DenseVector}) may be
     *                overwritten, as Tribuo's optimisers overwrite theirs: with {@code -weight} times
     *                itself, or, with {@link #withReturnUpdates returnUpdates}, with its parameter's
     *                update, and returned.
     * @param weight  the example weight; the gradient stepped is {@code -weight * updates}
     * @return what {@code Parameters.update} should add: empty sparse tensors for parameters updated in
     *         place, the update itself for the others
     * @throws IllegalStateException    before {@code initialise} or after {@code reset}
     * @throws IllegalArgumentException when the gradients do not match the parameters (count, kind,
     *                                  shape) or the weight is not finite; nothing is written then
     */
    @Override
    public synchronized Tensor[] step(Tensor[] updates, double weight) {
        if (state == null) {
            throw new IllegalStateException("PanamaxOptimiser.step was called before initialise(Parameters) (or after reset()): "
                    + "Tribuo's order is initialise, step..., finalise, reset");
        }
        return state.step(updates, weight);
    }

    /** Keras's {@code finalize_variable_values}: with {@code use_ema}, the parameters take their moving averages. */
    @Override
    public synchronized void finalise() {
        if (state != null) {
            state.finalise();
        }
    }

    /** Drops this run's optimizer and slots; the next {@link #initialise} starts afresh. */
    @Override
    public synchronized void reset() {
        if (state != null) {
            state.close();
            state = null;
        }
    }

    /** The same configuration (and factory), without this one's state. */
    @Override
    public synchronized PanamaxOptimiser copy() {
        return new PanamaxOptimiser(factory, optimizer, threads, wholeMatrices, returnUpdates);
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
    }

    // ---- what it is ----------------------------------------------------------------------------------

    /** The optimizer's Keras JSON, as recorded in the provenance. */
    public String getOptimizerJson() {
        return optimizer;
    }

    public int getThreads() {
        return threads;
    }

    public boolean usesWholeMatrices() {
        return wholeMatrices;
    }

    public boolean returnsUpdates() {
        return returnUpdates;
    }

    /** The optimizer of the run under way, or null between runs. For inspection (iterations, slots); do not step it. */
    public synchronized Optimizer currentOptimizer() {
        return state == null ? null : state.optimizer();
    }

    /** Package-private: the run's state, for tests. */
    synchronized TrainingState state() {
        return state;
    }

    @Override
    public String toString() {
        return "PanamaxOptimiser(optimizer=" + optimizer + ",threads=" + threads + ",wholeMatrices=" + wholeMatrices
                + ",returnUpdates=" + returnUpdates + ")";
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private void checkThreads() {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (the optimizer's own) or more, got " + threads);
        }
    }

    /** {@code optimizer}'s Keras JSON, or a message that says why a PanamaxOptimiser needs it. */
    private static String configOf(Optimizer optimizer) {
        try {
            return Optimizers.toJson(optimizer);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("PanamaxOptimiser records the optimizer's Keras config in Tribuo's provenance, and "
                    + optimizer.getClass().getSimpleName() + "'s cannot be written (" + e.getMessage() + "); use a built-in "
                    + "LearningRateSchedule rather than a lambda", e);
        }
    }
}
