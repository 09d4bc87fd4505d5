"""TFLM's TFLM_DECODE custom operator (compressed constant tensors, kernels/decode.cc) at generation time.

Its inputs are constants by TFLM's own rule (decode.cc's Prepare requires every encoded input and its ancillary
data to be constant tensors), so what it writes is known when the code is generated: the lowering decodes it
(the fold pass then holds the decoded tensor as a constant in flash; no kernel, no arena).  Decoded here: the
look-up-table compression (decode_state_lut.cc: DCM type 0, version 1; indices of 1-7 bits packed most
significant bit first; one value table per channel of ``stride`` values, channels along the quantized dimension
0 or, with several channels, the last one).  The pruning and Huffman encodings are refused by name.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import NUMPY_TYPES, Step

DCM_BYTES = 16  # DecodeState::kDcmSizeInBytes: the header before the value tables
DCM_TYPES = {0: "LUT", 1: "Huffman", 2: "prune", 127: "custom"}
LUT_TYPES = ("bool", "float32", "int8", "int16", "int32", "int64")  # DecodeStateLut::Decode's types


def unpack_indices(packed: np.ndarray, width: int, count: int) -> np.ndarray:
    """``count`` indices of ``width`` bits from the bytes ``packed``, most significant bit first."""
    bits = np.unpackbits(np.asarray(packed, dtype=np.uint8))
    if bits.size < width * count:
        raise NotLowerable(f"{packed.size} bytes of encoded indices for {count} of {width} bits")
    fields = bits[:width * count].reshape(count, width).astype(np.int64)
    return fields @ (1 << np.arange(width - 1, -1, -1, dtype=np.int64))


def decode_lut(encoded: np.ndarray, ancillary: np.ndarray, out) -> np.ndarray:
    """DecodeStateLut's Setup and DecompressToBufferWidthAny: the tensor ``out`` (a TensorRef: dtype, shape,
    quantization) decoded from ``encoded`` (uint8 bytes) with the DCM ``ancillary`` (uint8 bytes)."""
    anc = np.asarray(ancillary, dtype=np.uint8).reshape(-1)
    if anc.size < DCM_BYTES or anc[4] != 1:
        raise NotLowerable(f"LUT ancillary data of {anc.size} bytes, LUT version {int(anc[4]) if anc.size > 4 else None}"
                           " (TFLM decodes version 1)")
    if out.dtype not in LUT_TYPES:
        raise NotLowerable(f"{out.dtype} output (TFLM's LUT decoding takes {', '.join(LUT_TYPES)})")
    width, stride = int(anc[5]) & 0x07, int(anc[6])
    if width < 1:
        raise NotLowerable("index width 0")
    count = int(np.prod([int(d) for d in out.shape])) if out.shape else 1
    channels, last_axis = 1, False
    scales = list(out.scale or ())
    if scales:
        channels = len(scales)
        axis = int(out.quantized_dimension or 0)
        if axis == len(out.shape) - 1 and channels > 1:
            last_axis = True
        elif axis != 0:
            raise NotLowerable(f"quantized dimension {axis} (TFLM decodes along 0 or the last)")
    if count % channels:
        raise NotLowerable(f"{count} values over {channels} channels")
    dtype = np.dtype(NUMPY_TYPES[out.dtype])
    table_bytes = anc[DCM_BYTES:]
    tables = np.frombuffer(table_bytes.tobytes()[:len(table_bytes) // dtype.itemsize * dtype.itemsize], dtype=dtype)
    indices = unpack_indices(encoded, width, count)
    if last_axis:
        channel = np.arange(count) % channels
    else:
        channel = np.arange(count) // (count // channels)
    position = channel * stride + indices
    if position.size and int(position.max()) >= tables.size:
        raise NotLowerable(f"an index past the value tables ({tables.size} values)")
    return tables[position].reshape([int(d) for d in out.shape])


@lowering("TFLM_DECODE", custom=True)
def lower_decode(op, ctx):
    if not op.outputs or len(op.inputs) != 2 * len(op.outputs):
        raise NotLowerable(f"{len(op.inputs)} inputs for {len(op.outputs)} outputs (TFLM takes two per output)")
    decoded = []
    for k, index in enumerate(op.outputs):
        encoded, ancillary = ctx.tensor(op.inputs[2 * k]), ctx.tensor(op.inputs[2 * k + 1])
        if not (encoded.is_constant and ancillary.is_constant):
            raise NotLowerable("an encoded input that is not constant (TFLM's Prepare requires constants)")
        anc = np.frombuffer(np.asarray(ancillary.data).tobytes(), dtype=np.uint8)
        if anc.size < 2 or anc[1] != 1:
            raise NotLowerable(f"DCM version {int(anc[1]) if anc.size > 1 else None} (TFLM decodes version 1)")
        kind = int(anc[0])
        if kind != 0:
            raise NotLowerable(f"{DCM_TYPES.get(kind, f'type {kind}')} encoding (decoded here: LUT)")
        decoded.append(decode_lut(np.frombuffer(np.asarray(encoded.data).tobytes(), dtype=np.uint8), anc,
                                  ctx.tensor(index)))
    return Step(function="", evaluate=lambda value_of: decoded,
                comment=f"TFLM_DECODE of {len(decoded)} LUT-compressed constant(s) (at generation time)")
