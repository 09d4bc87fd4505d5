// attendnets compiled runtime: RFFT (see an_rfft.h).  One body for the three scalar types; the
// arithmetic differs only in these operations:
//   MULR(a, b)   a * b of two scalars, rounded back to the scalar (fixed point: Q15 / Q31 rounding)
//   DIV(x, k)    the per-stage scaling by 1 / radix (fixed point: x * ((2^15 - 1) / k), rounded)
//   ADD/SUB/NEG  in the wide type W (int16: exact in int32, truncated when stored; int32:
//                two's-complement wrap-around; float: plain)
//   HALF(w)      w / 2 (fixed point: an arithmetic shift of the wide sum)
//   IRFFT_SCALE  the IRFFT's output scaling (float: / N as TFLM's float IRFFT; fixed point: none)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations, no fused multiply-adds
#endif
#include "an_rfft.h"

static inline int16_t an_q15_round(int32_t x) {
  return (int16_t)((x + (1 << 14)) >> 15);
}
static inline int32_t an_q31_round(int64_t x) {
  return (int32_t)((x + ((int64_t)1 << 30)) >> 31);
}

#define S16_MULR(a, b) an_q15_round((int32_t)(a) * (b))
#define S16_DIV(x, k) an_q15_round((int32_t)(x) * (32767 / (k)))
#define S16_ADD(a, b) ((int32_t)(a) + (int32_t)(b))
#define S16_SUB(a, b) ((int32_t)(a) - (int32_t)(b))
#define S16_NEG(a) (-(int32_t)(a))
#define S16_HALF(w) ((int32_t)(w) >> 1)
#define S16_IRFFT_SCALE(v, n) (v)
#define S16_CMUL_R(a, b) an_q15_round((int32_t)(a).r *(b).r - (int32_t)(a).i * (b).i)
#define S16_CMUL_I(a, b) an_q15_round((int32_t)(a).r *(b).i + (int32_t)(a).i * (b).r)

#define S32_MULR(a, b) an_q31_round((int64_t)(a) * (b))
#define S32_DIV(x, k) an_q31_round((int64_t)(x) * (2147483647 / (k)))
#define S32_ADD(a, b) ((int32_t)((uint32_t)(a) + (uint32_t)(b)))
#define S32_SUB(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)))
#define S32_NEG(a) ((int32_t)(0u - (uint32_t)(a)))
#define S32_HALF(w) ((int32_t)(w) >> 1)
#define S32_IRFFT_SCALE(v, n) (v)
#define S32_CMUL_R(a, b) an_q31_round((int64_t)(a).r *(b).r - (int64_t)(a).i * (b).i)
#define S32_CMUL_I(a, b) an_q31_round((int64_t)(a).r *(b).i + (int64_t)(a).i * (b).r)

#define F32_MULR(a, b) ((a) * (b))
#define F32_DIV(x, k) (x)
#define F32_ADD(a, b) ((a) + (b))
#define F32_SUB(a, b) ((a) - (b))
#define F32_NEG(a) (-(a))
#define F32_HALF(w) ((w)*0.5f)
#define F32_IRFFT_SCALE(v, n) ((v) / (float)(n))  // TFLM's float IRFFT divides by the length
#define F32_CMUL_R(a, b) ((a).r * (b).r - (a).i * (b).i)
#define F32_CMUL_I(a, b) ((a).r * (b).i + (a).i * (b).r)

// an_NAME_N(a, b): OP on the real parts and on the imaginary parts.
#define AN_CPX_ELEMENTWISE(N, T, NAME, OP)                               \
  static inline an_cpx_##N an_##NAME##_##N(an_cpx_##N a, an_cpx_##N b) { \
    an_cpx_##N m;                                                        \
    m.r = (T)OP(a.r, b.r);                                               \
    m.i = (T)OP(a.i, b.i);                                               \
    return m;                                                            \
  }

