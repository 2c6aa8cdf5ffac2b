package dev.panamax.simd;

import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.kernels.ScalarSums;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import jdk.incubator.vector.VectorShape;

/**
 * Run in a fresh JVM by {@link JitStateTest}: prints the bits of every sum at its first call
 * (interpreted, the Vector API in its Java fallback), then again after {@code warmCalls} calls
 * of each (C2-compiled, the intrinsics). Arguments: the seed and the number of warm calls.
 */
public final class ColdAndWarmSums {

    private ColdAndWarmSums() {
    }

    /** One sum over fixed data; {@code run} restores any input the kernel writes, so every call sees the same data. */
    record Case(String name, ToDoubleFunction<OptimizerKernels> simd, ToDoubleFunction<OptimizerKernels> reference) {
    }

    public static void main(String[] args) {
        long seed = Long.parseLong(args[0]);
        int warmCalls = Integer.parseInt(args[1]);
        List<Case> cases = cases(Arena.ofAuto(), seed);
        OptimizerKernels simd = new SimdKernels();
        for (Case c : cases) {
            System.out.println("cold " + c.name() + " " + Long.toHexString(Double.doubleToLongBits(c.simd().applyAsDouble(simd))));
        }
        for (int k = 0; k < warmCalls; k++) {
            for (Case c : cases) {
                c.simd().applyAsDouble(simd);
            }
        }
        for (Case c : cases) {
            System.out.println("warm " + c.name() + " " + Long.toHexString(Double.doubleToLongBits(c.simd().applyAsDouble(simd))));
        }
    }

    /** The sums: sumOfSquares at every width the machine has, and the fused kernels' sums at its preferred width. */
    static List<Case> cases(Arena arena, long seed) {
        List<Case> cases = new ArrayList<>();
        long n = 1007;
        long from = 3;
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            MemorySegment x = SumData.offHeap(arena, dtype, from + n, SumData.Values.SPREAD, seed);
            for (int bits = 128; bits <= VectorShape.preferredShape().vectorBitSize(); bits *= 2) {
                int width = bits;
                cases.add(new Case("sumOfSquares-" + dtype.kerasName() + "-" + bits,
                        k -> SimdSums.sumOfSquares(SumData.species(width), dtype, x, from, from + n),
                        k -> ScalarSums.sumOfSquares(dtype, x, from, from + n)));
            }
            MemorySegment grad = SumData.offHeap(arena, dtype, from + n, SumData.Values.SPREAD, seed + 1);
            MemorySegment m0 = SumData.offHeap(arena, dtype, from + n, SumData.Values.SPREAD, seed + 2);
            MemorySegment v0 = SumData.offHeap(arena, dtype, from + n, SumData.Values.SPREAD, seed + 3);
            for (long i = 0; i < from + n; i++) {
                dtype.set(v0, i, Math.abs(dtype.get(v0, i)));
            }
            MemorySegment m = arena.allocate(m0.byteSize(), 64);
            MemorySegment v = arena.allocate(v0.byteSize(), 64);
            LambCoefficients lamb = new LambCoefficients(0.1, 0.001, dtype.round(0.3), dtype.round(0.02), dtype.round(1e-6));
            ToDoubleFunction<OptimizerKernels> lambSum = k -> {
                m.copyFrom(m0);
                v.copyFrom(v0);
                return k.lambMoments(dtype, m, v, grad, from, from + n, lamb);
            };
            cases.add(new Case("lambMoments-" + dtype.kerasName(), lambSum, lambSum));
            ToDoubleFunction<OptimizerKernels> velocity = k -> {
                v.copyFrom(v0);
                return k.adafactorVelocity(dtype, v, grad, from, from + n, dtype.round(0.9), dtype.round(0.1), dtype.round(1e-30));
            };
            cases.add(new Case("adafactorVelocity-" + dtype.kerasName(), velocity, velocity));
            // 19 x 53 matrices: rows that start anywhere in a block; row factors and c are v0's positive values.
            ToDoubleFunction<OptimizerKernels> factored = k -> {
                v.copyFrom(v0);
                return k.adafactorFactoredVelocity(dtype, v, grad, v0, v0.asSlice(200 * dtype.byteSize()), 19, 53, from, from + n);
            };
            cases.add(new Case("adafactorFactoredVelocity-" + dtype.kerasName(), factored, factored));
        }
        return cases;
    }

    /** The reference kernels, for the parent's expected values. */
    static OptimizerKernels reference() {
        return new ScalarKernels();
    }
}
