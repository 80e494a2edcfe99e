"""Times pomegranate 0.14.8's MultivariateGaussianDistribution.summarize, for bench/multivariate-gaussian.ts.

Usage: /usr/bin/python3 bench/pomegranate_multivariate_gaussian.py DATA.f64 ROWS DIM REPEATS BATCH_SIZES
DATA.f64 holds ROWS x DIM float64 values, row-major, little-endian (what the TypeScript bench wrote).
For each batch size ('None': the whole array in one call, else slices of that many rows), the
best of REPEATS passes of summarize over all rows into a cleared distribution (pomegranate forms
Σw·x·xᵀ with BLAS dgemm, OpenBLAS on every core). Also numpy alone: X.T @ X and X.sum(0) over
the whole array (the bare BLAS work, no weights and no distribution around it).
Prints one JSON line: {"byConfig": {batch_size: rows per second}, "numpyRowsPerSecond": ...}.
"""
import json
import sys
import time
import numpy
from pomegranate import MultivariateGaussianDistribution

path, rows, dim, repeats, batch_sizes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(',')
X = numpy.fromfile(path, dtype='<f8').reshape(rows, dim)
d = MultivariateGaussianDistribution.blank(dim)
d.summarize(X[:100])
by_config = {}
for name in batch_sizes:
    step = rows if name == 'None' else int(name)
    best = float('inf')
    for _ in range(repeats):
        d.clear_summaries()
        start = time.perf_counter()
        for i in range(0, rows, step):
            d.summarize(X[i:i + step])
        best = min(best, time.perf_counter() - start)
    by_config[name] = rows / best
best = float('inf')
for _ in range(repeats):
    start = time.perf_counter()
    X.T @ X
    X.sum(0)
    best = min(best, time.perf_counter() - start)
print(json.dumps({'byConfig': by_config, 'numpyRowsPerSecond': rows / best}))
