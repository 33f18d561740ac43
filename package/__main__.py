"""`python -m nncalc ...`: the same command line as the `nncalc` script."""
from nncalc.cli.main import cli

cli()
