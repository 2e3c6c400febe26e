"""`harmonia tui`: the terminal dashboard for Harmonia.

It talks to a daemon only through `harmonia.client`; when no daemon answers it runs one in
its own process (`embedded`). The modules, from the bottom up:

- `format`: glyphs, status looks, times and progress bars as plain strings.
- `taskview`, `fold`: an execution and its tasks as the fold of their events; `rows`: one line
  of the executions list; `describe`: one line of the event log; `coalescer`: events batched
  between screen updates; `preview`: a declared input with its references filled in. All pure:
  no Textual.
- `layout`: the layered layout of a task graph (pure; graphlib).
- `inputs`: the start form's reading and checking of declared inputs (pure).
- `connection`: the client, event streams that never give up, the link state for the banner.
- `embedded`: find a running daemon, or start `harmoniad` in a background thread.
- `widgets/`, `screens/`, `app`: the Textual side. `cli` and `__main__`: the command line.
"""
