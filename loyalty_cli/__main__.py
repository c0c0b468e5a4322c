"""`python -m loyalty_cli` runs the command line."""

from loyalty_cli.cli import main

main()
