// attendnets compiled runtime: reductions and ARG_MAX / ARG_MIN (see an_reduce.h).
#include "an_reduce.h"

#include <float.h>

#include "an_common.h"

static int32_t an_reduce_count(int32_t ndim, const int32_t *dims) {
  int32_t n = 1;
  for (int32_t d = 0; d < ndim; ++d) n *= dims[d];
  return n;
}

// Offset of the next position of a row-major walk over (ndim, dims, strides).
static int32_t an_reduce_step(int32_t ndim, const int32_t *dims, const int32_t *strides, int32_t *index,
                              int32_t offset) {
  for (int32_t d = ndim - 1; d >= 0; --d) {
    offset += strides[d];
    if (++index[d] < dims[d]) return offset;
    offset -= strides[d] * dims[d];
    index[d] = 0;
  }
  return offset;
}

// What every reduction declares from q (its parameters in locals: the output stores may alias them): the outputs
// (the kept positions, walked row-major by an odometer from `base`), the innermost reduced dimension (walked in a
// tight loop: inner values inner_stride apart) and the other reduced positions (rows of them, by an odometer).
#define AN_REDUCE_WALK_SETUP                                                  \
  const int32_t outputs = an_reduce_count(q.kept_ndim, q.kept_dims);          \
  const int32_t last = q.reduced_ndim - 1;                                    \
  const int32_t inner = last >= 0 ? q.reduced_dims[last] : 1;                 \
  const int32_t inner_stride = last >= 0 ? q.reduced_strides[last] : 0;       \
  const int32_t rows = last >= 0 ? an_reduce_count(last, q.reduced_dims) : 1; \
  int32_t kept_index[AN_REDUCE_MAX_DIMS] = {0};                               \
  int32_t base = 0

// Then each output: its inputs (TYPE) folded into an ACC_T from INIT by ADD(acc, input) in input order, and
// STORE(o, acc) writes output o.
#define AN_REDUCE_WALK(TYPE, ACC_T, INIT, ADD, STORE)                                          \
  for (int32_t o = 0; o < outputs; ++o) {                                                      \
    int32_t reduced_index[AN_REDUCE_MAX_DIMS] = {0};                                           \
    int32_t offset = base;                                                                     \
    ACC_T acc = (INIT);                                                                        \
    for (int32_t r = 0; r < rows; ++r) {                                                       \
      const TYPE *x = input + offset;                                                          \
      for (int32_t i = 0; i < inner; ++i) {                                                    \
        const TYPE in = *x;                                                                    \
        ADD(acc, in);                                                                          \
        x += inner_stride;                                                                     \
      }                                                                                        \
      offset = an_reduce_step(last, q.reduced_dims, q.reduced_strides, reduced_index, offset); \
    }                                                                                          \
    STORE(o, acc);                                                                             \
    base = an_reduce_step(q.kept_ndim, q.kept_dims, q.kept_strides, kept_index, base);         \
  }

// int32 sums that wrap, as TFLM's accumulation.
#define AN_ADD_WRAPPING(acc, in) acc += (uint32_t)(int32_t)(in)

// clamp(MBQM(sum - zero_point_sum) + output zero point) to int8.
static inline int8_t an_reduce_sum_out(const an_reduce_params *q, uint32_t sum) {
  const int32_t shifted = (int32_t)(sum - (uint32_t)q->zero_point_sum);
  return (int8_t)an_clamp(an_requantize(shifted, q->output_multiplier, q->output_shift) + q->output_zero_point, -128,
                          127);
}

#if AN_USE_DSP
// an_reduce_sum_out for sums of at most 256 int8 values (|x| = |sum - zero_point_sum| <= 2^16) and a shift
// -e in [-22, -1] (MEAN's usual): SMMLAR of 2x and the multiplier gives h = floor((2x m + 2^31) / 2^32) on a
// constant holding 2^(e-1), the output zero point times 2^e and -[x < 0] (h < 0 only where x < 0; h = 0
// rounds to 0 either way), then ASR #e and SSAT: an_requantize's bits and the offset, in six instructions.
// fast = 0 (other shifts): an_reduce_sum_out itself.
typedef struct {
  uint32_t zero_point_sum2;
  int32_t multiplier, round, e, fast;
} an_mean_out_consts;

