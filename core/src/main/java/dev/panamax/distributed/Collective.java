package dev.panamax.distributed;

import dev.panamax.tensor.Tensor;

/**
 * A group of {@link #size()} ranks that exchange tensors, for data-parallel training: every rank
 * calls the same operations in the same order, each with its own tensor of the same dtype and shape.
 *
 * <p>Sums are the same bits as one process adding the ranks' tensors element by element in rank
 * order, {@code ((x0 + x1) + x2) + ...}, in the tensors' dtype, whatever the rank count's split
 * of the work: each element is added by one rank (the owner of its {@link Shards shard}), which
 * takes the terms in rank order.
 *
 * <p>Operations work in place. Before a rank's tensors are written, every rank's tensor is checked
 * (dtype, shape, open, on the host); a mismatch throws the same {@link IllegalArgumentException}
 * on every rank and writes nothing. A rank that does not arrive within the group's timeout makes
 * the others throw a {@link CollectiveException} naming it; after that the group is broken and
 * every call throws.
 */
public interface Collective extends AutoCloseable {

    /** This rank, from 0 to {@code size() - 1}. */
    int rank();

    /** The number of ranks. */
    int size();

    /** Replaces every rank's {@code x} by the sum of all ranks' {@code x}, added in rank order. */
    void allReduceSum(Tensor x);

    /**
     * Replaces this rank's {@link Shards shard} of {@code x} by the sum of that shard of all ranks'
     * {@code x}, added in rank order; the rest of {@code x} is left as it was.
     */
    void reduceScatterSum(Tensor x);

    /** Copies each rank's {@link Shards shard} of its {@code x} into that shard of every rank's {@code x}. */
    void allGather(Tensor x);

    /** Copies rank {@code root}'s {@code x} into every rank's {@code x}. */
    void broadcast(Tensor x, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /** Leaves the group: the other ranks' waiting calls, and every later call, throw a {@link CollectiveException}. */
    @Override
    void close();
}
