// attendnets compiled runtime: int8 pooling.  The window is clipped to the image (padding
// is never counted); the average rounds half away from zero as TFLM's
// reference_integer_ops::AveragePool does, the result is clamped to the fused activation.
#include "an_pool.h"

#include "an_common.h"

// The window's sum divided by its count, rounded half away from zero (TFLM's AveragePool), clamped.
static inline int8_t an_avg_out(int32_t sum, int32_t count, int32_t act_min, int32_t act_max) {
  sum = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
  return (int8_t)an_clamp(sum, act_min, act_max);
}

#if AN_USE_DSP
// an_avg_out for |sum| <= 32768 and count <= 256 without a divide: with recip = ceil(2^31 / count)
// (at most 2^31) and n = |sum| + count / 2 < 2^16, floor(n * recip / 2^31) = floor(n / count):
// recip * count = 2^31 + e with e < count, so n * recip exceeds n * 2^31 / count by n * e / count
// < 2^24 / count, less than the 2^31 / count to the next multiple of 2^31.  The sign as the divide
// truncates: sum < 0 gives -((count / 2 - sum) / count), sum = 0 gives 0 either way.
static inline int8_t an_avg_out_recip(int32_t sum, int32_t half, uint32_t recip, int32_t act_min, int32_t act_max) {
  const int32_t sign = sum >> 31;  // 0 or -1
  const uint32_t n = (uint32_t)((sum ^ sign) - sign + half);
  const int32_t q = (int32_t)(((uint64_t)(n << 1) * recip) >> 32);
  return (int8_t)an_clamp((q ^ sign) - sign, act_min, act_max);
}
#endif

// AVERAGE_POOL_2D.  On DSP cores, windows of at most 256 values sum blocks of eight channels (then
// four) in int16 lanes by SXTAB16: two loads and four SXTAB16 per window position and eight channels;
// |sum| <= 256 * 128 = 32768, and -32768 is the only sum beyond +32767 in magnitude, which an int16
// lane holds, so the lanes never wrap.  Other channels, larger windows and cores: one channel at a
// time in int32.
void an_avg_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output) {
  // The parameters in locals: the int8 stores below could alias *p.
  const int32_t channels = p->c, in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t filter_h = p->filter_h, filter_w = p->filter_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_h = p->pad_h, pad_w = p->pad_w, act_min = p->act_min, act_max = p->act_max;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * channels;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * stride_h - pad_h;
      const int32_t y0 = AN_MAX(0, -iy0), y1 = AN_MIN(filter_h, in_h - iy0);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * stride_w - pad_w;
        const int32_t x0 = AN_MAX(0, -ix0), x1 = AN_MIN(filter_w, in_w - ix0);
        const int32_t count = (y1 - y0) * (x1 - x0), cols = x1 - x0;
        int8_t *out = output + ((b * out_h + oy) * out_w + ox) * channels;
        // The window's first value of channel 0; its rows are in_w * channels apart.
        const int8_t *corner = in + ((iy0 + y0) * in_w + ix0 + x0) * channels;
        const int32_t row_step = in_w * channels;
        int32_t c = 0;
#if AN_USE_DSP
        if (count <= 256) {
          const int32_t half = count / 2;
          const uint32_t recip = (0x80000000u + (uint32_t)count - 1u) / (uint32_t)count;  // < 2^32
          for (; c + 8 <= channels; c += 8) {
            uint32_t s02 = 0, s13 = 0, s46 = 0, s57 = 0;
            const int8_t *row = corner + c;
            for (int32_t y = y0; y < y1; ++y, row += row_step) {
              const int8_t *px = row;
              for (int32_t n = cols; n > 0; --n, px += channels) {
                uint32_t v0, v1;
                memcpy(&v0, px, 4);
                memcpy(&v1, px + 4, 4);
                s02 = (uint32_t)__sxtab16(s02, v0);
                s13 = an_sxtab16_ror8(s13, v0);
                s46 = (uint32_t)__sxtab16(s46, v1);
                s57 = an_sxtab16_ror8(s57, v1);
              }
            }
            int8_t *const o = out + c;
            o[0] = an_avg_out_recip(AN_LO16(s02), half, recip, act_min, act_max);
            o[2] = an_avg_out_recip(AN_HI16(s02), half, recip, act_min, act_max);
            o[1] = an_avg_out_recip(AN_LO16(s13), half, recip, act_min, act_max);
            o[3] = an_avg_out_recip(AN_HI16(s13), half, recip, act_min, act_max);
            o[4] = an_avg_out_recip(AN_LO16(s46), half, recip, act_min, act_max);
            o[6] = an_avg_out_recip(AN_HI16(s46), half, recip, act_min, act_max);
            o[5] = an_avg_out_recip(AN_LO16(s57), half, recip, act_min, act_max);
            o[7] = an_avg_out_recip(AN_HI16(s57), half, recip, act_min, act_max);
          }
          for (; c + 4 <= channels; c += 4) {
            uint32_t s02 = 0, s13 = 0;
            const int8_t *row = corner + c;
            for (int32_t y = y0; y < y1; ++y, row += row_step) {
              const int8_t *px = row;
              for (int32_t n = cols; n > 0; --n, px += channels) {
                uint32_t v;
                memcpy(&v, px, 4);
                s02 = (uint32_t)__sxtab16(s02, v);
                s13 = an_sxtab16_ror8(s13, v);
              }
            }
            int8_t *const o = out + c;
            o[0] = an_avg_out_recip(AN_LO16(s02), half, recip, act_min, act_max);
            o[2] = an_avg_out_recip(AN_HI16(s02), half, recip, act_min, act_max);
            o[1] = an_avg_out_recip(AN_LO16(s13), half, recip, act_min, act_max);
            o[3] = an_avg_out_recip(AN_HI16(s13), half, recip, act_min, act_max);
          }
        }
#endif
        for (; c < channels; ++c) {
          int32_t acc = 0;
          const int8_t *row = corner + c;
          for (int32_t y = y0; y < y1; ++y, row += row_step) {
            for (int32_t x = 0; x < cols; ++x) acc += row[x * channels];
          }
          out[c] = an_avg_out(acc, count, act_min, act_max);
        }
      }
    }
  }
}

