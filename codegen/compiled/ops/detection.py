"""TFLM's TFLite_Detection_PostProcess custom operator (SSD post-processing) ->
``firmware_template/compiled/kernels/an_detection.c``.

The options are a flexbuffer map read by key (detection_postprocess.cc's Init): ``max_detections``,
``max_classes_per_detection``, ``nms_score_threshold``, ``nms_iou_threshold``, ``num_classes``, ``y_scale``,
``x_scale``, ``h_scale``, ``w_scale`` and the optional ``detections_per_class`` (default 100) and
``use_regular_nms`` (default false).  TFLM's micro kernel takes float32 box encodings [1, boxes, >= 4], class
predictions [1, boxes, classes (+ 1 background)] and anchors [boxes, 4] (read as floats whatever their type);
its four float32 outputs are the boxes [1, max_detections, 4], classes and scores [1, max_detections] and the
count [1].  What TFLM checks at run time on the options (IoU threshold in (0, 1], counts > 0) is checked here.
"""

from __future__ import annotations

import numpy as np
from flatbuffers import flexbuffers

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import F32, Params, Scratch, Step

REQUIRED_KEYS = ("max_detections", "max_classes_per_detection", "nms_score_threshold", "nms_iou_threshold",
                 "num_classes", "y_scale", "x_scale", "h_scale", "w_scale")
OPTIONAL_KEYS = {"detections_per_class": 100, "use_regular_nms": False}  # TFLM's defaults (kNumDetectionsPerClass)


def _options(op) -> dict:
    try:
        found = flexbuffers.Loads(bytes(op.custom_options or b""))
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the model's
        raise NotLowerable(f"its options are not a flexbuffer map ({type(exc).__name__})") from None
    if not isinstance(found, dict):
        raise NotLowerable(f"its options are a {type(found).__name__}, not a flexbuffer map")
    missing = [k for k in REQUIRED_KEYS if k not in found]
    if missing:
        raise NotLowerable(f"options lack {missing} (TFLM would read 0)")
    options = {**OPTIONAL_KEYS, **{k: v for k, v in found.items() if v is not None}}
    for key, value in options.items():
        if key in REQUIRED_KEYS or key in OPTIONAL_KEYS:
            if not isinstance(value, (bool, int, float)):
                raise NotLowerable(f"option {key!r} is {value!r}, not a number")
    return options


def _int(options, key) -> int:
    value = options[key]
    if isinstance(value, float) and value != int(value):
        raise NotLowerable(f"option {key!r} is {value!r}, not an integer")
    return int(value)


def _float(options, key) -> float:
    return float(np.float32(options[key]))  # flexbuffers' AsFloat: the stored value as a float


def _require(t, what, shape=None):
    if t.dtype != "float32":
        raise NotLowerable(f"{t.dtype} {what} (TFLM's micro kernel takes float32)")
    if shape is not None and tuple(int(d) for d in t.shape) != tuple(shape):
        raise NotLowerable(f"{what} {list(t.shape)} (expected {list(shape)})")


@lowering("TFLite_Detection_PostProcess", custom=True)
def lower_detection_postprocess(op, ctx):
    if len(op.inputs) != 3 or len(op.outputs) != 4:
        raise NotLowerable(f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM's kernel takes 3 and 4)")
    encodings, predictions, anchors = (ctx.tensor(i) for i in op.inputs)
    boxes, classes, scores, count = (ctx.tensor(i) for i in op.outputs)
    options = _options(op)
    max_det, per_detection = _int(options, "max_detections"), _int(options, "max_classes_per_detection")
    num_classes, per_class = _int(options, "num_classes"), _int(options, "detections_per_class")
    regular = bool(options["use_regular_nms"])
    iou = _float(options, "nms_iou_threshold")
    scales = [_float(options, k) for k in ("y_scale", "x_scale", "h_scale", "w_scale")]
    if len(encodings.shape) != 3 or len(predictions.shape) != 3 or len(anchors.shape) != 2:
        raise NotLowerable(f"box encodings {list(encodings.shape)}, class predictions {list(predictions.shape)}, "
                           f"anchors {list(anchors.shape)} (TFLM takes 3, 3 and 2 dimensions)")
    num_boxes, stride = int(encodings.shape[1]), int(encodings.shape[2])
    with_background = int(predictions.shape[2])
    _require(encodings, "box encodings", (1, num_boxes, stride))
    _require(predictions, "class predictions", (1, num_boxes, with_background))
    _require(anchors, "anchors", (num_boxes, 4))
    for t, what, shape in ((boxes, "detection boxes", (1, max_det, 4)), (classes, "detection classes", (1, max_det)),
                           (scores, "detection scores", (1, max_det)), (count, "detection count", (1,))):
        _require(t, what, shape)
    if num_boxes < 1 or stride < 4 or max_det < 1 or num_classes < 1 or not 0 <= with_background - num_classes <= 1:
        raise NotLowerable(f"{num_boxes} boxes of {stride} values, {max_det} detections, {num_classes} classes of "
                           f"{with_background} predictions per box")
    if not 0.0 < iou <= 1.0:
        raise NotLowerable(f"IoU threshold {iou} (TFLM's Eval fails outside (0, 1])")
    if regular and per_class < 1:
        raise NotLowerable(f"detections_per_class {per_class} (TFLM's Eval fails below 1)")
    if not regular and per_detection < 1:
        raise NotLowerable(f"max_classes_per_detection {per_detection} (TFLM's Eval fails below 1)")
    if not regular and min(per_detection, num_classes) > 1:
        raise NotLowerable(f"fast NMS with {min(per_detection, num_classes)} classes per detection (TFLM's fast path "
                           f"writes those past its [1, max_detections] outputs)")
    if any(s == 0 for s in scales):
        raise NotLowerable(f"a zero box scale {scales}")
    params = Params("an_detection_params", {
        "num_boxes": num_boxes, "box_stride": stride, "num_classes": num_classes,
        "classes_with_background": with_background, "max_detections": max_det,
        "detections_per_class": per_class, "regular": int(regular),
        "score_threshold": F32(_float(options, "nms_score_threshold")), "iou_threshold": F32(iou),
        "y_scale": F32(scales[0]), "x_scale": F32(scales[1]), "h_scale": F32(scales[2]), "w_scale": F32(scales[3])})
    lists = num_boxes + max_det + num_classes
    scratch = 4 * (9 * num_boxes + 5 * lists + num_boxes * num_classes)  # AN_DETECTION_SCRATCH_BYTES
    return Step("an_detection_postprocess_f32", sources=("an_detection.c",),
                args=(params, encodings.operand, predictions.operand, anchors.operand, Scratch(scratch),
                      boxes.operand, classes.operand, scores.operand, count.operand),
                comment=f"TFLite_Detection_PostProcess: {num_boxes} boxes, {num_classes} classes, "
                        f"{'regular' if regular else 'fast'} NMS, up to {max_det} detections")
