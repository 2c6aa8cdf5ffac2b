package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The one order in which every backend adds a sum of squares (see
 * {@link OptimizerKernels#sumOfSquares}): chunks of {@link ChunkedExecutor#CHUNK} elements added in
 * order; in a chunk, {@link #BLOCK} double accumulators over whole blocks, combined by the fixed
 * tree of {@link #combine}, plus the tail's own sum. This is the reference; the SIMD and OpenCL
 * kernels reproduce it bit for bit, and the fused kernels that return a sum of squares
 * (Lamb's and Adafactor's) add their terms in the same order through {@link Blocked}.
 */
public final class ScalarSums {

    /**
     * Accumulators per chunk, one per element of a block. Vectors of 128, 256 and 512 bits hold 4,
     * 8 and 16 floats (2, 4 and 8 doubles); every one of those widths divides 16, so a vector lane
     * always feeds the same accumulator and a SIMD loop adds the same numbers in the same order
     * as this scalar one, whatever the machine's width.
     */
    public static final int BLOCK = 16;

    private ScalarSums() {
    }

    /** The sum of {@code x * x} over {@code [from, to)} in the reference order. Not modified: x. */
    public static double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        double total = 0;
        for (long a = from; a < to; a += ChunkedExecutor.CHUNK) {
            long b = Math.min(to, a + ChunkedExecutor.CHUNK);
            total += dtype == DType.FLOAT32 ? chunkFloat(x, a, b) : chunkDouble(x, a, b);
        }
        return total;
    }

    /**
     * The sum of {@code chunk} over the chunks of {@code [from, to)}, in chunk order, starting
     * from zero: what {@link ChunkedExecutor#sum} adds when a whole tensor is split across threads,
     * so that one call over a long range equals the chunked calls.
     */
    public static double inChunks(long from, long to, ChunkedExecutor.RangeSum chunk) {
        double total = 0;
        for (long a = from; a < to; a += ChunkedExecutor.CHUNK) {
            total += chunk.sum(a, Math.min(to, a + ChunkedExecutor.CHUNK));
        }
        return total;
    }

    /** The end of the whole blocks of {@code [from, to)}: the tail {@code [blocksEnd, to)} has fewer than {@link #BLOCK} elements. */
    public static long blocksEnd(long from, long to) {
        return from + ((to - from) & -BLOCK);
    }

    /**
     * The accumulators added in a fixed tree, halving: {@code acc[j] + acc[j + 8]} for {@code j < 8},
     * then {@code + [j + 4]}, {@code + [j + 2]}, and the last two. Not modified: acc.
     */
    public static double combine(double[] acc) {
        double s0 = (acc[0] + acc[8]) + (acc[4] + acc[12]);
        double s1 = (acc[1] + acc[9]) + (acc[5] + acc[13]);
        double s2 = (acc[2] + acc[10]) + (acc[6] + acc[14]);
        double s3 = (acc[3] + acc[11]) + (acc[7] + acc[15]);
        return (s0 + s2) + (s1 + s3);
    }

    /** Adds the squares of the whole blocks {@code [from, blocksEnd)} of float32 x to {@code acc}. Modified: acc. */
    public static void addBlocksFloat(MemorySegment x, long from, long blocksEnd, double[] acc) {
        for (long i = from; i < blocksEnd; i += BLOCK) {
            for (int j = 0; j < BLOCK; j++) {
                double xi = x.getAtIndex(F, i + j);
                acc[j] += xi * xi;
            }
        }
    }

    /** The same for float64 x. Modified: acc. */
    public static void addBlocksDouble(MemorySegment x, long from, long blocksEnd, double[] acc) {
        for (long i = from; i < blocksEnd; i += BLOCK) {
            for (int j = 0; j < BLOCK; j++) {
                double xi = x.getAtIndex(D, i + j);
                acc[j] += xi * xi;
            }
        }
    }

    /** The tail's sum: {@code 0 + x[from]^2 + x[from + 1]^2 + ...} in order, in double. */
    public static double tail(DType dtype, MemorySegment x, long from, long to) {
        double sum = 0;
        for (long i = from; i < to; i++) {
            double xi = dtype == DType.FLOAT32 ? x.getAtIndex(F, i) : x.getAtIndex(D, i);
            sum += xi * xi;
        }
        return sum;
    }

    private static double chunkFloat(MemorySegment x, long from, long to) {
        double[] acc = new double[BLOCK];
        long end = blocksEnd(from, to);
        addBlocksFloat(x, from, end, acc);
        return combine(acc) + tail(DType.FLOAT32, x, end, to);
    }

    private static double chunkDouble(MemorySegment x, long from, long to) {
        double[] acc = new double[BLOCK];
        long end = blocksEnd(from, to);
        addBlocksDouble(x, from, end, acc);
        return combine(acc) + tail(DType.FLOAT64, x, end, to);
    }

    /**
     * The sum of one chunk built term by term, for the fused kernels that compute each term on the
     * way (Lamb's update, Adafactor's): {@code add(i, t)} for every element i of the chunk in
     * increasing order, then {@link #sum}. Element i goes to accumulator {@code (i - from) % 16}
     * inside the whole blocks and to the tail's sum after them, exactly as {@link #sumOfSquares}.
     */
    public static final class Blocked {

        private final double[] acc = new double[BLOCK];
        private final long from;
        private final long blocksEnd;
        private double tail;

        /** For the chunk {@code [from, to)}. */
        public Blocked(long from, long to) {
            this.from = from;
            this.blocksEnd = blocksEnd(from, to);
        }

        /** Adds {@code term * term} (in double) as element {@code i}'s square. */
        public void add(long i, double term) {
            double square = term * term;
            if (i < blocksEnd) {
                acc[(int) ((i - from) & (BLOCK - 1))] += square;
            } else {
                tail += square;
            }
        }

        /** {@code combine(accumulators) + tail}. */
        public double sum() {
            return combine(acc) + tail;
        }
    }
}
