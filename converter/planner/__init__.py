"""Smaller arenas: an optimizing memory planner for both runtimes.

placement (``place(buffers, time_limit_s) -> Placement``: first fit over many
orders, best fit, a lowest-first lookahead, local search, branch and bound;
``lower_bound``), check (an independent overlap check), reorder (the operator
order with the smallest peak of live memory), tflm_plan (TFLM's buffers and
lifetimes, the ``OfflineMemoryAllocation`` format), rewrite (editing the
flatbuffer: metadata, operator order), optimize (``attendnets optimize``).

The compiled runtime's static plan calls :func:`place` with plain
:class:`Buffer` objects (``size_bytes``, ``first_op``, ``last_op`` inclusive).

Imports :mod:`converter.tflm`, :mod:`converter.tflite_model` and
:mod:`attendnets_base.errors`; never TensorFlow, :mod:`converter.report`,
:mod:`converter.conversion` or :mod:`codegen`.
"""

from converter.planner.placement import Buffer, Placement, lower_bound, place

__all__ = ["Buffer", "Placement", "lower_bound", "place"]
