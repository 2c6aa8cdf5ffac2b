package dev.panamax.distributed;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Collective} of threads in one JVM, for tests and for machines whose sockets or devices
 * each run a rank: the ranks read each other's tensors directly. Each rank's handle is used by one
 * thread at a time.
 *
 * <p>Every operation is two meetings of all ranks. At the first, each rank has put down its tensor;
 * then each rank checks all of them (every rank reaches the same verdict) and, if they agree, does
 * its share: for a sum, the owner of a shard adds that shard of every rank's tensor in rank order
 * and writes the result back; no other rank touches that shard, so the ranks need no locks. At the
 * second meeting every share is done, and the tensors may be used again.
 */
public final class LocalCollective implements Collective {

    private final Group group;
    private final int rank;
    /** The owner's running sum of its shard for {@link #reduceScatterSum}, grown as needed. */
    private Tensor scratch;

    private LocalCollective(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /**
     * A group of {@code size} ranks; hand handle {@code r} to the thread that runs rank {@code r}.
     * A rank that waits longer than {@code timeout} for the others breaks the group.
     */
    public static List<Collective> group(int size, Duration timeout) {
        if (size < 1) {
            throw new IllegalArgumentException("A group has at least 1 rank, got " + size);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Timeout must be positive, got " + timeout);
        }
        Group group = new Group(size, timeout);
        List<Collective> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            ranks.add(new LocalCollective(group, r));
        }
        return List.copyOf(ranks);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public void allReduceSum(Tensor x) {
        run("allReduceSum", x, true, () -> {
            Shards.Shard shard = Shards.of(x.size(), rank, group.size);
            if (shard.size() == 0) {
                return;
            }
            // Rank 0's tensor holds the running sum: only this rank touches this shard of any tensor.
            Tensor sum = group.tensors[0];
            for (int r = 1; r < group.size; r++) {
                add(group.tensors[r], sum, shard.from(), shard.to());
            }
            for (int r = 1; r < group.size; r++) {
                copy(sum, group.tensors[r], shard.from(), shard.to());
            }
        });
    }

    @Override
    public void reduceScatterSum(Tensor x) {
        run("reduceScatterSum", x, true, () -> {
            Shards.Shard shard = Shards.of(x.size(), rank, group.size);
            if (shard.size() == 0) {
                return;
            }
            // The others' tensors keep their values, so the sum runs in a scratch tensor.
            MemorySegment sum = scratch(x.dtype(), shard.size());
            MemorySegment.copy(Slices.of(group.tensors[0], shard.from(), shard.to()), 0, sum, 0, sum.byteSize());
            for (int r = 1; r < group.size; r++) {
                Slices.add(x.dtype(), Slices.of(group.tensors[r], shard.from(), shard.to()), sum);
            }
            MemorySegment.copy(sum, 0, Slices.of(x, shard.from(), shard.to()), 0, sum.byteSize());
        });
    }

    @Override
    public void allGather(Tensor x) {
        run("allGather", x, true, () -> {
            Shards.Shard shard = Shards.of(x.size(), rank, group.size);
            for (int r = 0; r < group.size; r++) {
                if (r != rank) {
                    copy(x, group.tensors[r], shard.from(), shard.to());
                }
            }
        });
    }

    @Override
    public void broadcast(Tensor x, int root) {
        if (root < 0 || root >= group.size) {
            throw new IllegalArgumentException("Broadcast root must be a rank in [0, " + group.size + "), got " + root);
        }
        run("broadcast from rank " + root, x, true, () -> {
            if (rank != root) {
                copy(group.tensors[root], x, 0, x.size());
            }
        });
    }

    @Override
    public void barrier() {
        run("barrier", null, false, () -> { });
    }

    @Override
    public void close() {
        group.breakGroup("rank " + rank + " closed the group");
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
    }

    /** One operation: meet, check every rank's tensor, do this rank's share, meet again. */
    private void run(String operation, Tensor x, boolean takesTensor, Runnable share) {
        group.throwIfBroken(rank, operation);
        group.tensors[rank] = x;
        group.calls[rank] = Call.of(operation, x, takesTensor);
        group.await(rank, operation);
        String mismatch = group.mismatch();
        if (mismatch == null) {
            try {
                share.run();
            } catch (RuntimeException e) {
                group.breakGroup("rank " + rank + " failed in " + operation + ": " + e);
                throw e;
            }
        }
        group.await(rank, operation);
        group.tensors[rank] = null;
        if (mismatch != null) {
            throw new IllegalArgumentException(mismatch);
        }
    }

    /** The first {@code elements} elements of this rank's scratch tensor, grown as needed. */
    private MemorySegment scratch(DType dtype, long elements) {
        long bytes = elements * dtype.byteSize();
        if (scratch == null || scratch.byteSize() < bytes) {
            if (scratch != null) {
                scratch.close();
            }
            scratch = Tensor.zeros(DType.FLOAT64, (bytes + 7) / 8); // any dtype: the bytes are what counts
        }
        return scratch.segment().asSlice(0, bytes);
    }

    /** {@code sum[from, to) += x[from, to)}. */
    private static void add(Tensor x, Tensor sum, long from, long to) {
        Slices.add(x.dtype(), Slices.of(x, from, to), Slices.of(sum, from, to));
    }

    private static void copy(Tensor source, Tensor target, long from, long to) {
        MemorySegment.copy(Slices.of(source, from, to), 0, Slices.of(target, from, to), 0, Slices.of(source, from, to).byteSize());
    }

    /** What the ranks of one group share. */
    private static final class Group {
        /** How long a rank that finds the group broken waits for the reason the breaking rank gives. */
        private static final long REASON_WAIT_MILLIS = 1000;

        final int size;
        final Duration timeout;
        final Tensor[] tensors;
        final Call[] calls;
        private final CyclicBarrier meeting;
        /** Which ranks are at the current meeting, to name the missing ones. */
        private final boolean[] arrived;
        /** Why the group cannot be used any more; null while it can. */
        private String broken;

        Group(int size, Duration timeout) {
            this.size = size;
            this.timeout = timeout;
            this.tensors = new Tensor[size];
            this.calls = new Call[size];
            this.arrived = new boolean[size];
            this.meeting = new CyclicBarrier(size, this::clearArrivals);
        }

        private synchronized void clearArrivals() {
            Arrays.fill(arrived, false);
        }

        synchronized void throwIfBroken(int rank, String operation) {
            if (broken != null) {
                throw new CollectiveException("Rank " + rank + " cannot run " + operation + ": the group is broken (" + broken + ")");
            }
        }

        synchronized void breakGroup(String why) {
            if (broken == null) {
                broken = why;
                notifyAll();
            }
            meeting.reset(); // the waiting ranks get a BrokenBarrierException
        }

        void await(int rank, String operation) {
            synchronized (this) {
                throwIfBroken(rank, operation);
                arrived[rank] = true;
            }
            try {
                meeting.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                breakGroup(missing() + " did not reach " + operation + " within " + timeout.toMillis() + " ms");
                throw new CollectiveException("Rank " + rank + " gave up on " + operation + ": " + reason(), e);
            } catch (BrokenBarrierException e) {
                throw new CollectiveException("Rank " + rank + " could not finish " + operation + ": " + reason(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                breakGroup("rank " + rank + " was interrupted in " + operation);
                throw new CollectiveException("Rank " + rank + " was interrupted in " + operation, e);
            }
        }

        /** Why the group broke; the rank that broke it may still be writing its reason, so wait a little for it. */
        private synchronized String reason() {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REASON_WAIT_MILLIS);
            boolean interrupted = false;
            while (broken == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return broken == null ? "another rank gave up" : broken;
        }

        private synchronized String missing() {
            List<Integer> missing = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                if (!arrived[r]) {
                    missing.add(r);
                }
            }
            String ranks = missing.toString();
            return (missing.size() == 1 ? "rank " : "ranks ") + ranks.substring(1, ranks.length() - 1);
        }

        /** Why the ranks' calls of the current meeting do not agree ({@link Call#disagreement}); null when they agree. */
        String mismatch() {
            return Call.disagreement(calls.clone());
        }
    }
}
