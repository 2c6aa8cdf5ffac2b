package dev.panamax.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.ScalarSums;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SIMD sum of squares equals {@link ScalarSums} bit for bit at every vector width a machine
 * may prefer (128, 256 and 512 bits; a width this machine lacks runs the Vector API's Java
 * fallback, slower and still exact), at every length and offset, for every kind of value.
 */
class SimdSumsTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int bits : new int[] {128, 256, 512}) {
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                for (SumData.Values kind : SumData.Values.values()) {
                    out.add(Arguments.of(bits, dtype, kind));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} bits {1} {2}")
    @MethodSource("cases")
    void everyWidthAddsInTheReferenceOrder(int bits, DType dtype, SumData.Values kind) {
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SumData.SIZES) {
                for (long offset : new long[] {0, 1, 7}) {
                    long seed = SumData.SEED + 31 * n + offset;
                    MemorySegment x = SumData.offHeap(arena, dtype, offset + n, kind, seed);
                    String diff = SumData.compare(ScalarSums.sumOfSquares(dtype, x, offset, offset + n),
                            SimdSums.sumOfSquares(SumData.species(bits), dtype, x, offset, offset + n));
                    if (diff != null) {
                        fail(bits + "-bit " + dtype + " " + kind + " n=" + n + " offset=" + offset + ": " + diff + " (seed "
                                + seed + ", base -Dpanamax.test.seed=" + SumData.SEED + ")");
                    }
                }
            }
        }
    }

    @Test
    void thePreferredWidthIsOneOfTheTestedOnes() {
        // The kernels would still be exact at another width (they fall back to the scalar blocks), only slower.
        assertEquals(true, List.of(128, 256, 512).contains(FloatVector.SPECIES_PREFERRED.vectorBitSize()),
                "preferred species " + FloatVector.SPECIES_PREFERRED);
    }
}
