package dev.hearth.tensor;

import static dev.hearth.tensor.MatmulKernels.B128;
import static dev.hearth.tensor.MatmulKernels.B256;
import static dev.hearth.tensor.MatmulKernels.F;
import static dev.hearth.tensor.MatmulKernels.HALVES;
import static dev.hearth.tensor.MatmulKernels.I;
import static dev.hearth.tensor.MatmulKernels.L;
import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.f16;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector kernels for generation, where a token reads every weight once: the work per weight byte
 * must stay below what memory delivers. Each row is one sequential read (see below why not two rows per
 * pass); the kernels keep a block's partial dot product in a float vector and apply the block scale with one
 * fused multiply-add per block. Results differ from the scalar reference only in the order of float
 * additions (and FMA's single rounding).
 *
 * <p><b>Q4_K and Q6_K (AVX-512): quants in int lanes, x rearranged once per call.</b> Widening quant bytes to
 * float lanes costs a cross-lane shuffle per 16 weights, and that (with a second multiply-add per weight for
 * Q4_K's mins) made the byte-lane kernels compute-bound at about 5 GB/s. Here 64 quant bytes load as 16 int
 * lanes and each weight is taken out in place with one AND ({@code q & (0x0F << 8b)}, value {@code q * 2^8b}),
 * converted by one int-to-float and multiplied into a per-sub-block sum by one FMA: three operations per 16
 * weights, no shuffles. What makes that possible is done once per gemv call, for all rows, in the calling
 * thread's scratch ({@link MatmulKernel#gemvScratchLength}): x is permuted into the order the int lanes hold
 * the weights, each element pre-scaled by the exact power of two {@code 2^-8b}, and summed per sub-block, so
 * that Q4_K's {@code - dmin * min} and Q6_K's {@code - 32} leave the inner loop as one short vector dot per
 * super-block with those sums. The sub-block scales are applied to the sums, with per-lane scale vectors
 * built by variable shifts of a broadcast int (no shuffles). One core, MatmulThroughput, 256 MiB streamed:
 * Q4_K 5.1 to 8.3 GB/s, Q6_K 5.1 to 12.0 GB/s. Steps measured on the way (Q4_K, in cache): 256-bit
 * vectors 5.7; 512-bit 7.0 (fewer instructions for the same work: lanes 0-7 and 8-15 then belong to
 * different sub-blocks, hence the per-lane scales); mins as one vector FMA per super-block instead of 8
 * scalar ones 8.4; scales as vectors instead of 8 scalar conversions and broadcasts 9.3 to 10.
 *
 * <p><b>Q4_K, Q5_K and Q6_K with 8 int lanes (AVX2; Q5_K on AVX-512 too).</b> The same scheme with 256-bit
 * vectors: 32 quant bytes load as 8 int lanes. For Q4_K and Q5_K that is one 64-element group, whose low
 * nibbles are one sub-block and high nibbles the next, so each sub-block sum has a single scale, applied as a
 * broadcast scalar. Q5_K's 32 bytes of fifth bits load as 8 int lanes in the same byte order and are ORed in
 * at bit 4 of each byte, the qh vector shifted right by 2 per group; x is rearranged as for Q4_K. Q6_K's 32
 * ql bytes span two 16-element scale groups (lanes 0-3 and 4-7): per-lane scales by variable shifts of a
 * broadcast int, as in the 512-bit kernel. Before these, the three types ran {@link VectorKernels}' row dot
 * on 256-bit machines, the most common hardware, which was slow and had a defect: now and then a fresh JVM
 * compiled it with boxed vectors for good (~10 to 70 KB allocated per gemv, several times slower; C2 boxes
 * the vectors that its helper methods take and return when it does not inline them, and MatmulKernelsTest
 * still sees it for gemv without scratch). These kernels hand vectors only to the Vector API's force-inlined
 * methods: gemv with scratch allocated nothing in 10 fresh JVMs per type and in JVMs that ran all eight
 * types one after another (where the row dot allocated in 1 of 10 and 1 of 5), and GenerationAllocationTest
 * now also runs with 256-bit vectors. One core, MatmulThroughput
 * with -XX:MaxVectorSize=32, in cache / 256 MiB streamed, row dot to these: Q4_K 3.7 / 3.9 to 6.8 / 6.8 GB/s,
 * Q5_K 1.9 / 1.9 to 7.5 / 7.4, Q6_K 2.6 / 2.6 to 8.0 / 7.7. Q5_K has no 512-bit kernel (its 32 bytes of
 * fifth bits would be needed in both halves of a 64-byte vector: a shuffle); on AVX-512 the 256-bit one
 * beats the row dot too, 4.6 to 7.4 GB/s.
 *
 * <p>Rearranges (and masks) are avoided on purpose: with float shuffles for the scales, Q4_K ran at 10 GB/s
 * alone but allocated (every vector boxed, 3 GB/s) once the Q6_K kernel, which also used shuffles, had run
 * in the same JVM first; C2 no longer intrinsified the rearranges. Constant per-lane data comes from int
 * arrays (a plain vector load) instead.
 *
 * <p>Alternatives measured on one AVX-512 core (Zen 4, MatmulThroughput) and dropped:
 * <ul>
 *   <li>Two rows per pass (each x vector loaded once for both rows): as fast with the weights in cache,
 *       but streaming a 256 MiB matrix from memory Q8_0 fell from 17.2 to 6.7 GB/s and Q4_0 from 9.3 to 4.8:
 *       two interleaved streams defeat the hardware prefetcher. One row at a time keeps the in-cache speed.</li>
 *   <li>Q4_K, Q5_K, Q6_K kernels that sum q * x per sub-block and scale once (mins applied to sums of x):
 *       4.6, 4.3 and 5.2 GB/s in cache against 5.1, 4.5 and 5.4 for {@link VectorKernels}' row dot (then the
 *       path for Q5_K and for 256-bit machines); a two-row version of them parses into more nodes than C2
 *       inlines, and then allocates. The int-lane kernels above succeed where these did not because the
 *       quants no longer go through byte-to-float widening.</li>
 *   <li>Q4_0 decoded in int lanes (bytes zero-extended to ints, nibbles split there, the -8 applied to
 *       per-block sums of x): 6.3 GB/s in cache against 9.2 for the byte-lane kernel below.</li>
 *   <li>Q4_0 with the -8 taken out of the loop ({@code (q - 8) . x = q . x - 8 * (sum of x)}, the sums of x per
 *       block computed once per call into the scratch, one scalar {@code d * sum} per block): 7.9 GB/s in cache
 *       against 9.2; two byte subtractions saved per block do not pay for the scalar work added to it. The
 *       int-lane decoding of Q4_K and Q6_K does not carry over: an 18-byte block is 4 int lanes, and 16-lane
 *       vectors would span blocks with different scales.</li>
 *   <li>Q4_K scale vectors by one AND with a per-lane byte mask (no shift), the leftover power of two folded
 *       into the rearranged x (down to {@code 2^-48}): 9.3-9.8 GB/s in cache against 9.4 for the shift and
 *       mask below, i.e. noise, and x below about 1e-23 would turn subnormal. Kept the shifts.</li>
 * </ul>
 * <p>What bounds these kernels (measured 2026-11-24 on the Zen 4 core, C2 code read with objdump): about 1.3
 * 512-bit vector operations retire per cycle, so one core's GB/s follows the operations per weight byte. Q8_0
 * needs about eight per 34-byte block (two widenings, two int-to-float conversions, three FMAs, a broadcast):
 * 19-20 GB/s; Q4_0 the same eight plus six 128-bit ones for 18 bytes: 9 GB/s; the int-lane Q4_K and Q6_K about
 * 80 and 95 per super-block: 9-10 and 10-11 GB/s. Every further variant is judged by that count:
 * <ul>
 *   <li>256-bit vectors on this core: Q8_0 13.3 against 20 GB/s, Q4_0 6.9 against 9.1 (twice the operations,
 *       each no cheaper).</li>
 *   <li>Q4_0 with the -8 folded into each block's first FMA (its accumulator starts at {@code -8 * x} sums
 *       prepared once per call): 9.25 against 9.1, noise.</li>
 *   <li>Q4_0 as 16-bit integer products, repacked into groups of 32 rows whose lanes are rows, x quantized to
 *       8-bit blocks: 15-16.4 GB/s in cache, 1.7x the float kernel. Built: {@link InterleavedQ4_0} and, the
 *       same way, {@link InterleavedQ4_K} (weights repacked at load, the prompt path reading the same copy), used wherever 512-bit vectors are; the
 *       {@link #q4_0} kernel below still runs on 256-bit machines and for matrices of partial groups.</li>
 *   <li>Q6_K the same way, first try (its 6-bit values as a nibble plane and a bit-pair plane per row, about
 *       five operations per value): 14.4 GB/s in cache, 12.1 streaming, but in about 1 of 6 fresh JVMs C2
 *       compiled the 1.6 KB method with vectors boxed. The cause, found later with {@code -XX:+PrintInlining}:
 *       C2 stops inlining once a parse passes its node count limit ({@code NodeCountInliningCutoff}, a develop
 *       flag), and every Vector API call left as a call boxes its vectors; how many nodes a method reaches
 *       depends on its profile. Vector API methods are force-inline and exempt; what stays a call is a helper of
 *       ours. Built as {@link InterleavedQ6_K}: values laid out so that 12 of 16 take one operation, the
 *       sub-block's two 8-column sums in two methods of their own with no helper. One core streaming 256 MB:
 *       8.6-13.6 GB/s from JVM to JVM (bimodal, cause not found) against 9.3-10.9 for {@link #q6_K}; in the
 *       model (2 threads, same machine, back to back) Q4_K_M generation 22-24.5 to 27-29 tok/s, Q4_0 27-29 to
 *       32-33.</li>
 *   <li>Byte products (llama.cpp's VNNI {@code vpdpbusd} or {@code pmaddubsw}) have no Vector API
 *       counterpart; an 8-bit product goes through 16-bit lanes as above.</li>
 *   <li>F16 with 16 lanes: {@link #halfPairs}, four operations per 16 weights against {@link #halfToFloat}'s
 *       ten. One core, 2048 columns, float x: 29-30 GB/s against 19 in cache, 24 against 18 streaming 256 MiB.
 *       Llama-3.2-1B F16 tg32, 2 threads, four alternating pairs of runs: 8.2-9.2 to 8.9-9.6 tok/s.</li>
 *   <li>Rows of 8192 columns (the FFN's down projection) streamed at 6-8 GB/s against 18-22 for rows of 2048,
 *       the same 32 MiB either way. What matters is x's size: a float x of 8192 (32 KB, all of L1) is evicted
 *       by the weights passing through L1 and read again from L2 for every row (16 KB of x: 10-13 GB/s; 8 KB:
 *       18-22). In the model, one thread: down 8.3 GB/s for F16 and 7.8 for Q8_0, the other matrices 18-19 and
 *       14-15. Tried and dropped: columns in chunks of 1024-4096 over panels of 16-64 rows (x chunk in L1, but
 *       each row read in pieces: 6-7.4 GB/s); every other row read backwards so that the last x lines are
 *       reused (descending streams: worse). Built for F16: x rounded to binary16, as ggml does for F16 weights;
 *       it costs six operations per 32 weights (22 against 29 GB/s in cache) and halves x. tg32, three
 *       alternating rounds: float x 9.5-10.3, binary16 x for rows over 4096 columns 9.4-10.7, for all rows
 *       10.8-12.0 tok/s. For Q8_0, x in bfloat16 ({@link #q8_0Pairs}: a shift or a mask per 16 elements; ggml
 *       quantizes x to 8-bit blocks there, an integer kernel with rows as lanes like {@link InterleavedQ4_0}'s
 *       would be the next step). One thread, ms per token: down 36.4 to 24.5 (7.8 to 11.6 GB/s), gate/up 39.0
 *       to 35.0; tg32 on 2 threads, four alternating pairs: 18.4-19.5 to 19.3-21.1 tok/s. BF16 likewise with x
 *       in bfloat16 ({@link #bf16}, as ggml does): 9.5-10.2 to 11.3-12.0 tok/s.</li>
 * </ul>
 */
final class GemvKernels {

    /** One type's matrix-vector product; see {@link MatmulKernel#gemv}. */
    interface Gemv {
        void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset, float[] scratch);
    }

    /**
     * Whether the kernels written for 512-bit vectors run: 16 float lanes (AVX-512). On 256-bit machines
     * their 512-bit vectors would not be intrinsified (and would allocate), and the 256-bit versions run.
     */
    // From the species itself, not MatmulKernels.L: MatmulKernels' initializer asks forType for its kernels, so
    // reading MatmulKernels here would, whenever this class is initialized first, run that initializer while
    // WIDE still reads false, and the K-quant kernels would silently be left out (seen: Q6_K output at 4 GB/s).
    static final boolean WIDE = FloatVector.SPECIES_PREFERRED.length() == 16;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    static final VectorSpecies<Float> F16V = FloatVector.SPECIES_512;
    static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_512;
    // Per-lane constants are int vectors loaded from these arrays (a plain load): no shuffles or masks, whose
    // intrinsics C2 stopped applying (and then allocated) once both kernels had run in one JVM.
    /** Q4_K: shift counts that put scale byte 0 in lanes 0-7 and byte 2 in lanes 8-15 (after {@code & 0xFF}). */
    private static final int[] EVEN_SCALE_SHIFTS = {0, 0, 0, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16, 16};
    /** Bytes 1 and 3. */
    private static final int[] ODD_SCALE_SHIFTS = {8, 8, 8, 8, 8, 8, 8, 8, 24, 24, 24, 24, 24, 24, 24, 24};
    /** Q6_K: left shifts that, followed by an arithmetic shift by 24, put signed byte j in lanes 4j to 4j+3. */
    private static final int[] QUARTER_SHIFTS = {24, 24, 24, 24, 16, 16, 16, 16, 8, 8, 8, 8, 0, 0, 0, 0};
    /** Q6_K: all ones in lanes 0-7. */
    private static final int[] LOWER_LANES = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    /** Q6_K: qh shift counts for ql vectors whose lanes 0-7 have t = 0 and lanes 8-15 t = 1, or the reverse. */
    private static final int[] SHIFTS_T01 = {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2};
    private static final int[] SHIFTS_T10 = {2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    /**
     * Whether the 256-bit versions of the int-lane kernels run: 8 float lanes (AVX2). They use 256-bit species
     * only, with every per-lane difference in data loaded from arrays, as the 512-bit ones. Q5_K's runs with
     * 16 lanes too (it has no 512-bit version).
     */
    static final boolean NARROW = FloatVector.SPECIES_PREFERRED.length() == 8;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    /**
     * Q6_K, 8 lanes: left shifts that, followed by an arithmetic shift by 24, put signed byte 0 in lanes 0-3 and
     * byte 1 in lanes 4-7.
     */
    private static final int[] PAIR_SHIFTS_LOW = {24, 24, 24, 24, 16, 16, 16, 16};
    /** Bytes 2 and 3. */
    private static final int[] PAIR_SHIFTS_HIGH = {8, 8, 8, 8, 0, 0, 0, 0};

    /**
     * Floats of scratch for {@code cols} columns: x rearranged (cols), sums of x per 16 (cols / 16), or what
     * {@link InterleavedMatrix} keeps there (a little more), and at the very end of the array a tag of what is
     * prepared there (layout, cols, x offset).
     */
    static int scratchLength(int cols) {
        return Math.addExact(InterleavedMatrix.scratchFloats(cols), TAG_LENGTH);
    }

    // The tag lets the threads of one projection rearrange x once each instead of once per chunk of rows they
    // claim (a dozen per matrix with two threads: for a 512-row matrix the rearrangement cost about as much as
    // the rows). The caller invalidates it whenever x changes (MatmulKernel.invalidateGemvScratch).
    private static final int TAG_LENGTH = 3;
    private static final int Q4_K_LAYOUT = 1;
    private static final int Q6_K_LAYOUT = 2;
    /** The 8-lane kernels' layouts; Q4_K and Q5_K rearrange x the same way. */
    private static final int K8_LAYOUT = 3;
    private static final int Q6_K8_LAYOUT = 4;
    /** x quantized to 8-bit blocks for {@link InterleavedMatrix} (Q4_0 and Q4_K share it). */
    static final int INT8_BLOCKS_LAYOUT = 5;

    /** Whether {@code scratch} holds x (at {@code xOffset}, {@code cols} long) prepared in {@code layout}. */
    static boolean prepared(float[] scratch, int layout, int cols, int xOffset) {
        int t = scratch.length - TAG_LENGTH;
        return scratch[t] == layout && scratch[t + 1] == cols && scratch[t + 2] == xOffset;
    }

    static void markPrepared(float[] scratch, int layout, int cols, int xOffset) {
        int t = scratch.length - TAG_LENGTH;
        scratch[t] = layout;
        scratch[t + 1] = cols;
        scratch[t + 2] = xOffset;
    }

    /** Forgets what {@code scratch} holds: x changed, or the scratch is used for something else. */
    static void invalidate(float[] scratch) {
        if (scratch != null && scratch.length >= TAG_LENGTH) {
            scratch[scratch.length - TAG_LENGTH] = 0;
        }
    }

    /** Whether {@code type}'s kernel needs the scratch (without it the row kernel's dot is used). */
    static boolean needsScratch(GgmlType type) {
        return (WIDE || NARROW) && (type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K);
    }

    private GemvKernels() {
    }

    /** The dedicated kernel for {@code type}, or null to use the row kernel's dot product. */
    static Gemv forType(GgmlType type) {
        if (!MatmulKernels.VECTOR) {
            return null;
        }
        return switch (type) {
            case Q4_0 -> (w, rb, c, rs, re, x, xo, o, oo, scratch) -> q4_0(w, rb, c, rs, re, x, xo, o, oo);
            case Q8_0 -> (w, rb, c, rs, re, x, xo, o, oo, scratch) -> q8_0(w, rb, c, rs, re, x, xo, o, oo, scratch);
            case F16 -> (w, rb, c, rs, re, x, xo, o, oo, scratch) -> halfFloat(w, rb, c, rs, re, x, xo, o, oo, scratch);
            case BF16 -> GemvKernels::bf16;
            case Q4_K -> WIDE ? GemvKernels::q4_K : NARROW ? GemvKernels::q4_K8 : null;
            case Q5_K -> WIDE || NARROW ? GemvKernels::q5_K8 : null;
            case Q6_K -> WIDE ? GemvKernels::q6_K : NARROW ? GemvKernels::q6_K8 : null;
            default -> null;
        };
    }

    // ---- Q4_0 ---------------------------------------------------------------------------------------------

    static void q4_0(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q4_0Row(w, r * rowBytes, cols, x, xOffset);
        }
    }

    private static float q4_0Row(MemorySegment w, long off, int cols, float[] x, int xOffset) {
        // One int induction variable with every offset linear in it, so that C2 checks the segment and array
        // ranges once per loop; two accumulators taking turns (independent chains of multiply-adds). Two
        // blocks per pass unrolled by hand measured no faster.
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 18L * b;
            int xi = xOffset + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            // High nibbles shifted here rather than by the shared helper: a helper that takes and returns a
            // vector boxes both when C2 does not inline it, and it did not once this row was inlined into a
            // projection loop that also dispatches to the 8-lane Q6_K kernel (NodeCountInliningCutoff; a Q4_0
            // model with its Q6_K output allocated 3.3 MB per token on AVX2).
            ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                    .and((byte) 0x0F).sub((byte) 8);
            FloatVector block = FloatVector.zero(F);
            for (int p = 0; p < 16 / L; p++) {
                block = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + p * L), block);
                block = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + 16 + p * L), block);
            }
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    // ---- Q4_K ---------------------------------------------------------------------------------------------

    static void q4_K(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] xp) {
        if (!prepared(xp, Q4_K_LAYOUT, cols, xOffset)) {
            // x rearranged to the order in which the int lanes below hold the nibbles: in each 64-element group,
            // for byte b of the 4 in an int, 8 floats x[4i + b] (low nibbles) then 8 of x[32 + 4i + b] (high),
            // scaled by 2^-8b because the nibble is masked in place (value q * 2^8b), not shifted down.
            for (int base = 0; base < cols; base += 128) {
                for (int b = 0; b < 4; b++) {
                    float scale = Math.scalb(1f, -8 * b);
                    int o = base + 32 * b;
                    for (int i = 0; i < 16; i++) {
                        int xi = xOffset + base + 64 * (i >> 3) + 4 * (i & 7) + b;
                        xp[o + i] = x[xi] * scale;
                        xp[o + 16 + i] = x[xi + 32] * scale;
                    }
                }
            }
            sums32(cols, x, xOffset, xp);
            markPrepared(xp, Q4_K_LAYOUT, cols, xOffset);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q4_KRow(w, r * rowBytes, cols, xp);
        }
    }

    private static float q4_KRow(MemorySegment w, long off, int cols, float[] xp) {
        FloatVector accLow = FloatVector.zero(F16V);
        FloatVector accHigh = accLow;
        FloatVector minAcc = FloatVector.zero(F8);
        IntVector evenShifts = IntVector.fromArray(I16, EVEN_SCALE_SHIFTS, 0);
        IntVector oddShifts = IntVector.fromArray(I16, ODD_SCALE_SHIFTS, 0);
        int blocks = cols >> 8;
        for (int sb = 0; sb < blocks; sb++) {
            long o = off + 144L * sb;
            float d = f16(w, o);
            float dmin = f16(w, o + 2);
            long scales = MatmulKernels.packedScalesK4(w, o + 4, false);
            long mins = MatmulKernels.packedScalesK4(w, o + 4, true);
            FloatVector minsF = (FloatVector) LongVector.broadcast(
                    LongVector.SPECIES_128, mins).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, F8, 0);
            minAcc = minsF.mul(dmin).fma(FloatVector.fromArray(F8, xp, cols + 8 * sb), minAcc);
            for (int gp = 0; gp < 2; gp++) {
                IntVector q = ByteVector.fromMemorySegment(B64, w, o + 16 + 64 * gp, LE).reinterpretAsInts();
                IntVector qHigh = q.lanewise(VectorOperators.LSHR, 4);
                int xg = 256 * sb + 128 * gp;
                FloatVector low = FloatVector.zero(F16V);
                FloatVector high = low;
                for (int k = 0; k < 4; k++) {
                    int mask = 0x0F << (8 * k);
                    low = ((FloatVector) q.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F16V, xp, xg + 32 * k), low);
                    high = ((FloatVector) qHigh.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F16V, xp, xg + 32 * k + 16), high);
                }
                IntVector four = IntVector.broadcast(I16, (int) (scales >>> (32 * gp)));
                FloatVector scaleLow = ((FloatVector) four.lanewise(VectorOperators.LSHR, evenShifts).and(0xFF)
                        .convert(VectorOperators.I2F, 0)).mul(d);
                FloatVector scaleHigh = ((FloatVector) four.lanewise(VectorOperators.LSHR, oddShifts).and(0xFF)
                        .convert(VectorOperators.I2F, 0)).mul(d);
                accLow = low.fma(scaleLow, accLow);
                accHigh = high.fma(scaleHigh, accHigh);
            }
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) - minAcc.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q6_K ---------------------------------------------------------------------------------------------

    static void q6_K(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] xp) {
        if (!prepared(xp, Q6_K_LAYOUT, cols, xOffset)) {
            // Per super-block, two vectors of 16 int lanes of ql (see q6_KRow): v = 0 has (half, t) = (0, 0) in lanes
            // 0-7 and (1, 1) in 8-15, v = 1 has (0, 1) and (1, 0). Lane i holds in byte b the low 4 bits of element
            // 128 half + 32 t + 4 (i & 7) + b (low nibble) and of that + 64 (high nibble). For each v and b, 16 floats
            // for the low nibbles then 16 for the high, scaled by 2^-8b (the quant is masked in place).
            for (int base = 0; base < cols; base += 256) {
                for (int v = 0; v < 2; v++) {
                    for (int b = 0; b < 4; b++) {
                        float scale = Math.scalb(1f, -8 * b);
                        int o = base + 128 * v + 32 * b;
                        for (int i = 0; i < 16; i++) {
                            int half = i >> 3;
                            int t = half ^ v;
                            int xi = xOffset + base + 128 * half + 32 * t + 4 * (i & 7) + b;
                            xp[o + i] = x[xi] * scale;
                            xp[o + 16 + i] = x[xi + 64] * scale;
                        }
                    }
                }
            }
            sums16(cols, x, xOffset, xp);
            markPrepared(xp, Q6_K_LAYOUT, cols, xOffset);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q6_KRow(w, r * rowBytes, cols, xp);
        }
    }

    /** {@code xp[cols + j]} = the sum of {@code x} over elements {@code [32j, 32j + 32)} (a K-quant sub-block). */
    private static void sums32(int cols, float[] x, int xOffset, float[] xp) {
        for (int j = 0, n = cols >> 5; j < n; j++) {
            float sum = 0;
            for (int i = 0; i < 32; i++) {
                sum += x[xOffset + 32 * j + i];
            }
            xp[cols + j] = sum;
        }
    }

    /** {@code xp[cols + j]} = the sum of {@code x} over elements {@code [16j, 16j + 16)}. */
    private static void sums16(int cols, float[] x, int xOffset, float[] xp) {
        for (int j = 0, n = cols >> 4; j < n; j++) {
            float sum = 0;
            for (int i = 0; i < 16; i++) {
                sum += x[xOffset + 16 * j + i];
            }
            xp[cols + j] = sum;
        }
    }

    private static float q6_KRow(MemorySegment w, long off, int cols, float[] xp) {
        FloatVector accLow = FloatVector.zero(F16V);
        FloatVector accHigh = accLow;
        FloatVector offsets = accLow;
        IntVector lowerLanes = IntVector.fromArray(I16, LOWER_LANES, 0);
        IntVector shiftsT01 = IntVector.fromArray(I16, SHIFTS_T01, 0);
        IntVector shiftsT10 = IntVector.fromArray(I16, SHIFTS_T10, 0);
        IntVector quarterShifts = IntVector.fromArray(I16, QUARTER_SHIFTS, 0);
        int blocks = cols >> 8;
        for (int sb = 0; sb < blocks; sb++) {
            long o = off + 210L * sb;
            float d = f16(w, o + 208);
            // (q - 32) * scale * d summed: scale * d * (sum of q * x) - 32 * scale * d * (sum of x).
            FloatVector scale16 = ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 192, LE)
                    .convertShape(VectorOperators.B2F, F16V, 0)).mul(d);
            offsets = scale16.fma(FloatVector.fromArray(F16V, xp, cols + 16 * sb), offsets);
            long scalesLow = w.get(TensorBytes.LONG_LE, o + 192);
            long scalesHigh = w.get(TensorBytes.LONG_LE, o + 200);
            // qh: lanes 0-7 are half 0's 32 bytes, lanes 8-15 half 1's; bits 2t, 2t + 1 (low nibble's element)
            // and 2t + 4, 2t + 5 (high) of byte l belong to ql byte 32t + l of the half.
            IntVector qhAll = ByteVector.fromMemorySegment(B64, w, o + 128, LE).reinterpretAsInts();
            IntVector first = ByteVector.fromMemorySegment(B64, w, o, LE).reinterpretAsInts();
            IntVector second = ByteVector.fromMemorySegment(B64, w, o + 64, LE).reinterpretAsInts();
            // v = 0: ql bytes 0-31 (half 0, t 0) and 96-127 (half 1, t 1); v = 1: bytes 32-95.
            IntVector ql = first.and(lowerLanes).or(second.and(lowerLanes.not()));
            IntVector qh = qhAll.lanewise(VectorOperators.LSHR, shiftsT01);
            for (int v = 0; v < 2; v++) {
                IntVector low = ql.and(0x0F0F0F0F).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30303030));
                IntVector high = ql.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(qh.and(0x30303030));
                int xv = 256 * sb + 128 * v;
                FloatVector sumLow = FloatVector.zero(F16V);
                FloatVector sumHigh = sumLow;
                for (int k = 0; k < 4; k++) {
                    int mask = 0x3F << (8 * k);
                    sumLow = ((FloatVector) low.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F16V, xp, xv + 32 * k), sumLow);
                    sumHigh = ((FloatVector) high.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F16V, xp, xv + 32 * k + 16), sumHigh);
                }
                // Scales of the lanes' 16-element groups, four lanes each: v = 0 low quants use scales
                // 0, 1, 10, 11, high ones 4, 5, 14, 15; v = 1: 2, 3, 8, 9 and 6, 7, 12, 13.
                int packLow = (int) ((scalesLow >>> (16 * v)) & 0xFFFF)
                        | (int) ((scalesHigh >>> (16 - 16 * v)) & 0xFFFF) << 16;
                int packHigh = (int) ((scalesLow >>> (32 + 16 * v)) & 0xFFFF)
                        | (int) ((scalesHigh >>> (48 - 16 * v)) & 0xFFFF) << 16;
                FloatVector scaleLow = ((FloatVector) IntVector.broadcast(I16, packLow)
                        .lanewise(VectorOperators.LSHL, quarterShifts).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d);
                FloatVector scaleHigh = ((FloatVector) IntVector.broadcast(I16, packHigh)
                        .lanewise(VectorOperators.LSHL, quarterShifts).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d);
                accLow = sumLow.fma(scaleLow, accLow);
                accHigh = sumHigh.fma(scaleHigh, accHigh);
                ql = ByteVector.fromMemorySegment(B64, w, o + 32, LE).reinterpretAsInts();
                qh = qhAll.lanewise(VectorOperators.LSHR, shiftsT10);
            }
        }
        return accLow.add(accHigh).sub(offsets.mul(32f)).reduceLanes(VectorOperators.ADD);
    }

    // ---- Q4_K, Q5_K and Q6_K with 8 int lanes (AVX2) ----------------------------------------------------

    /**
     * Q4_K and Q5_K, 8 lanes: x rearranged to the order in which 8 int lanes hold one 32-byte group g of
     * quants (elements 64g + l in the low nibbles, 64g + 32 + l in the high ones, l = 4i + b for lane i, byte
     * b): in each 64-element group, for byte b, 8 floats x[4i + b] (low) then 8 of x[32 + 4i + b] (high),
     * scaled by 2^-8b. Then the sums of x per 32-element sub-block, for the mins. Skipped when the scratch
     * holds that already.
     */
    private static void rearrangeForK8(int cols, float[] x, int xOffset, float[] xp) {
        if (prepared(xp, K8_LAYOUT, cols, xOffset)) {
            return;
        }
        for (int base = 0; base < cols; base += 64) {
            for (int b = 0; b < 4; b++) {
                float scale = Math.scalb(1f, -8 * b);
                int o = base + 16 * b;
                for (int i = 0; i < 8; i++) {
                    int xi = xOffset + base + 4 * i + b;
                    xp[o + i] = x[xi] * scale;
                    xp[o + 8 + i] = x[xi + 32] * scale;
                }
            }
        }
        sums32(cols, x, xOffset, xp);
        markPrepared(xp, K8_LAYOUT, cols, xOffset);
    }

    static void q4_K8(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] xp) {
        rearrangeForK8(cols, x, xOffset, xp);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q4_K8Row(w, r * rowBytes, cols, xp);
        }
    }

    private static float q4_K8Row(MemorySegment w, long off, int cols, float[] xp) {
        // One 32-byte group per pass: its low nibbles are sub-block 2g, its high ones 2g + 1, so each sum has
        // one scale for all lanes (a broadcast scalar; no per-lane scale vectors as with 16 lanes).
        FloatVector accLow = FloatVector.zero(F8);
        FloatVector accHigh = accLow;
        FloatVector minAcc = accLow;
        int blocks = cols >> 8;
        for (int sb = 0; sb < blocks; sb++) {
            long o = off + 144L * sb;
            float d = f16(w, o);
            float dmin = f16(w, o + 2);
            long scales = MatmulKernels.packedScalesK4(w, o + 4, false);
            long mins = MatmulKernels.packedScalesK4(w, o + 4, true);
            FloatVector minsF = (FloatVector) LongVector.broadcast(
                    LongVector.SPECIES_128, mins).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, F8, 0);
            minAcc = minsF.mul(dmin).fma(FloatVector.fromArray(F8, xp, cols + 8 * sb), minAcc);
            for (int g = 0; g < 4; g++) {
                IntVector q = ByteVector.fromMemorySegment(B256, w, o + 16 + 32 * g, LE).reinterpretAsInts();
                IntVector qHigh = q.lanewise(VectorOperators.LSHR, 4);
                int xg = 256 * sb + 64 * g;
                FloatVector low = FloatVector.zero(F8);
                FloatVector high = low;
                for (int k = 0; k < 4; k++) {
                    int mask = 0x0F << (8 * k);
                    low = ((FloatVector) q.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F8, xp, xg + 16 * k), low);
                    high = ((FloatVector) qHigh.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F8, xp, xg + 16 * k + 8), high);
                }
                accLow = low.fma(FloatVector.broadcast(F8, d * (int) ((scales >>> (16 * g)) & 0xFF)), accLow);
                accHigh = high.fma(FloatVector.broadcast(F8, d * (int) ((scales >>> (16 * g + 8)) & 0xFF)), accHigh);
            }
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) - minAcc.reduceLanes(VectorOperators.ADD);
    }

    static void q5_K8(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] xp) {
        rearrangeForK8(cols, x, xOffset, xp);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q5_K8Row(w, r * rowBytes, cols, xp);
        }
    }

    private static float q5_K8Row(MemorySegment w, long off, int cols, float[] xp) {
        // As q4_K8Row (quants at byte 48) with the fifth bits: bit 2g of qh byte l (qh at byte 16) belongs to
        // element 64g + l, bit 2g + 1 to 64g + 32 + l. qh loads as 8 int lanes with the same byte order as the
        // quants, and is shifted right by 2 per group so that bits 0 and 1 of each byte are the group's.
        FloatVector accLow = FloatVector.zero(F8);
        FloatVector accHigh = accLow;
        FloatVector minAcc = accLow;
        int blocks = cols >> 8;
        for (int sb = 0; sb < blocks; sb++) {
            long o = off + 176L * sb;
            float d = f16(w, o);
            float dmin = f16(w, o + 2);
            long scales = MatmulKernels.packedScalesK4(w, o + 4, false);
            long mins = MatmulKernels.packedScalesK4(w, o + 4, true);
            FloatVector minsF = (FloatVector) LongVector.broadcast(
                    LongVector.SPECIES_128, mins).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, F8, 0);
            minAcc = minsF.mul(dmin).fma(FloatVector.fromArray(F8, xp, cols + 8 * sb), minAcc);
            IntVector qh = ByteVector.fromMemorySegment(B256, w, o + 16, LE).reinterpretAsInts();
            for (int g = 0; g < 4; g++) {
                IntVector q = ByteVector.fromMemorySegment(B256, w, o + 48 + 32 * g, LE).reinterpretAsInts();
                IntVector low5 = q.and(0x0F0F0F0F).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x10101010));
                IntVector high5 = q.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F)
                        .or(qh.lanewise(VectorOperators.LSHL, 3).and(0x10101010));
                qh = qh.lanewise(VectorOperators.LSHR, 2);
                int xg = 256 * sb + 64 * g;
                FloatVector low = FloatVector.zero(F8);
                FloatVector high = low;
                for (int k = 0; k < 4; k++) {
                    int mask = 0x1F << (8 * k);
                    low = ((FloatVector) low5.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F8, xp, xg + 16 * k), low);
                    high = ((FloatVector) high5.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F8, xp, xg + 16 * k + 8), high);
                }
                accLow = low.fma(FloatVector.broadcast(F8, d * (int) ((scales >>> (16 * g)) & 0xFF)), accLow);
                accHigh = high.fma(FloatVector.broadcast(F8, d * (int) ((scales >>> (16 * g + 8)) & 0xFF)), accHigh);
            }
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) - minAcc.reduceLanes(VectorOperators.ADD);
    }

    static void q6_K8(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] xp) {
        rearrangeForQ6_K8(cols, x, xOffset, xp);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q6_K8Row(w, r * rowBytes, cols, xp);
        }
    }

    /**
     * Q6_K, 8 lanes: per super-block and (half, t) in that order, one vector of 8 int lanes of ql (32 bytes at
     * 64 half + 32 t): lane i holds in byte b the low 4 bits of element 128 half + 32 t + 4i + b (low nibble)
     * and of that + 64 (high nibble). For each byte b, 8 floats for the low nibbles then 8 for the high, scaled
     * by 2^-8b; then the sums of x per 16 elements, for the -32. Skipped when the scratch holds that already.
     */
    private static void rearrangeForQ6_K8(int cols, float[] x, int xOffset, float[] xp) {
        if (prepared(xp, Q6_K8_LAYOUT, cols, xOffset)) {
            return;
        }
        for (int base = 0; base < cols; base += 256) {
            for (int ht = 0; ht < 4; ht++) {
                for (int b = 0; b < 4; b++) {
                    float scale = Math.scalb(1f, -8 * b);
                    int o = base + 64 * ht + 16 * b;
                    for (int i = 0; i < 8; i++) {
                        int xi = xOffset + base + 128 * (ht >> 1) + 32 * (ht & 1) + 4 * i + b;
                        xp[o + i] = x[xi] * scale;
                        xp[o + 8 + i] = x[xi + 64] * scale;
                    }
                }
            }
        }
        sums16(cols, x, xOffset, xp);
        markPrepared(xp, Q6_K8_LAYOUT, cols, xOffset);
    }

    private static float q6_K8Row(MemorySegment w, long off, int cols, float[] xp) {
        FloatVector accLow = FloatVector.zero(F8);
        FloatVector accHigh = accLow;
        FloatVector offsets = accLow;
        IntVector pairShiftsLow = IntVector.fromArray(I8, PAIR_SHIFTS_LOW, 0);
        IntVector pairShiftsHigh = IntVector.fromArray(I8, PAIR_SHIFTS_HIGH, 0);
        int blocks = cols >> 8;
        for (int sb = 0; sb < blocks; sb++) {
            long o = off + 210L * sb;
            float d = f16(w, o + 208);
            // (q - 32) * scale * d summed: scale * d * (sum of q * x) - 32 * scale * d * (sum of x), the second
            // term as scales (8 per load) times sums of x per 16.
            for (int half = 0; half < 2; half++) {
                FloatVector scale8 = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128,
                        w.get(TensorBytes.LONG_LE, o + 192 + 8 * half)).reinterpretAsBytes()
                        .convertShape(VectorOperators.B2F, F8, 0)).mul(d);
                offsets = scale8.fma(FloatVector.fromArray(F8, xp, cols + 16 * sb + 8 * half), offsets);
            }
            for (int ht = 0; ht < 4; ht++) {
                int half = ht >> 1;
                int t = ht & 1;
                // qh byte l of the half: bits 2t, 2t + 1 for the low nibble's element, 2t + 4, 2t + 5 for the
                // high one's.
                IntVector ql = ByteVector.fromMemorySegment(B256, w, o + 64 * half + 32 * t, LE).reinterpretAsInts();
                IntVector qh = ByteVector.fromMemorySegment(B256, w, o + 128 + 32 * half, LE).reinterpretAsInts()
                        .lanewise(VectorOperators.LSHR, 2 * t);
                IntVector low = ql.and(0x0F0F0F0F).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30303030));
                IntVector high = ql.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(qh.and(0x30303030));
                int xv = 256 * sb + 64 * ht;
                FloatVector sumLow = FloatVector.zero(F8);
                FloatVector sumHigh = sumLow;
                for (int k = 0; k < 4; k++) {
                    int mask = 0x3F << (8 * k);
                    sumLow = ((FloatVector) low.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F8, xp, xv + 16 * k), sumLow);
                    sumHigh = ((FloatVector) high.and(mask).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F8, xp, xv + 16 * k + 8), sumHigh);
                }
                // Lanes 0-3 hold the first 16 elements of the 32, lanes 4-7 the next: the low quants use scales
                // 8 half + 2t and + 1, the high ones 8 half + 2t + 4 and + 5 (bytes 0, 1, 4, 5 of this read).
                long s = w.get(TensorBytes.LONG_LE, o + 192 + 8 * half + 2 * t);
                IntVector pair = IntVector.broadcast(I8, (int) (s & 0xFFFF) | (int) ((s >>> 32) & 0xFFFF) << 16);
                FloatVector scaleLow = ((FloatVector) pair.lanewise(VectorOperators.LSHL, pairShiftsLow)
                        .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(d);
                FloatVector scaleHigh = ((FloatVector) pair.lanewise(VectorOperators.LSHL, pairShiftsHigh)
                        .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(d);
                accLow = sumLow.fma(scaleLow, accLow);
                accHigh = sumHigh.fma(scaleHigh, accHigh);
            }
        }
        return accLow.add(accHigh).sub(offsets.mul(32f)).reduceLanes(VectorOperators.ADD);
    }

    // ---- Q8_0 ---------------------------------------------------------------------------------------------

    static void q8_0(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q8_0Row(w, r * rowBytes, cols, x, xOffset);
        }
    }

    /** x as bfloat16 pairs for {@link #q8_0Pairs}. */
    private static final int BF16_PAIRS_LAYOUT = 7;

    /** With 16 lanes and scratch: {@link #q8_0Pairs}; otherwise the float-x kernel. */
    static void q8_0(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] scratch) {
        if (L != 16 || scratch == null || scratch.length < scratchLength(cols)) {
            q8_0(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset);
            return;
        }
        int blocks = cols >> 5;
        if (!prepared(scratch, BF16_PAIRS_LAYOUT, cols, xOffset)) {
            for (int b = 0; b < blocks; b++) {
                for (int j = 0; j < 16; j++) {
                    int lo = BFloat16.fromFloat(x[xOffset + 32 * b + j]) & 0xFFFF;
                    int hi = BFloat16.fromFloat(x[xOffset + 32 * b + 16 + j]) & 0xFFFF;
                    scratch[16 * b + j] = Float.intBitsToFloat(lo | hi << 16);
                }
            }
            markPrepared(scratch, BF16_PAIRS_LAYOUT, cols, xOffset);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q8_0Pairs(w, r * rowBytes, blocks, scratch);
        }
    }

    /**
     * One Q8_0 row times x held as bfloat16 pairs (block b's 16 int lanes: element j in the low half, j + 16
     * in the high half, so that a shift and a mask give the block's two float vectors in column order). x in
     * bfloat16 is 16 KB for the down projection's 8192 columns, where float x (32 KB) filled L1 and was read
     * again from L2 for every row (see the class comment). ggml multiplies Q8_0 weights with x quantized to
     * 8-bit blocks (relative error up to 1/254 of the block's largest value); bfloat16 keeps 8 significant
     * bits per element.
     */
    private static float q8_0Pairs(MemorySegment w, long off, int blocks, float[] xp) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            IntVector xv = FloatVector.fromArray(F, xp, 16 * b).reinterpretAsInts();
            ByteVector q0 = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            FloatVector block = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0))
                    .mul(xv.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats());
            block = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0))
                    .fma(xv.and(0xFFFF0000).reinterpretAsFloats(), block);
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static float q8_0Row(MemorySegment w, long off, int cols, float[] x, int xOffset) {
        // The 32 quants as two 128-bit loads, each widened in place: one 256-bit load widened to two 16-lane
        // halves costs C2 a byte permute and a blend per block for the upper half (17.6 against 19.5-20.2
        // GB/s on one AVX-512 core, in cache).
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = xOffset + 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B128, w, o + 18, LE);
            FloatVector block = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0))
                    .mul(FloatVector.fromArray(F, x, xi));
            block = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0))
                    .fma(FloatVector.fromArray(F, x, xi + 16), block);
            for (int p = 1; p < 16 / L; p++) {
                block = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + p * L), block);
                block = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + 16 + p * L), block);
            }
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    // ---- BF16 ---------------------------------------------------------------------------------------------

    /** x as bfloat16 pairs in element order, for {@link #bf16} (the same layout as the weights'). */
    private static final int BF16_NATURAL_LAYOUT = 8;

    /**
     * BF16 rows: {@code 2 * L} bfloat16 load as L int lanes, an even-indexed element in the low half of each,
     * so {@code v << 16} and {@code v & 0xFFFF0000} are the even and the odd elements as floats. With scratch,
     * x is rounded to bfloat16 once per call, as ggml does for BF16 weights (both operands of its BF16 dot
     * product are BF16), and stored in the same pairs: two operations per L weights and as many for x, and x
     * half as large (see the class comment on rows of 8192). Without scratch, x stays float and each weight
     * vector is widened ({@code S2I}, shift).
     */
    static void bf16(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] scratch) {
        int pairs = cols / (2 * L) * L; // x pairs the vector loop covers
        boolean paired = scratch != null && scratch.length >= scratchLength(cols);
        if (paired && !prepared(scratch, BF16_NATURAL_LAYOUT, cols, xOffset)) {
            for (int i = 0; i < pairs; i++) {
                int lo = BFloat16.fromFloat(x[xOffset + 2 * i]) & 0xFFFF;
                int hi = BFloat16.fromFloat(x[xOffset + 2 * i + 1]) & 0xFFFF;
                scratch[i] = Float.intBitsToFloat(lo | hi << 16);
            }
            markPrepared(scratch, BF16_NATURAL_LAYOUT, cols, xOffset);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            long off = r * rowBytes;
            float sum;
            int c;
            if (paired) {
                FloatVector even = FloatVector.zero(F);
                FloatVector odd = even;
                for (int i = 0; i < pairs; i += L) {
                    IntVector v = IntVector.fromMemorySegment(I, w, off + 4L * i, LE);
                    IntVector xv = FloatVector.fromArray(F, scratch, i).reinterpretAsInts();
                    even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                            .fma(xv.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), even);
                    odd = v.and(0xFFFF0000).reinterpretAsFloats()
                            .fma(xv.and(0xFFFF0000).reinterpretAsFloats(), odd);
                }
                sum = even.add(odd).reduceLanes(VectorOperators.ADD);
                c = 2 * pairs;
            } else {
                FloatVector acc = FloatVector.zero(F);
                c = 0;
                for (; c <= cols - L; c += L) {
                    ShortVector h = ShortVector.fromMemorySegment(HALVES, w, off + 2L * c, LE);
                    acc = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                            .reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xOffset + c), acc);
                }
                sum = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; c < cols; c++) {
                float xc = paired ? BFloat16.toFloat(BFloat16.fromFloat(x[xOffset + c])) : x[xOffset + c];
                sum += BFloat16.toFloat(w.get(TensorBytes.SHORT_LE, off + 2L * c)) * xc;
            }
            out[outOffset + r] = sum;
        }
    }

    // ---- F16 ----------------------------------------------------------------------------------------------

    /**
     * binary16 to float with three integer and one float operation: the magnitude's bits shifted into float
     * position are the value times 2^-112 (subnormals included, as float subnormals), so one exact multiply
     * by 2^112 finishes finite values; infinity and NaN get an all-ones exponent instead.
     */
    static FloatVector halfToFloat(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .blend(shifted.or(0x7F80_0000), magnitude.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** Halves converted per pass of the scratch path: 2 KiB of floats, in L1 with the x they multiply. */
    static final int HALF_CHUNK = 512;

    static void halfFloat(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] scratch) {
        if (L == 16 && scratch != null && scratch.length >= scratchLength(cols)) {
            halfPairs(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset, scratch);
            return;
        }
        // The chunk path only with 8 lanes: there the register conversion costs twice the vcvtph2ps path (8.9
        // against 16.4 GB/s per core); with 16 lanes it lost in generation (Llama-3.2-1B F16, two threads: 7.2
        // against 8.7 tok/s for the register conversion, 2026-11-24); halfPairs beats both.
        if (scratch == null || L != 8 || scratch.length < Math.min(cols, HALF_CHUNK)) {
            halfFloat(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset);
            return;
        }
        invalidate(scratch);  // its start is overwritten below
        // Converted in chunks into the thread's scratch by a plain loop that C2 compiles to vcvtph2ps (one
        // instruction per 16 halves; the Vector API has no binary16 conversion, and halfToFloat's integer
        // version costs five), then multiplied from L1.
        for (int r = rowStart; r < rowEnd; r++) {
            long off = r * rowBytes;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            float tail = 0;
            for (int c = 0; c < cols; c += HALF_CHUNK) {
                int n = Math.min(HALF_CHUNK, cols - c);
                halvesToFloats(w, off + 2L * c, scratch, 0, n);
                int xi = xOffset + c;
                int i = 0;
                for (; i <= n - 2 * L; i += 2 * L) {
                    acc0 = FloatVector.fromArray(F, scratch, i).fma(FloatVector.fromArray(F, x, xi + i), acc0);
                    acc1 = FloatVector.fromArray(F, scratch, i + L).fma(FloatVector.fromArray(F, x, xi + i + L), acc1);
                }
                for (; i < n; i++) {
                    tail += scratch[i] * x[xi + i];
                }
            }
            out[outOffset + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD) + tail;
        }
    }

    /**
     * {@code n} binary16 values at {@code offset} to floats at {@code dst[dstOffset..]}, exactly as
     * {@link Float16#toFloat} (signalling NaNs come out quiet: the JIT's vcvtph2ps and the JDK's own x86
     * intrinsic do that, as ggml's F16C path does; MatmulKernelsTest checks it). Written as a scalar loop on
     * purpose: C2's auto-vectorizer turns it into vcvtph2ps on x86 (F16C, AVX-512).
     */
    static void halvesToFloats(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(w.get(TensorBytes.SHORT_LE, offset + 2L * i));
        }
    }

    /** x rounded to binary16 for {@link #halfPairs}, in pairs as the weights are. */
    private static final int HALF_X_LAYOUT = 6;

    /**
     * 16 lanes, with scratch: 32 halves load as 16 int lanes, each holding an even-indexed half in its low 16
     * bits and the next one in its high bits. {@code v << 16} and {@code v & 0xFFFF0000} put either half at the
     * top of a lane; an arithmetic shift right by 3 then places sign, exponent and mantissa at their float
     * positions (bits 31, 27-23, 22-13) with copies of the sign in bits 30-28, which the mask
     * {@code 0x8FFFE000} clears. Those bits are the float of the half times 2^-112, subnormals included (as
     * float subnormals), so one exact multiply by 2^112 finishes it: four operations per 16 weights, where
     * {@link #halfToFloat} needs ten.
     *
     * <p>x is rounded to binary16 once per call, as ggml does for F16 weights (its F16 dot product takes both
     * operands in F16), stored in the scratch in the same pairs and decoded the same way. That halves x, which
     * every row reads again: a float x of 8192 (the down projection's rows) fills L1, the streamed weights evict
     * it, and such rows ran at 6-8 GB/s against 18-22 for rows of 2048 (see the class comment).
     *
     * <p>Infinities and NaNs (exponent 31) would come out finite, so each row also ORs together
     * {@code (v & 0x7C007C00) + 0x04000400}, whose bit 15 or 31 is set by exactly those, and a row that has one
     * is computed again by the exact register conversion. An x that binary16 cannot hold (beyond 65504, or NaN)
     * sends the whole call there, with float x.
     */
    static void halfPairs(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x,
            int xOffset, float[] out, int outOffset, float[] scratch) {
        int pairs = cols / 32 * 16;
        if (!prepared(scratch, HALF_X_LAYOUT, cols, xOffset)) {
            boolean outOfRange = false;
            for (int i = 0; i < pairs; i++) {
                int lo = Float.floatToFloat16(x[xOffset + 2 * i]) & 0xFFFF;
                int hi = Float.floatToFloat16(x[xOffset + 2 * i + 1]) & 0xFFFF;
                scratch[i] = Float.intBitsToFloat(lo | hi << 16);
                outOfRange |= (lo & 0x7C00) == 0x7C00 || (hi & 0x7C00) == 0x7C00;
            }
            for (int c = 2 * pairs; c < cols; c++) {
                outOfRange |= (Float.floatToFloat16(x[xOffset + c]) & 0x7C00) == 0x7C00;
            }
            // After the pairs: whether some x is beyond binary16's range (|x| > 65504) or NaN, which the pairs'
            // decoding would read as a finite value.
            scratch[pairs] = outOfRange ? 1 : 0;
            markPrepared(scratch, HALF_X_LAYOUT, cols, xOffset);
        }
        if (scratch[pairs] != 0) {
            halfFloat(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset); // float x, exactly
            return;
        }
        for (int r = rowStart; r < rowEnd; r++) {
            long off = r * rowBytes;
            FloatVector even = FloatVector.zero(F);
            FloatVector odd = even;
            IntVector special = IntVector.zero(I);
            for (int i = 0; i < pairs; i += 16) {
                IntVector v = IntVector.fromMemorySegment(I, w, off + 4L * i, LE);
                IntVector xv = FloatVector.fromArray(F, scratch, i).reinterpretAsInts();
                special = special.or(v.and(0x7C007C00).add(0x04000400));
                FloatVector lo = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3)
                        .and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
                FloatVector hi = v.and(0xFFFF0000).lanewise(VectorOperators.ASHR, 3)
                        .and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
                FloatVector xlo = xv.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3)
                        .and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
                FloatVector xhi = xv.and(0xFFFF0000).lanewise(VectorOperators.ASHR, 3)
                        .and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
                even = lo.fma(xlo, even);
                odd = hi.fma(xhi, odd);
            }
            float sum = even.add(odd).reduceLanes(VectorOperators.ADD);
            for (int c = 2 * pairs; c < cols; c++) {
                sum += Float16.toFloat(w.get(TensorBytes.SHORT_LE, off + 2L * c))
                        * Float.float16ToFloat(Float.floatToFloat16(x[xOffset + c]));
            }
            if ((special.reduceLanes(VectorOperators.OR) & 0x80008000) != 0) {
                halfFloat(w, rowBytes, cols, r, r + 1, x, xOffset, out, outOffset);
            } else {
                out[outOffset + r] = sum;
            }
        }
    }

    /** Without scratch: binary16 decoded in vector registers by {@link #halfToFloat}. */
    static void halfFloat(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            long off = r * rowBytes;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int i = 0;
            for (; i <= cols - 2 * L; i += 2 * L) {
                acc0 = halfToFloat(ShortVector.fromMemorySegment(HALVES, w, off + 2L * i, LE))
                        .fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = halfToFloat(ShortVector.fromMemorySegment(HALVES, w, off + 2L * i + 2L * L, LE))
                        .fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                sum += Float16.toFloat(w.get(TensorBytes.SHORT_LE, off + 2L * i)) * x[xOffset + i];
            }
            out[outOffset + r] = sum;
        }
    }
}
