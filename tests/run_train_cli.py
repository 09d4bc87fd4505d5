"""Run ``attendnets`` in a subprocess, optionally with the tiny stand-in network.

Used by tests that need separate processes (multi-worker training, hard kills):
``python tests/run_train_cli.py --standin train ...``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--standin":
        args = args[1:]
        from attendnets_tf import train as training
        from train_support import tiny_builder

        training._default_builder = tiny_builder
        training._resolve_arch = lambda name: name
    from attendnets.cli import main

    sys.exit(main(args))
