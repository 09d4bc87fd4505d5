"""TFLM's TFLite_Detection_PostProcess custom operator (SSD post-processing, float32) in the compiled runtime:
small SSD-like models built here (box encodings and class predictions as inputs, constant anchors, flexbuffer
options), compiled C (host cc) against the tflite-micro interpreter on >= 100 random inputs each, bit for bit.

TFLM's regular NMS writes every output entry (zeros past the count); its fast NMS leaves the entries past the
count as they were (arena bytes), so there only the first ``count`` entries are compared (and ours are 0 past it).
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from flatbuffers import flexbuffers

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def detection_model(boxes=40, classes=3, background=True, max_detections=10, regular=True, per_class=5,
                    score_threshold=0.2, iou=0.45, stride=4, anchors_seed=0, constant_scores=False, **overrides):
    """encodings [1, boxes, stride] and predictions [1, boxes, classes (+1)] in (``constant_scores``: the
    predictions a constant, uniform in [0, 1)); anchors constant [boxes, 4] (centres in [0, 1], sizes
    0.05..0.4); the four float32 outputs of TFLM's kernel."""
    rng = np.random.default_rng(anchors_seed)
    anchors = np.concatenate([rng.uniform(0, 1, (boxes, 2)), rng.uniform(0.05, 0.4, (boxes, 2))], axis=1)
    b = ModelBuilder()
    enc = b.tensor("box_encodings", (1, boxes, stride), "float32")
    scores = rng.uniform(0, 1, (1, boxes, classes + int(background))).astype(np.float32)
    pred = b.tensor("class_predictions", scores.shape, "float32", data=scores.tobytes() if constant_scores else None)
    anc = b.tensor("anchors", (boxes, 4), "float32", data=anchors.astype(np.float32).tobytes())
    outs = [b.tensor("detection_boxes", (1, max_detections, 4), "float32"),
            b.tensor("detection_classes", (1, max_detections), "float32"),
            b.tensor("detection_scores", (1, max_detections), "float32"),
            b.tensor("num_detections", (1,), "float32")]
    options = {"max_detections": max_detections, "max_classes_per_detection": 1, "detections_per_class": per_class,
               "use_regular_nms": regular, "nms_score_threshold": score_threshold, "nms_iou_threshold": iou,
               "num_classes": classes, "y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0}
    options.update(overrides)
    options = {k: v for k, v in options.items() if v is not None}
    b.op("CUSTOM", [enc, pred, anc], outs, custom_code="TFLite_Detection_PostProcess",
         options=bytes(flexbuffers.Dumps(options)))
    return b.build(inputs=[enc] if constant_scores else [enc, pred], outputs=outs)


def _samples(model, count, seed, ties=False):
    """Encodings N(0, 1); scores in [0, 1) (``ties``: on a grid of 8 values, so equal scores are common)."""
    rng = np.random.default_rng(seed)
    sg = model.main_subgraph
    enc, pred = (sg.tensor(i) for i in sg.inputs)
    out = []
    for _ in range(count):
        scores = rng.uniform(0, 1, pred.shape)
        if ties:
            scores = np.floor(scores * 8) / 8
        out.append([rng.standard_normal(enc.shape).astype(np.float32), scores.astype(np.float32)])
    return out


def _compare(model_bytes, count=100, seed=0, ties=False):
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(model_bytes)
    samples = _samples(model, count, seed, ties)
    ours, ref = run_on_host_batch(model, samples), run_tflm_batch(model, samples)
    counts = []
    for k, (a, r) in enumerate(zip(ours, ref)):
        n = int(r[3][0])
        assert a[3].view(np.uint32)[0] == r[3].view(np.uint32)[0], f"sample {k}: count {a[3]} vs {r[3]}"
        for i in range(3):  # the detections, bit for bit
            assert np.array_equal(a[i][0, :n].view(np.uint32), r[i][0, :n].view(np.uint32)), \
                f"sample {k}, output {i}: {a[i][0, :n]} vs {r[i][0, :n]}"
            assert not a[i][0, n:].any()
        counts.append(n)
    return ours, ref, counts


@pytest.mark.parametrize("kwargs", [
    {},                                                   # regular NMS, background class
    {"classes": 1, "background": False, "max_detections": 6},
    {"per_class": 100, "max_detections": 20, "iou": 0.3, "score_threshold": 0.0},  # TFLM's default per class
    {"stride": 6, "boxes": 24, "classes": 5, "iou": 1.0},
    {"detections_per_class": None, "use_regular_nms": True, "boxes": 60, "max_detections": 25},
])
def test_regular_nms_matches_tflm(kwargs):
    """Regular NMS (per class, then merged by score): every output entry equal to TFLM's on 100 inputs."""
    ours, ref, counts = _compare(detection_model(**kwargs), seed=len(kwargs))
    for a, r in zip(ours, ref):  # TFLM writes zeros past the count here: whole outputs equal
        for i in range(4):
            assert np.array_equal(a[i].view(np.uint32), r[i].view(np.uint32))
    assert min(counts) > 0


@pytest.mark.parametrize("kwargs", [
    {"regular": False},
    {"regular": False, "classes": 6, "max_detections": 4, "iou": 0.6, "score_threshold": 0.5},
    {"regular": False, "use_regular_nms": None, "boxes": 70, "max_detections": 30, "background": False},
])
def test_fast_nms_matches_tflm(kwargs):
    """Fast NMS (each box's best class, then one NMS): the detections equal TFLM's on 100 inputs."""
    _, _, counts = _compare(detection_model(**kwargs), seed=7 + len(kwargs))
    assert max(counts) > 1


@pytest.mark.parametrize("regular", [True, False])
def test_equal_scores_are_ordered_as_tflm(regular):
    """Scores on a grid of 8 values: ties everywhere (TFLM's stable merge sort and its partial sort's lower-index
    tie-break); 100 inputs equal TFLM's."""
    _, _, counts = _compare(detection_model(boxes=50, regular=regular, max_detections=12), seed=3, ties=True)
    assert max(counts) >= 5


@pytest.mark.parametrize("overrides,reason", [
    ({"nms_iou_threshold": 0.0}, "IoU threshold"),
    ({"max_classes_per_detection": 2, "regular": False}, "classes per detection"),
    ({"num_classes": None}, "options lack ['num_classes']"),
    ({"detections_per_class": 0}, "detections_per_class 0"),
])
def test_refusals_are_one_line(overrides, reason):
    from attendnets_base.errors import UnsupportedOperatorError
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    regular = overrides.pop("regular", True)
    with pytest.raises(UnsupportedOperatorError) as info:
        lower_model(load_model(detection_model(regular=regular, **overrides)))
    message = str(info.value)
    assert "TFLite_Detection_PostProcess" in message and reason in message and "\n" not in message
