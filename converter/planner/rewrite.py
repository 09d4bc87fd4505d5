"""Edit a .tflite flatbuffer without re-serializing it: metadata entries and operator order.

Every byte of the original model is kept (weights stay where they were,
16-byte aligned as the converter wrote them):

* :func:`set_metadata` inserts a block right after the 8-byte header (root
  offset and the ``TFL3`` identifier).  Flatbuffer references are relative, so
  the old content, shifted by the block's length (a multiple of 16, keeping
  every alignment), stays valid; only the root offset changes.  The block holds
  a new ``Model`` table (every field of the old one, pointing into the old
  content, except ``buffers`` and ``metadata``), new ``buffers`` and
  ``metadata`` vectors (the old entries plus the new ones) and the new
  ``Buffer`` / ``Metadata`` tables with their data.  Everything in the block
  refers forward, as flatbuffers require.  The old Model table stays behind,
  unreferenced.
* :func:`permute_operators` rewrites the entries of a subgraph's ``operators``
  vector in place (each entry is an offset relative to itself) so the same
  operator tables come in a new order.

Refused (``InvalidModelError``): files without the ``TFL3`` identifier, Model
tables with fields this schema (TFLite 2.18: 8 fields) does not know, and
buffers stored outside the flatbuffer (``offset``/``size`` fields, > 2 GB
models), whose absolute offsets would move.
"""

from __future__ import annotations

import struct

from attendnets_base.errors import InvalidModelError

# Model table fields (schema.fbs, TFLite 2.18).
_MODEL_VERSION, _MODEL_BUFFERS, _MODEL_METADATA = 0, 4, 6
_MODEL_FIELDS = 8
# SubGraph: operators is field 3.  Buffer: data 0, offset 1, size 2.  Metadata: name 0, buffer 1.
_SUBGRAPH_OPERATORS = 3


def _u32(data, pos):
    return struct.unpack_from("<I", data, pos)[0]