static an_mean_out_consts an_mean_out_prepare(const an_reduce_params *q) {
  an_mean_out_consts c;
  c.e = -q->output_shift;
  c.fast = c.e >= 1 && c.e <= 22 && q->output_multiplier >= 0;
  c.zero_point_sum2 = (uint32_t)q->zero_point_sum << 1;
  c.multiplier = q->output_multiplier;
  c.round = c.fast ? (int32_t)((1u << (c.e - 1)) + ((uint32_t)q->output_zero_point << c.e)) : 0;
  return c;
}

static inline int32_t an_mean_out(int32_t sum, uint32_t zero_point_sum2, int32_t multiplier, int32_t round, int32_t e) {
  const int32_t x2 = (int32_t)(((uint32_t)sum << 1) - zero_point_sum2);
  int32_t h;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(h) : "r"(x2), "r"(multiplier), "r"(round + (x2 >> 31)));
  return __ssat(h >> e, 8);
}

// The four outputs of the int16 lanes s02 (channels 0, 2) and s13 (1, 3), in channel order (the constants
// in locals first: the byte stores may alias anything).  Inlined: as a call (four a block of sixteen channels) its
// arguments, the lanes' unpacking through the stack and the fast test cost about as much as the requantization.
static inline __attribute__((always_inline)) void an_mean_store4(const an_reduce_params *q, const an_mean_out_consts *c,
                                                                 uint32_t s02, uint32_t s13, int8_t *out) {
  const int32_t sums[4] = {AN_LO16(s02), AN_LO16(s13), AN_HI16(s02), AN_HI16(s13)};
  if (!c->fast) {
    for (int32_t k = 0; k < 4; ++k) out[k] = an_reduce_sum_out(q, (uint32_t)sums[k]);
    return;
  }
  const uint32_t zps2 = c->zero_point_sum2;
  const int32_t m = c->multiplier, round = c->round, e = c->e;
  const int32_t r0 = an_mean_out(sums[0], zps2, m, round, e), r1 = an_mean_out(sums[1], zps2, m, round, e);
  const int32_t r2 = an_mean_out(sums[2], zps2, m, round, e), r3 = an_mean_out(sums[3], zps2, m, round, e);
  out[0] = (int8_t)r0;
  out[1] = (int8_t)r1;
  out[2] = (int8_t)r2;
  out[3] = (int8_t)r3;
}

// Thirteen registers in its asm statement: not where an unoptimised build (-O0) keeps its frame pointer.
#if defined(__GNUC__) && defined(__OPTIMIZE__)
#define AN_MEAN_BLOCK16 1
// One block of sixteen channels of a single run of n >= 1 reduced positions `step` bytes apart (word aligned
// x and step): per position the four words by two LDRD (3 cycles each; separate LDRs between the SXTAB16 took
// 2 cycles each), eight SXTAB16, the step, and per two positions one count (12 instructions a position; the C
// loop took 16), then the sixteen outputs by an_mean_out (c->fast), in channel order.  Not inlined: its own
// registers for the eight sums and the constants (inlined, GCC spilled the lanes around the requantization).
static __attribute__((noinline)) void an_mean_block16(const int8_t *x, int32_t n, int32_t step,
                                                      const an_mean_out_consts *c, int8_t *out) {
  uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, a, b;
  // an odd position first (by the loop below with n 1), then two a pass: one SUBS/BNE per two positions
  int32_t pairs = n >> 1;
  n &= 1;
  // one position: the four words by two LDRD, eight SXTAB16, the step (the pair loop's text once)
#define AN_MEAN_POSITION_TEXT              \
  "ldrd %[a], %[b], [%[x]]\n\t"            \
  "sxtab16 %[s0], %[s0], %[a]\n\t"         \
  "sxtab16 %[s1], %[s1], %[a], ror #8\n\t" \
  "sxtab16 %[s2], %[s2], %[b]\n\t"         \
  "sxtab16 %[s3], %[s3], %[b], ror #8\n\t" \
  "ldrd %[a], %[b], [%[x], #8]\n\t"        \
  "sxtab16 %[s4], %[s4], %[a]\n\t"         \
  "sxtab16 %[s5], %[s5], %[a], ror #8\n\t" \
  "sxtab16 %[s6], %[s6], %[b]\n\t"         \
  "sxtab16 %[s7], %[s7], %[b], ror #8\n\t" \
  "add %[x], %[x], %[step]\n\t"
  if (n == 0) goto pairs_of_positions;
  __asm__("1:\n\t" AN_MEAN_POSITION_TEXT
          "subs %[n], %[n], #1\n\t"
          "bne 1b"
          : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4), [s5] "+r"(s5), [s6] "+r"(s6),
            [s7] "+r"(s7), [a] "=&r"(a), [b] "=&r"(b), [x] "+r"(x), [n] "+r"(n)
          : [step] "r"(step)
          : "cc", "memory");
