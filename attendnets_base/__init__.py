"""attendnets_base: the ground floor every other package stands on.

What lives here: the version (``__version__``), the one error hierarchy
(:mod:`attendnets_base.errors`), output files that are never half-written
(:mod:`attendnets_base.fsutil`) and the class names that travel with a model
(:mod:`attendnets_base.labels`).

Every package (attendnets_tf, converter, codegen, validation and the CLI in
attendnets) may import it.  It imports none of them, nor TensorFlow, nor anything
outside the standard library.
"""

__version__ = "0.1.0"
