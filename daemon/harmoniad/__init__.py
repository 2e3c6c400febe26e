"""harmoniad: the Harmonia daemon (REST, SSE and WebSocket API over one engine)."""
