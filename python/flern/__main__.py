"""``python -m flern <command>``.

Commands:
    demo    run a small pipeline on the bundled cars.json in flern and pandas; compare, time
"""

from __future__ import annotations

import sys

COMMANDS = {"demo": "run a small pipeline on the bundled cars.json in flern and pandas; compare, time"}


def _usage() -> str:
    lines = ["usage: python -m flern <command> [options]", "", "commands:"]
    lines += [f"  {name:8s}{text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "demo":
        from . import demo
        return demo.main(rest)
    print(f"python -m flern: unknown command {cmd!r}\n\n{_usage()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
