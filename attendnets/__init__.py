"""attendnets: the command-line interface, the top floor.

One click command per module (attendnets/commands/); it imports every package below
it (attendnets_base, attendnets_tf, converter, codegen, validation) and nothing
imports it.
"""

from attendnets_base import __version__  # noqa: F401  (``attendnets --version``, setup.cfg)
