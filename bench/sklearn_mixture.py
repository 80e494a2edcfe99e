"""Times scikit-learn 1.2.1's KMeans (Lloyd) and GaussianMixture iterations for bench/mixture.ts.

Usage: /usr/bin/python3 bench/sklearn_mixture.py KIND DATA.f64 ROWS DIM INIT.json ITERATIONS REPEATS
KIND is 'kmeans' (INIT.json: {"centroids": [...]}) or 'gmm' (INIT.json: {"weights": [...],
"means": [[...]], "covariances": [[[...]]]}, a full covariance per component). DATA.f64 holds ROWS x
DIM float64 values, row-major, little-endian.

KMeans(n_clusters=k, init=centroids, n_init=1, algorithm='lloyd', tol=0) and
GaussianMixture(k, covariance_type='full', weights_init, means_init, precisions_init, tol=0,
init_params='random_from_data') start from the same parameters as aril. Milliseconds per iteration
= (best time of a fit with max_iter=ITERATIONS - best with max_iter=1) / (n_iter_ difference), the
way bench/mixture.ts measures every library (the initialization and the final E-step cancel out).
Measured with scikit-learn's default threads (OpenMP / OpenBLAS on every core) and with
threadpoolctl limiting them to one. Prints one JSON line:
{"byConfig": {"threads=default": ms, "threads=1": ms}}.
"""
import json
import sys
import time
import warnings
import numpy
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

warnings.filterwarnings('ignore')
kind, path, rows, dim, init_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
iterations, repeats = int(sys.argv[6]), int(sys.argv[7])
X = numpy.fromfile(path, dtype='<f8').reshape(rows, dim)
with open(init_path) as f:
    init = json.load(f)


def fit(max_iter):
    if kind == 'kmeans':
        centroids = numpy.array(init['centroids'], dtype='float64')
        model = KMeans(n_clusters=len(centroids), init=centroids, n_init=1, algorithm='lloyd', max_iter=max_iter, tol=0)
    else:
        covariances = numpy.array(init['covariances'], dtype='float64')
        model = GaussianMixture(len(covariances), covariance_type='full', max_iter=max_iter, tol=0, init_params='random_from_data',
                                weights_init=numpy.array(init['weights']), means_init=numpy.array(init['means']),
                                precisions_init=numpy.linalg.inv(covariances), random_state=0)
    start = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - start, model.n_iter_


def per_iteration():
    fit(2)  # warm-up
    one = min(fit(1) for _ in range(repeats))
    many = min(fit(iterations) for _ in range(repeats))
    return 1000 * (many[0] - one[0]) / max(1, many[1] - one[1])


by_config = {'threads=default': per_iteration()}
with threadpool_limits(limits=1):
    by_config['threads=1'] = per_iteration()
print(json.dumps({'byConfig': by_config}))
