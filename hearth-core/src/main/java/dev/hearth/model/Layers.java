package dev.hearth.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and small building blocks of the forward pass: RMSNorm, rotary embeddings, gated
 * activations, residual adds. Matrix products live in {@link WeightMatrix} and the tensor kernels.
 */
final class Layers {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Layers() {}

    /**
     * RMSNorm of {@code count} rows of {@code size}: {@code out = in / sqrt(mean(in^2) + eps) * weight}.
     * The sum of squares is accumulated in double, as ggml does. {@code out} may be {@code in}.
     */
    static void rmsNorm(float[] out, float[] in, float[] weight, int count, int size, float eps) {
        for (int r = 0; r < count; r++) {
            int off = r * size;
            double sum = 0;
            for (int i = 0; i < size; i++) {
                float v = in[off + i];
                sum += v * v;
            }
            float scale = (float) (1.0 / Math.sqrt((float) (sum / size) + eps));
            for (int i = 0; i < size; i++) {
                out[off + i] = in[off + i] * scale * weight[i];
            }
        }
    }

    static void scale(float[] x, int offset, int length, float factor) {
        for (int i = offset; i < offset + length; i++) {
            x[i] *= factor;
        }
    }

    /** Adds {@code bias} to each of the {@code n} rows of {@code x}; nothing when bias is null. */
    static void addBias(float[] x, float[] bias, int n) {
        if (bias == null) {
            return;
        }
        int size = bias.length;
        for (int t = 0; t < n; t++) {
            int off = t * size;
            for (int i = 0; i < size; i++) {
                x[off + i] += bias[i];
            }
        }
    }

    static void add(float[] x, float[] y, int length) {
        for (int i = 0; i < length; i++) {
            x[i] += y[i];
        }
    }

    /**
     * Rotary angles for the first {@code n} of {@code positions}: theta(p, i) = p * base^(-2i/ropeDim) /
     * factor[i] for i < ropeDim/2, stored as cos and sin rows of ropeDim/2.
     */
    static void ropeTables(float[] cos, float[] sin, int[] positions, int n, int ropeDim, float base, float[] freqFactors) {
        int half = ropeDim / 2;
        for (int t = 0; t < n; t++) {
            int pos = positions[t];
            for (int i = 0; i < half; i++) {
                double invFreq = Math.pow(base, -2.0 * i / ropeDim);
                if (freqFactors != null) {
                    invFreq /= freqFactors[i];
                }
                double theta = pos * invFreq;
                cos[t * half + i] = (float) Math.cos(theta);
                sin[t * half + i] = (float) Math.sin(theta);
            }
        }
    }

