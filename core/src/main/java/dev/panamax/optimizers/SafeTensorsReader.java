package dev.panamax.optimizers;

import dev.panamax.tensor.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a safetensors file written by {@link SafeTensorsWriter}: {@link #open} checks its
 * structure (length prefix, header JSON, tensor entries, data size), {@link #verifyChecksum}
 * reads the whole file once to check its CRC32C, and {@link #read} streams one tensor into a
 * tensor of the same dtype and shape. No step holds more than one chunk (or, for a device target,
 * one tensor) of the file in memory.
 *
 * <p>The reader keeps the file open: a file replaced by an atomic rename meanwhile is not seen,
 * so every read comes from the file that was checked.
 */
final class SafeTensorsReader implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final byte[] headerBytes;
    private final SafeTensorsHeader header;
    private boolean checksumVerified;

    private SafeTensorsReader(Path file, FileChannel channel, byte[] headerBytes, SafeTensorsHeader header) {
        this.file = file;
        this.channel = channel;
        this.headerBytes = headerBytes;
        this.header = header;
    }

    /**
     * Opens {@code file} and checks its structure.
     *
     * @throws CheckpointException when it is not a well-formed safetensors file of Panamax's dtypes
     * @throws IOException         when it cannot be read
     */
    static SafeTensorsReader open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < Long.BYTES) {
                throw new CheckpointException(file, "the file has " + size + " bytes, too few for a safetensors file "
                        + "(an 8-byte header length, then the header): it is truncated or empty");
            }
            ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, prefix, 0, file);
            long headerLength = prefix.getLong(0);
            if (headerLength < 2 || headerLength > SafeTensorsHeader.MAX_HEADER_BYTES || headerLength > size - Long.BYTES) {
                throw new CheckpointException(file, "the header length is " + Long.toUnsignedString(headerLength) + " bytes; expected "
                        + "at least 2 and at most " + Math.min(SafeTensorsHeader.MAX_HEADER_BYTES, size - Long.BYTES)
                        + " (the file has " + size + " bytes): the file is truncated, corrupt or not a safetensors file");
            }
            ByteBuffer json = ByteBuffer.allocate((int) headerLength);
            readFully(channel, json, Long.BYTES, file);
            byte[] headerBytes = json.array();
            if (headerBytes[0] != '{') {
                throw new CheckpointException(file, "the header starts with byte 0x" + HexFormat.of().toHexDigits(headerBytes[0])
                        + ", expected '{': the file is corrupt or not a safetensors file");
            }
            SafeTensorsHeader header = SafeTensorsHeader.decode(file, headerBytes, size - Long.BYTES - headerLength);
            return new SafeTensorsReader(file, channel, headerBytes, header);
        } catch (IOException | RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }

    /** The file being read. */
    Path file() {
        return file;
    }

    /** The header's metadata strings. */
    Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensors, in the order of their data. */
    List<SafeTensorsHeader.Entry> entries() {
        return header.entries();
    }

    /**
     * Reads the whole file and checks its {@value SafeTensorsHeader#CHECKSUM_KEY} (see
     * {@link SafeTensorsWriter}). Later calls return at once.
     *
     * @throws CheckpointException when the file has no checksum or its bytes do not match it
     */
    void verifyChecksum() throws IOException {
        if (checksumVerified) {
            return;
        }
        String recorded = header.metadata().get(SafeTensorsHeader.CHECKSUM_KEY);
        if (recorded == null) {
            throw new CheckpointException(file, "the header has no '" + SafeTensorsHeader.CHECKSUM_KEY + "' in "
                    + SafeTensorsHeader.METADATA + ": it was not written by Panamax, which checks every file it loads");
        }
        int digitsAt;
        try {
            digitsAt = SafeTensorsHeader.checksumDigitsAt(headerBytes);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage());
        }
        if (!recorded.matches(SafeTensorsHeader.CHECKSUM_PREFIX + "[0-9a-f]{8}") || digitsAt < 0
                || !recorded.substring(SafeTensorsHeader.CHECKSUM_PREFIX.length())
                .equals(new String(headerBytes, digitsAt, 8, StandardCharsets.US_ASCII))) {
            throw new CheckpointException(file, "the checksum is '" + recorded + "', expected '" + SafeTensorsHeader.CHECKSUM_PREFIX
                    + "' and 8 lower-case hex digits, written without spaces");
        }
        CRC32C crc = new CRC32C();
        ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes.length);
        crc.update(prefix.array());
        byte[] zeroed = headerBytes.clone();
        Arrays.fill(zeroed, digitsAt, digitsAt + 8, (byte) '0');
        crc.update(zeroed);
        long dataStart = Long.BYTES + (long) headerBytes.length;
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buffer = arena.allocate(SafeTensorsWriter.stagingBytes(header.dataBytes()), 64).asByteBuffer();
            long total = header.dataBytes();
            for (long done = 0; done < total; ) {
                int bytes = (int) Math.min(buffer.capacity(), total - done);
                buffer.clear().limit(bytes);
                readFully(channel, buffer, dataStart + done, file);
                buffer.flip();
                crc.update(buffer);
                done += bytes;
            }
        }
        String computed = SafeTensorsHeader.CHECKSUM_PREFIX + HexFormat.of().toHexDigits((int) crc.getValue());
        if (!computed.equals(recorded)) {
            throw new CheckpointException(file, "checksum mismatch: the header records " + recorded + ", the file's bytes give "
                    + computed + ": the file is corrupt");
        }
        checksumVerified = true;
    }

    /** Whether {@link #verifyChecksum} has passed. */
    boolean checksumVerified() {
        return checksumVerified;
    }

    /**
     * Copies {@code entry}'s elements into {@code target}, which must have its dtype and shape: in
     * place for a host tensor, through one host copy for a device tensor.
     *
     * @param target modified
     */
    void read(SafeTensorsHeader.Entry entry, Tensor target) throws IOException {
        if (target.dtype() != entry.dtype() || !target.hasShape(entry.shape())) {
            throw new IllegalArgumentException("Cannot read " + entry.describe() + " '" + entry.name() + "' into a " + target.describe());
        }
        if (entry.byteSize() == 0) {
            return;
        }
        if (target.isHost()) {
            stream(entry, target.segment());
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(entry.byteSize(), 64);
            stream(entry, host);
            target.storage().copyFrom(host);
        }
    }

    /** Element {@code 0} of {@code entry} as a long (an int64 or int32 tensor) or double (a float one). */
    Number readScalar(SafeTensorsHeader.Entry entry) throws IOException {
        try (Tensor t = Tensor.zeros(entry.dtype(), entry.shape())) {
            read(entry, t);
            return switch (entry.dtype()) {
                case INT64 -> t.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                case INT32 -> (long) t.segment().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, 0);
                case FLOAT32, FLOAT64, BFLOAT16, FLOAT16 -> t.getDouble(0);
            };
        }
    }

    private void stream(SafeTensorsHeader.Entry entry, MemorySegment target) throws IOException {
        long dataStart = Long.BYTES + (long) headerBytes.length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(SafeTensorsWriter.stagingBytes(entry.byteSize()), 64);
            ByteBuffer buffer = staging.asByteBuffer();
            int elementBytes = entry.dtype().byteSize();
            for (long done = 0; done < entry.byteSize(); ) {
                int bytes = (int) Math.min(staging.byteSize(), entry.byteSize() - done);
                buffer.clear().limit(bytes);
                readFully(channel, buffer, dataStart + entry.begin() + done, file);
                MemorySegment.copy(staging, SafeTensorsWriter.littleEndian(entry.dtype()), 0, target, entry.dtype().layout(), done,
                        bytes / elementBytes);
                done += bytes;
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new EOFException(file + ": the file ended at byte " + position + " while " + buffer.remaining()
                        + " more bytes were expected (was it truncated while being read?)");
            }
            position += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
