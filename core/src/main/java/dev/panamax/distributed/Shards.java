package dev.panamax.distributed;

import dev.panamax.kernels.ChunkedExecutor;

/**
 * Which elements of a tensor each rank owns: whole {@link ChunkedExecutor#CHUNK chunks} of the
 * kernels' chunk grid, rank {@code r} of {@code size} taking chunks
 * {@code [r * chunks / size, (r + 1) * chunks / size)}. Cut on the chunk grid, a shard's per-chunk
 * sums of squares are the same chunks one process adds for a norm, so a norm can be put together
 * from the shards' partial sums in chunk order and equal one process's bits. A tensor of fewer
 * chunks than ranks leaves the first shards empty.
 */
public final class Shards {

    private Shards() {
    }

    /** The elements {@code [from, to)} of one shard. */
    public record Shard(long from, long to) {

        /** The shard's element count. */
        public long size() {
            return to - from;
        }
    }

    /** Rank {@code rank}'s shard of a tensor of {@code elements} elements split among {@code size} ranks. */
    public static Shard of(long elements, int rank, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("A group has at least 1 rank, got " + size);
        }
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("Rank must be in [0, " + size + "), got " + rank);
        }
        if (elements < 0) {
            throw new IllegalArgumentException("Element count must be >= 0, got " + elements);
        }
        long chunks = (elements + ChunkedExecutor.CHUNK - 1) / ChunkedExecutor.CHUNK;
        long first = Math.multiplyExact(chunks, (long) rank) / size;
        long end = Math.multiplyExact(chunks, rank + 1L) / size;
        return new Shard(Math.min(elements, first * ChunkedExecutor.CHUNK), Math.min(elements, end * ChunkedExecutor.CHUNK));
    }
}
