/**
 * The limits of the readers, in one place: each is an option of the reader(s) named, with a safe
 * default here. A limit exceeded is `ERR_LIMIT` (through `limitExceeded`), naming the option that
 * raises it. They exist so that no input, however crafted, can make a reader hang, overflow its
 * stack or allocate from a size it has not checked against the bytes actually present.
 *
 * | option | readers | default |
 * |---|---|---|
 * | `maxHeaderSize` | `.npy` | 10,000 bytes of header (numpy's own `max_header_size`) |
 * | `maxHeaderDepth` | `.npy` | 32 levels of nesting in the header |
 * | `maxColumns` | `.npy`, CSV, JSON, NDJSON, `toBatches` | 2^20 values per row |
 * | `maxRecordLength` | CSV | 2^24 characters of cells in a record |
 * | `maxLineLength` | NDJSON | 2^24 characters in a line |
 * | `maxValueLength` | JSON | 2^24 characters in a string, key or number |
 */

/** numpy's own limit on the `.npy` header length (`max_header_size`), guarding against a length that lies. */
export const MAX_HEADER_SIZE = 10000

/**
 * Nesting of lists, tuples and dicts in an `.npy` header. The headers of the dtypes aril reads nest
 * 2 deep (a dict holding a tuple); a structured dtype a few more, and it is refused anyway. The
 * header parser recurses once per level, so the option may not exceed {@link MAX_HEADER_DEPTH_CEILING}.
 */
export const MAX_HEADER_DEPTH = 32

/** The largest `maxHeaderDepth` accepted: far below the depth that overflows the stack (about 9,000). */
export const MAX_HEADER_DEPTH_CEILING = 1000

/** Values in a row (cells of a CSV record, entries of a JSON array, fields of an object, values of an `.npy` row). */
export const MAX_COLUMNS = 2 ** 20

/**
 * The most values one Batch holds (128 MiB of float64), and so the ceiling of `maxColumns` (a Batch
 * holds at least one row). A Batch is allocated whole, so its size must not grow with the width of a
 * row times the rows per Batch (8,192 rows of 2^20 + 1 cells once asked for 2^33 values and crashed);
 * rows wider than MAX_BATCH_VALUES / rowsPerBatch come in Batches of fewer rows.
 */
export const MAX_BATCH_VALUES = 2 ** 24

/** Characters of the cells of one CSV record, as csv-parse's `max_record_size` counts them. */
export const MAX_RECORD_LENGTH = 2 ** 24

/** Characters (UTF-16 code units) of one NDJSON line. */
export const MAX_LINE_LENGTH = 2 ** 24

/** Characters of one string, key or number of a JSON document. */
export const MAX_VALUE_LENGTH = 2 ** 24
