"""Times pomegranate 0.14.8's supervised NaiveBayes fit and scikit-learn 1.2.1's GaussianNB, for bench/bayes.ts.

Usage: /usr/bin/python3 bench/pomegranate_bayes.py X.f64 Y.f64 ROWS DIM REPEATS BATCH_SIZES
X.f64 holds ROWS x DIM float64 values, row-major, little-endian; Y.f64 the ROWS class labels as
float64 (what the TypeScript bench wrote). BATCH_SIZES is a comma-separated list.

pomegranate, best of REPEATS each:
  'None': NaiveBayes.from_samples(NormalDistribution, X, y) (an IndependentComponentsDistribution of
          Normals per class, one summarize pass over the whole array and one from_summaries);
  b:      the same model summarizing X in slices of b rows (model.summarize(X[i:i+b], y[i:i+b]))
          then from_summaries: the batched configuration (its fit has no batch_size).
scikit-learn: GaussianNB().fit(X, y), best of REPEATS (numpy, one thread).
Prints one JSON line: {"byConfig": {batch_size: ms}, "sklearnMs": ms, "means": [[...]]}.
"""
import json
import sys
import time
import warnings
import numpy
from pomegranate import NaiveBayes, NormalDistribution
from sklearn.naive_bayes import GaussianNB

warnings.filterwarnings('ignore')
x_path, y_path, rows, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
repeats, batch_sizes = int(sys.argv[5]), sys.argv[6].split(',')
X = numpy.fromfile(x_path, dtype='<f8').reshape(rows, dim)
y = numpy.fromfile(y_path, dtype='<f8').astype('int64')
NaiveBayes.from_samples(NormalDistribution, X[:1000], y[:1000])


def fit(batch_size):
    if batch_size is None:
        start = time.perf_counter()
        model = NaiveBayes.from_samples(NormalDistribution, X, y)
        return time.perf_counter() - start, model
    model = NaiveBayes.from_samples(NormalDistribution, X[:1000], y[:1000])
    model.clear_summaries()
    start = time.perf_counter()
    for i in range(0, rows, batch_size):
        model.summarize(X[i:i + batch_size], y[i:i + batch_size])
    model.from_summaries()
    return time.perf_counter() - start, model


by_config = {}
model = None
for name in batch_sizes:
    best = float('inf')
    for _ in range(repeats):
        seconds, model = fit(None if name == 'None' else int(name))
        best = min(best, seconds)
    by_config[name] = best * 1000
sklearn = float('inf')
for _ in range(repeats):
    start = time.perf_counter()
    GaussianNB().fit(X, y)
    sklearn = min(sklearn, time.perf_counter() - start)
models = json.loads(model.to_json())['models']
print(json.dumps({'byConfig': by_config, 'sklearnMs': sklearn * 1000,
                  'means': [[d['parameters'][0] for d in m['parameters'][0]] for m in models]}))
