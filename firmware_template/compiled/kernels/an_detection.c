// attendnets compiled runtime: TFLite_Detection_PostProcess float32 (see an_detection.h).
#pragma STDC FP_CONTRACT OFF
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations
#endif
#include "an_detection.h"

#include <math.h>

static float an_max_f(float a, float b) {
  return (a < b) ? b : a;
}  // std::max
static float an_min_f(float a, float b) {
  return (b < a) ? b : a;
}  // std::min

// indices[0..n) = 0..n-1 stably sorted by decreasing values[] (ties keep the lower index first): TFLM's
// DecreasingArgSort (a stable merge sort), and the first k of it are DecreasingPartialArgSort's top k (its
// comparator orders ties by the lower index). `tmp`: n ints.
static void an_argsort_decreasing(const float *values, int32_t n, int32_t *indices, int32_t *tmp) {
  for (int32_t i = 0; i < n; ++i) indices[i] = i;
  for (int32_t width = 1; width < n; width *= 2) {
    for (int32_t lo = 0; lo < n; lo += 2 * width) {
      const int32_t mid = lo + width < n ? lo + width : n;
      const int32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      int32_t l = lo, r = mid, o = lo;
      while (o < hi) {
        if (l >= mid || (r < hi && values[indices[r]] > values[indices[l]])) {
          tmp[o++] = indices[r++];
        } else {
          tmp[o++] = indices[l++];
        }
      }
    }
    memcpy(indices, tmp, (size_t)n * sizeof(int32_t));
  }
}

static float an_iou(const float *decoded, int32_t i, int32_t j) {
  const float *a = decoded + 4 * i, *b = decoded + 4 * j;
  const float area_i = (a[2] - a[0]) * (a[3] - a[1]);
  const float area_j = (b[2] - b[0]) * (b[3] - b[1]);
  if (area_i <= 0 || area_j <= 0) return 0.0f;
  const float ymin = an_max_f(a[0], b[0]), xmin = an_max_f(a[1], b[1]);
  const float ymax = an_min_f(a[2], b[2]), xmax = an_min_f(a[3], b[3]);
  const float inter = an_max_f(ymax - ymin, 0.0f) * an_max_f(xmax - xmin, 0.0f);
  return inter / (area_i + area_j - inter);
}

typedef struct {
  float *decoded, *keep_scores, *class_scores, *scores_after, *sorted_values;
  int32_t *keep_indices, *sorted, *tmp, *selected, *box_after, *class_order;
  uint8_t *active;
} an_detection_scratch;

// TFLM's NonMaxSuppressionSingleClassHelper: the boxes scoring >= the threshold by decreasing score, each kept
// unless an earlier kept one overlaps it by more than the IoU threshold; at most max_out.
static int32_t an_nms_one_class(const an_detection_params *p, const an_detection_scratch *s, const float *scores,
                                int32_t max_out) {
  int32_t kept = 0;
  for (int32_t i = 0; i < p->num_boxes; ++i) {
    if (scores[i] >= p->score_threshold) {
      s->keep_scores[kept] = scores[i];
      s->keep_indices[kept] = i;
      ++kept;
    }
  }
  an_argsort_decreasing(s->keep_scores, kept, s->sorted, s->tmp);
  const int32_t output_size = kept < max_out ? kept : max_out;
  int32_t selected = 0, active = kept;
  memset(s->active, 1, (size_t)kept);
  for (int32_t i = 0; i < kept; ++i) {
    if (active == 0 || selected >= output_size) break;
    if (!s->active[i]) continue;
    const int32_t box = s->keep_indices[s->sorted[i]];
    s->selected[selected++] = box;
    s->active[i] = 0;
    --active;
    for (int32_t j = i + 1; j < kept; ++j) {
      if (s->active[j] && an_iou(s->decoded, box, s->keep_indices[s->sorted[j]]) > p->iou_threshold) {
        s->active[j] = 0;
        --active;
      }
    }
  }
  return selected;
}

