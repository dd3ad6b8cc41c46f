"""Fill the simulated SI core with generated insured persons, employers and contribution histories.

    manage.py seed_core --persons 1000000 [--history-share 0.05] [--seed 20261126]

Idempotent: it brings the number of persons up to --persons and never duplicates. Histories are stored
now for --history-share of the new persons; every other person's history is generated from their seed
on first access (docs/decisions/0007-rights-record-rendering.md).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from sheyin.coresystem.seeding import seed_persons


class Command(BaseCommand):
    help = "Generate insured persons, employers and contribution histories in the simulated SI core."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=2000, help="total number of insured persons")
        parser.add_argument(
            "--history-share",
            type=float,
            default=None,
            help="share of new persons whose history is stored now (default: all up to 20,000, else 0.02)",
        )
        parser.add_argument("--seed", type=int, default=20261126)
        parser.add_argument("--chunk", type=int, default=50_000)

    def handle(self, *args: object, **opts: object) -> None:
        persons = int(opts["persons"])  # type: ignore[call-overload]
        share = opts["history_share"]
        if share is None:
            share = 1.0 if persons <= 20_000 else 0.02
        share = min(max(float(share), 0.0), 1.0)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        verbose = int(opts.get("verbosity", 1)) > 0  # type: ignore[call-overload]
        added, months = seed_persons(
            persons,
            seed=int(opts["seed"]),  # type: ignore[call-overload]
            history_share=share,
            chunk=int(opts["chunk"]),  # type: ignore[call-overload]
            progress=(lambda msg: self.stdout.write(msg)) if verbose else None,
        )
        if verbose:
            self.stdout.write(
                f"seed_core: {added:,} persons added, {months:,} contribution months stored "
                f"in {time.perf_counter() - t0:.1f}s"
            )
