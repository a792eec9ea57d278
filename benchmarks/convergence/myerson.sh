#!/usr/bin/env bash
# Regenerates benchmarks/convergence/myerson/: Myerson revenue (order 1, midpoint bias),
# welfare (order 2) and revenue equivalence, two U[0,1] bidders.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=benchmarks/convergence/myerson
rm -rf "$out"
mdlp bench configs/myerson_uniform.yaml --grid 21,41,81,161 \
  --sweep params.objective=revenue,welfare --sweep params.allocation=optimal,efficient \
  --out "$out" --quiet
rm -f "$out/runs.jsonl" "$out/runs.parquet"
