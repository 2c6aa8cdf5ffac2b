package dev.panamax.tensor;

/** A gradient: a dense {@link Tensor} or sparse {@link IndexedSlices}. */
public sealed interface Gradient permits Tensor, IndexedSlices {

    /** The element type of the gradient's values. */
    DType dtype();
}
