package dev.hearth.tensor;

import static dev.hearth.tensor.TensorBytes.f16;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Random;
import jdk.incubator.vector.*;

/** Scratch experiments (not committed). */
public final class GemvExperiments {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    interface K { void run(MemorySegment w, long rb, int cols, int rows, float[] x, float[] out, float[] scratch); }

    // Q8_0: two 128-bit loads, no rearrange
    static float q8a(MemorySegment w, long off, int cols, float[] x) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            FloatVector block = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xi));
            block = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), block);
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    // Q8_0: as q8a with scale 1 (diagnostic)
    static float q8noscale(MemorySegment w, long off, int cols, float[] x) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            FloatVector next = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi), acc1);
            next = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), next);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    // Q8_0: scale applied via bits trick: f16 -> float in vector
    static float q8b(MemorySegment w, long off, int cols, float[] x) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            float d = Float.float16ToFloat(w.get(TensorBytes.SHORT_LE, o));
            FloatVector block = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xi));
            block = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), block);
            FloatVector next = block.fma(FloatVector.broadcast(F, d), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    // Q4_0: int lanes: 16 bytes zero/sign-extended to 16 ints, nibbles split in int lanes, x sums precomputed
    static float q4a(MemorySegment w, long off, int cols, float[] x, float[] xs) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 18L * b;
            int xi = 32 * b;
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2I, I16, 0);
            FloatVector lo = (FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0);
            FloatVector hi = (FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0);
            FloatVector block = lo.fma(FloatVector.fromArray(F, x, xi), FloatVector.fromArray(F, xs, 16 * b));
            block = hi.fma(FloatVector.fromArray(F, x, xi + 16), block);
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    // Q4_0: int lanes, -8 in float (sub)
    static float q4b(MemorySegment w, long off, int cols, float[] x) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 18L * b;
            int xi = 32 * b;
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B128, w, o + 2, LE).convertShape(VectorOperators.B2I, I16, 0);
            FloatVector lo = (FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
            FloatVector hi = (FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0);
            FloatVector block = lo.mul(FloatVector.fromArray(F, x, xi));
            block = hi.fma(FloatVector.fromArray(F, x, xi + 16), block);
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    // Q4_0: byte lanes as now but xs init instead of sub 8
    static float q4c(MemorySegment w, long off, int cols, float[] x, float[] xs) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 18L * b;
            int xi = 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector lo = q.and((byte) 0x0F);
            ByteVector hi = MatmulKernels.shiftRightMasked128(q, 4, 0x0F);
            FloatVector block = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi), FloatVector.fromArray(F, xs, 16 * b));
            block = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), block);
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }


    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    // Q8_0 256-bit: four 8-byte loads widened
    static float q8c(MemorySegment w, long off, int cols, float[] x) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = 32 * b;
            FloatVector block = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 2, LE).convertShape(VectorOperators.B2F, F8, 0)).mul(FloatVector.fromArray(F8, x, xi));
            block = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 10, LE).convertShape(VectorOperators.B2F, F8, 0)).fma(FloatVector.fromArray(F8, x, xi + 8), block);
            block = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 18, LE).convertShape(VectorOperators.B2F, F8, 0)).fma(FloatVector.fromArray(F8, x, xi + 16), block);
            block = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 26, LE).convertShape(VectorOperators.B2F, F8, 0)).fma(FloatVector.fromArray(F8, x, xi + 24), block);
            FloatVector next = block.fma(FloatVector.broadcast(F8, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    // Q8_0 256-bit int lanes: 32 bytes as 8 ints, bytes masked in place (signed via shift to top), x prepermuted: xp[32b + 8k + i] = x[32b + 4i + k]
    static float q8d(MemorySegment w, long off, int cols, float[] xp) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = 32 * b;
            IntVector q = ByteVector.fromMemorySegment(B256, w, o + 2, LE).reinterpretAsInts();
            FloatVector block = ((FloatVector) q.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F8, xp, xi));
            block = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).and(0xFF000000).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, xp, xi + 8), block);
            block = ((FloatVector) q.lanewise(VectorOperators.LSHL, 8).and(0xFF000000).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, xp, xi + 16), block);
            block = ((FloatVector) q.and(0xFF000000).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, xp, xi + 24), block);
            FloatVector next = block.fma(FloatVector.broadcast(F8, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    static void permute8(float[] x, int cols, float[] xp) {
        for (int b = 0; b < cols / 32; b++) for (int k = 0; k < 4; k++) for (int i = 0; i < 8; i++) xp[32 * b + 8 * k + i] = x[32 * b + 4 * i + k] * 0x1p-24f;
    }
    // Q4_0 256-bit: two 8-byte loads zero-extended to ints, nibbles split, -8 via xs init (xs8[8b..] = -8*(x lanes of 4 groups))
    static float q4d(MemorySegment w, long off, int cols, float[] x, float[] xs) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 18L * b;
            int xi = 32 * b;
            IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B64, w, o + 2, LE).convertShape(VectorOperators.B2I, I8, 0);
            IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B64, w, o + 10, LE).convertShape(VectorOperators.B2I, I8, 0);
            FloatVector block = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, x, xi), FloatVector.fromArray(F8, xs, 8 * b));
            block = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, x, xi + 8), block);
            block = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, x, xi + 16), block);
            block = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F8, x, xi + 24), block);
            FloatVector next = block.fma(FloatVector.broadcast(F8, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    static void xsums8(float[] x, int cols, float[] xs) {
        for (int b = 0; b < cols / 32; b++) for (int i = 0; i < 8; i++) xs[8 * b + i] = -8f * (x[32 * b + i] + x[32 * b + 8 + i] + x[32 * b + 16 + i] + x[32 * b + 24 + i]);
    }


    static void h2f(MemorySegment w, long off, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = Float.float16ToFloat(w.get(TensorBytes.SHORT_LE, off + 2L * i));
        }
    }
    static final int CH = Integer.getInteger("ch", 256);
    static float f16a(MemorySegment w, long off, int cols, float[] x, float[] tmp) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int c = 0; c < cols; c += CH) {
            h2f(w, off + 2L * c, tmp, CH);
            for (int i = 0; i < CH; i += 32) {
                acc0 = FloatVector.fromArray(F, tmp, i).fma(FloatVector.fromArray(F, x, c + i), acc0);
                acc1 = FloatVector.fromArray(F, tmp, i + 16).fma(FloatVector.fromArray(F, x, c + i + 16), acc1);
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }


    static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    // Q4_0 repacked: 32-row groups; per block 8 x 64 bytes (short lane r: 4 signed nibbles of row r for
    // elements j, j+8, j+16, j+24) followed by 32 float scales (128 bytes). x quantized to int8 per 32.
    static void q4i(MemorySegment w, int cols, int rows, short[] xq, float[] dx, float[] out) {
        int blocks = cols >> 5;
        long groupBytes = (long) blocks * (512 + 128);
        for (int g = 0; g < rows / 32; g++) {
            long base = g * groupBytes;
            FloatVector accLo = FloatVector.zero(F), accHi = accLo;
            for (int b = 0; b < blocks; b++) {
                long o = base + (long) b * 640;
                int xb = 32 * b;
                ShortVector acc = ShortVector.zero(S32);
                for (int j = 0; j < 8; j++) {
                    ShortVector v = ShortVector.fromMemorySegment(S32, w, o + 64 * j, LE);
                    acc = acc.add(v.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12).mul(xq[xb + j]));
                    acc = acc.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 12).mul(xq[xb + j + 8]));
                    acc = acc.add(v.lanewise(VectorOperators.LSHL, 4).lanewise(VectorOperators.ASHR, 12).mul(xq[xb + j + 16]));
                    acc = acc.add(v.lanewise(VectorOperators.ASHR, 12).mul(xq[xb + j + 24]));
                }
                FloatVector lo = (FloatVector) ((IntVector) acc.convertShape(VectorOperators.S2I, I16, 0)).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) ((IntVector) acc.convertShape(VectorOperators.S2I, I16, 1)).convert(VectorOperators.I2F, 0);
                float d = dx[b];
                accLo = lo.fma(FloatVector.fromMemorySegment(F, w, o + 512, LE).mul(d), accLo);
                accHi = hi.fma(FloatVector.fromMemorySegment(F, w, o + 576, LE).mul(d), accHi);
            }
            accLo.intoArray(out, 32 * g);
            accHi.intoArray(out, 32 * g + 16);
        }
    }
    static void q4iMain(String which) {
        int cols = 2048;
        long target = Long.getLong("bytes", 1L << 20);
        int rows = (int) Math.max(32, target / (18 * 64) / 32 * 32);
        Random random = new Random(1);
        long groupBytes = (long) (cols / 32) * 640;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(groupBytes * (rows / 32), 64);
            byte[] rnd = new byte[(int) data.byteSize()];
            random.nextBytes(rnd);
            MemorySegment.copy(rnd, 0, data, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, rnd.length);
            for (long g = 0; g < rows / 32; g++) for (int b = 0; b < cols / 32; b++) for (int r = 0; r < 32; r++)
                data.set(TensorBytes.FLOAT_LE, g * groupBytes + b * 640L + 512 + 4 * r, 0.01f);
            short[] xq = new short[cols];
            for (int i = 0; i < cols; i++) xq[i] = (short) (random.nextInt(255) - 127);
            float[] dx = new float[cols / 32];
            java.util.Arrays.fill(dx, 0.02f);
            float[] out = new float[rows];
            double best = 0;
            long q4Bytes = (long) rows * 18 * (cols / 32);
            int passes = (int) Math.max(1, 200 * (1L << 20) / q4Bytes);
            for (int trial = 0; trial < 15; trial++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                for (int p = 0; p < passes; p++) q4i(data, cols, rows, xq, dx, out);
                long ns = THREADS.getCurrentThreadCpuTime() - t0;
                best = Math.max(best, (double) passes * q4Bytes / ns);
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) THREADS;
            long a0 = mx.getCurrentThreadAllocatedBytes();
            q4i(data, cols, rows, xq, dx, out);
            long a1 = mx.getCurrentThreadAllocatedBytes();
            System.out.printf("%-10s %6.2f GB/s (Q4_0-equivalent bytes) alloc %d out0 %f%n", which, best, a1 - a0, out[0]);
        }
    }


    static final int G = 16;
    static void k6x2(float[] tile, int cols, float[] packed, int p0, int p1, float[] res) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        int r1 = cols, r2 = 2 * cols, r3 = 3 * cols, r4 = 4 * cols, r5 = 5 * cols;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(F, packed, p0 + k * G);
            FloatVector x1 = FloatVector.fromArray(F, packed, p1 + k * G);
            FloatVector w = FloatVector.broadcast(F, tile[k]); a00 = w.fma(x0, a00); a01 = w.fma(x1, a01);
            w = FloatVector.broadcast(F, tile[r1 + k]); a10 = w.fma(x0, a10); a11 = w.fma(x1, a11);
            w = FloatVector.broadcast(F, tile[r2 + k]); a20 = w.fma(x0, a20); a21 = w.fma(x1, a21);
            w = FloatVector.broadcast(F, tile[r3 + k]); a30 = w.fma(x0, a30); a31 = w.fma(x1, a31);
            w = FloatVector.broadcast(F, tile[r4 + k]); a40 = w.fma(x0, a40); a41 = w.fma(x1, a41);
            w = FloatVector.broadcast(F, tile[r5 + k]); a50 = w.fma(x0, a50); a51 = w.fma(x1, a51);
        }
        a00.add(a01).add(a10).add(a11).add(a20).add(a21).add(a30).add(a31).add(a40).add(a41).add(a50).add(a51).intoArray(res, 0);
    }
    static void k8x3(float[] tile, int cols, float[] packed, int p0, int p1, int p2, float[] res) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
        FloatVector a40 = z, a41 = z, a42 = z, a50 = z, a51 = z, a52 = z, a60 = z, a61 = z, a62 = z, a70 = z, a71 = z, a72 = z;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(F, packed, p0 + k * G);
            FloatVector x1 = FloatVector.fromArray(F, packed, p1 + k * G);
            FloatVector x2 = FloatVector.fromArray(F, packed, p2 + k * G);
            FloatVector w = FloatVector.broadcast(F, tile[k]); a00 = w.fma(x0, a00); a01 = w.fma(x1, a01); a02 = w.fma(x2, a02);
            w = FloatVector.broadcast(F, tile[cols + k]); a10 = w.fma(x0, a10); a11 = w.fma(x1, a11); a12 = w.fma(x2, a12);
            w = FloatVector.broadcast(F, tile[2 * cols + k]); a20 = w.fma(x0, a20); a21 = w.fma(x1, a21); a22 = w.fma(x2, a22);
            w = FloatVector.broadcast(F, tile[3 * cols + k]); a30 = w.fma(x0, a30); a31 = w.fma(x1, a31); a32 = w.fma(x2, a32);
            w = FloatVector.broadcast(F, tile[4 * cols + k]); a40 = w.fma(x0, a40); a41 = w.fma(x1, a41); a42 = w.fma(x2, a42);
            w = FloatVector.broadcast(F, tile[5 * cols + k]); a50 = w.fma(x0, a50); a51 = w.fma(x1, a51); a52 = w.fma(x2, a52);
            w = FloatVector.broadcast(F, tile[6 * cols + k]); a60 = w.fma(x0, a60); a61 = w.fma(x1, a61); a62 = w.fma(x2, a62);
            w = FloatVector.broadcast(F, tile[7 * cols + k]); a70 = w.fma(x0, a70); a71 = w.fma(x1, a71); a72 = w.fma(x2, a72);
        }
        a00.add(a01).add(a02).add(a10).add(a11).add(a12).add(a20).add(a21).add(a22).add(a30).add(a31).add(a32).add(a40).add(a41).add(a42).add(a50).add(a51).add(a52).add(a60).add(a61).add(a62).add(a70).add(a71).add(a72).intoArray(res, 0);
    }
    static void gemmMain(String which) {
        int cols = 2048, n = 96, rows = 48;  // 96 tokens = 6 groups (divisible by 2 and 3); 48 rows (by 6 and 8)
        Random random = new Random(1);
        float[] packed = RandomTensors.gaussian(n * cols, random);
        float[] tile = RandomTensors.gaussian(8 * cols, random);
        float[] res = new float[16];
        double best = 0;
        for (int trial = 0; trial < 10; trial++) {
            long t0 = THREADS.getCurrentThreadCpuTime();
            for (int rep = 0; rep < 20; rep++) {
                if (which.equals("g6x2")) {
                    for (int r = 0; r < rows; r += 6) for (int g = 0; g < 6; g += 2) k6x2(tile, cols, packed, g * cols * G, (g + 1) * cols * G, res);
                } else {
                    for (int r = 0; r < rows; r += 8) for (int g = 0; g < 6; g += 3) k8x3(tile, cols, packed, g * cols * G, (g + 1) * cols * G, (g + 2) * cols * G, res);
                }
            }
            long ns = THREADS.getCurrentThreadCpuTime() - t0;
            best = Math.max(best, 20.0 * 2 * rows * cols * n / ns);
        }
        System.out.printf("%-6s %6.1f GFLOP/s%n", which, best);
    }

    static void xsums(float[] x, int cols, float[] xs) {
        for (int b = 0; b < cols / 32; b++) for (int i = 0; i < 16; i++) xs[16 * b + i] = -8f * (x[32 * b + i] + x[32 * b + 16 + i]);
    }

    public static void main(String[] args) {
        String which = args[0];
        if (which.equals("q4i")) { q4iMain(which); return; }
        if (which.startsWith("g")) { gemmMain(which); return; }
        GgmlType type = which.startsWith("q8") ? GgmlType.Q8_0 : which.startsWith("f16") ? GgmlType.F16 : GgmlType.Q4_0;
        int cols = 2048;
        long rowBytes = type.byteSize(cols);
        long target = Long.getLong("bytes", 1L << 20);
        int rows = (int) Math.max(6, target / rowBytes / 6 * 6);
        Random random = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(rowBytes * rows, 64);
            for (int r = 0; r < rows; r++) {
                data.asSlice(r * rowBytes, rowBytes).copyFrom(MemorySegment.ofArray(RandomTensors.row(type, cols, random)));
            }
            float[] x = RandomTensors.gaussian(cols, random);
            float[] xs = new float[cols];
            float[] out = new float[rows];
            float[] ref = new float[rows];
            MatmulKernels.forType(type).gemv(data, rowBytes, cols, 0, rows, x, 0, ref, 0, null);
            K k = switch (which) {
                case "q8cur", "q4cur" -> (w, rb, c, n, xx, o, s) -> MatmulKernels.forType(type).gemv(w, rb, c, 0, n, xx, 0, o, 0, null);
                case "q8a" -> (w, rb, c, n, xx, o, s) -> { for (int r = 0; r < n; r++) o[r] = q8a(w, r * rb, c, xx); };
                case "q8b" -> (w, rb, c, n, xx, o, s) -> { for (int r = 0; r < n; r++) o[r] = q8b(w, r * rb, c, xx); };
                case "q8noscale" -> (w, rb, c, n, xx, o, s) -> { for (int r = 0; r < n; r++) o[r] = q8noscale(w, r * rb, c, xx); };
                case "q4a" -> (w, rb, c, n, xx, o, s) -> { xsums(xx, c, s); for (int r = 0; r < n; r++) o[r] = q4a(w, r * rb, c, xx, s); };
                case "q4b" -> (w, rb, c, n, xx, o, s) -> { for (int r = 0; r < n; r++) o[r] = q4b(w, r * rb, c, xx); };
                case "q4c" -> (w, rb, c, n, xx, o, s) -> { xsums(xx, c, s); for (int r = 0; r < n; r++) o[r] = q4c(w, r * rb, c, xx, s); };
                case "q8c" -> (w, rb, c, n, xx, o, s) -> { for (int r = 0; r < n; r++) o[r] = q8c(w, r * rb, c, xx); };
                case "q8d" -> (w, rb, c, n, xx, o, s) -> { permute8(xx, c, s); for (int r = 0; r < n; r++) o[r] = q8d(w, r * rb, c, s); };
                case "q4d" -> (w, rb, c, n, xx, o, s) -> { xsums8(xx, c, s); for (int r = 0; r < n; r++) o[r] = q4d(w, r * rb, c, xx, s); };
                case "f16cur" -> (w, rb, c, n, xx, o, s) -> MatmulKernels.forType(type).gemv(w, rb, c, 0, n, xx, 0, o, 0, null);
                case "f16a" -> (w, rb, c, n, xx, o, s) -> { for (int r = 0; r < n; r++) o[r] = f16a(w, r * rb, c, xx, s); };
                default -> throw new IllegalArgumentException(which);
            };
            double best = 0;
            int passes = (int) Math.max(1, 200 * (1L << 20) / ((long) rows * rowBytes));
            for (int trial = 0; trial < 15; trial++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                for (int p = 0; p < passes; p++) k.run(data, rowBytes, cols, rows, x, out, xs);
                long ns = THREADS.getCurrentThreadCpuTime() - t0;
                best = Math.max(best, (double) passes * rows * rowBytes / ns);
            }
            double err = 0;
            for (int r = 0; r < rows; r++) err = Math.max(err, Math.abs(out[r] - ref[r]) / (1e-3 + Math.abs(ref[r])));
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) THREADS;
            long a0 = mx.getCurrentThreadAllocatedBytes();
            k.run(data, rowBytes, cols, rows, x, out, xs);
            long a1 = mx.getCurrentThreadAllocatedBytes();
            System.out.printf("%-10s %6.2f GB/s  maxrel %.2e alloc %d%n", which, best, err, a1 - a0);
        }
    }
}
