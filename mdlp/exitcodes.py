"""Exit codes of the ``mdlp`` command (importable without numpy or pandas).

0 success; 1 solved but outside the theorem's tolerance (or a failed check); 2 bad input;
3 solver failure (infeasible, unbounded, time limit, numerical trouble).
"""

EXIT_OK, EXIT_OUTSIDE_TOLERANCE, EXIT_BAD_INPUT, EXIT_SOLVER = 0, 1, 2, 3
