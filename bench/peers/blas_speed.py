"""The PyTorch peer's own matrix-multiply speed: torch.matmul of two 1024 x 1024 float32 matrices on one thread, the
best of 5 calls, in GFLOP/s, and which BLAS library the process mapped. Debian's python3-torch calls whatever
libblas.so.3 the system's alternatives select: the netlib reference BLAS (a few GFLOP/s) unless OpenBLAS is installed.
Prints one JSON line."""
import json
import time

import torch

torch.set_num_threads(1)
n = 1024
a, b = torch.randn(n, n), torch.randn(n, n)
torch.matmul(a, b)
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    torch.matmul(a, b)
    best = min(best, time.perf_counter() - start)
libraries = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and "/" in line})
print(json.dumps({"gflops": 2 * n ** 3 / best / 1e9, "n": n, "threads": 1, "blas_libraries": libraries, "torch": torch.__version__}))
