package dev.panamax.simd.heap;

import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.ScalarSums;
import dev.panamax.simd.SumData;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java-array copy of the SIMD sum (built from the same source against array loads) equals
 * the reference bit for bit at every width, on segments of float[] and double[].
 */
class HeapSimdSumsTest {

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void everyWidthAddsInTheReferenceOrderOnArrays(int bits) {
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            for (SumData.Values kind : SumData.Values.values()) {
                for (long n : SumData.SIZES) {
                    long seed = SumData.SEED + 17 * n;
                    MemorySegment x = SumData.onArray(dtype, n + 5, kind, seed);
                    String diff = SumData.compare(ScalarSums.sumOfSquares(dtype, x, 5, n + 5),
                            SimdSums.sumOfSquares(SumData.species(bits), dtype, x, 5, n + 5));
                    if (diff != null) {
                        fail(bits + "-bit " + dtype + " " + kind + " n=" + n + " on an array: " + diff + " (seed " + seed
                                + ", base -Dpanamax.test.seed=" + SumData.SEED + ")");
                    }
                }
            }
        }
    }
}