// Bytewise signed maximum and minimum of four int8 lanes: SSUB8 sets the GE flag of each byte
// where a >= b, SEL takes the first operand's byte there, the second's elsewhere.
#if AN_USE_DSP
static inline uint32_t an_max4(uint32_t a, uint32_t b) {
  (void)__ssub8(a, b);
  return __sel(a, b);
}

static inline uint32_t an_min4(uint32_t a, uint32_t b) {
  (void)__ssub8(a, b);
  return __sel(b, a);
}

// The bytewise maximum of a 2x2 window's four words at p (the next pixel channels bytes on, the next row
// row_step bytes on): four loads in a row, three SSUB8/SEL.
static inline uint32_t an_max4_2x2(const int8_t *p, int32_t channels, int32_t row_step) {
  uint32_t a, b, c, d;
  memcpy(&a, p, 4);
  memcpy(&b, p + channels, 4);
  memcpy(&c, p + row_step, 4);
  memcpy(&d, p + row_step + channels, 4);
  return an_max4(an_max4(a, b), an_max4(c, d));
}
#endif

#if AN_USE_DSP && !AN_USE_MVE
// MAX_POOL_2D 2x2, stride 2, no padding, every window inside the input, channels a multiple of eight (the
// attention condensers'): the windows walked by pointers, eight channels per pass (the activation all of int8: one
// asm loop; else an_max4_2x2 and the clamp), no per-window bounds (the general walk below spent about 100
// instructions a window on them).
static void an_max_pool2x2_s8(const an_pool_params *p, const int8_t *input, int8_t *out, int full, uint32_t lo4,
                              uint32_t hi4) {
  const int32_t channels = p->c, in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t row_step = in_w * channels;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *row = input + b * in_h * row_step;
    for (int32_t oy = 0; oy < out_h; ++oy, row += 2 * row_step) {
      const int8_t *px = row;
      for (int32_t ox = 0; ox < out_w; ++ox, px += 2 * channels) {
#if defined(__GNUC__) && defined(__OPTIMIZE__)
        if (full) {
          // the window's four pixels by four pointers, post-incremented: per eight channels two runs of four
          // LDR, six SSUB8/SEL, two STR, SUBS/BNE (24 instructions; GCC's loop took 37)
          const int8_t *tl = px, *tr = px + channels, *bl = px + row_step, *br = px + row_step + channels;
          int32_t n = channels >> 3;
          uint32_t a, b, c, d, e, t;
          __asm__ volatile(
              "1:\n\t"
              "ldr %[a], [%[tl]], #4\n\t"
              "ldr %[b], [%[tr]], #4\n\t"
              "ldr %[c], [%[bl]], #4\n\t"
              "ldr %[d], [%[br]], #4\n\t"
              "ssub8 %[t], %[a], %[b]\n\t"
              "sel %[a], %[a], %[b]\n\t"
              "ssub8 %[t], %[c], %[d]\n\t"
              "sel %[c], %[c], %[d]\n\t"
              "ssub8 %[t], %[a], %[c]\n\t"
              "sel %[a], %[a], %[c]\n\t"
              "ldr %[b], [%[tl]], #4\n\t"
              "ldr %[c], [%[tr]], #4\n\t"
              "ldr %[d], [%[bl]], #4\n\t"
              "ldr %[e], [%[br]], #4\n\t"
              "ssub8 %[t], %[b], %[c]\n\t"
              "sel %[b], %[b], %[c]\n\t"
              "ssub8 %[t], %[d], %[e]\n\t"
              "sel %[d], %[d], %[e]\n\t"
              "ssub8 %[t], %[b], %[d]\n\t"
              "sel %[b], %[b], %[d]\n\t"
              "str %[a], [%[out]], #4\n\t"
              "str %[b], [%[out]], #4\n\t"
              "subs %[n], %[n], #1\n\t"
              "bne 1b"
              : [tl] "+r"(tl), [tr] "+r"(tr), [bl] "+r"(bl), [br] "+r"(br), [out] "+r"(out), [n] "+r"(n), [a] "=&r"(a),
                [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d), [e] "=&r"(e), [t] "=&r"(t)
              :
              : "cc", "memory");
          continue;
        }
#endif
        for (int32_t c = 0; c < channels; c += 8, out += 8) {
          uint32_t m0 = an_max4_2x2(px + c, channels, row_step);
          uint32_t m1 = an_max4_2x2(px + c + 4, channels, row_step);
          if (!full) {
            m0 = an_min4(an_max4(m0, lo4), hi4);
            m1 = an_min4(an_max4(m1, lo4), hi4);
          }
          memcpy(out, &m0, 4);
          memcpy(out + 4, &m1, 4);
        }
      }
    }
  }
}
#endif

