package dev.panamax.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The spans {@link SimdKernels} cuts a range into, so that every loop counter fits an int. */
class SpansTest {

    @Test
    void spansCoverARangeContiguouslyAndNoneIsLongerThanTheMaximum() {
        for (long[] range : new long[][] {{0, 0}, {0, 1}, {5, SimdLanes.MAX_SPAN + 5}, {3, SimdLanes.MAX_SPAN + 4},
                {7, 5 * SimdLanes.MAX_SPAN + 11}, {Integer.MAX_VALUE, 3L * Integer.MAX_VALUE}}) {
            long from = range[0];
            long to = range[1];
            long covered = from;
            int spans = 0;
            for (long f = from; f < to; f = SimdLanes.spanEnd(f, to)) {
                assertEquals(covered, f, "spans are contiguous");
                long end = SimdLanes.spanEnd(f, to);
                assertTrue(end > f && end - f <= SimdLanes.MAX_SPAN, "span [" + f + ", " + end + ")");
                assertEquals(end - f, SimdLanes.span(f, end));
                covered = end;
                spans++;
            }
            assertEquals(to, covered);
            assertEquals((to - from + SimdLanes.MAX_SPAN - 1) / SimdLanes.MAX_SPAN, spans);
        }
    }

    @Test
    void theMaximumSpanIsAWholeNumberOfVectorsAndFitsAnInt() {
        assertEquals(0, SimdLanes.MAX_SPAN % FloatVector.SPECIES_MAX.length());
        assertEquals(0, SimdLanes.MAX_SPAN % DoubleVector.SPECIES_MAX.length());
        assertTrue(SimdLanes.MAX_SPAN <= Integer.MAX_VALUE);
        assertThrows(ArithmeticException.class, () -> SimdLanes.span(0, 1L << 31), "a longer range is a bug of the caller");
    }
}
