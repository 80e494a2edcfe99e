"""Times pomegranate 0.14.8's EM fits for bench/mixture.ts, at every batch_size given.

Usage: /usr/bin/python3 bench/pomegranate_mixture.py KIND DATA.f64 ROWS DIM INIT.json ITERATIONS REPEATS BATCH_SIZES
KIND is 'gmm' (a GeneralMixtureModel read with from_json from INIT.json, the JSON aril wrote) or
'kmeans' (INIT.json holds {"centroids": [...]}). DATA.f64 holds ROWS x DIM float64 values,
row-major, little-endian. BATCH_SIZES is a comma-separated list ('None' is pomegranate's default:
the whole array at once).

Milliseconds per iteration = (best time of a fit with max_iterations=ITERATIONS - best time of a
fit with max_iterations=1) / (ITERATIONS - 1), each fit from a fresh copy of the initial model
with stop_threshold=-inf (so exactly that many M-steps; Kmeans with clear_summaries=True and
n_init=1): what one more iteration costs, without the setup and the first pass, as bench/mixture.ts
measures aril and scikit-learn. Prints one JSON line: {"byConfig": {batch_size: ms, ...}}.
"""
import json
import sys
import time
import numpy
from pomegranate import GeneralMixtureModel, Kmeans

kind, path, rows, dim, init_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
iterations, repeats, batch_sizes = int(sys.argv[6]), int(sys.argv[7]), sys.argv[8].split(',')
X = numpy.fromfile(path, dtype='<f8').reshape(rows, dim)
with open(init_path) as f:
    init = f.read()


def fit_seconds(max_iterations, batch_size):
    if kind == 'gmm':
        model = GeneralMixtureModel.from_json(init)
        start = time.perf_counter()
        model.fit(X, max_iterations=max_iterations, stop_threshold=float('-inf'), batch_size=batch_size)
    else:
        centroids = numpy.array(json.loads(init)['centroids'], dtype='float64')
        model = Kmeans(len(centroids), init=centroids, n_init=1)
        start = time.perf_counter()
        model.fit(X, max_iterations=max_iterations, stop_threshold=float('-inf'), clear_summaries=True, batch_size=batch_size)
    return time.perf_counter() - start


fit_seconds(1, 10000)  # warm-up
by_config = {}
for name in batch_sizes:
    batch_size = None if name == 'None' else int(name)
    one = min(fit_seconds(1, batch_size) for _ in range(repeats))
    many = min(fit_seconds(iterations, batch_size) for _ in range(repeats))
    by_config[name] = 1000 * (many - one) / (iterations - 1)
print(json.dumps({'byConfig': by_config}))