// MAX_POOL_2D: channels in blocks (sixteen int8 lanes per VMAX on Helium; on DSP cores sixteen as
// four words per window position, then four, by SSUB8/SEL; then one at a time), the window's first
// value as the start (the same maximum as starting from -128 over a window that is never empty), the
// activation's clamp per lane.
void an_max_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output) {
  // The parameters in locals: the int8 stores below could alias *p.
  const int32_t channels = p->c, in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t filter_h = p->filter_h, filter_w = p->filter_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_h = p->pad_h, pad_w = p->pad_w, act_min = p->act_min, act_max = p->act_max;
#if AN_USE_MVE
  const int8x16_t lo = vdupq_n_s8((int8_t)act_min), hi = vdupq_n_s8((int8_t)act_max);
#elif AN_USE_DSP
  const uint32_t lo4 = 0x01010101u * (uint8_t)act_min, hi4 = 0x01010101u * (uint8_t)act_max;
  const int full = act_min == -128 && act_max == 127;
#if !AN_USE_MVE
  if (filter_h == 2 && filter_w == 2 && stride_h == 2 && stride_w == 2 && pad_h == 0 && pad_w == 0 &&
      (channels & 7) == 0 && 2 * out_h <= in_h && 2 * out_w <= in_w) {
    an_max_pool2x2_s8(p, input, output, full, lo4, hi4);
    return;
  }
#endif
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * channels;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * stride_h - pad_h;
      const int32_t y0 = AN_MAX(0, -iy0), y1 = AN_MIN(filter_h, in_h - iy0);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * stride_w - pad_w;
        const int32_t x0 = AN_MAX(0, -ix0), x1 = AN_MIN(filter_w, in_w - ix0);
        int8_t *out = output + ((b * out_h + oy) * out_w + ox) * channels;
        // The window's first value (the generator refuses windows wholly outside the image).
        const int8_t *corner = in + ((iy0 + y0) * in_w + ix0 + x0) * channels;
        int32_t c = 0;
#if AN_USE_MVE
        for (; c < channels; c += 16) {
          const mve_pred16_t pr = vctp8q((uint32_t)(channels - c));
          int8x16_t m = vldrbq_z_s8(corner + c, pr);
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * in_w + ix0) * channels + c;
            for (int32_t x = x0; x < x1; ++x) m = vmaxq_s8(m, vldrbq_z_s8(row + x * channels, pr));
          }
          vstrbq_p_s8(out + c, vminq_s8(vmaxq_s8(m, lo), hi), pr);
        }
