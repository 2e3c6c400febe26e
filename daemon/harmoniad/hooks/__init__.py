"""Inbound hooks: a signed `POST /api/v1/hooks/{name}` starts the workflow bound to the hook.

`store` keeps the hooks (`DATA_DIR/hooks.json`), `mapping` turns a body into an input,
`deliveries` answers a replayed delivery id, `service` puts them together for the routes.
"""
