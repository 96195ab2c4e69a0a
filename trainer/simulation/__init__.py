"""Simulated learners for the scheduler benchmark: hidden memory models, baseline schedulers
(SM-2, Leitner) and a day-by-day study simulator.

Pure standard library (plus ``fsrs`` for the FSRS scheduler); see docs/scheduling.md.
"""
