package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes tensors as a safetensors file ({@link SafeTensorsHeader}) into a channel, streaming each
 * tensor through a small buffer: no copy of the whole state is made, whatever its size. Host
 * tensors (off-heap or wrapped Java arrays) are read in place; a device tensor is copied to the
 * host first, one tensor at a time.
 *
 * <p>The metadata gets a {@value SafeTensorsHeader#CHECKSUM_KEY} entry,
 * {@code "crc32c:<8 hex digits>"}: the CRC32C of the whole file, length prefix, header and data,
 * computed with those eight digits read as {@code '0'}. It is written last, into its place in the
 * header, once the data is through.
 */
final class SafeTensorsWriter {

    /** Bytes per read or write: large enough for the disk, small enough to stay in cache. A multiple of every element size. */
    static final int CHUNK_BYTES = 1 << 20;

    /** The staging buffer for {@code dataBytes} of tensors: one chunk, or less for a small file (loads of small files stay cheap). */
    static long stagingBytes(long dataBytes) {
        return Math.max(Long.BYTES, Math.min(CHUNK_BYTES, (dataBytes + 7) / 8 * 8));
    }

    private SafeTensorsWriter() {
    }

    /** A tensor and its name in the file. */
    record Named(String name, Tensor tensor) {
    }

    /**
     * Writes {@code tensors}, in order, with {@code metadata} into {@code channel} from position 0.
     *
     * @param metadata not modified; must not hold {@value SafeTensorsHeader#CHECKSUM_KEY}
     * @param tensors  not modified; alive, each on the host or on a device that copies to the host
     */
    static void write(FileChannel channel, Map<String, String> metadata, List<Named> tensors) throws IOException {
        if (metadata.containsKey(SafeTensorsHeader.CHECKSUM_KEY)) {
            throw new IllegalArgumentException("The metadata key '" + SafeTensorsHeader.CHECKSUM_KEY + "' is the writer's own");
        }
        Map<String, String> withChecksum = new LinkedHashMap<>(metadata);
        withChecksum.put(SafeTensorsHeader.CHECKSUM_KEY, SafeTensorsHeader.CHECKSUM_PLACEHOLDER);
        List<SafeTensorsHeader.Layout> layout = new ArrayList<>(tensors.size());
        for (Named n : tensors) {
            layout.add(new SafeTensorsHeader.Layout(n.name(), n.tensor().dtype(), n.tensor().shape()));
        }
        SafeTensorsHeader header = SafeTensorsHeader.layout(withChecksum, layout);
        byte[] json = header.encode();
        int digitsAt = SafeTensorsHeader.checksumDigitsAt(json);
        if (digitsAt < 0) {
            throw new IllegalStateException("The encoded header lost its checksum entry: " + new String(json, StandardCharsets.UTF_8));
        }

        CRC32C crc = new CRC32C();
        ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, json.length);
        crc.update(prefix.array());
        crc.update(json);
        channel.position(0);
        writeFully(channel, prefix);
        writeFully(channel, ByteBuffer.wrap(json));

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(stagingBytes(header.dataBytes()), 64);
            ByteBuffer buffer = staging.asByteBuffer();
            for (Named n : tensors) {
                writeTensor(channel, n.tensor(), staging, buffer, crc);
            }
        }
        byte[] digits = HexFormat.of().toHexDigits((int) crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        writeFully(channel, ByteBuffer.wrap(digits), Long.BYTES + digitsAt);
    }

    private static void writeTensor(FileChannel channel, Tensor tensor, MemorySegment staging, ByteBuffer buffer, CRC32C crc)
            throws IOException {
        if (tensor.isHost()) {
            // segment() also fails here, with the tensor's description, when the tensor is closed.
            stream(channel, tensor.segment(), tensor.dtype(), staging, buffer, crc);
            return;
        }
        if (tensor.byteSize() == 0) {
            return; // nothing to copy (and a device may refuse an empty copy)
        }
        // A device tensor: one host copy of it (the storage copies whole buffers only), then the same path.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(tensor.byteSize(), 64);
            tensor.storage().copyTo(host);
            stream(channel, host, tensor.dtype(), staging, buffer, crc);
        }
    }

    /** Copies {@code source} through the staging buffer, little-endian, into the channel at its position. */
    private static void stream(FileChannel channel, MemorySegment source, DType dtype, MemorySegment staging, ByteBuffer buffer,
                               CRC32C crc) throws IOException {
        long total = source.byteSize();
        for (long done = 0; done < total; ) {
            int bytes = (int) Math.min(staging.byteSize(), total - done);
            // The element-wise copy swaps bytes where the native order is big-endian; elsewhere it is a plain copy.
            MemorySegment.copy(source, dtype.layout(), done, staging, littleEndian(dtype), 0, bytes / dtype.byteSize());
            buffer.clear().limit(bytes);
            crc.update(buffer); // moves the position to the limit
            buffer.position(0);
            writeFully(channel, buffer);
            done += bytes;
        }
    }

    /** {@code dtype}'s element layout in the file's byte order. */
    static ValueLayout littleEndian(DType dtype) {
        return dtype.layout().withOrder(ByteOrder.LITTLE_ENDIAN);
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }
}
