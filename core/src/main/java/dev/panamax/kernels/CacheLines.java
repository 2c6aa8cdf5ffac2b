package dev.panamax.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

/**
 * Where a tensor's first 64-byte cache line begins. A Vector API loop over several arrays runs at
 * the memory limit when its vectors start on cache-line boundaries and slower when they start 16
 * or 32 bytes past one (on this project's AVX2 machine, {@code PlacementBenchmark}: Adam at 16M
 * float32 elements, 9.1 ms aligned, 10.8 ms 16 bytes past a boundary, 8.0 ms when the first 12
 * elements are handed to a separate call). C2's auto-vectorised loops align
 * themselves; ours are told where to start by {@link HostTensorKernels}, which runs the elements
 * before the boundary as a call of their own. Element-wise kernels give the same bits whatever the
 * split, so this changes speed only.
 *
 * <p>An off-heap segment knows its address. A Java array's elements start after the array header,
 * at the array's own address plus 16 bytes on HotSpot's default 64-bit layout (12 for 4-byte elements
 * with compact object headers); G1 places the large arrays that matter here (half a region or more)
 * at region boundaries, and smaller ones anywhere, where the guess costs at most one short call.
 */
final class CacheLines {

    static final int LINE = 64;

    private CacheLines() {
    }

    /** Elements of {@code elementBytes} bytes before the segment's first cache-line boundary (0 when none can be reached). */
    static long elementsBeforeBoundary(MemorySegment segment, long elementBytes) {
        long address = segment.isNative() ? segment.address() : ArrayHeader.bytes(elementBytes) + segment.address();
        long misalignment = Math.floorMod(address, LINE);
        if (misalignment == 0 || misalignment % elementBytes != 0) {
            return 0;
        }
        return (LINE - misalignment) / elementBytes;
    }

    /** The bytes before element 0 of a Java array, read once from the JVM's options. */
    private static final class ArrayHeader {
        private static final boolean COMPACT = compactObjectHeaders();

        static long bytes(long elementBytes) {
            return COMPACT && elementBytes <= 4 ? 12 : 16;
        }

        private static boolean compactObjectHeaders() {
            try {
                return Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                        .getVMOption("UseCompactObjectHeaders").getValue());
            } catch (RuntimeException | LinkageError e) {
                return false; // not HotSpot, or an older one: the default layout
            }
        }
    }
}
