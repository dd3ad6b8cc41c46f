"""Benchmark dispatcher: ``python -m sheyin.bench <name> [args...]`` runs ``sheyin.bench.<name>.main(args)``."""

from __future__ import annotations

import importlib
import re
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m sheyin.bench <name> [args...]   e.g. python -m sheyin.bench layout --quick")
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        print(f"bench: invalid benchmark name {name!r}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f"sheyin.bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"sheyin.bench.{name}":
            raise
        print(f"bench: no benchmark named {name!r}", file=sys.stderr)
        return 2
    result = module.main(rest)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
