"""nncalc: a calculator and tracer for the basic math of neural networks.

The code lives in the top-level folders cli/ and core/, installed as
nncalc.cli and nncalc.core (see setup.cfg); this folder is the package's top,
installed as nncalc itself, so that `python -m nncalc` runs the command line.
Importing it imports nothing else.
"""