pairs_of_positions:
  if (pairs) {
    __asm__("1:\n\t" AN_MEAN_POSITION_TEXT AN_MEAN_POSITION_TEXT
            "subs %[n], %[n], #1\n\t"
            "bne 1b"
            : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4), [s5] "+r"(s5), [s6] "+r"(s6),
              [s7] "+r"(s7), [a] "=&r"(a), [b] "=&r"(b), [x] "+r"(x), [n] "+r"(pairs)
            : [step] "r"(step)
            : "cc", "memory");
#undef AN_MEAN_POSITION_TEXT
  }
  const uint32_t zps2 = c->zero_point_sum2;
  const int32_t m = c->multiplier, round = c->round, e = c->e;
  const uint32_t sums[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
  for (int32_t k = 0; k < 8; k += 2) {
    const int32_t r0 = an_mean_out(AN_LO16(sums[k]), zps2, m, round, e);
    const int32_t r1 = an_mean_out(AN_LO16(sums[k + 1]), zps2, m, round, e);
    const int32_t r2 = an_mean_out(AN_HI16(sums[k]), zps2, m, round, e);
    const int32_t r3 = an_mean_out(AN_HI16(sums[k + 1]), zps2, m, round, e);
    // packed by three BFI into the first output's word (its bits above 8 overwritten), one word store
    uint32_t w = (uint32_t)r0;
    __asm__("bfi %0, %1, #8, #8\n\tbfi %0, %2, #16, #8\n\tbfi %0, %3, #24, #8" : "+r"(w) : "r"(r1), "r"(r2), "r"(r3));
    memcpy(out + 2 * k, &w, 4);
  }
}
#else
#define AN_MEAN_BLOCK16 0
#endif
#endif

