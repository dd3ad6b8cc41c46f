"""The reference solver of the layout benchmark, run as a script by the Python that has spopt
(``/tmp/spopt-venv/bin/python sheyin/bench/spopt_worker.py IN.npz OUT.json``).

It imports nothing from the project (the spopt environment need not have the project's dependencies) and
solves the problem the benchmark hands it: PySAL spopt's MCLP (``MCLP.from_cost_matrix``) with

* a per-candidate coverage radius: the cost matrix is each distance divided by the candidate's radius,
  and the service radius is 1 (so ``cost <= 1`` is exactly ``distance <= radius``);
* the same pairwise spacing constraints as the project's model, added to spopt's PuLP problem:
  ``x_a + x_b <= 1`` for each pair of candidates closer than their minimum distance;
* the demand already covered by existing outlets and the candidates too close to an existing outlet or
  an office left out by the caller (a constant and variables fixed at zero: the same problem).

CBC is told to stop a little before the caller's wall-clock cap so that its incumbent is written.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(src: str, out: str) -> int:
    t_start = time.perf_counter()
    import numpy as np
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP

    data = np.load(src)
    budget = float(data["budget"])
    t0 = time.perf_counter()
    radius = data["radius"].astype(np.float64)
    cost = (cdist(data["demand"], data["candidates"]) / radius[None, :]).astype(np.float32)
    model = MCLP.from_cost_matrix(cost, data["weight"], service_radius=1.0, p_facilities=int(data["p"]))
    del cost
    for a, b in data["conflicts"]:
        model.problem += model.fac_vars[int(a)] + model.fac_vars[int(b)] <= 1
    t1 = time.perf_counter()
    cbc_limit = max(5.0, budget - (t1 - t_start) - 20.0)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cbc_limit))
    t2 = time.perf_counter()
    chosen = [j for j, var in enumerate(model.fac_vars) if (var.value() or 0.0) > 0.5]
    Path(out).write_text(
        json.dumps(
            {
                "chosen": chosen,
                "build_s": t1 - t0,
                "solve_s": t2 - t1,
                "objective": pulp.value(model.problem.objective),
                "status": pulp.LpStatus[model.problem.status],
                "sol_status": int(model.problem.sol_status),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
