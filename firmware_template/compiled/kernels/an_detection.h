// attendnets compiled runtime: TFLM's TFLite_Detection_PostProcess custom operator (SSD post-processing,
// detection_postprocess.cc), float32: centre-size boxes decoded against the anchors (in double, as TFLM), then
// regular (per class) or fast (best class per box) non-maximum suppression with TFLM's orders: a stable sort by
// decreasing score (TFLM's merge sort), ties of the partial sorts broken by the lower index (std::partial_sort with
// TFLM's std::tie comparator), IoU in float with TFLM's max/min.
#ifndef AN_DETECTION_H_
#define AN_DETECTION_H_

#include "an_common.h"

typedef struct {
  int32_t num_boxes;                // anchors (box encodings [1][num_boxes][box_stride])
  int32_t box_stride;               // values per box encoding (>= 4: y, x, h, w first)
  int32_t num_classes;              // classes without the background
  int32_t classes_with_background;  // class predictions [1][num_boxes][classes_with_background]
  int32_t max_detections;
  int32_t detections_per_class;  // regular NMS
  int32_t regular;               // 1: regular NMS, 0: fast NMS (one class per detection)
  float score_threshold, iou_threshold;
  float y_scale, x_scale, h_scale, w_scale;
} an_detection_params;

// Scratch bytes the kernel carves (decoded boxes, kept scores and indices, sort buffers, per-class lists).
#define AN_DETECTION_SCRATCH_BYTES(num_boxes, max_detections, num_classes)                       \
  ((size_t)4u * (4u * (size_t)(num_boxes) + 5u * (size_t)(num_boxes) +                           \
                 5u * ((size_t)(num_boxes) + (size_t)(max_detections) + (size_t)(num_classes)) + \
                 (size_t)(num_boxes) * (size_t)(num_classes)))

// Outputs: boxes [max_detections][4] (ymin, xmin, ymax, xmax), classes and scores [max_detections], count [1].
// Entries past the detections are 0 (TFLM's regular path writes 0 there; its fast path leaves them as they were).
// Returns 0; 1 where a decoded box is empty (ymin >= ymax or xmin >= xmax: TFLM's Eval fails), with no detections.
int32_t an_detection_postprocess_f32(const an_detection_params *p, const float *encodings, const float *scores,
                                     const float *anchors, void *scratch, float *boxes, float *classes,
                                     float *out_scores, float *count);

#endif  // AN_DETECTION_H_