void an_reduce_sum_s8(const an_reduce_params *p, const int8_t *input, int8_t *output) {
  const an_reduce_params q = *p;
  AN_REDUCE_WALK_SETUP;
#if AN_USE_DSP
  // Outputs whose inputs lie side by side (the last kept dimension of stride 1: MEAN over the spatial
  // axes of NHWC, channels kept) in blocks of sixteen then four: each reduced position's sixteen or four
  // inputs by four or one loads, summed in int16 lanes by SXTAB16.  At most 256 values per output:
  // |sum| <= 256 * 128 = 32768, and -32768 is the only sum beyond +32767 in magnitude, which an int16
  // lane holds, so the lanes never wrap; the sum is the same int32 the other path adds.
  const int32_t kept_last = q.kept_ndim - 1;
  if (kept_last >= 0 && q.kept_strides[kept_last] == 1 && rows * inner <= 256) {
    const an_mean_out_consts c = an_mean_out_prepare(&q);
    const int32_t row_len = q.kept_dims[kept_last];
    // One run of reduced positions (rows 1: the generator merges MEAN's H and W) whose steps are whole words:
    // the blocks of sixteen channels whose first input is word aligned go through an_mean_block16.
    const int32_t run16 = AN_MEAN_BLOCK16 && c.fast && rows == 1 && inner >= 1 && (inner_stride & 3) == 0;
    (void)run16;
    for (int32_t o = 0; o < outputs; o += row_len) {
      int32_t c0 = 0;
#if AN_MEAN_BLOCK16
      for (; run16 && c0 + 16 <= row_len && (((uintptr_t)(input + base + c0)) & 3) == 0; c0 += 16) {
        an_mean_block16(input + base + c0, inner, inner_stride, &c, output + o + c0);
      }
#endif
      for (; c0 + 16 <= row_len; c0 += 16) {
        uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int32_t reduced_index[AN_REDUCE_MAX_DIMS] = {0};
        int32_t offset = base + c0;
        for (int32_t r = 0; r < rows; ++r) {
          const int8_t *x = input + offset;
          for (int32_t i = 0; i < inner; ++i, x += inner_stride) {
            uint32_t v0, v1, v2, v3;
            memcpy(&v0, x, 4);
            memcpy(&v1, x + 4, 4);
            memcpy(&v2, x + 8, 4);
            memcpy(&v3, x + 12, 4);
            s0 = (uint32_t)__sxtab16(s0, v0);
            s1 = an_sxtab16_ror8(s1, v0);
            s2 = (uint32_t)__sxtab16(s2, v1);
            s3 = an_sxtab16_ror8(s3, v1);
            s4 = (uint32_t)__sxtab16(s4, v2);
            s5 = an_sxtab16_ror8(s5, v2);
            s6 = (uint32_t)__sxtab16(s6, v3);
            s7 = an_sxtab16_ror8(s7, v3);
          }
          offset = an_reduce_step(last, q.reduced_dims, q.reduced_strides, reduced_index, offset);
        }
        int8_t *out = output + o + c0;
        an_mean_store4(&q, &c, s0, s1, out);
        an_mean_store4(&q, &c, s2, s3, out + 4);
        an_mean_store4(&q, &c, s4, s5, out + 8);
        an_mean_store4(&q, &c, s6, s7, out + 12);
      }
      for (; c0 + 4 <= row_len; c0 += 4) {
        uint32_t s02 = 0, s13 = 0;
        int32_t reduced_index[AN_REDUCE_MAX_DIMS] = {0};
        int32_t offset = base + c0;
        for (int32_t r = 0; r < rows; ++r) {
          const int8_t *x = input + offset;
          for (int32_t i = 0; i < inner; ++i, x += inner_stride) {
            uint32_t v;
            memcpy(&v, x, 4);
            s02 = (uint32_t)__sxtab16(s02, v);
            s13 = an_sxtab16_ror8(s13, v);
          }
          offset = an_reduce_step(last, q.reduced_dims, q.reduced_strides, reduced_index, offset);
        }
        an_mean_store4(&q, &c, s02, s13, output + o + c0);
      }
      for (; c0 < row_len; ++c0) {
        int32_t reduced_index[AN_REDUCE_MAX_DIMS] = {0};
        int32_t offset = base + c0;
        uint32_t sum = 0;
        for (int32_t r = 0; r < rows; ++r) {
          const int8_t *x = input + offset;
          for (int32_t i = 0; i < inner; ++i, x += inner_stride) sum += (uint32_t)(int32_t)*x;
          offset = an_reduce_step(last, q.reduced_dims, q.reduced_strides, reduced_index, offset);
        }
        output[o + c0] = an_reduce_sum_out(&q, sum);
      }
      // the next row of outputs: the kept walk's last dimension (stride 1) wraps after row_len steps, the
      // last of them carrying into the dimensions before it
      kept_index[kept_last] = row_len - 1;
      base = an_reduce_step(q.kept_ndim, q.kept_dims, q.kept_strides, kept_index, base + row_len - 1);
    }
    return;
  }
#endif
#define AN_STORE_SUM_S8(o, sum) output[o] = an_reduce_sum_out(&q, sum)
  AN_REDUCE_WALK(int8_t, uint32_t, 0, AN_ADD_WRAPPING, AN_STORE_SUM_S8)
}

// MAX, MIN and ALL: the walk with COMBINE(current, in) from INIT.
#define AN_REDUCE_EXTREME(NAME, TYPE, INIT, COMBINE)                      \
  void NAME(const an_reduce_params *p, const TYPE *input, TYPE *output) { \
    const an_reduce_params q = *p;                                        \
    AN_REDUCE_WALK_SETUP;                                                 \
    AN_REDUCE_WALK(TYPE, TYPE, INIT, COMBINE, AN_STORE_EXTREME)           \
  }

