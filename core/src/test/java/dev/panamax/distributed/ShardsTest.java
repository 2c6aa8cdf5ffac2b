package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ChunkedExecutor;
import org.junit.jupiter.api.Test;

class ShardsTest {

    private static final long CHUNK = ChunkedExecutor.CHUNK;

    @Test
    void shardsCoverATensorInRankOrderOnTheChunkGrid() {
        for (long n : new long[] {0, 1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 10 * CHUNK + 5, 1L << 33}) {
            for (int size = 1; size <= 7; size++) {
                long next = 0;
                long largest = 0;
                long smallest = Long.MAX_VALUE;
                for (int rank = 0; rank < size; rank++) {
                    Shards.Shard s = Shards.of(n, rank, size);
                    assertEquals(next, s.from(), "shard " + rank + " of " + size + " for " + n + " starts where the last ended");
                    assertTrue(s.to() >= s.from());
                    assertTrue(s.from() % CHUNK == 0, "starts on the chunk grid");
                    assertTrue(s.to() % CHUNK == 0 || s.to() == n, "ends on the chunk grid or at the end");
                    next = s.to();
                    largest = Math.max(largest, (s.size() + CHUNK - 1) / CHUNK);
                    smallest = Math.min(smallest, (s.size() + CHUNK - 1) / CHUNK);
                }
                assertEquals(n, next, "the shards cover all " + n + " elements");
                assertTrue(largest - smallest <= 1, "chunks are dealt evenly");
            }
        }
    }

    @Test
    void aTensorOfFewerChunksThanRanksBelongsToTheLastOnes() {
        assertEquals(new Shards.Shard(0, 0), Shards.of(5, 0, 3));
        assertEquals(new Shards.Shard(0, 0), Shards.of(5, 1, 3));
        assertEquals(new Shards.Shard(0, 5), Shards.of(5, 2, 3));
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("A group has at least 1 rank, got 0",
                assertThrows(IllegalArgumentException.class, () -> Shards.of(10, 0, 0)).getMessage());
        assertEquals("Rank must be in [0, 3), got 3",
                assertThrows(IllegalArgumentException.class, () -> Shards.of(10, 3, 3)).getMessage());
        assertEquals("Element count must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> Shards.of(-1, 0, 3)).getMessage());
    }
}