def _table_fields(data, table):
    """{field id: absolute position of the field} of the table at ``table``."""
    vtable = table - struct.unpack_from("<i", data, table)[0]
    vsize = struct.unpack_from("<H", data, vtable)[0]
    fields = {}
    for k in range((vsize - 4) // 2):
        rel = struct.unpack_from("<H", data, vtable + 4 + 2 * k)[0]
        if rel:
            fields[k] = table + rel
    return fields


def _deref(data, pos):
    return pos + _u32(data, pos)


def _vector_entries(data, vector):
    """Absolute positions of the tables a vector of offsets points to."""
    count = _u32(data, vector)
    return [_deref(data, vector + 4 + 4 * i) for i in range(count)]


def _check(data):
    if len(data) < 16 or bytes(data[4:8]) != b"TFL3":
        raise InvalidModelError("not a TFLite flatbuffer with the TFL3 identifier; cannot rewrite it")
    root = _u32(data, 0)
    fields = _table_fields(data, root)
    if any(k >= _MODEL_FIELDS for k in fields):
        raise InvalidModelError("the model has Model fields newer than this tool's schema; cannot rewrite it")
    if _MODEL_BUFFERS in fields:
        for table in _vector_entries(data, _deref(data, fields[_MODEL_BUFFERS])):
            bf = _table_fields(data, table)
            if 1 in bf and struct.unpack_from("<Q", data, bf[1])[0] > 1:
                raise InvalidModelError("the model keeps buffers outside the flatbuffer; cannot rewrite it")
    return root, fields


def metadata_entries(data):
    """[(name, buffer index)] of the model's metadata vector, in order."""
    root, fields = _check(data)
    if _MODEL_METADATA not in fields:
        return []
    out = []
    for table in _vector_entries(data, _deref(data, fields[_MODEL_METADATA])):
        mf = _table_fields(data, table)
        name = b""
        if 0 in mf:
            s = _deref(data, mf[0])
            name = bytes(data[s + 4:s + 4 + _u32(data, s)])
        index = _u32(data, mf[1]) if 1 in mf else 0
        out.append((name.decode("utf-8", "replace"), index))
    return out


class _Block:
    """The inserted block: positions are relative to its start (absolute = 8 + pos)."""

    def __init__(self):
        self.buf = bytearray()

    def align(self, n, plus=0):
        while (len(self.buf) + 8 + plus) % n:
            self.buf += b"\0"

    def here(self):
        return 8 + len(self.buf)

    def reserve(self, n):
        pos = self.here()
        self.buf += bytes(n)
        return pos

    def put_u32(self, pos, value):
        struct.pack_into("<I", self.buf, pos - 8, value)

    def put_i32(self, pos, value):
        struct.pack_into("<i", self.buf, pos - 8, value)


def _table(block, field_count):
    """Reserve a vtable and a table whose fields are all 4 bytes; return (table pos, field pos list)."""
    block.align(2)
    vtable = block.here()
    vsize = 4 + 2 * field_count
    block.buf += struct.pack("<HH", vsize, 4 + 4 * field_count)
    block.buf += b"".join(struct.pack("<H", 4 + 4 * k) for k in range(field_count))
    block.align(4)
    table = block.reserve(4 + 4 * field_count)
    block.put_i32(table, table - vtable)
    return table, [table + 4 + 4 * k for k in range(field_count)]


def set_metadata(data, updates):
    """A copy of ``data`` whose metadata maps each name in ``updates`` to its bytes (None: removed).

    Existing entries with other names keep their buffers; an updated name gets a
    new buffer (the old one stays, unreferenced by metadata).
    """
    data = bytes(data)
    root, fields = _check(data)
    old_buffers = _vector_entries(data, _deref(data, fields[_MODEL_BUFFERS])) if _MODEL_BUFFERS in fields else []
    old_meta = []
    if _MODEL_METADATA in fields:
        for name, table in zip((n for n, _ in metadata_entries(data)),
                               _vector_entries(data, _deref(data, fields[_MODEL_METADATA]))):
            old_meta.append((name, table))
    kept_meta = [(name, table) for name, table in old_meta if name not in updates]
    new_meta = [(name, payload) for name, payload in updates.items() if payload is not None]

    # Two passes: the first finds the block length (delta), the second writes it.
    delta = 0
    for _ in range(3):
        block = _Block()
        model_table, model_fields = _table(block, _MODEL_FIELDS)
        buffers_vec = block.here()
        block.reserve(4 + 4 * (len(old_buffers) + len(new_meta)))
        meta_vec = block.here()
        block.reserve(4 + 4 * (len(kept_meta) + len(new_meta)))
        new_tables = []
        for name, payload in new_meta:
            meta_table, meta_fields = _table(block, 2)
            buf_table, buf_fields = _table(block, 1)
            block.align(16, plus=4)  # data starts 16-byte aligned
            data_vec = block.reserve(4 + len(payload))
            block.buf[data_vec - 8 + 4:data_vec - 8 + 4 + len(payload)] = payload
            block.put_u32(data_vec, len(payload))
            block.align(4)
            name_bytes = name.encode("utf-8")
            name_str = block.reserve(4 + len(name_bytes) + 1)
            block.put_u32(name_str, len(name_bytes))
            block.buf[name_str - 8 + 4:name_str - 8 + 4 + len(name_bytes)] = name_bytes
            block.align(4)
            new_tables.append((meta_table, meta_fields, buf_table, buf_fields, data_vec, name_str))
        while len(block.buf) % 16:  # the shift keeps every 16-byte alignment of the old content
            block.buf += b"\0"
        if len(block.buf) == delta:
            break
        delta = len(block.buf)

    def old(pos):  # where an old absolute position lands in the new file
        return pos + delta

    # Model table: every old field, references moved by delta.
    for k, pos in fields.items():
        if k in (_MODEL_BUFFERS, _MODEL_METADATA):
            continue
        if k == _MODEL_VERSION:
            block.put_u32(model_fields[k], _u32(data, pos))
        else:
            block.put_u32(model_fields[k], old(_deref(data, pos)) - model_fields[k])
    unused = [k for k in range(_MODEL_FIELDS) if k not in fields and k not in (_MODEL_BUFFERS, _MODEL_METADATA)]
    # Absent fields: mark them absent in the vtable (offset 0).
    vtable = model_table - struct.unpack_from("<i", block.buf, model_table - 8)[0]
    for k in unused:
        struct.pack_into("<H", block.buf, vtable - 8 + 4 + 2 * k, 0)
    block.put_u32(model_fields[_MODEL_BUFFERS], buffers_vec - model_fields[_MODEL_BUFFERS])
    block.put_u32(model_fields[_MODEL_METADATA], meta_vec - model_fields[_MODEL_METADATA])

    # buffers vector: old tables, then one per new metadata entry.
    block.put_u32(buffers_vec, len(old_buffers) + len(new_meta))
    slot = buffers_vec + 4
    for table in old_buffers:
        block.put_u32(slot, old(table) - slot)
        slot += 4
    new_buffer_indices = []
    for k, (_, _, buf_table, _, _, _) in enumerate(new_tables):
        block.put_u32(slot, buf_table - slot)
        new_buffer_indices.append(len(old_buffers) + k)
        slot += 4
    # metadata vector: kept old entries, then the new ones.
    block.put_u32(meta_vec, len(kept_meta) + len(new_meta))
    slot = meta_vec + 4
    for _, table in kept_meta:
        block.put_u32(slot, old(table) - slot)
        slot += 4
    for (meta_table, meta_fields, _, buf_fields, data_vec, name_str), index in zip(new_tables,
                                                                                 new_buffer_indices):
        block.put_u32(slot, meta_table - slot)
        slot += 4
        block.put_u32(meta_fields[0], name_str - meta_fields[0])
        block.put_u32(meta_fields[1], index)
        block.put_u32(buf_fields[0], data_vec - buf_fields[0])

    out = bytearray(data[:8]) + block.buf + data[8:]
    struct.pack_into("<I", out, 0, model_table)
    return bytes(out)


def permute_operators(data, order, subgraph=0):
    """A copy of ``data`` whose subgraph runs its operators in ``order`` (old indices, new order)."""
    data = bytearray(data)
    root, fields = _check(data)
    subgraphs = _vector_entries(data, _deref(data, fields[2]))
    sg_fields = _table_fields(data, subgraphs[subgraph])
    vector = _deref(data, sg_fields[_SUBGRAPH_OPERATORS])
    targets = _vector_entries(data, vector)
    if sorted(order) != list(range(len(targets))):
        raise ValueError(f"not a permutation of {len(targets)} operators: {order}")
    for new, old_index in enumerate(order):
        slot = vector + 4 + 4 * new
        rel = targets[old_index] - slot
        if rel <= 0:
            raise InvalidModelError("the model's operator tables precede their vector; cannot reorder it")
        struct.pack_into("<I", data, slot, rel)
    return bytes(data)
