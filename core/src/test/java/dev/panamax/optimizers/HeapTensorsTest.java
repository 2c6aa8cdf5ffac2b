package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.Constraint;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Variables and gradients that wrap Java arrays (no copy for the caller) are updated in place, with
 * slots on Java arrays too; the results are the same as with off-heap tensors, the caller's array
 * sees every step, and its gradient array is not modified.
 */
class HeapTensorsTest {

    @Test
    void wrappedArraysGiveTheSameStepsAsOffHeapTensors() {
        float[] weights = {1f, -2f, 3f, 0.5f, 7f};
        float[] grads = {0.1f, 0.2f, -0.3f, 0.4f, -0.5f};
        float[] gradsBefore = grads.clone();
        Variable heapVar = new Variable("heap/kernel", Tensor.wrap(weights), true, Constraint.nonNeg());
        Tensor heapGrad = Tensor.wrap(grads);
        try (Tensor offHeapValue = Tensor.of(weights.clone(), 5); Tensor offHeapGrad = Tensor.of(grads.clone(), 5);
             Adam onHeap = Adam.builder().learningRate(0.1).clipnorm(0.3).kernels(Fixtures.SCALAR).build();
             Adam offHeap = Adam.builder().learningRate(0.1).clipnorm(0.3).kernels(Fixtures.SCALAR).build()) {
            Variable offHeapVar = new Variable("native/kernel", offHeapValue, true, Constraint.nonNeg());
            for (int step = 0; step < 3; step++) {
                onHeap.apply(List.of(heapGrad), List.of(heapVar));
                offHeap.apply(List.of(offHeapGrad), List.of(offHeapVar));
                assertArrayEquals(offHeapValue.toFloatArray(), weights, "step " + step + ": the caller's array holds the update");
            }
            assertArrayEquals(offHeap.getSlot(offHeapVar, "m").toDoubleArray(), onHeap.getSlot(heapVar, "m").toDoubleArray());
            // Which path ran: the heap variable's slots are Java arrays (no off-heap staging), the other's native.
            assertFalse(onHeap.getSlot(heapVar, "m").isNative());
            assertFalse(onHeap.getSlot(heapVar, "v").isNative());
            assertTrue(offHeap.getSlot(offHeapVar, "m").isNative());
            assertArrayEquals(gradsBefore, grads, "the caller's gradient array is not modified");
            assertEquals(0f, weights[1], "the constraint was applied to the caller's array");
        }
    }

    @Test
    void anOffHeapGradientForAnArrayVariableIsCopiedOntoAnArray() {
        float[] weights = {1f, -2f, 3f};
        Variable heapVar = new Variable("heap/kernel", Tensor.wrap(weights));
        Variable offHeapVar = new Variable("native/kernel", Tensor.of(weights.clone(), 3));
        try (Tensor gradient = Tensor.of(new float[] {0.5f, -1f, 2f}, 3);
             SGD a = SGD.builder().learningRate(0.1).momentum(0.9).build();
             SGD b = SGD.builder().learningRate(0.1).momentum(0.9).build()) {
            for (int step = 0; step < 2; step++) {
                a.apply(List.of(gradient), List.of(heapVar));
                b.apply(List.of(Tensor.wrap(gradient.toFloatArray())), List.of(offHeapVar));
            }
            assertArrayEquals(offHeapVar.value().toFloatArray(), weights);
            assertFalse(a.getSlot(heapVar, "momentum").isNative());
        } finally {
            offHeapVar.value().close();
        }
    }
}