#elif AN_USE_DSP
        // Sixteen channels per pass (four words: one run of loads per window position), then four.
        const int32_t row_step = in_w * channels, cols = x1 - x0, rows = y1 - y0;
        if (rows == 2 && cols == 2) {  // the attention condensers' 2x2 windows: four loads per word, no loops
          for (; c + 8 <= channels; c += 8) {
            const uint32_t m0 = an_max4_2x2(corner + c, channels, row_step);
            const uint32_t m1 = an_max4_2x2(corner + c + 4, channels, row_step);
            const uint32_t r0 = full ? m0 : an_min4(an_max4(m0, lo4), hi4);
            const uint32_t r1 = full ? m1 : an_min4(an_max4(m1, lo4), hi4);
            memcpy(out + c, &r0, 4);
            memcpy(out + c + 4, &r1, 4);
          }
        }
        for (; c + 16 <= channels; c += 16) {
          uint32_t m0, m1, m2, m3;
          memcpy(&m0, corner + c, 4);
          memcpy(&m1, corner + c + 4, 4);
          memcpy(&m2, corner + c + 8, 4);
          memcpy(&m3, corner + c + 12, 4);
          const int8_t *row = corner + c;
          for (int32_t y = rows; y > 0; --y, row += row_step) {
            const int8_t *px = row;
            for (int32_t x = cols; x > 0; --x, px += channels) {
              uint32_t v0, v1, v2, v3;
              memcpy(&v0, px, 4);
              memcpy(&v1, px + 4, 4);
              memcpy(&v2, px + 8, 4);
              memcpy(&v3, px + 12, 4);
              m0 = an_max4(m0, v0);
              m1 = an_max4(m1, v1);
              m2 = an_max4(m2, v2);
              m3 = an_max4(m3, v3);
            }
          }
          if (!full) {
            m0 = an_min4(an_max4(m0, lo4), hi4);
            m1 = an_min4(an_max4(m1, lo4), hi4);
            m2 = an_min4(an_max4(m2, lo4), hi4);
            m3 = an_min4(an_max4(m3, lo4), hi4);
          }
          memcpy(out + c, &m0, 4);
          memcpy(out + c + 4, &m1, 4);
          memcpy(out + c + 8, &m2, 4);
          memcpy(out + c + 12, &m3, 4);
        }
        for (; c + 4 <= channels; c += 4) {
          uint32_t m;
          memcpy(&m, corner + c, 4);
          const int8_t *row = corner + c;
          for (int32_t y = rows; y > 0; --y, row += row_step) {
            const int8_t *px = row;
            for (int32_t x = cols; x > 0; --x, px += channels) {
              uint32_t v;
              memcpy(&v, px, 4);
              m = an_max4(m, v);
            }
          }
          if (!full) m = an_min4(an_max4(m, lo4), hi4);
          memcpy(out + c, &m, 4);
        }
#endif
        for (; c < channels; ++c) {
          int32_t m = corner[c];
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * in_w + ix0) * channels + c;
            for (int32_t x = x0; x < x1; ++x) m = AN_MAX(m, row[x * channels]);
          }
          out[c] = (int8_t)an_clamp(m, act_min, act_max);
        }
      }
    }
  }
}