int32_t an_detection_postprocess_f32(const an_detection_params *p, const float *encodings, const float *scores,
                                     const float *anchors, void *scratch, float *boxes, float *classes,
                                     float *out_scores, float *count) {
  const int32_t nb = p->num_boxes, md = p->max_detections, nc = p->num_classes;
  const int32_t ncb = p->classes_with_background, offset = ncb - nc;
  const int32_t lists = nb + md + nc;
  an_detection_scratch s;
  float *f = (float *)scratch;
  s.decoded = f;
  s.keep_scores = f + 4 * nb;
  s.class_scores = s.keep_scores + nb;
  s.scores_after = s.class_scores + nb;
  s.sorted_values = s.scores_after + lists;
  int32_t *n = (int32_t *)(s.sorted_values + lists);
  s.keep_indices = n;
  s.selected = n + nb;
  s.sorted = s.selected + nb;
  s.tmp = s.sorted + lists;
  s.box_after = s.tmp + lists;
  s.class_order = s.box_after + lists;
  s.active = (uint8_t *)(s.class_order + nb * nc);

  memset(boxes, 0, (size_t)md * 4u * sizeof(float));
  memset(classes, 0, (size_t)md * sizeof(float));
  memset(out_scores, 0, (size_t)md * sizeof(float));
  count[0] = 0.0f;
  // DecodeCenterSizeBoxes: in double, rounded to float once per value
  int32_t valid = 1;
  for (int32_t i = 0; i < nb; ++i) {
    const float *e = encodings + i * p->box_stride, *a = anchors + 4 * i;
    const float yc = (float)((double)e[0] / (double)p->y_scale * (double)a[2] + (double)a[0]);
    const float xc = (float)((double)e[1] / (double)p->x_scale * (double)a[3] + (double)a[1]);
    const float half_h = (float)(0.5 * exp((double)e[2] / (double)p->h_scale) * (double)a[2]);
    const float half_w = (float)(0.5 * exp((double)e[3] / (double)p->w_scale) * (double)a[3]);
    float *d = s.decoded + 4 * i;
    d[0] = yc - half_h;
    d[1] = xc - half_w;
    d[2] = yc + half_h;
    d[3] = xc + half_w;
    if (d[0] >= d[2] || d[1] >= d[3]) valid = 0;  // TFLM's ValidateBoxes
  }
  if (!valid) return 1;

  if (p->regular) {  // NonMaxSuppressionMultiClassRegularHelper
    int32_t held = 0;
    for (int32_t c = 0; c < nc; ++c) {
      for (int32_t r = 0; r < nb; ++r) s.class_scores[r] = scores[r * ncb + c + offset];
      const int32_t chosen = an_nms_one_class(p, &s, s.class_scores, p->detections_per_class);
      int32_t total = held;
      for (int32_t i = 0; i < chosen; ++i, ++total) {
        s.box_after[total] = s.selected[i] * ncb + c + offset;
        s.scores_after[total] = s.class_scores[s.selected[i]];
      }
      const int32_t keep = total < md ? total : md;
      an_argsort_decreasing(s.scores_after, total, s.sorted, s.tmp);
      for (int32_t r = 0; r < keep; ++r) {
        const int32_t t = s.sorted[r];
        s.sorted[r] = s.box_after[t];
        s.sorted_values[r] = s.scores_after[t];
      }
      memcpy(s.box_after, s.sorted, (size_t)keep * sizeof(int32_t));
      memcpy(s.scores_after, s.sorted_values, (size_t)keep * sizeof(float));
      held = keep;
    }
    for (int32_t o = 0; o < held; ++o) {
      const int32_t anchor = s.box_after[o] / ncb;
      memcpy(boxes + 4 * o, s.decoded + 4 * anchor, 4u * sizeof(float));
      classes[o] = (float)(s.box_after[o] - anchor * ncb - offset);
      out_scores[o] = s.scores_after[o];
    }
    count[0] = (float)held;
    return 0;
  }
  // NonMaxSuppressionMultiClassFastHelper, one class per detection: each box's best class (ties: the lower)
  for (int32_t r = 0; r < nb; ++r) {
    const float *row = scores + r * ncb + offset;
    int32_t *order = s.class_order + r * nc;
    an_argsort_decreasing(row, nc, order, s.tmp);
    s.class_scores[r] = row[order[0]];
  }
  const int32_t chosen = an_nms_one_class(p, &s, s.class_scores, md);
  for (int32_t o = 0; o < chosen; ++o) {
    const int32_t box = s.selected[o];
    const int32_t best = s.class_order[box * nc];
    memcpy(boxes + 4 * o, s.decoded + 4 * box, 4u * sizeof(float));
    classes[o] = (float)best;
    out_scores[o] = scores[box * ncb + offset + best];
  }
  count[0] = (float)chosen;
  return 0;
}
