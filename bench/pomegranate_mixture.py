"""Times pomegranate 0.14.8's EM fits for bench/mixture.ts.

Usage: /usr/bin/python3 bench/pomegranate_mixture.py KIND DATA.f64 ROWS DIM INIT.json ITERATIONS [REPEATS]
KIND is 'gmm' (a GeneralMixtureModel read with from_json from INIT.json, the JSON aril wrote) or
'kmeans' (INIT.json holds {"centroids": [...]}). DATA.f64 holds ROWS x DIM float64 values,
row-major, little-endian. Each repeat fits a fresh copy of the initial model with
max_iterations=ITERATIONS and stop_threshold=-inf (exactly ITERATIONS M-steps and ITERATIONS + 1
E-passes; Kmeans with clear_summaries=True, n_init=1).
Prints one JSON line: {"msPerIteration": best of REPEATS fit times / ITERATIONS, "cpuMsPerIteration": ...}.
"""
import json
import sys
import time
import numpy
from pomegranate import GeneralMixtureModel, Kmeans

kind, path, rows, dim, init_path, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
repeats = int(sys.argv[7]) if len(sys.argv) > 7 else 1
X = numpy.fromfile(path, dtype='<f8').reshape(rows, dim)
with open(init_path) as f:
    init = f.read()

best, best_cpu = float('inf'), float('inf')
for _ in range(repeats):
    if kind == 'gmm':
        model = GeneralMixtureModel.from_json(init)
        fit = lambda: model.fit(X, max_iterations=iterations, stop_threshold=float('-inf'))
    else:
        centroids = numpy.array(json.loads(init)['centroids'], dtype='float64')
        model = Kmeans(len(centroids), init=centroids, n_init=1)
        fit = lambda: model.fit(X, max_iterations=iterations, stop_threshold=float('-inf'), clear_summaries=True)
    start, start_cpu = time.perf_counter(), time.process_time()
    fit()
    best = min(best, time.perf_counter() - start)
    best_cpu = min(best_cpu, time.process_time() - start_cpu)
print(json.dumps({'msPerIteration': 1000 * best / iterations, 'cpuMsPerIteration': 1000 * best_cpu / iterations}))
