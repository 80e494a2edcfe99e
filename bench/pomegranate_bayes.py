"""Times pomegranate 0.14.8's supervised NaiveBayes fit, for bench/bayes.ts.

Usage: /usr/bin/python3 bench/pomegranate_bayes.py X.f64 Y.f64 ROWS DIM [REPEATS]
X.f64 holds ROWS x DIM float64 values, row-major, little-endian; Y.f64 the ROWS class labels as
float64 (what the TypeScript bench wrote). Times NaiveBayes.from_samples(NormalDistribution, X, y)
(an IndependentComponentsDistribution of Normals per class, one summarize pass and one
from_summaries) and prints one JSON line: {"ms": best of REPEATS fits, "priors": [...], "means": [...]}.
"""
import json
import sys
import time
import numpy
from pomegranate import NaiveBayes, NormalDistribution

x_path, y_path, rows, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 3
X = numpy.fromfile(x_path, dtype='<f8').reshape(rows, dim)
y = numpy.fromfile(y_path, dtype='<f8').astype('int64')
NaiveBayes.from_samples(NormalDistribution, X[:1000], y[:1000])
best = float('inf')
model = None
for _ in range(repeats):
    start = time.perf_counter()
    model = NaiveBayes.from_samples(NormalDistribution, X, y)
    best = min(best, time.perf_counter() - start)
models = json.loads(model.to_json())['models']
print(json.dumps({'ms': best * 1000, 'priors': numpy.exp(model.weights).tolist(),
                  'means': [[d['parameters'][0] for d in m['parameters'][0]] for m in models]}))
