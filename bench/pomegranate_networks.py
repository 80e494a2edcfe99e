"""Times pomegranate 0.14.8's BayesianNetwork, for bench/networks.ts.

Usage: /usr/bin/python3 bench/pomegranate_networks.py TASK X.f64 ROWS COLS REPEATS SPEC.json [TRAIN.f64]
X.f64 holds ROWS x COLS float64 category codes (NaN missing), row-major, little-endian. TASK:
  from_samples    SPEC {"algorithm": ..., "max_parents": ...}: BayesianNetwork.from_samples(X, ...)
  from_structure  SPEC {"structure": [[...], ...]}: BayesianNetwork.from_structure(X, structure)
  predict_proba   SPEC {"structure": ..., "train_rows": n}: a network fitted to the rows of
                  TRAIN.f64, then predict_proba on X's rows (NaN missing)
Prints one JSON line: {"ms": best of REPEATS, "structure": [...]}.
"""
import json
import sys
import time
import numpy
from pomegranate import BayesianNetwork

task, x_path, rows, cols, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
spec = json.load(open(sys.argv[6])) if len(sys.argv) > 6 else {}
X = numpy.fromfile(x_path, dtype='<f8').reshape(rows, cols)
best, model = float('inf'), None
if task == 'from_samples':
    Xi = X.astype('int64')
    options = {k: v for k, v in spec.items() if k != 'structure'}
    for _ in range(repeats):
        start = time.perf_counter()
        model = BayesianNetwork.from_samples(Xi, **options)
        best = min(best, time.perf_counter() - start)
elif task == 'from_structure':
    Xi = X.astype('int64')
    structure = tuple(tuple(p) for p in spec['structure'])
    for _ in range(repeats):
        start = time.perf_counter()
        model = BayesianNetwork.from_structure(Xi, structure)
        best = min(best, time.perf_counter() - start)
elif task == 'predict_proba':
    train = numpy.fromfile(sys.argv[7], dtype='<f8').reshape(spec['train_rows'], cols).astype('int64')
    model = BayesianNetwork.from_structure(train, tuple(tuple(p) for p in spec['structure']))
    Xo = numpy.array([[None if x != x else int(x) for x in row] for row in X], dtype=object)
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(Xo)
        best = min(best, time.perf_counter() - start)
print(json.dumps({'ms': best * 1000, 'structure': [list(map(int, p)) for p in model.structure]}))
