/**
 * The only place where statistics are added up: this overview, and the files it re-exports
 * (exact-sum.ts, blocked-sums.ts, moments.ts, cross-products.ts with expansion-table.ts and
 * block-totals.ts, pairwise-covariance.ts).
 *
 * Algorithm: rows are summed sequentially inside fixed blocks of {@link BLOCK_ROWS} rows aligned
 * to the row index of the summarized stream (block k holds rows k·B … (k+1)·B−1); a block that a
 * chunk boundary cuts is carried into the next chunk. Each finished block is added *exactly* into
 * a non-overlapping floating-point expansion (Shewchuk 1997, "Adaptive precision floating-point
 * arithmetic", the `msum` of Python's `math.fsum`), and a total is read by rounding the expansion
 * correctly (round-half-even, as `fsum` does). Exact addition is associative, so neither chunk
 * sizes nor the order in which blocks or merged summaries arrive can change a single bit.
 *
 * Inside a block, running sums are kept in two lanes (row i of the block goes to lane i mod 2,
 * added in row order) so the hot loop is not bound by the latency of one chain of additions; the
 * lanes are combined in a fixed order at the flush, so this too is the same for any chunking.
 * (Two lanes, not four: four lanes' running sums and temporaries do not fit V8's registers, and
 * the spills made that loop slower than a plain one.)
 *
 * Second moments are summed around a per-block shift (the block's first observed value of
 * non-zero weight) and moved to the origin exactly when the block is flushed, so the variance of
 * data far from zero keeps its precision: `W·Σwx² − (Σwx)²` is formed exactly from the expansions.
 * A covariance's d(d+1)/2 cross-products are moved to the origin in double-double instead (each
 * block's total to about 2^-100 of its terms, exact where a column is constant in the block) and
 * both halves added exactly: the total still depends on the block's rows alone.
 */

export * from './exact-sum.js'
export * from './blocked-sums.js'
export * from './moments.js'
export * from './cross-products.js'
export * from './pairwise-covariance.js'
