"""`harmonia`, the command line: run workflows in-process and inspect what ran.

The CLI embeds the engine (`open_engine`) rather than talking to a daemon, so `harmonia run`
works on a machine where nothing else is set up. Modules are small and imported lazily by
`main`, so that `harmonia --version` or `harmonia executions` do not pay for the engine.
"""
