package dev.panamax.opencl;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A program built from OpenCL C source for one device. Made by {@link OpenClContext#buildProgram}. */
public final class OpenClProgram extends OpenClObject {

    private final OpenClContext context;

    private OpenClProgram(OpenClContext context, MemorySegment handle) {
        super(handle);
        this.context = context;
    }

    static OpenClProgram build(OpenClContext context, String source, String options) {
        MemorySegment program = Cl.createProgramWithSource(context.handle(), source);
        int code = Cl.buildProgram(program, context.device().handle(), options == null ? "" : options);
        if (code != Cl.CL_SUCCESS) {
            String log;
            try {
                log = buildLog(program, context.device());
            } catch (RuntimeException e) {
                log = "(no build log: " + e.getMessage() + ")";
            }
            Cl.releaseProgram(program);
            throw new OpenClException("clBuildProgram", code, "options: '" + options + "'\nbuild log:\n" + log.strip());
        }
        return new OpenClProgram(context, program);
    }

    private static String buildLog(MemorySegment program, OpenClDevice device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            Cl.getProgramBuildInfo(program, device.handle(), Cl.CL_PROGRAM_BUILD_LOG, 0, MemorySegment.NULL, size);
            MemorySegment log = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            Cl.getProgramBuildInfo(program, device.handle(), Cl.CL_PROGRAM_BUILD_LOG, log.byteSize(), log, MemorySegment.NULL);
            return log.getString(0);
        }
    }

    /** The context this object belongs to. */
    public OpenClContext context() {
        return context;
    }

    /** The kernel function {@code name} of this program (CL_INVALID_KERNEL_NAME if there is none). */
    public OpenClKernel createKernel(String name) {
        return new OpenClKernel(this, name, Cl.createKernel(handle(), name));
    }

    @Override
    String description() {
        return "OpenCL program";
    }

    @Override
    void release(MemorySegment handle) {
        Cl.releaseProgram(handle);
    }
}
