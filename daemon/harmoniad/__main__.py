"""Entry point of `harmoniad`; the daemon itself arrives with its own issue."""

import sys


def main() -> int:
    """Tell the user the daemon is not part of this build yet, instead of failing obscurely."""
    print("harmoniad: the daemon is not implemented yet; use `harmonia run FILE`.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
