"""The C element type of each TFLite tensor type the generated firmware declares, one table for both runtimes.

Which of these a runtime can run is the runtime's own fact (the compiled runtime's lowering takes
fewer: :data:`codegen.compiled.lower.LOWERABLE_DTYPES`).  Imports nothing of the project.
"""

#: TFLite tensor type -> C element type.
C_TYPES = {
    "int8": "int8_t",
    "uint8": "uint8_t",
    "int16": "int16_t",
    "uint16": "uint16_t",
    "int32": "int32_t",
    "uint32": "uint32_t",
    "int64": "int64_t",
    "uint64": "uint64_t",
    "float32": "float",
    "bool": "bool",
}
