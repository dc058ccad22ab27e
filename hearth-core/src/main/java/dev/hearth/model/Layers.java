package dev.hearth.model;

import jdk.incubator.vector.FloatVector;
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
        if (activation == ModelConfig.Activation.SILU) {
            for (int i = 0; i < length; i++) {
                float g = gate[i];
                gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
            }
        } else {
            for (int i = 0; i < length; i++) {
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

    /** y[yOff..yOff+n) += alpha * x[xOff..xOff+n). */
    static void axpy(float[] y, int yOff, float[] x, int xOff, float alpha, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }
}
