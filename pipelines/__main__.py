"""`python -m pipelines` is the same as the `participatie` command."""

from pipelines.cli import console_main

console_main()