#define AN_RFFT_DEFINE(X, N, T)                                                                                \
  typedef struct {                                                                                             \
    T r, i;                                                                                                    \
  } an_cpx_##N;                                                                                                \
                                                                                                               \
  static inline an_cpx_##N an_cmul_##N(an_cpx_##N a, an_cpx_##N b) {                                           \
    an_cpx_##N m;                                                                                              \
    m.r = (T)X##_CMUL_R(a, b);                                                                                 \
    m.i = (T)X##_CMUL_I(a, b);                                                                                 \
    return m;                                                                                                  \
  }                                                                                                            \
  AN_CPX_ELEMENTWISE(N, T, cadd, X##_ADD)                                                                      \
  AN_CPX_ELEMENTWISE(N, T, csub, X##_SUB)                                                                      \
  static inline void an_cdiv_##N(an_cpx_##N *c, int k) {                                                       \
    (void)k;                                                                                                   \
    c->r = (T)X##_DIV(c->r, k);                                                                                \
    c->i = (T)X##_DIV(c->i, k);                                                                                \
  }                                                                                                            \
                                                                                                               \
  /* Radix 2: f[k], f[k + m] -> f[k] +- t, t = f[k + m] * w^k. */                                              \
  static void an_radix2_##N(an_cpx_##N *f, const an_cpx_##N *tw, int32_t stride, int32_t m) {                  \
    for (int32_t k = 0; k < m; ++k) {                                                                          \
      an_cdiv_##N(&f[k], 2);                                                                                   \
      an_cdiv_##N(&f[k + m], 2);                                                                               \
      const an_cpx_##N t = an_cmul_##N(f[k + m], tw[k * stride]);                                              \
      f[k + m] = an_csub_##N(f[k], t);                                                                         \
      f[k] = an_cadd_##N(f[k], t);                                                                             \
    }                                                                                                          \
  }                                                                                                            \
                                                                                                               \
  /* Radix 4 (forward). */                                                                                     \
  static void an_radix4_##N(an_cpx_##N *f, const an_cpx_##N *tw, int32_t stride, int32_t m, int inverse) {     \
    for (int32_t k = 0; k < m; ++k) {                                                                          \
      an_cpx_##N *a = f + k, *b = a + m, *c = b + m, *d = c + m;                                               \
      an_cdiv_##N(a, 4);                                                                                       \
      an_cdiv_##N(b, 4);                                                                                       \
      an_cdiv_##N(c, 4);                                                                                       \
      an_cdiv_##N(d, 4);                                                                                       \
      const an_cpx_##N tb = an_cmul_##N(*b, tw[k * stride]);                                                   \
      const an_cpx_##N tc = an_cmul_##N(*c, tw[2 * k * stride]);                                               \
      const an_cpx_##N td = an_cmul_##N(*d, tw[3 * k * stride]);                                               \
      const an_cpx_##N diff_ac = an_csub_##N(*a, tc);                                                          \
      *a = an_cadd_##N(*a, tc);                                                                                \
      const an_cpx_##N sum_bd = an_cadd_##N(tb, td);                                                           \
      const an_cpx_##N diff_bd = an_csub_##N(tb, td);                                                          \
      *c = an_csub_##N(*a, sum_bd);                                                                            \
      *a = an_cadd_##N(*a, sum_bd);                                                                            \
      if (inverse) {                                                                                           \
        b->r = (T)X##_SUB(diff_ac.r, diff_bd.i);                                                               \
        b->i = (T)X##_ADD(diff_ac.i, diff_bd.r);                                                               \
        d->r = (T)X##_ADD(diff_ac.r, diff_bd.i);                                                               \
        d->i = (T)X##_SUB(diff_ac.i, diff_bd.r);                                                               \
      } else {                                                                                                 \
        b->r = (T)X##_ADD(diff_ac.r, diff_bd.i);                                                               \
        b->i = (T)X##_SUB(diff_ac.i, diff_bd.r);                                                               \
        d->r = (T)X##_SUB(diff_ac.r, diff_bd.i);                                                               \
        d->i = (T)X##_ADD(diff_ac.i, diff_bd.r);                                                               \
      }                                                                                                        \
    }                                                                                                          \
  }                                                                                                            \
                                                                                                               \
  /* Radix 3: w3 = e^(-2 pi i / 3) from the table. */                                                          \
  static void an_radix3_##N(an_cpx_##N *f, const an_cpx_##N *tw, int32_t stride, int32_t m) {                  \
    const T w3_imag = tw[stride * m].i;                                                                        \
    for (int32_t k = 0; k < m; ++k) {                                                                          \
      an_cpx_##N *a = f + k, *b = a + m, *c = b + m;                                                           \
      an_cdiv_##N(a, 3);                                                                                       \
      an_cdiv_##N(b, 3);                                                                                       \
      an_cdiv_##N(c, 3);                                                                                       \
      const an_cpx_##N tb = an_cmul_##N(*b, tw[k * stride]);                                                   \
      const an_cpx_##N tc = an_cmul_##N(*c, tw[2 * k * stride]);                                               \
      const an_cpx_##N sum = an_cadd_##N(tb, tc);                                                              \
      an_cpx_##N diff = an_csub_##N(tb, tc);                                                                   \
      b->r = (T)X##_SUB(a->r, X##_HALF(sum.r));                                                                \
      b->i = (T)X##_SUB(a->i, X##_HALF(sum.i));                                                                \
      diff.r = (T)X##_MULR(diff.r, w3_imag);                                                                   \
      diff.i = (T)X##_MULR(diff.i, w3_imag);                                                                   \
      *a = an_cadd_##N(*a, sum);                                                                               \
      c->r = (T)X##_ADD(b->r, diff.i);                                                                         \
      c->i = (T)X##_SUB(b->i, diff.r);                                                                         \
      b->r = (T)X##_SUB(b->r, diff.i);                                                                         \
      b->i = (T)X##_ADD(b->i, diff.r);                                                                         \
    }                                                                                                          \
  }                                                                                                            \
                                                                                                               \
  /* Radix 5: ya = e^(-2 pi i / 5), yb = ya^2 from the table. */                                               \
  static void an_radix5_##N(an_cpx_##N *f, const an_cpx_##N *tw, int32_t stride, int32_t m) {                  \
    const an_cpx_##N ya = tw[stride * m], yb = tw[2 * stride * m];                                             \
    for (int32_t u = 0; u < m; ++u) {                                                                          \
      an_cpx_##N *f0 = f + u, *f1 = f0 + m, *f2 = f1 + m, *f3 = f2 + m, *f4 = f3 + m;                          \
      an_cdiv_##N(f0, 5);                                                                                      \
      an_cdiv_##N(f1, 5);                                                                                      \
      an_cdiv_##N(f2, 5);                                                                                      \
      an_cdiv_##N(f3, 5);                                                                                      \
      an_cdiv_##N(f4, 5);                                                                                      \
      const an_cpx_##N s0 = *f0;                                                                               \
      const an_cpx_##N s1 = an_cmul_##N(*f1, tw[u * stride]);                                                  \
      const an_cpx_##N s2 = an_cmul_##N(*f2, tw[2 * u * stride]);                                              \
      const an_cpx_##N s3 = an_cmul_##N(*f3, tw[3 * u * stride]);                                              \
      const an_cpx_##N s4 = an_cmul_##N(*f4, tw[4 * u * stride]);                                              \
      const an_cpx_##N s7 = an_cadd_##N(s1, s4), s10 = an_csub_##N(s1, s4);                                    \
      const an_cpx_##N s8 = an_cadd_##N(s2, s3), s9 = an_csub_##N(s2, s3);                                     \
      an_cpx_##N s5, s6, s11, s12;                                                                             \
      f0->r = (T)X##_ADD(f0->r, X##_ADD(s7.r, s8.r));                                                          \
      f0->i = (T)X##_ADD(f0->i, X##_ADD(s7.i, s8.i));                                                          \
      s5.r = (T)X##_ADD(X##_ADD(s0.r, (T)X##_MULR(s7.r, ya.r)), (T)X##_MULR(s8.r, yb.r));                      \
      s5.i = (T)X##_ADD(X##_ADD(s0.i, (T)X##_MULR(s7.i, ya.r)), (T)X##_MULR(s8.i, yb.r));                      \
      s6.r = (T)X##_ADD((T)X##_MULR(s10.i, ya.i), (T)X##_MULR(s9.i, yb.i));                                    \
      s6.i = (T)X##_SUB(X##_NEG((T)X##_MULR(s10.r, ya.i)), (T)X##_MULR(s9.r, yb.i));                           \
      *f1 = an_csub_##N(s5, s6);                                                                               \
      *f4 = an_cadd_##N(s5, s6);                                                                               \
      s11.r = (T)X##_ADD(X##_ADD(s0.r, (T)X##_MULR(s7.r, yb.r)), (T)X##_MULR(s8.r, ya.r));                     \
      s11.i = (T)X##_ADD(X##_ADD(s0.i, (T)X##_MULR(s7.i, yb.r)), (T)X##_MULR(s8.i, ya.r));                     \
      s12.r = (T)X##_ADD(X##_NEG((T)X##_MULR(s10.i, yb.i)), (T)X##_MULR(s9.i, ya.i));                          \
      s12.i = (T)X##_SUB((T)X##_MULR(s10.r, yb.i), (T)X##_MULR(s9.r, ya.i));                                   \
      *f2 = an_cadd_##N(s11, s12);                                                                             \
      *f3 = an_csub_##N(s11, s12);                                                                             \
    }                                                                                                          \
  }                                                                                                            \
                                                                                                               \
  /* The complex FFT's stages over z (the first stage's order already applied), last stage first. */           \
  static void an_stages_##N(const an_rfft_plan *p, const an_cpx_##N *tw, an_cpx_##N *z, int inverse) {         \
    const int32_t half = p->fft_length / 2;                                                                    \
    for (int32_t s = p->stages - 1; s >= 0; --s) {                                                             \
      const int32_t radix = p->radix[s], m = p->span[s], block = radix * m, stride = half / block;             \
      for (int32_t b = 0; b < stride; ++b) {                                                                   \
        an_cpx_##N *f = z + b * block;                                                                         \
        switch (radix) {                                                                                       \
          case 2:                                                                                              \
            an_radix2_##N(f, tw, stride, m);                                                                   \
            break;                                                                                             \
          case 3:                                                                                              \
            an_radix3_##N(f, tw, stride, m);                                                                   \
            break;                                                                                             \
          case 4:                                                                                              \
            an_radix4_##N(f, tw, stride, m, inverse);                                                          \
            break;                                                                                             \
          default:                                                                                             \
            an_radix5_##N(f, tw, stride, m);                                                                   \
            break;                                                                                             \
        }                                                                                                      \
      }                                                                                                        \
    }                                                                                                          \
  }                                                                                                            \
                                                                                                               \
  /* IRFFT: the real spectrum -> the two halves' spectra (inverse split twiddles), the inverse complex FFT     \
     written as (even, odd) output pairs.  plan: input_length = complex inputs per frame, output_stride = real \
     outputs per frame. */                                                                                     \
  void an_irfft_##N(const an_rfft_plan *p, const T *twiddles, const T *split, const T *input, void *scratch,   \
                    T *output) {                                                                               \
    const int32_t half = p->fft_length / 2;                                                                    \
    const an_cpx_##N *tw = (const an_cpx_##N *)twiddles;                                                       \
    const an_cpx_##N *sw = (const an_cpx_##N *)split;                                                          \
    an_cpx_##N *z = (an_cpx_##N *)scratch;                                                                     \
    for (int32_t frame = 0; frame < p->frames; ++frame) {                                                      \
      const an_cpx_##N *in = (const an_cpx_##N *)input + frame * p->input_length;                              \
      an_cpx_##N *out = (an_cpx_##N *)(output + frame * p->output_stride);                                     \
      z[0].r = (T)X##_ADD(in[0].r, in[half].r);                                                                \
      z[0].i = (T)X##_SUB(in[0].r, in[half].r);                                                                \
      an_cdiv_##N(&z[0], 2);                                                                                   \
      for (int32_t k = 1; k <= half / 2; ++k) {                                                                \
        an_cpx_##N a = in[k], b;                                                                               \
        b.r = in[half - k].r;                                                                                  \
        b.i = (T)X##_NEG(in[half - k].i);                                                                      \
        an_cdiv_##N(&a, 2);                                                                                    \
        an_cdiv_##N(&b, 2);                                                                                    \
        const an_cpx_##N even = an_cadd_##N(a, b);                                                             \
        const an_cpx_##N odd = an_cmul_##N(an_csub_##N(a, b), sw[k - 1]);                                      \
        z[k] = an_cadd_##N(even, odd);                                                                         \
        z[half - k] = an_csub_##N(even, odd);                                                                  \
        z[half - k].i = (T)X##_NEG(z[half - k].i);                                                             \
      }                                                                                                        \
      for (int32_t j = 0; j < half; ++j) out[j] = z[p->order[j]];                                              \
      an_stages_##N(p, tw, out, 1);                                                                            \
      T *samples = output + frame * p->output_stride;                                                          \
      for (int32_t j = 0; j < p->fft_length; ++j) samples[j] = (T)X##_IRFFT_SCALE(samples[j], p->fft_length);  \
    }                                                                                                          \
  }                                                                                                            \
                                                                                                               \
  void an_rfft_##N(const an_rfft_plan *p, const T *twiddles, const T *split, const T *input, void *scratch,    \
                   T *output) {                                                                                \
    const int32_t half = p->fft_length / 2;                                                                    \
    const an_cpx_##N *tw = (const an_cpx_##N *)twiddles;                                                       \
    const an_cpx_##N *sw = (const an_cpx_##N *)split;                                                          \
    an_cpx_##N *z = (an_cpx_##N *)scratch;                                                                     \
    for (int32_t frame = 0; frame < p->frames; ++frame) {                                                      \
      const T *x = input + frame * p->input_length;                                                            \
      an_cpx_##N *out = (an_cpx_##N *)output + frame * p->output_stride;                                       \
      /* the first stage's order of the (even, odd) pairs, zeros past the frame */                             \
      for (int32_t j = 0; j < half; ++j) {                                                                     \
        const int32_t n = 2 * (int32_t)p->order[j];                                                            \
        z[j].r = n < p->input_length ? x[n] : (T)0;                                                            \
        z[j].i = n + 1 < p->input_length ? x[n + 1] : (T)0;                                                    \
      }                                                                                                        \
      an_stages_##N(p, tw, z, 0);                                                                              \
      /* the two real halves' spectra -> the real input's spectrum */                                          \
      an_cpx_##N dc = z[0];                                                                                    \
      an_cdiv_##N(&dc, 2);                                                                                     \
      out[0].r = (T)X##_ADD(dc.r, dc.i);                                                                       \
      out[half].r = (T)X##_SUB(dc.r, dc.i);                                                                    \
      out[0].i = out[half].i = (T)0;                                                                           \
      for (int32_t k = 1; k <= half / 2; ++k) {                                                                \
        an_cpx_##N a = z[k], b;                                                                                \
        b.r = z[half - k].r;                                                                                   \
        b.i = (T)X##_NEG(z[half - k].i);                                                                       \
        an_cdiv_##N(&a, 2);                                                                                    \
        an_cdiv_##N(&b, 2);                                                                                    \
        const an_cpx_##N sum = an_cadd_##N(a, b);                                                              \
        const an_cpx_##N t = an_cmul_##N(an_csub_##N(a, b), sw[k - 1]);                                        \
        out[k].r = (T)X##_HALF(X##_ADD(sum.r, t.r));                                                           \
        out[k].i = (T)X##_HALF(X##_ADD(sum.i, t.i));                                                           \
        out[half - k].r = (T)X##_HALF(X##_SUB(sum.r, t.r));                                                    \
        out[half - k].i = (T)X##_HALF(X##_SUB(t.i, sum.i));                                                    \
      }                                                                                                        \
    }                                                                                                          \
  }

AN_RFFT_DEFINE(S16, s16, int16_t)
AN_RFFT_DEFINE(S32, s32, int32_t)
AN_RFFT_DEFINE(F32, f32, float)
