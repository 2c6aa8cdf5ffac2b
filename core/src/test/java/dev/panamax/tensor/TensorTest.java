package dev.panamax.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TensorTest {

    // ---- construction, shape, size, rank ---------------------------------------------------------------

    @Test
    void zerosIsZeroFilledWithShapeSizeAndRank() {
        for (DType dtype : DType.values()) {
            try (Tensor t = Tensor.zeros(dtype, 2, 3)) {
                assertEquals(dtype, t.dtype());
                assertArrayEquals(new long[] {2, 3}, t.shape());
                assertEquals(2, t.rank());
                assertEquals(6, t.size());
                assertEquals(6L * dtype.byteSize(), t.byteSize());
                assertTrue(t.isHost());
                assertTrue(t.isAlive());
                for (long i = 0; i < t.size(); i++) {
                    assertEquals(0.0, t.getDouble(i), dtype + " element " + i);
                }
            }
        }
    }

    @Test
    void shapeIsDefensivelyCopied() {
        long[] shape = {2, 3};
        try (Tensor t = Tensor.zeros(DType.FLOAT32, shape)) {
            shape[0] = 99;
            assertArrayEquals(new long[] {2, 3}, t.shape());
            t.shape()[1] = 77;
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertTrue(t.hasShape(new long[] {2, 3}));
            assertFalse(t.hasShape(new long[] {3, 2}));
            assertFalse(t.hasShape(new long[] {6}));
        }
    }

    @Test
    void scalarHasEmptyShapeRankZeroAndOneElement() {
        try (Tensor t = Tensor.zeros(DType.FLOAT64)) {
            assertArrayEquals(new long[0], t.shape());
            assertEquals(0, t.rank());
            assertEquals(1, t.size());
            t.setDouble(0, 2.5);
            assertEquals(2.5, t.getDouble(0));
            assertEquals("float64[]", t.describe());
        }
        try (Tensor t = Tensor.of(new float[] {3f}, new long[0])) {
            assertArrayEquals(new long[0], t.shape());
            assertEquals(1, t.size());
            assertEquals(3.0, t.getDouble(0));
        }
    }

    @Test
    void zeroSizedDimensionGivesEmptyTensor() {
        try (Tensor t = Tensor.zeros(DType.FLOAT32, 4, 0)) {
            assertEquals(0, t.size());
            assertEquals(0, t.byteSize());
            assertEquals(0, t.segment().byteSize());
            assertArrayEquals(new float[0], t.toFloatArray());
        }
    }

    @Test
    void ofCopiesTheArray() {
        float[] values = {1f, 2f, 3f, 4f, 5f, 6f};
        try (Tensor t = Tensor.of(values, 2, 3)) {
            assertEquals(DType.FLOAT32, t.dtype());
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertArrayEquals(values, t.toFloatArray());
            values[0] = 100f;
            assertEquals(1.0, t.getDouble(0), "of() must copy, not share");
            t.setDouble(1, -7);
            assertEquals(2f, values[1], "writes to the tensor must not reach the source array");
            assertTrue(t.segment().isNative());
        }
        double[] doubles = {0.1, 0.2, 0.3};
        try (Tensor t = Tensor.of(doubles)) {
            assertEquals(DType.FLOAT64, t.dtype());
            assertArrayEquals(new long[] {3}, t.shape());
            assertArrayEquals(doubles, t.toDoubleArray());
        }
        try (Tensor t = Tensor.of(1.5f, 2.5f)) {
            assertEquals(DType.FLOAT32, t.dtype());
            assertArrayEquals(new long[] {2}, t.shape());
        }
    }

    @Test
    void fullFillsEveryElementIncludingNegativeZero() {
        try (Tensor t = Tensor.full(DType.FLOAT32, 0.25, 3, 2)) {
            assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f}, t.toFloatArray());
        }
        try (Tensor t = Tensor.full(DType.FLOAT64, -0.0, 4)) {
            for (double d : t.toDoubleArray()) {
                assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(d));
            }
        }
    }

    @Test
    void fillGivesEveryElementTheBitsOfOneSetForEveryDtypeAndSize() {
        for (DType dtype : DType.values()) {
            for (long n : new long[] {1, 2, 3, 7, 64, 1000, 65_537}) {
                for (double value : new double[] {0.1, -0.0, -3.0, 1e-30}) {
                    try (Tensor filled = Tensor.zeros(dtype, n); Tensor one = Tensor.zeros(dtype, 1)) {
                        filled.fill(value);
                        one.setDouble(0, value);
                        for (long i = 0; i < n; i++) {
                            assertEquals(-1, filled.segment().asSlice(i * dtype.byteSize(), dtype.byteSize()).mismatch(one.segment()),
                                    dtype + ", " + n + " elements, value " + value + ": element " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void setDoubleRoundsToTheDtype() {
        try (Tensor t = Tensor.zeros(DType.FLOAT32, 1)) {
            t.setDouble(0, 0.1);
            assertEquals((double) 0.1f, t.getDouble(0));
        }
        try (Tensor t = Tensor.zeros(DType.INT64, 1)) {
            t.setDouble(0, 7.0);
            assertEquals(7.0, t.getDouble(0));
        }
    }

    @Test
    void indexOutOfRangeIsRejected() {
        try (Tensor t = Tensor.zeros(DType.FLOAT32, 3)) {
            assertThrows(IndexOutOfBoundsException.class, () -> t.getDouble(3));
            assertThrows(IndexOutOfBoundsException.class, () -> t.setDouble(-1, 1.0));
        }
    }

    // ---- wrap -------------------------------------------------------------------------------------------

    @Test
    void wrapFloatSharesTheArrayBothWays() {
        float[] data = {1f, 2f, 3f, 4f};
        Tensor t = Tensor.wrap(data, 2, 2);
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new long[] {2, 2}, t.shape());
        assertFalse(t.segment().isNative());

        t.setDouble(3, 40.0);
        assertEquals(40f, data[3], "tensor write reaches the array");
        data[0] = -5f;
        assertEquals(-5.0, t.getDouble(0), "array write reaches the tensor");
    }

    @Test
    void wrapDoubleLongAndIntShareTheArray() {
        double[] d = {1, 2, 3};
        Tensor td = Tensor.wrap(d);
        assertEquals(DType.FLOAT64, td.dtype());
        assertArrayEquals(new long[] {3}, td.shape(), "with no shape, wrap gives rank 1");
        td.setDouble(1, 0.5);
        assertEquals(0.5, d[1]);
        d[2] = 9;
        assertEquals(9.0, td.getDouble(2));

        long[] l = {5, 6};
        Tensor tl = Tensor.wrap(l);
        assertEquals(DType.INT64, tl.dtype());
        tl.setDouble(0, 11);
        assertEquals(11L, l[0]);
        l[1] = 12;
        assertEquals(12.0, tl.getDouble(1));

        int[] i = {7, 8};
        Tensor ti = Tensor.wrap(i);
        assertEquals(DType.INT32, ti.dtype());
        ti.setDouble(1, 3);
        assertEquals(3, i[1]);
        i[0] = 4;
        assertEquals(4.0, ti.getDouble(0));
    }

    @Test
    void closingAWrappedTensorMakesItUnusableButKeepsTheArray() {
        float[] data = {1f, 2f};
        Tensor t = Tensor.wrap(data);
        t.close();
        assertFalse(t.isAlive());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.getDouble(0));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertArrayEquals(new float[] {1f, 2f}, data);
    }

    // ---- memory -----------------------------------------------------------------------------------------

    @Test
    void offHeapSegmentsAre64ByteAligned() {
        for (DType dtype : DType.values()) {
            for (long n : new long[] {0, 1, 3, 17, 1000}) {
                try (Tensor t = Tensor.zeros(dtype, n)) {
                    assertTrue(t.segment().isNative());
                    assertEquals(0, t.segment().address() % 64, dtype + "[" + n + "] at " + t.segment().address());
                    assertEquals(t.byteSize(), t.segment().byteSize());
                }
            }
        }
        try (Tensor t = Tensor.of(new double[] {1, 2, 3})) {
            assertEquals(0, t.segment().address() % HostStorage.ALIGNMENT);
        }
    }

    @Test
    void copyToHeapIsAnIndependentHeapCopy() {
        try (Tensor t = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2)) {
            Tensor copy = t.copyToHeap();
            assertNotSame(t, copy);
            assertEquals(DType.FLOAT64, copy.dtype());
            assertArrayEquals(new long[] {3, 2}, copy.shape());
            assertArrayEquals(t.toDoubleArray(), copy.toDoubleArray());
            assertFalse(copy.segment().isNative(), "copyToHeap must give a heap tensor");
            t.setDouble(0, 100);
            assertEquals(1.0, copy.getDouble(0));
            copy.setDouble(1, -1);
            assertEquals(2.0, t.getDouble(1));
        }
        try (Tensor t = Tensor.zeros(DType.INT32, 2)) {
            t.setDouble(1, 42);
            Tensor copy = t.copyToHeap();
            assertEquals(DType.INT32, copy.dtype());
            assertEquals(42.0, copy.getDouble(1));
        }
    }

    @Test
    void copyFromCopiesMatchingTensors() {
        try (Tensor src = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2); Tensor dst = Tensor.zeros(DType.FLOAT32, 2, 2)) {
            dst.copyFrom(src);
            assertArrayEquals(src.toFloatArray(), dst.toFloatArray());
        }
    }

    @Test
    void copyFromMismatchIsRejectedAndWritesNothing() {
        try (Tensor dst = Tensor.of(new float[] {9, 9, 9, 9}, 2, 2);
             Tensor wrongShape = Tensor.of(new float[] {1, 2, 3, 4}, 4);
             Tensor wrongDtype = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2)) {
            IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> dst.copyFrom(wrongShape));
            assertTrue(e1.getMessage().contains("float32[4]") && e1.getMessage().contains("float32[2, 2]"), e1.getMessage());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> dst.copyFrom(wrongDtype));
            assertTrue(e2.getMessage().contains("float64[2, 2]"), e2.getMessage());
            assertArrayEquals(new float[] {9, 9, 9, 9}, dst.toFloatArray());
        }
    }

    @Test
    void closedTensorThrowsIllegalStateNamingClosed() {
        Tensor t = Tensor.zeros(DType.FLOAT32, 4);
        t.close();
        t.close(); // idempotent
        assertFalse(t.isAlive());
        for (Runnable r : new Runnable[] {
                () -> t.getDouble(0), () -> t.setDouble(0, 1), t::segment, t::toFloatArray, t::toDoubleArray,
                t::copyToHeap, () -> t.fill(1)}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        try (Tensor other = Tensor.zeros(DType.FLOAT32, 4)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.copyFrom(t));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            IllegalStateException e2 = assertThrows(IllegalStateException.class, () -> t.copyFrom(other));
            assertTrue(e2.getMessage().contains("closed"), e2.getMessage());
        }
        assertTrue(t.toString().contains("closed"));
    }

    // ---- bad shapes -------------------------------------------------------------------------------------

    @Test
    void negativeDimensionIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT32, 2, -1));
        assertTrue(e.getMessage().contains("negative dimension"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, -1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(new float[0], 0, -3));
    }

    @Test
    void arrayLengthNotMatchingShapeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertTrue(e.getMessage().contains("3 elements") && e.getMessage().contains("[2, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[] {1, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(new float[] {1, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(new double[] {1, 2}, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(new long[] {1, 2}, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(new int[] {1, 2}, 4));
    }

    @Test
    void storageTooSmallIsRejected() {
        HostStorage storage = HostStorage.wrap(MemorySegment.ofArray(new float[3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Tensor(DType.FLOAT32, new long[] {2, 2}, storage));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }

    @Test
    void variableRequiresAFloatingPointDtype() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Variable("step", Tensor.wrap(new long[] {1})));
        assertTrue(e.getMessage().contains("step") && e.getMessage().contains("int64"), e.getMessage());
        Tensor value = Tensor.wrap(new float[] {1, 2});
        Variable v = new Variable("dense/kernel", value);
        assertSame(value, v.value());
        assertTrue(v.trainable());
        assertEquals(DType.FLOAT32, v.dtype());
    }

    // ---- IndexedSlices ----------------------------------------------------------------------------------

    @Test
    void indexedSlicesAcceptsAValidSparseGradient() {
        Tensor values = Tensor.wrap(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor indices = Tensor.wrap(new int[] {0, 3});
        IndexedSlices s = new IndexedSlices(values, indices, 5, 2);
        assertSame(values, s.values());
        assertSame(indices, s.indices());
        assertArrayEquals(new long[] {5, 2}, s.denseShape());
        assertEquals(DType.FLOAT32, s.dtype());
        // int64 indices are fine too, and repeated indices are allowed
        IndexedSlices s64 = new IndexedSlices(Tensor.wrap(new double[] {1, 2}), Tensor.wrap(new long[] {1, 1}), 3);
        assertEquals(DType.FLOAT64, s64.dtype());
    }

    @Test
    void indexedSlicesDenseShapeIsDefensivelyCopied() {
        long[] dense = {5, 2};
        IndexedSlices s = new IndexedSlices(Tensor.wrap(new float[] {1, 2}, 1, 2), Tensor.wrap(new int[] {4}), dense);
        dense[0] = 1;
        s.denseShape()[1] = 9;
        assertArrayEquals(new long[] {5, 2}, s.denseShape());
    }

    @Test
    void indexedSlicesRejectsNonIntegerIndices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IndexedSlices(Tensor.wrap(new float[] {1, 2}), Tensor.wrap(new float[] {0, 1}), 3));
        assertTrue(e.getMessage().contains("int32 or int64") && e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void indexedSlicesRejectsIndicesThatAreNotRankOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IndexedSlices(Tensor.wrap(new float[] {1, 2}), Tensor.wrap(new int[] {0, 1}, 2, 1), 3));
        assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
        try (Tensor scalarIndex = Tensor.zeros(DType.INT32)) {
            assertThrows(IllegalArgumentException.class,
                    () -> new IndexedSlices(Tensor.wrap(new float[] {1}), scalarIndex, 3));
        }
    }

    @Test
    void indexedSlicesRejectsValuesOfTheWrongShape() {
        // 2 indices into a [4, 3] variable: values must be [2, 3]
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IndexedSlices(Tensor.wrap(new float[6], 3, 2), Tensor.wrap(new int[] {0, 1}), 4, 3));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
        // wrong number of rows
        assertThrows(IllegalArgumentException.class,
                () -> new IndexedSlices(Tensor.wrap(new float[9], 3, 3), Tensor.wrap(new int[] {0, 1}), 4, 3));
        // wrong rank of values
        assertThrows(IllegalArgumentException.class,
                () -> new IndexedSlices(Tensor.wrap(new float[6]), Tensor.wrap(new int[] {0, 1}), 4, 3));
        // a dense shape of rank 0 has no rows
        assertThrows(IllegalArgumentException.class,
                () -> new IndexedSlices(Tensor.wrap(new float[1]), Tensor.wrap(new int[] {0}), new long[0]));
    }

    @Test
    void copyToHeapKeepsTheScalarShape() {
        try (Tensor t = Tensor.zeros(DType.FLOAT32)) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[0], t.copyToHeap().shape());
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[0], Tensor.scalar(7).shape());
        org.junit.jupiter.api.Assertions.assertEquals(7.0, Tensor.scalar(7).getDouble(0));
    }
}
