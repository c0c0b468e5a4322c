"""`python -m loyalty_cli`: the same as the `loyalty` command."""

from loyalty_cli.cli import main

main()
