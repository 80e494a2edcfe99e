"""Times pomegranate 0.14.8's MultivariateGaussianDistribution.summarize, for bench/multivariate-gaussian.ts.

Usage: /usr/bin/python3 bench/pomegranate_multivariate_gaussian.py DATA.f64 ROWS DIM [REPEATS]
DATA.f64 holds ROWS x DIM float64 values, row-major, little-endian (what the TypeScript bench wrote).
Prints one JSON line: {"rowsPerSecond": best of REPEATS summarize calls over the whole array}.
"""
import json
import sys
import time
import numpy
from pomegranate import MultivariateGaussianDistribution

path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
X = numpy.fromfile(path, dtype='<f8').reshape(rows, dim)
d = MultivariateGaussianDistribution.blank(dim)
d.summarize(X[:100])
best = float('inf')
for _ in range(repeats):
    d.clear_summaries()
    start = time.perf_counter()
    d.summarize(X)
    best = min(best, time.perf_counter() - start)
print(json.dumps({'rowsPerSecond': rows / best}))
