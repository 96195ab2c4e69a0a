"""Run the trainer from a checkout: ``python main.py ARGS`` is ``trainer ARGS``."""

from trainer.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