    /**
     * Rotates the first {@code ropeDim} dimensions of each head of {@code n} rows of {@code heads * headDim}.
     * NORMAL pairs (x[2i], x[2i+1]); NEOX pairs (x[i], x[i + ropeDim/2]).
     */
    static void rope(float[] x, int n, int heads, int headDim, int ropeDim, ModelConfig.RopeType type,
            float[] cos, float[] sin) {
        int half = ropeDim / 2;
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                int off = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[t * half + i];
                    float s = sin[t * half + i];
                    int a;
                    int b;
                    if (type == ModelConfig.RopeType.NORMAL) {
                        a = off + 2 * i;
                        b = a + 1;
                    } else {
                        a = off + i;
                        b = off + i + half;
                    }
                    float x0 = x[a];
                    float x1 = x[b];
                    x[a] = x0 * c - x1 * s;
                    x[b] = x0 * s + x1 * c;
                }
            }
        }
    }

    /** gate[i] = act(gate[i]) * up[i] (SwiGLU / GeGLU). */
    static void gatedActivation(float[] gate, float[] up, int length, ModelConfig.Activation activation) {
        gatedActivation(gate, up, 0, length, activation);
    }

    /** gate[i] = act(gate[i]) * up[i] for i in [from, to). */
    static void gatedActivation(float[] gate, float[] up, int from, int to, ModelConfig.Activation activation) {
        if (activation == ModelConfig.Activation.SILU) {
            for (int i = from; i < to; i++) {
                float g = gate[i];
                gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
            }
        } else {
            for (int i = from; i < to; i++) {
                gate[i] = gelu(gate[i]) * up[i];
            }
        }
    }

    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float GELU_COEF_A = 0.044715f;

    /** GELU, tanh approximation (as ggml's gelu). */
    static float gelu(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1f + GELU_COEF_A * x * x)));
    }

    static void softcap(float[] x, int length, float cap) {
        for (int i = 0; i < length; i++) {
            x[i] = cap * (float) Math.tanh(x[i] / cap);
        }
    }

    /** Dot product of a[aOff..aOff+n) and b[bOff..bOff+n). */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** ln 2 split for Cody and Waite's reduction: 355/512 (exact in 9 bits) plus the rest. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440054690583e-4f;
    private static final float LOG2_E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    /** Below this e^x is not a normal float (2^-126); such lanes come out 0. */
    private static final float EXP_MIN = -87.33654f;
    /** Lanes above are clamped to this, so that n stays at most 127 (softmax's exponents are at most 0). */
    private static final float EXP_MAX = 88f;

    /**
     * {@code x[j] = exp(x[j] - max)} for j in {@code [from, to)}, and their sum: softmax's numerators and
     * denominator. A scalar Math.exp per cached position was most of attention's time at long contexts.
     *
     * <p>e^y per lane, within 2 ulp of {@link Math#exp} for y in [-87.3, 88] (LayersTest), 0 below, e^88 above,
     * NaN for NaN: y = n ln2 + r with |r| <= ln2 / 2; e^r from its Taylor series to the r^7 term (the remainder,
     * r^8 / 8!, is below 2^-27 of the result); times 2^n written into the exponent bits. Plain vector arithmetic
     * rather than VectorOperators.EXP, which is a native library call on x86 only and a scalar loop that
     * allocates elsewhere.
     *
     * <p>Why one method, one masked loop: C2 must compile all of this as one piece, on its own. A vector branch
     * that only longer calls take was compiled before it ran often enough to be inlined (session 8); a helper
     * taking and returning a vector was left as a call in some JVMs, its vectors boxed (7.6 KB per token of the
     * tiny test model). This method is larger than C2's FreqInlineSize (325 bytes), so it is never inlined into
     * its caller but compiled whole, and only arrays and floats cross its boundary.
     */
    static float expShifted(float[] x, int from, int to, float max) {
        FloatVector shift = FloatVector.broadcast(F, max);
        FloatVector sum = FloatVector.zero(F);
        for (int j = from; j < to; j += F.length()) {
            VectorMask<Float> in = F.indexInRange(j, to);
            FloatVector y = FloatVector.fromArray(F, x, j, in).sub(shift);
            FloatVector clamped = y.max(EXP_MIN).min(EXP_MAX);
            FloatVector rounded = clamped.fma(FloatVector.broadcast(F, LOG2_E), FloatVector.broadcast(F, ROUNDER));
            FloatVector n = rounded.sub(ROUNDER);
            FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_LOW), n.fma(FloatVector.broadcast(F, -LN2_HIGH), clamped));
            FloatVector p = FloatVector.broadcast(F, 1f / 5040);
            p = p.fma(r, FloatVector.broadcast(F, 1f / 720));
            p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
            p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
            p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
            p = p.fma(r, FloatVector.broadcast(F, 0.5f));
            p = p.fma(r, FloatVector.broadcast(F, 1f));
            p = p.fma(r, FloatVector.broadcast(F, 1f));
            // n is in [-126, 127]: 2^n's bits are (n + 127) << 23, and n + 127 is rounded's low bits plus 127.
            IntVector bits = rounded.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER) - 127)
                    .lanewise(VectorOperators.LSHL, 23);
            FloatVector e = p.mul(bits.reinterpretAsFloats()).blend(0f, y.compare(VectorOperators.LT, EXP_MIN));
            e.intoArray(x, j, in);
            sum = sum.add(e, in);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Attention's weighted sums of value rows for {@code heads} query heads that share them: for head g and
     * {@code d < n}, {@code out[outOff + g * outStride + d] = scale[g] * sum over j in [from, to) of
     * w[g * wStride + j] * rows[first + j * stride + d]}. One vector of d at a time, for up to four heads at once,
     * each row's vector loaded once for them and the sums kept in registers (an axpy per position loaded and
     * stored the output for every row).
     */
    static void weightedRows(float[] out, int outOff, int outStride, float[] rows, int first, int stride, float[] w,
            int wStride, int from, int to, float[] scale, int heads, int n) {
        int lanes = F.length();
        for (int g0 = 0; g0 < heads; g0 += 4) {
            // Heads g0..g0+3; past the last head the weights of head g0 are reused and the sums dropped.
            int w0 = g0 * wStride;
            int w1 = (g0 + 1 < heads ? g0 + 1 : g0) * wStride;
            int w2 = (g0 + 2 < heads ? g0 + 2 : g0) * wStride;
            int w3 = (g0 + 3 < heads ? g0 + 3 : g0) * wStride;
            int d = 0;
            for (; d + lanes <= n; d += lanes) {
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int j = from; j < to; j++) {
                    FloatVector v = FloatVector.fromArray(F, rows, first + j * stride + d);
                    a0 = v.fma(FloatVector.broadcast(F, w[w0 + j]), a0);
                    a1 = v.fma(FloatVector.broadcast(F, w[w1 + j]), a1);
                    a2 = v.fma(FloatVector.broadcast(F, w[w2 + j]), a2);
                    a3 = v.fma(FloatVector.broadcast(F, w[w3 + j]), a3);
                }
                a0.mul(scale[g0]).intoArray(out, outOff + g0 * outStride + d);
                if (g0 + 1 < heads) {
                    a1.mul(scale[g0 + 1]).intoArray(out, outOff + (g0 + 1) * outStride + d);
                }
                if (g0 + 2 < heads) {
                    a2.mul(scale[g0 + 2]).intoArray(out, outOff + (g0 + 2) * outStride + d);
                }
                if (g0 + 3 < heads) {
                    a3.mul(scale[g0 + 3]).intoArray(out, outOff + (g0 + 3) * outStride + d);
                }
            }
            for (; d < n; d++) {
                for (int g = g0; g < Math.min(heads, g0 + 4); g++) {
                    float a = 0;
                    for (int j = from; j < to; j++) {
                        a += w[g * wStride + j] * rows[first + j * stride + d];
                    }
                    out[outOff + g * outStride + d] = scale[g] * a;
                }
            }
        }
    }
}
