"""Where task attempts run: in the engine's process, or on a Dask cluster.

The engine keeps the journal, retries, timeouts and recovery; an executor only runs attempts.
`harmonia.executors.dask` (which imports `distributed`) is imported only when asked for.
"""
