package dev.panamax.optimizers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The header of a safetensors file (https://github.com/huggingface/safetensors): a JSON object
 * that maps each tensor's name to its {@code dtype}, {@code shape} and {@code data_offsets}
 * ({@code [begin, end)} in bytes from the start of the data section), plus an optional
 * {@code "__metadata__"} object of strings. The file is the header's length as an unsigned 64-bit
 * little-endian integer, the header (UTF-8, padded with spaces), then the data section: every
 * tensor's elements, row-major and little-endian, back to back with no holes.
 *
 * <p>Only the dtypes a {@link Tensor} has are read: {@code F32}, {@code F64}, {@code I32},
 * {@code I64}. The metadata key {@value #CHECKSUM_KEY} is Panamax's own: a CRC32C of the whole
 * file (see {@link SafeTensorsWriter}).
 */
final class SafeTensorsHeader {

    /** The reference implementation refuses larger headers; so do we, before allocating one. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA = "__metadata__";
    static final String CHECKSUM_KEY = "checksum";
    static final String CHECKSUM_PREFIX = "crc32c:";
    /** The value written before the checksum is known; also what the checksum reads in its place. */
    static final String CHECKSUM_PLACEHOLDER = CHECKSUM_PREFIX + "00000000";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * One tensor of the file.
     *
     * @param begin the first byte of its elements, from the start of the data section
     * @param end   one past its last byte
     */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {

        Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        long byteSize() {
            return end - begin;
        }

        /** For messages: {@code float32[2, 3]}, as {@link Tensor#describe()}. */
        String describe() {
            return dtype.kerasName() + Arrays.toString(shape);
        }
    }

    private final Map<String, String> metadata;
    private final List<Entry> entries;

    private SafeTensorsHeader(Map<String, String> metadata, List<Entry> entries) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.entries = List.copyOf(entries);
    }

    /** The {@code "__metadata__"} strings, in file order; empty when there are none. */
    Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors in the order of their data. */
    List<Entry> entries() {
        return entries;
    }

    /** The size of the data section: the end of the last tensor. */
    long dataBytes() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).end();
    }

    /** The safetensors name of {@code dtype}. */
    static String formatName(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case INT32 -> "I32";
            case INT64 -> "I64";
            case BFLOAT16 -> "BF16";
            case FLOAT16 -> "F16";
        };
    }

    /** The dtype of a safetensors name, or null for one a {@link Tensor} cannot hold (U8, BOOL, ...). */
    static DType dtypeOf(String formatName) {
        return switch (formatName) {
            case "F32" -> DType.FLOAT32;
            case "F64" -> DType.FLOAT64;
            case "I32" -> DType.INT32;
            case "I64" -> DType.INT64;
            case "BF16" -> DType.BFLOAT16;
            case "F16" -> DType.FLOAT16;
            default -> null;
        };
    }

    // ---- writing ---------------------------------------------------------------------------------

    /** A tensor to lay out: its name, dtype and shape. */
    record Layout(String name, DType dtype, long[] shape) {
    }

    /** Lays {@code tensors} out back to back, in the given order. Names must be distinct. */
    static SafeTensorsHeader layout(Map<String, String> metadata, List<Layout> tensors) {
        List<Entry> out = new ArrayList<>(tensors.size());
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Layout t : tensors) {
            if (t.name().equals(METADATA) || !names.add(t.name())) {
                throw new IllegalArgumentException("Tensor name '" + t.name() + "' is "
                        + (t.name().equals(METADATA) ? "reserved" : "given twice") + " in a safetensors file");
            }
            long bytes = Math.multiplyExact(Tensor.elementCount(t.shape()), t.dtype().byteSize());
            out.add(new Entry(t.name(), t.dtype(), t.shape(), offset, Math.addExact(offset, bytes)));
            offset += bytes;
        }
        return new SafeTensorsHeader(new LinkedHashMap<>(metadata), out);
    }

    /**
     * The header as UTF-8 JSON, metadata first, padded with spaces so that the data section starts
     * 8-byte aligned (as the reference writer does).
     */
    byte[] encode() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", formatName(e.dtype()));
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(e.begin()).add(e.end());
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("Could not write a safetensors header: " + e.getOriginalMessage(), e);
        }
        int padded = (int) ((Long.BYTES + json.length + 7L) / 8 * 8 - Long.BYTES);
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /**
     * Where the eight hex digits of the {@value #CHECKSUM_KEY} metadata value start in
     * {@code header}, or -1 when it has none. The key and value are searched as written, with no
     * space: {@code "checksum":"crc32c:}. That text can only be the metadata entry itself, since
     * every quote inside a JSON string is escaped and tensor entries are objects.
     *
     * @throws IllegalArgumentException when it occurs more than once
     */
    static int checksumDigitsAt(byte[] header) {
        byte[] key = ("\"" + CHECKSUM_KEY + "\":\"" + CHECKSUM_PREFIX).getBytes(StandardCharsets.US_ASCII);
        int found = -1;
        for (int i = 0; i + key.length + 9 <= header.length; i++) {
            if (header[i] == key[0] && Arrays.equals(header, i, i + key.length, key, 0, key.length)) {
                if (found >= 0) {
                    throw new IllegalArgumentException("the header holds the checksum key twice");
                }
                found = i + key.length;
            }
        }
        return found;
    }

    // ---- reading ---------------------------------------------------------------------------------

    /**
     * Parses and checks a header read from {@code file}: one JSON object, string metadata, every
     * other entry a tensor with a known dtype, a shape of non-negative sizes and data offsets that
     * match the shape, and all tensors back to back from 0 to {@code dataBytes} with no hole and no
     * overlap.
     *
     * @param dataBytes the bytes after the header in the file
     * @throws CheckpointException naming the tensor and what is wrong
     */
    static SafeTensorsHeader decode(Path file, byte[] header, long dataBytes) throws CheckpointException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (IOException e) { // only a JacksonException: the bytes are in memory
            String reason = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
            throw new CheckpointException(file, "the safetensors header is not valid JSON (" + reason
                    + "): the file is corrupt or not a safetensors file", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file, "the safetensors header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(readEntry(file, field.getKey(), field.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin() != expected) {
                throw new CheckpointException(file, "tensor '" + e.name() + "' starts at byte " + e.begin() + " of the data, expected "
                        + expected + (e.begin() < expected ? " (it overlaps the tensor before it)" : " (a hole before it)"));
            }
            expected = e.end();
        }
        if (expected != dataBytes) {
            throw new CheckpointException(file, "the header describes " + expected + " bytes of tensor data, but the file holds "
                    + dataBytes + " after the header" + (dataBytes < expected ? ": the file is truncated" : ": extra bytes at the end"));
        }
        return new SafeTensorsHeader(metadata, entries);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) throws CheckpointException {
        if (node.isNull()) {
            return; // the reference implementation writes no metadata as null
        }
        if (!node.isObject()) {
            throw new CheckpointException(file, "'" + METADATA + "' must be an object of strings, found " + node.getNodeType());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(file, "metadata '" + e.getKey() + "' must be a string, found " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode node) throws CheckpointException {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new CheckpointException(file, where + " must be an object with dtype, shape and data_offsets, found "
                    + node.getNodeType());
        }
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new CheckpointException(file, where + " has the unknown key '" + key + "'; expected dtype, shape and data_offsets");
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(file, where + " has no dtype string");
        }
        DType dtype = dtypeOf(dtypeNode.textValue());
        if (dtype == null) {
            throw new CheckpointException(file, where + " has dtype '" + dtypeNode.textValue()
                    + "'; expected one of F32, F64, I32, I64, BF16, F16 (the dtypes of a Panamax tensor)");
        }
        long[] shape = longs(file, where + " shape", node.get("shape"), -1);
        long[] offsets = longs(file, where + " data_offsets", node.get("data_offsets"), 2);
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, where + " shape " + Arrays.toString(shape) + " has more elements than a file can hold");
        }
        if (offsets[1] < offsets[0] || offsets[1] - offsets[0] != bytes) {
            throw new CheckpointException(file, where + " data_offsets " + Arrays.toString(offsets) + " span "
                    + (offsets[1] - offsets[0]) + " bytes, expected " + bytes + " for " + dtype.kerasName() + Arrays.toString(shape));
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers; of {@code length} entries unless it is -1. */
    private static long[] longs(Path file, String what, JsonNode node, int length) throws CheckpointException {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new CheckpointException(file, what + " must be an array of " + (length >= 0 ? length + " " : "")
                    + "non-negative integers, found " + (node == null ? "nothing" : node));
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = node.get(i);
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
                throw new CheckpointException(file, what + " must be an array of non-negative integers, found " + node);
            }
            out[i] = n.longValue();
        }
        return out;
    }
}
