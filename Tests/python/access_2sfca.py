#!/usr/bin/env python3
"""2SFCA through PySAL access (PyPI `access`), for the Swift test to compare with: reads FOLDER/demand.csv
(id,people), FOLDER/supply.csv (id,amount) and FOLDER/cost.csv (origin,dest,cost: demand id, supply id, metres),
and prints JSON {"none": {id: access}, "gaussian": {id: access}} for max_cost MAX and sigma SIGMA.

    access_2sfca.py FOLDER MAX SIGMA

Exit status 3 when `access` (or pandas) cannot be imported: the test skips with that message."""
import json
import sys

try:
    import pandas as pd
    from access import Access, weights
except ImportError as error:  # the test says how to install it
    print(f"PySAL access is not installed ({error}): python3 -m pip install access pandas numpy", file=sys.stderr)
    sys.exit(3)

folder, max_cost, sigma = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
demand = pd.read_csv(f"{folder}/demand.csv", dtype={"id": str})
supply = pd.read_csv(f"{folder}/supply.csv", dtype={"id": str})
cost = pd.read_csv(f"{folder}/cost.csv", dtype={"origin": str, "dest": str})
a = Access(demand_df=demand, demand_index="id", demand_value="people",
           supply_df=supply, supply_index="id", supply_value="amount",
           cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
out = {}
for name, fn in (("none", None), ("gaussian", weights.gaussian(sigma))):
    result = a.two_stage_fca(name=name, max_cost=max_cost, weight_fn=fn)
    column = result.columns[-1]
    out[name] = {str(k): (None if pd.isna(v) else float(v)) for k, v in result[column].items()}
print(json.dumps(out))
