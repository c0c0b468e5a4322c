"""The `loyalty` subcommands: parse options, call the core, render the result."""
