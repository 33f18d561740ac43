"""nncalc.core: pure NumPy routines that compute a result and a record of the steps.

Nothing here imports click or tabulate or prints; rendering is nncalc.cli's job.
"""
