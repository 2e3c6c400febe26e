"""A real Model Context Protocol server (the official `mcp` SDK) with the 17 workflow tools:
over streamable HTTP at `/mcp` on the daemon (`http`), and over stdio for desktop MCP clients
(`harmonia mcp`, `cli`). Both build one `Server` (`server`) over a `Backend`: the daemon's
own services in-process, or a running daemon reached through `harmonia.client`."""
