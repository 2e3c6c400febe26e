"""Running `python.call` functions: looked up by path, in a worker process or in the engine's.

Deliberately light to import: a worker process starts with `harmonia.pyworker.child`, and every
module it pulls in adds to the cost of each new worker. Nothing here imports the components,
pydantic or httpx.
"""
