"""harmonia tui: the Textual dashboard for Harmonia."""
