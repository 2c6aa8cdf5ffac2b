package dev.panamax.distributed;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Collective} of processes over TCP: every pair of ranks shares one connection, opened
 * and mutually authenticated when the group forms ({@link Endpoint#join}), with a secret the job
 * hands every rank (a peer that cannot prove it knows the secret is refused).
 *
 * <p>A sum moves each element over the network twice, the least any all-reduce can: every rank
 * sends each owner its slice of that owner's {@link Shards shard}; the owner adds the ranks' slices
 * in rank order and sends the sum to every rank. All connections read and write at once (one
 * selector), so no pair of ranks waits on the other. Tensors are staged through off-heap buffers,
 * which hold about one tensor's bytes per rank while an operation runs.
 *
 * <p>Before any payload, every rank sends every other one its call (operation, dtype, shape), and
 * all check them alike, as {@link LocalCollective} does. A peer that closes its connection, or
 * makes no progress for the group's timeout, fails the operation with a {@link CollectiveException}
 * naming it, and the group is broken.
 */
public final class TcpCollective implements Collective {

    /** A call on the wire: operation, root, problem, dtype, rank of the shape, and up to 27 dimensions. */
    private static final int CALL_BYTES = 256;
    private static final int MAX_DIMENSIONS = (CALL_BYTES - 5 * Integer.BYTES) / Long.BYTES;
    private static final String[] OPERATIONS = {"allReduceSum", "reduceScatterSum", "allGather", "broadcast", "barrier"};

    private final int rank;
    private final int size;
    private final Duration timeout;
    /** The connection to each other rank; null at this rank's own index. */
    private final SocketChannel[] peers;
    private final Selector selector;
    /** Staging buffers per peer, grown as needed: what goes to it and what comes from it. */
    private final Tensor[] outgoing;
    private final Tensor[] incoming;
    /** Why the group cannot be used any more; null while it can. */
    private volatile String broken;

    private TcpCollective(int rank, SocketChannel[] peers, Duration timeout) throws IOException {
        this.rank = rank;
        this.size = peers.length;
        this.timeout = timeout;
        this.peers = peers;
        this.outgoing = new Tensor[size];
        this.incoming = new Tensor[size];
        this.selector = Selector.open();
        for (int r = 0; r < size; r++) {
            if (peers[r] != null) {
                // Each operation starts with a small message (every rank's call) that the others
                // wait for: without TCP_NODELAY, Nagle's algorithm holds it until the previous
                // segment is acknowledged, and delayed acknowledgements make that tens of ms.
                peers[r].setOption(StandardSocketOptions.TCP_NODELAY, true);
                peers[r].configureBlocking(false);
                peers[r].register(selector, 0, r);
            }
        }
    }

    /** A listening socket, opened before the ranks swap addresses; {@link #join} forms the group. */
    public static final class Endpoint implements AutoCloseable {
        private final ServerSocketChannel server;

        private Endpoint(ServerSocketChannel server) {
            this.server = server;
        }

        /** Listens on {@code local} (port 0: any free port; {@link #address} says which). */
        public static Endpoint listen(InetSocketAddress local) {
            try {
                ServerSocketChannel server = ServerSocketChannel.open();
                server.bind(local);
                return new Endpoint(server);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot listen on " + local + ": " + e.getMessage(), e);
            }
        }

        /** Where the other ranks reach this one. */
        public InetSocketAddress address() {
            try {
                return (InetSocketAddress) server.getLocalAddress();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Forms the group: connects to every rank below this one, accepts every rank above it, and
         * authenticates each connection both ways with {@code secret}. {@code addresses.get(r)} is
         * rank {@code r}'s {@link #address}. Waits at most {@code timeout} for each peer. Closes this
         * endpoint.
         */
        public TcpCollective join(int rank, List<InetSocketAddress> addresses, byte[] secret, Duration timeout) {
            Objects.requireNonNull(addresses, "addresses");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(timeout, "timeout");
            int size = addresses.size();
            if (rank < 0 || rank >= size) {
                throw new IllegalArgumentException("Rank must be in [0, " + size + ") for " + size + " addresses, got " + rank);
            }
            if (secret.length < 16) {
                throw new IllegalArgumentException("The job secret must have at least 16 bytes, got " + secret.length);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Timeout must be positive, got " + timeout);
            }
            SocketChannel[] peers = new SocketChannel[size];
            String refused = null;
            try (server) {
                int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
                for (int r = 0; r < rank; r++) {
                    SocketChannel ch = SocketChannel.open();
                    peers[r] = ch;
                    ch.socket().connect(addresses.get(r), millis);
                    TcpHandshake.asConnector(ch.socket(), rank, r, size, secret, millis);
                }
                // A peer that fails the handshake is refused and the wait goes on: a stranger on the
                // port cannot stop the group from forming, and a rank with the wrong secret is named.
                long deadline = System.nanoTime() + timeout.toNanos();
                for (int accepted = rank + 1; accepted < size; ) {
                    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    server.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                    Socket s = server.socket().accept();
                    try {
                        int peer = TcpHandshake.asAcceptor(s, rank, size, secret, millis);
                        if (peers[peer] != null) {
                            s.close();
                            throw new CollectiveException("Rank " + rank + ": rank " + peer + " connected twice");
                        }
                        peers[peer] = s.getChannel();
                        accepted++;
                    } catch (TcpHandshake.Refused e) {
                        refused = e.getMessage();
                    }
                }
                return new TcpCollective(rank, peers, timeout);
            } catch (SocketTimeoutException e) {
                closeAll(peers);
                List<Integer> missing = new ArrayList<>();
                for (int r = 0; r < size; r++) {
                    if (r != rank && peers[r] == null) {
                        missing.add(r);
                    }
                }
                throw new CollectiveException("Rank " + rank + " gave up forming the group after " + timeout.toMillis()
                        + " ms: no connection from " + (missing.size() == 1 ? "rank " : "ranks ")
                        + missing.toString().substring(1, missing.toString().length() - 1)
                        + (refused == null ? "" : " (last refused: " + refused + ")"), e);
            } catch (IOException e) {
                closeAll(peers);
                throw new CollectiveException("Rank " + rank + " could not form the group: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeAll(peers);
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public synchronized void allReduceSum(Tensor x) {
        if (agree(0, 0, x)) {
            sumShards(x, "allReduceSum");
            gatherShards(x, "allReduceSum");
        }
    }

    @Override
    public synchronized void reduceScatterSum(Tensor x) {
        if (agree(1, 0, x)) {
            sumShards(x, "reduceScatterSum");
        }
    }

    @Override
    public synchronized void allGather(Tensor x) {
        if (agree(2, 0, x)) {
            gatherShards(x, "allGather");
        }
    }

    @Override
    public synchronized void broadcast(Tensor x, int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("Broadcast root must be a rank in [0, " + size + "), got " + root);
        }
        if (!agree(3, root, x)) {
            return;
        }
        long bytes = x.byteSize();
        ByteBuffer[] out = new ByteBuffer[size];
        ByteBuffer[] in = new ByteBuffer[size];
        if (rank == root) {
            MemorySegment staged = stage(outgoing, rank, bytes);
            MemorySegment.copy(x.segment(), 0, staged, 0, bytes);
            for (int r = 0; r < size; r++) {
                out[r] = r == rank ? null : staged.asByteBuffer();
            }
        } else {
            in[root] = stage(incoming, root, bytes).asByteBuffer();
        }
        exchange("broadcast from rank " + root, out, in);
        if (rank != root) {
            MemorySegment.copy(stage(incoming, root, bytes), 0, x.segment(), 0, bytes);
        }
    }

    @Override
    public synchronized void barrier() {
        agree(4, 0, null);
    }

    /**
     * Closes the connections (the other ranks' operations then fail, naming this rank). May be called
     * from another thread while an operation runs: that operation fails, then the buffers are freed.
     */
    @Override
    public void close() {
        breakWith("rank " + rank + " closed the group");
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing to save
        }
        synchronized (this) {
            for (Tensor[] buffers : List.of(outgoing, incoming)) {
                for (int r = 0; r < size; r++) {
                    if (buffers[r] != null) {
                        buffers[r].close();
                        buffers[r] = null;
                    }
                }
            }
        }
    }

    /** Breaks the group with the first reason given, and closes every connection. */
    private void breakWith(String why) {
        synchronized (peers) {
            if (broken == null) {
                broken = why;
            }
        }
        closeAll(peers);
    }

    /**
     * Sends this rank's call to every rank and checks all of them alike; throws the common verdict
     * when they disagree. Returns false for a barrier (nothing more to do), true otherwise.
     */
    private boolean agree(int operation, int root, Tensor x) {
        String name = OPERATIONS[operation] + (operation == 3 ? " from rank " + root : "");
        if (broken != null) {
            throw new CollectiveException("Rank " + rank + " cannot run " + name + ": the group is broken (" + broken + ")");
        }
        Call mine = Call.of(name, x, operation != 4);
        if (mine.shape() != null && mine.shape().length > MAX_DIMENSIONS) {
            throw new IllegalArgumentException(name + ": a tensor of " + mine.shape().length + " dimensions; collectives take at most "
                    + MAX_DIMENSIONS);
        }
        ByteBuffer encoded = encode(operation, root, mine);
        ByteBuffer[] out = new ByteBuffer[size];
        ByteBuffer[] in = new ByteBuffer[size];
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                out[r] = encoded.duplicate();
                in[r] = ByteBuffer.allocate(CALL_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            }
        }
        exchange(name, out, in);
        Call[] calls = new Call[size];
        for (int r = 0; r < size; r++) {
            calls[r] = r == rank ? mine : decode(in[r].flip());
        }
        String disagreement = Call.disagreement(calls);
        if (disagreement != null) {
            throw new IllegalArgumentException(disagreement);
        }
        return operation != 4;
    }

    private static ByteBuffer encode(int operation, int root, Call call) {
        ByteBuffer b = ByteBuffer.allocate(CALL_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(operation).putInt(root).putInt(Arrays.asList(Call.PROBLEMS).indexOf(call.problem()));
        b.putInt(call.dtype() == null ? -1 : call.dtype().ordinal());
        long[] shape = call.shape() == null ? new long[0] : call.shape();
        b.putInt(shape.length);
        for (long d : shape) {
            b.putLong(d);
        }
        return b.clear();
    }

    private static Call decode(ByteBuffer b) {
        int operation = b.getInt();
        int root = b.getInt();
        int problem = b.getInt();
        int dtype = b.getInt();
        long[] shape = new long[b.getInt()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = b.getLong();
        }
        String name = OPERATIONS[operation] + (operation == 3 ? " from rank " + root : "");
        return new Call(name, Call.PROBLEMS[problem], dtype < 0 ? null : DType.values()[dtype], dtype < 0 ? null : shape);
    }

    /** Each owner's shard becomes the sum, in rank order, of that shard of every rank's {@code x}. */
    private void sumShards(Tensor x, String operation) {
        DType dtype = x.dtype();
        Shards.Shard mine = Shards.of(x.size(), rank, size);
        long mineBytes = mine.size() * dtype.byteSize();
        ByteBuffer[] out = new ByteBuffer[size];
        ByteBuffer[] in = new ByteBuffer[size];
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                Shards.Shard theirs = Shards.of(x.size(), r, size);
                MemorySegment staged = stage(outgoing, r, theirs.size() * dtype.byteSize());
                MemorySegment.copy(Slices.of(x, theirs.from(), theirs.to()), 0, staged, 0, staged.byteSize());
                out[r] = staged.asByteBuffer();
                in[r] = stage(incoming, r, mineBytes).asByteBuffer();
            }
        }
        exchange(operation, out, in);
        if (mine.size() == 0) {
            return;
        }
        // ((x0 + x1) + x2) + ...: addition commutes, so the running sum may start in this rank's
        // own slice when it is rank 0, and otherwise in rank 0's staged slice.
        MemorySegment own = Slices.of(x, mine.from(), mine.to());
        MemorySegment sum = rank == 0 ? own : stage(incoming, 0, mineBytes);
        for (int r = 1; r < size; r++) {
            Slices.add(dtype, r == rank ? own : stage(incoming, r, mineBytes), sum);
        }
        if (sum != own) {
            MemorySegment.copy(sum, 0, own, 0, mineBytes);
        }
    }

    /** Every rank's shard of its {@code x} goes to that shard of every rank's {@code x}. */
    private void gatherShards(Tensor x, String operation) {
        DType dtype = x.dtype();
        Shards.Shard mine = Shards.of(x.size(), rank, size);
        MemorySegment staged = stage(outgoing, rank, mine.size() * dtype.byteSize());
        MemorySegment.copy(Slices.of(x, mine.from(), mine.to()), 0, staged, 0, staged.byteSize());
        ByteBuffer[] out = new ByteBuffer[size];
        ByteBuffer[] in = new ByteBuffer[size];
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                out[r] = staged.asByteBuffer();
                in[r] = stage(incoming, r, Shards.of(x.size(), r, size).size() * dtype.byteSize()).asByteBuffer();
            }
        }
        exchange(operation, out, in);
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                Shards.Shard theirs = Shards.of(x.size(), r, size);
                MemorySegment.copy(stage(incoming, r, theirs.size() * dtype.byteSize()), 0, Slices.of(x, theirs.from(), theirs.to()), 0,
                        theirs.size() * dtype.byteSize());
            }
        }
    }

    /** The first {@code bytes} bytes of staging buffer {@code r} of {@code buffers}, grown as needed. */
    private static MemorySegment stage(Tensor[] buffers, int r, long bytes) {
        if (buffers[r] == null || buffers[r].byteSize() < bytes) {
            if (buffers[r] != null) {
                buffers[r].close();
            }
            buffers[r] = Tensor.zeros(DType.FLOAT64, Math.max(1, (bytes + 7) / 8));
        }
        return buffers[r].segment().asSlice(0, bytes);
    }

    /**
     * Writes {@code out[r]} to rank r and fills {@code in[r]} from it, for every rank at once,
     * until all are done. Fails when a peer closes its connection or nothing moves for the timeout.
     */
    private void exchange(String operation, ByteBuffer[] out, ByteBuffer[] in) {
        long idleLimit = timeout.toNanos();
        long lastProgress = System.nanoTime();
        try {
            while (true) {
                boolean pending = false;
                for (int r = 0; r < size; r++) {
                    if (r == rank) {
                        continue;
                    }
                    int interest = (out[r] != null && out[r].hasRemaining() ? SelectionKey.OP_WRITE : 0)
                            | (in[r] != null && in[r].hasRemaining() ? SelectionKey.OP_READ : 0);
                    peers[r].keyFor(selector).interestOps(interest);
                    pending |= interest != 0;
                }
                if (!pending) {
                    return;
                }
                long idle = System.nanoTime() - lastProgress;
                if (idle >= idleLimit) {
                    throw fail(operation, waitingOn(out, in) + " made no progress for " + timeout.toMillis() + " ms", null);
                }
                selector.select(Math.max(1, (idleLimit - idle) / 1_000_000));
                for (SelectionKey key : selector.selectedKeys()) {
                    int r = (Integer) key.attachment();
                    try {
                        if (key.isValid() && key.isWritable() && peers[r].write(out[r]) > 0) {
                            lastProgress = System.nanoTime();
                        }
                        if (key.isValid() && key.isReadable()) {
                            int n = peers[r].read(in[r]);
                            if (n < 0) {
                                throw fail(operation, "rank " + r + " closed its connection", null);
                            }
                            if (n > 0) {
                                lastProgress = System.nanoTime();
                            }
                        }
                    } catch (IOException e) {
                        throw fail(operation, broken != null ? broken : "the connection to rank " + r + " broke (" + e.getMessage() + ")", e);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            String why = broken != null ? broken : "the connection broke: " + e;
            throw fail(operation, why, e);
        }
    }

    private String waitingOn(ByteBuffer[] out, ByteBuffer[] in) {
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r != rank && ((out[r] != null && out[r].hasRemaining()) || (in[r] != null && in[r].hasRemaining()))) {
                ranks.add(r);
            }
        }
        String list = ranks.toString();
        return (ranks.size() == 1 ? "rank " : "ranks ") + list.substring(1, list.length() - 1);
    }

    /** Breaks the group: every later call fails at once, naming why. */
    private CollectiveException fail(String operation, String why, Throwable cause) {
        breakWith(why);
        return new CollectiveException("Rank " + rank + " could not finish " + operation + ": " + why, cause);
    }

    private static void closeAll(SocketChannel[] channels) {
        for (SocketChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing after a failure: the failure is what gets reported
                }
            }
        }
    }
}
