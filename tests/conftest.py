import os

# Keep HiGHS to one thread per solve: CI has two cores and tests may run beside others.
os.environ.setdefault("OMP_NUM_THREADS", "1")
