"""What the REST routes and the tools (Tekton's MCP v2 dialect, the MCP server) both do: store
and read workflow definitions, start and list executions. One implementation, so an agent
calling a tool gets exactly what a client calling the REST path gets, checks included."""
