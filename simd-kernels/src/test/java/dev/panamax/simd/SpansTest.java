package dev.panamax.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.kernels.ChunkedExecutor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** How much of a call the vector loops cover: all of it, up to what an int counter reaches. */
class SpansTest {

    @Test
    void aVectorLoopCoversACallUpToTheMostElementsOneCallGets() {
        long max = ChunkedExecutor.MAX_CALL_ELEMENTS;
        assertEquals(0, SimdLanes.span(5, 5));
        assertEquals(12, SimdLanes.span(3, 15));
        assertEquals(max, SimdLanes.span(7, 7 + max));
        assertEquals(max, SimdLanes.span(7, 7 + 3 * max), "the rest is the scalar tail's");
        assertEquals(0, max % FloatVector.SPECIES_MAX.length());
        assertEquals(0, max % DoubleVector.SPECIES_MAX.length());
    }
}
