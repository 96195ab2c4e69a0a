"""Run the trainer from a checkout: ``python main.py ARGS`` is ``trainer ARGS``."""

from trainer.cli import run

if __name__ == "__main__":
    run()
