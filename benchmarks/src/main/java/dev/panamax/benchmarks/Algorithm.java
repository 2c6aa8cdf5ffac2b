package dev.panamax.benchmarks;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.optimizers.Adadelta;
import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.AdamW;
import dev.panamax.optimizers.Adamax;
import dev.panamax.optimizers.Ftrl;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.ScheduleFreeAdamW;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Every optimizer kernel as a benchmark workload: how many arrays it reads and writes (its
 * memory traffic per element), one call of it over a range with typical per-step scalars, and the
 * optimizer whose {@code applyGradients} runs it (the product path). Array 0 is the variable, the
 * last array the gradient, the others slots. The traffic is the least any fused implementation
 * must move, so an algorithm that made more than one pass would show it.
 */
public enum Algorithm {
    SGD(2, 1) {
        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.gradientDescent(t, s[0], s[1], from, to, t.round(0.01));
        }

        @Override
        Optimizer optimizer(int threads) {
            return dev.panamax.optimizers.SGD.builder().learningRate(0.01).threads(threads).build();
        }
    },
    MOMENTUM(3, 2) {
        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.kerasMomentum(t, s[0], s[1], s[2], from, to, t.round(0.01), t.round(0.9), false);
        }

        @Override
        Optimizer optimizer(int threads) {
            return dev.panamax.optimizers.SGD.builder().learningRate(0.01).momentum(0.9).threads(threads).build();
        }
    },
    ADAM(4, 3) {
        private static final AdamCoefficients C = new AdamCoefficients(1e-3, 0.1, 1e-3, 1e-7);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.adam(t, s[0], s[1], s[2], s[3], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return Adam.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    RMSPROP(3, 2) {
        private static final RmspropCoefficients C = new RmspropCoefficients(1e-3, 0.9, 0.1, 0, 1e-7, false);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.rmsprop(t, s[0], s[1], null, null, s[2], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return RMSprop.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    ADAGRAD(3, 2) {
        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.adagrad(t, s[0], s[1], s[2], from, to, t.round(1e-3), t.round(1e-7), false);
        }

        @Override
        Optimizer optimizer(int threads) {
            return Adagrad.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    ADADELTA(4, 3) {
        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.adadelta(t, s[0], s[1], s[2], s[3], from, to, t.round(1e-3), t.round(0.95), t.round(0.05), t.round(1e-7));
        }

        @Override
        Optimizer optimizer(int threads) {
            return Adadelta.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    ADAMAX(4, 3) {
        private static final AdamaxCoefficients C = new AdamaxCoefficients(1e-2, 0.1, 0.999, 1e-7);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.adamax(t, s[0], s[1], s[2], s[3], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return Adamax.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    NADAM(4, 3) {
        private static final NadamCoefficients C = new NadamCoefficients(1e-3, 0.9, 0.1, 0.999, 1e-3, 0.55, 0.45, 0.6, 0.8,
                0.01, 1e-7);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.nadam(t, s[0], s[1], s[2], s[3], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return Nadam.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    FTRL(4, 3) {
        private static final FtrlCoefficients C = new FtrlCoefficients(1e-3, 1e-3, 2e-3, 0, -0.5);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.ftrl(t, s[0], s[1], s[2], s[3], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return Ftrl.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    /** Keras 3's AdamW: Adam's kernel with the weight decay done on the variable it has loaded (Keras runs two passes). */
    ADAMW(4, 3) {
        private static final AdamCoefficients C = new AdamCoefficients(1e-3, 0.1, 1e-3, 1e-7).withWeightDecay(0.004, 1e-3);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.adam(t, s[0], s[1], s[2], s[3], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return AdamW.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    LION(3, 2) {
        private static final LionCoefficients C = new LionCoefficients(1e-3, 0.9, 0.1, 0.99, 0.01);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.lion(t, s[0], s[1], s[2], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return Lion.builder().learningRate(1e-3).threads(threads).build();
        }
    },
    SCHEDULE_FREE(4, 3) {
        private static final ScheduleFreeCoefficients C = new ScheduleFreeCoefficients(1e-3, 0.1, 0.9, 1e-3, 0.5, 1e-7, 0.5, 0.5);

        @Override
        void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to) {
            k.scheduleFreeAdamw(t, s[0], s[1], s[2], s[3], from, to, C);
        }

        @Override
        Optimizer optimizer(int threads) {
            return ScheduleFreeAdamW.builder().learningRate(1e-3).threads(threads).build();
        }
    };

    /** Arrays read per element (variable, slots, gradient). */
    final int reads;
    /** Arrays written per element (variable and slots). */
    final int writes;

    Algorithm(int reads, int writes) {
        this.reads = reads;
        this.writes = writes;
    }

    /** Bytes moved per element: every read and write once. */
    long bytesPerElement(DType t) {
        return (long) (reads + writes) * t.byteSize();
    }

    /**
     * {@code reads} off-heap arrays of {@code n} elements, 64-byte aligned as {@code Tensor.zeros}
     * places them, filled with small positive values that keep every kernel on its ordinary (not
     * NaN or subnormal) path: 0.5 for the variable and slots, 1e-3 for the gradient.
     */
    MemorySegment[] allocate(Arena arena, DType t, long n) {
        MemorySegment[] arrays = new MemorySegment[reads];
        for (int a = 0; a < arrays.length; a++) {
            arrays[a] = arena.allocate(n * t.byteSize(), 64);
            double value = a == arrays.length - 1 ? 1e-3 : 0.5;
            for (long i = 0; i < n; i++) {
                t.set(arrays[a], i, value);
            }
        }
        return arrays;
    }

    /** The optimizer whose {@code applyGradients} runs this kernel on {@code threads} threads. */
    abstract Optimizer optimizer(int threads);

    /** One call of the kernel over {@code [from, to)} of the arrays. */
    abstract void run(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to);

    /** The whole step over {@code n} elements, chunked across the executor's threads. */
    void step(OptimizerKernels k, DType t, MemorySegment[] s, long n, ChunkedExecutor executor) {
        executor.forEach(n, (from, to) -> run(k, t, s, from, to));
    }
}
