package dev.panamax.distributed;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.Adadelta;
import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.AdamW;
import dev.panamax.optimizers.Adamax;
import dev.panamax.optimizers.Ftrl;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.SGD;
import dev.panamax.optimizers.step.ApplyConstraints;
import dev.panamax.optimizers.step.ClipByGlobalNorm;
import dev.panamax.optimizers.step.ClipByNorm;
import dev.panamax.optimizers.step.ClipByValue;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Data-parallel training with the optimizer's state sharded across the ranks (ZeRO stage 1, as
 * PyTorch's {@code ZeroRedundancyOptimizer}): each rank keeps the slots of its {@link Shards shard}
 * of every variable only, so the slots' memory per rank falls by the rank count. A step is a
 * pipeline of collective stages around an ordinary optimizer that runs on this rank's shards:
 * <ol>
 *   <li>reduce-scatter: each rank's shard of each gradient becomes the sum of the ranks' gradients,
 *       added in rank order;
 *   <li>clipping, in TF2's order (value, norm, global norm), on the shards; a norm is put together
 *       from every shard's per-chunk sums of squares, added in chunk order as one process adds them;
 *   <li>the wrapped optimizer's update of this rank's shards (its slots are shard-sized);
 *   <li>all-gather: every rank gets every shard of the updated variables, then applies their
 *       constraints.
 * </ol>
 * Every rank ends each step with the bits of one process that adds the ranks' gradients in rank
 * order and steps the same optimizer on the whole variables. The ranks must start from the same
 * weights ({@link Collective#broadcast} them from rank 0), give every variable a dense gradient in
 * the same order every step, and scale their losses by one over the global batch size.
 *
 * <pre>{@code
 * try (var zero = ZeroRedundancyOptimizer.builder(collective, Adam.builder().learningRate(1e-3).build()).clipnorm(1.0).build()) {
 *     zero.applyGradients(pairs);
 * }
 * }</pre>
 *
 * <p>Only element-wise algorithms shard: a Lamb, Adafactor or Muon update of a variable reads the
 * whole variable (its norms, row and column factors, matrix products). The clipping options belong
 * to this wrapper, not to the wrapped optimizer, whose own clipping would see one shard.
 */
public final class ZeroRedundancyOptimizer implements AutoCloseable {

    /** The algorithms whose update of an element reads only that element of the variable, its slots and its gradient. */
    private static final Set<Class<?>> ELEMENT_WISE = Set.of(SGD.class, Adam.class, AdamW.class, Adamax.class, Nadam.class,
            RMSprop.class, Adagrad.class, Adadelta.class, Ftrl.class, Lion.class);

    private final Collective collective;
    private final Optimizer optimizer;
    private final Double clipvalue;
    private final Double clipnorm;
    private final Double globalClipnorm;
    private final TensorKernelsLookup kernels;
    /** Each variable's shard on this rank, as a variable over a view of its elements; made at the first step. */
    private final Map<Variable, Variable> shards = new IdentityHashMap<>();
    /** The variables of the build (or the first step), in order: every step gives the same ones. */
    private List<Variable> variables;

    private ZeroRedundancyOptimizer(Builder b) {
        this.collective = b.collective;
        this.optimizer = b.optimizer;
        this.clipvalue = b.clipvalue;
        this.clipnorm = b.clipnorm;
        this.globalClipnorm = b.globalClipnorm;
        this.kernels = new TensorKernelsLookup(new HostTensorKernels(KernelProvider.kernels(),
                ChunkedExecutor.shared(optimizer.getThreads())));
    }

    /**
     * A builder for a wrapper of {@code optimizer}, which must be new (never stepped), element-wise,
     * and without clipping options or a gradient aggregator of its own.
     */
    public static Builder builder(Collective collective, Optimizer optimizer) {
        return new Builder(collective, optimizer);
    }

    /** The options of a {@link ZeroRedundancyOptimizer}. */
    public static final class Builder {
        private final Collective collective;
        private final Optimizer optimizer;
        private Double clipvalue;
        private Double clipnorm;
        private Double globalClipnorm;

        private Builder(Collective collective, Optimizer optimizer) {
            this.collective = Objects.requireNonNull(collective, "collective");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        }

        /** TF2's {@code clipvalue}: every summed gradient element clipped to [-clipvalue, clipvalue]. */
        public Builder clipvalue(double clipvalue) {
            this.clipvalue = nonNegative("clipvalue", clipvalue);
            return this;
        }

        /** TF2's {@code clipnorm}: every summed gradient scaled to at most this L2 norm, over all ranks' shards. */
        public Builder clipnorm(double clipnorm) {
            this.clipnorm = nonNegative("clipnorm", clipnorm);
            return this;
        }

        /** TF2's {@code global_clipnorm}: every summed gradient scaled so that their joint L2 norm is at most this. */
        public Builder globalClipnorm(double globalClipnorm) {
            this.globalClipnorm = nonNegative("global_clipnorm", globalClipnorm);
            return this;
        }

        /**
         * The wrapper.
         *
         * @throws IllegalArgumentException when the optimizer has stepped, is not element-wise, has
         *                                  clipping options or a gradient aggregator of its own, or
         *                                  both norms are set
         */
        public ZeroRedundancyOptimizer build() {
            String name = "Optimizer '" + optimizer.getName() + "'";
            if (!ELEMENT_WISE.contains(optimizer.getClass())) {
                throw new IllegalArgumentException(name + " is a " + optimizer.getClass().getSimpleName() + ", whose update of a"
                        + " variable reads the whole variable; ZeroRedundancyOptimizer shards the element-wise algorithms: "
                        + "Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, RMSprop and SGD");
            }
            if (optimizer.getIterations() != 0) {
                throw new IllegalArgumentException(name + " has already taken " + optimizer.getIterations()
                        + " steps; ZeroRedundancyOptimizer needs a new optimizer, whose slots it makes for this rank's shards");
            }
            if (optimizer.getClipnorm() != null || optimizer.getClipvalue() != null || optimizer.getGlobalClipnorm() != null) {
                throw new IllegalArgumentException(name + " has clipping options of its own (clipnorm=" + optimizer.getClipnorm()
                        + ", clipvalue=" + optimizer.getClipvalue() + ", global_clipnorm=" + optimizer.getGlobalClipnorm()
                        + "); it sees one shard of each gradient, so give them to ZeroRedundancyOptimizer.builder instead");
            }
            if (optimizer.getGradientAggregator() != null) {
                throw new IllegalArgumentException(name + " has a gradient aggregator; ZeroRedundancyOptimizer sums the"
                        + " gradients itself (a reduce-scatter), so the wrapped optimizer must not sum them again");
            }
            boolean clips = clipvalue != null || clipnorm != null || globalClipnorm != null;
            if (clips && optimizer.usesKeras3Step()) {
                throw new IllegalArgumentException(name + " takes Keras 3's steps, which clip after accumulating and unscaling"
                        + " the gradients; ZeroRedundancyOptimizer clips in TF2's order, before the update");
            }
            if (clipnorm != null && globalClipnorm != null) {
                throw new IllegalArgumentException("Cannot accept both `clipnorm` and `global_clipnorm`. Received: `clipnorm`="
                        + clipnorm + ", `global_clipnorm`=" + globalClipnorm + ".");
            }
            return new ZeroRedundancyOptimizer(this);
        }

        private static double nonNegative(String name, double value) {
            if (!(value >= 0)) {
                throw new IllegalArgumentException("`" + name + "` must be a non-negative float, got " + value);
            }
            return value;
        }
    }

    /**
     * One data-parallel step, on every rank at once. The gradients are summed in place (each rank's
     * shard of them; the rest keeps this rank's values).
     *
     * @throws IllegalArgumentException before anything is sent, when a gradient is missing, sparse,
     *                                  of another dtype, shape or memory than its variable, or the
     *                                  variables are not those of the build; from the
     *                                  collective, on every rank, when the ranks' gradients disagree
     * @throws CollectiveException      when a rank fails or does not arrive in time
     */
    public synchronized void applyGradients(List<GradientAndVariable> gradientsAndVariables) {
        List<GradientAndVariable> pairs = List.copyOf(Objects.requireNonNull(gradientsAndVariables, "gradientsAndVariables"));
        check(pairs);
        if (variables == null) {
            build(pairs.stream().map(GradientAndVariable::variable).toList());
        }
        for (GradientAndVariable p : pairs) {
            collective.reduceScatterSum((Tensor) p.gradient());
        }
        List<GradientAndVariable> mine = new ArrayList<>();
        for (GradientAndVariable p : pairs) {
            mine.add(new GradientAndVariable(view((Tensor) p.gradient(), shard(p.variable())), shards.get(p.variable())));
        }
        clip(pairs, mine);
        optimizer.applyGradients(mine);
        ApplyConstraints constraints = new ApplyConstraints();
        for (Variable v : variables) {
            collective.allGather(v.value());
            constraints.apply(v);
        }
        constraints.throwIfAnyFailed();
    }

    /**
     * Makes this rank's shard of every variable and the wrapped optimizer's slots for them (Keras's
     * {@code build}); the first step does it with its variables. Call it before
     * {@code shardOptimizer().load(file)} to resume from this rank's checkpoint. Building again with
     * the same variables does nothing.
     *
     * @throws IllegalArgumentException when built with other variables, or a variable is repeated or closed
     */
    public synchronized void build(List<Variable> variables) {
        List<Variable> given = List.copyOf(variables);
        if (this.variables != null) {
            if (!given.equals(this.variables)) {
                throw new IllegalArgumentException("ZeroRedundancyOptimizer on rank " + collective.rank() + " is built with "
                        + this.variables.stream().map(Variable::name).toList() + " and cannot build with "
                        + given.stream().map(Variable::name).toList());
            }
            return;
        }
        Map<Variable, Boolean> seen = new IdentityHashMap<>();
        for (Variable v : given) {
            if (seen.put(v, Boolean.TRUE) != null || !v.value().isAlive() || !v.value().isHost()) {
                throw new IllegalArgumentException("Variable '" + v.name() + "' on rank " + collective.rank() + " is "
                        + (v.value().isAlive() ? v.value().isHost() ? "given twice" : "not a host tensor" : "closed"));
            }
        }
        List<Variable> mine = new ArrayList<>();
        for (Variable v : given) {
            Variable shard = new Variable(v.name(), view(v.value(), shard(v)));
            shards.put(v, shard);
            mine.add(shard);
        }
        optimizer.build(mine);
        this.variables = given;
    }

    /** Every local check, before anything is sent or written. */
    private void check(List<GradientAndVariable> pairs) {
        if (variables != null && (pairs.size() != variables.size() || !sameVariables(pairs))) {
            throw new IllegalArgumentException("Rank " + collective.rank() + " gave variables " + names(pairs)
                    + "; every step of a ZeroRedundancyOptimizer gives the variables of its build (or first step), in"
                    + " their order: "
                    + variables.stream().map(Variable::name).toList());
        }
        Map<Variable, Boolean> seen = new IdentityHashMap<>();
        for (GradientAndVariable p : pairs) {
            Variable v = p.variable();
            Gradient g = p.gradient();
            String where = "Variable '" + v.name() + "' on rank " + collective.rank();
            if (seen.put(v, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(where + " has two gradients in one step; add them into one gradient");
            }
            if (g == null) {
                throw new IllegalArgumentException(where + " has no gradient; in data-parallel training every rank gives every"
                        + " variable a gradient");
            }
            if (g instanceof IndexedSlices) {
                throw new IllegalArgumentException(where + " has a sparse gradient (IndexedSlices); ZeroRedundancyOptimizer sums"
                        + " dense gradients only");
            }
            Tensor t = (Tensor) g;
            if (!v.value().isAlive() || !t.isAlive()) {
                throw new IllegalStateException(where + ": " + (v.value().isAlive() ? "its gradient" : "its value") + " is closed");
            }
            if (!v.value().isHost() || !t.isHost()) {
                throw new IllegalArgumentException(where + ": the variable and its gradient must be host tensors, got devices '"
                        + v.value().storage().device() + "' and '" + t.storage().device() + "'");
            }
            if (v.dtype().isHalf()) {
                // Its shard's stochastic rounding would key on the variable's position in one rank's
                // optimizer, and the all-gather moves the variable's own dtype: not built yet.
                throw new UnsupportedOperationException(where + " is " + v.dtype().kerasName() + ": ZeroRedundancyOptimizer"
                        + " shards float32 and float64 variables (16-bit slots are fine, see slotDtype)");
            }
            if (t.dtype() != v.dtype() || !t.hasSameShape(v.value())) {
                throw new IllegalArgumentException(where + " has a gradient of dtype " + t.dtype().kerasName() + " and shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected " + v.dtype().kerasName() + " and "
                        + java.util.Arrays.toString(v.shape()) + " (the variable's)");
            }
        }
    }

    private boolean sameVariables(List<GradientAndVariable> pairs) {
        for (int i = 0; i < pairs.size(); i++) {
            if (pairs.get(i).variable() != variables.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> names(List<GradientAndVariable> pairs) {
        return pairs.stream().map(p -> p.variable().name()).toList();
    }

    /**
     * TF2's clipping stages, in its order, on this rank's shards ({@code mine}) of the summed
     * gradients ({@code pairs}).
     */
    private void clip(List<GradientAndVariable> pairs, List<GradientAndVariable> mine) {
        if (clipvalue != null) {
            for (GradientAndVariable p : mine) {
                ClipByValue.clip(kernels.of((Tensor) p.gradient()), (Tensor) p.gradient(), clipvalue);
            }
        }
        if (clipnorm == null && globalClipnorm == null) {
            return;
        }
        double[] sums = sumsOfSquares(pairs);
        if (clipnorm != null) {
            for (int i = 0; i < mine.size(); i++) {
                Tensor g = (Tensor) mine.get(i).gradient();
                ClipByNorm.clip(kernels.of(g), g, sums[i], clipnorm);
            }
        } else {
            DType[] dtypes = pairs.stream().map(p -> p.gradient().dtype()).toArray(DType[]::new);
            double scale = ClipByGlobalNorm.scale(dtypes, sums, globalClipnorm, true);
            for (GradientAndVariable p : mine) {
                Tensor g = (Tensor) p.gradient();
                kernels.of(g).scale(g, g.dtype().round(scale));
            }
        }
    }

    /**
     * Each summed gradient's sum of squares, as one process computes it: one partial sum per chunk,
     * added in chunk order. Each rank computes its shard's chunks; one all-reduce of every
     * variable's partials (zero where another rank owns the chunk, so the sum is exact) gives every
     * rank all of them.
     */
    private double[] sumsOfSquares(List<GradientAndVariable> pairs) {
        long[] firstChunk = new long[pairs.size() + 1];
        for (int i = 0; i < pairs.size(); i++) {
            firstChunk[i + 1] = firstChunk[i] + chunks(pairs.get(i).variable().value().size());
        }
        double[] sums = new double[pairs.size()];
        try (Tensor partials = Tensor.zeros(DType.FLOAT64, firstChunk[pairs.size()])) {
            for (int i = 0; i < pairs.size(); i++) {
                Tensor g = (Tensor) pairs.get(i).gradient();
                Shards.Shard s = shard(pairs.get(i).variable());
                for (long from = s.from(); from < s.to(); from += ChunkedExecutor.CHUNK) {
                    Tensor chunk = view(g, new Shards.Shard(from, Math.min(s.to(), from + ChunkedExecutor.CHUNK)));
                    partials.setDouble(firstChunk[i] + from / ChunkedExecutor.CHUNK, kernels.of(chunk).sumOfSquares(chunk));
                }
            }
            collective.allReduceSum(partials);
            for (int i = 0; i < pairs.size(); i++) {
                double total = 0;
                for (long c = firstChunk[i]; c < firstChunk[i + 1]; c++) {
                    total += partials.getDouble(c);
                }
                sums[i] = total;
            }
        }
        return sums;
    }

    private static long chunks(long elements) {
        return (elements + ChunkedExecutor.CHUNK - 1) / ChunkedExecutor.CHUNK;
    }

    /** This rank's shard of {@code variable}'s elements. */
    public Shards.Shard shard(Variable variable) {
        return Shards.of(variable.value().size(), collective.rank(), collective.size());
    }

    /** A one-dimensional tensor over the elements of shard {@code s} of {@code t}, sharing its memory. */
    private static Tensor view(Tensor t, Shards.Shard s) {
        return Slices.view(t, s.from(), s.to());
    }

    /**
     * The slot {@code slotName} of this rank's shard of {@code variable}: the elements
     * {@link #shard shard(variable)} of the slot one process would have (none, where this rank's
     * shard of the variable is empty).
     *
     * @throws IllegalArgumentException when the variable is not one this optimizer was built with
     */
    public synchronized Tensor getSlot(Variable variable, String slotName) {
        Variable mine = shards.get(variable);
        if (mine == null) {
            throw new IllegalArgumentException("Rank " + collective.rank() + " holds no slots of variable '" + variable.name()
                    + "': ZeroRedundancyOptimizer is " + (variables == null ? "not built yet" : "built with "
                    + variables.stream().map(Variable::name).toList()));
        }
        return optimizer.getSlot(mine, slotName);
    }

    /**
     * The optimizer of this rank's shards: its variables are views of this rank's elements of each
     * variable, under the variables' names. Its {@code save} writes this rank's part of the state,
     * and its {@code load}, after {@link #build}, reads it back on a group of the same size.
     */
    public Optimizer shardOptimizer() {
        return optimizer;
    }

    /**
     * Saves the optimizer's state, every rank at once, into {@code directory} (which every rank
     * reaches, and which must exist): each rank's shards in a file of its own, then a manifest
     * ({@code zero-manifest.json}) that names them, written by rank 0 once every file is complete
     * and replaced atomically, so a crash while saving leaves the previous checkpoint whole. The
     * model's variables are not saved.
     *
     * @throws IllegalStateException when the optimizer is not built yet
     * @throws IOException           when a file cannot be written
     */
    public synchronized void save(Path directory) throws IOException {
        if (variables == null) {
            throw new IllegalStateException("ZeroRedundancyOptimizer on rank " + collective.rank() + " is not built yet: nothing"
                    + " to save");
        }
        ShardedCheckpoint.save(directory, collective, optimizer, variables);
    }

    /**
     * Resumes from a checkpoint {@link #save} wrote: builds with {@code variables} (the model's,
     * restored by the caller) and loads this rank's file, after checking the manifest against this
     * group (the same rank count) and the variables (names and shapes, in order).
     *
     * @throws dev.panamax.optimizers.CheckpointException when the manifest or this rank's file does
     *                                                    not fit; the message says what differs
     * @throws IOException                                when a file cannot be read
     */
    public synchronized void load(Path directory, List<Variable> variables) throws IOException {
        build(variables);
        ShardedCheckpoint.load(directory, collective, optimizer, this.variables);
    }

    /** The steps taken (the wrapped optimizer's {@code iterations}, which a checkpoint of it restores). */
    public synchronized long getIterations() {
        return optimizer.getIterations();
    }

    /** Closes the wrapped optimizer (its slots); the collective stays open, as it belongs to the caller. */
    @Override
    public synchronized void close() {
        optimizer.close();
    }
}