#define AN_STORE_EXTREME(o, current) output[o] = current
#define AN_TAKE_GREATER(current, in) current = (in) > (current) ? (in) : (current)
#define AN_TAKE_LESS(current, in) current = (in) < (current) ? (in) : (current)
#define AN_BOTH(current, in) current = (in) && (current)

AN_REDUCE_EXTREME(an_reduce_max_s8, int8_t, INT8_MIN, AN_TAKE_GREATER)
AN_REDUCE_EXTREME(an_reduce_min_s8, int8_t, INT8_MAX, AN_TAKE_LESS)
AN_REDUCE_EXTREME(an_reduce_max_f32, float, -FLT_MAX, AN_TAKE_GREATER)
AN_REDUCE_EXTREME(an_reduce_min_f32, float, FLT_MAX, AN_TAKE_LESS)
AN_REDUCE_EXTREME(an_reduce_all_b, bool, true, AN_BOTH)

#define AN_ARG(NAME, TYPE, BETTER)                                         \
  void NAME(const an_arg_params *p, const TYPE *input, void *output) {     \
    const int32_t outer = p->outer, size = p->axis_size, inner = p->inner; \
    int32_t *narrow = (int32_t *)output;                                   \
    int64_t *wide = (int64_t *)output;                                     \
    for (int32_t o = 0; o < outer; ++o, input += size * inner) {           \
      for (int32_t i = 0; i < inner; ++i) {                                \
        const TYPE *x = input + i;                                         \
        TYPE best = x[0];                                                  \
        int32_t index = 0;                                                 \
        for (int32_t k = 1; k < size; ++k) {                               \
          const TYPE value = x[k * inner];                                 \
          if (BETTER(value, best)) {                                       \
            best = value;                                                  \
            index = k;                                                     \
          }                                                                \
        }                                                                  \
        if (p->output_int64) {                                             \
          *wide++ = index;                                                 \
        } else {                                                           \
          *narrow++ = index;                                               \
        }                                                                  \
      }                                                                    \
    }                                                                      \
  }

#define AN_GREATER(a, b) ((a) > (b))
#define AN_LESS(a, b) ((a) < (b))

AN_ARG(an_arg_max_s8, int8_t, AN_GREATER)
AN_ARG(an_arg_min_s8, int8_t, AN_LESS)
AN_ARG(an_arg_max_f32, float, AN_GREATER)
AN_ARG(an_arg_min_f32, float, AN_LESS)

void an_reduce_sum_s16(const an_reduce_params *p, const int16_t *input, int16_t *output) {
  const an_reduce_params q = *p;
  AN_REDUCE_WALK_SETUP;
#define AN_STORE_SUM_S16(o, sum)                                                                           \
  do {                                                                                                     \
    const int32_t shifted = (int32_t)(sum - (uint32_t)q.zero_point_sum);                                   \
    const int32_t out = an_requantize(shifted, q.output_multiplier, q.output_shift) + q.output_zero_point; \
    output[o] = (int16_t)an_clamp(out, -32768, 32767);                                                     \
  } while (0)
  AN_REDUCE_WALK(int16_t, uint32_t, 0, AN_ADD_WRAPPING, AN_STORE_SUM_S16)
}

// float32: each output's inputs added in input order from 0.0f (TFLM's ReduceSumImpl); MEAN divides the sum
// by the count as a float (mean_count > 0), SUM leaves it (mean_count 0).
void an_reduce_sum_f32(const an_reduce_params *p, const float *input, float *output, int32_t mean_count) {
  const an_reduce_params q = *p;
  AN_REDUCE_WALK_SETUP;
#define AN_ADD_F32(sum, in) sum = (in) + sum
#define AN_STORE_MEAN_F32(o, sum) output[o] = mean_count > 0 ? sum / (float)mean_count : sum
  AN_REDUCE_WALK(float, float, 0.0f, AN_ADD_F32, AN_STORE_MEAN_F32)
}
