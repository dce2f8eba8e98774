/*
 * flern.h — the C ABI of libflern (built from capi/ with
 * `go build -buildmode=c-shared`). Narrow on purpose: version, compile,
 * run, explain, schemas, release, free. Checked in; keep it in step with
 * capi/capi.go.
 *
 * Conventions
 *  - Every function that can fail returns int (0 = ok, 1 = error) and takes
 *    `char **err`: on error *err is set to a JSON object
 *      {"kind": "...", "message": "...", "op": "...", "loc": "file.py:12"}
 *    that the caller frees with flern_string_free. On success *err is NULL.
 *    kind is one of ColumnNotFound, Type, Parse, IO, Value, NotImplemented,
 *    Cancelled, Internal (Internal includes a recovered Go panic).
 *  - A Go panic never crosses this boundary: every entry point recovers.
 *  - Plans are opaque handles (uintptr_t). The caller releases each handle
 *    it receives exactly once with flern_plan_release.
 *  - Data travels through the Arrow C Data Interface. Inputs: the caller
 *    passes pointers to ArrowArrayStream structs it owns; libflern moves
 *    them out (the caller must not release them afterwards). Outputs: the
 *    caller passes zero-initialized ArrowArrayStream structs; libflern fills
 *    them and the caller owns and releases them (stream->release). Column
 *    memory is shared, not copied, in both directions.
 *    Tensors (inputs of source_tensor nodes and tensor outputs) travel as a
 *    stream of one primitive column "data" in row-major order with schema
 *    metadata "flern.tensor_shape" (JSON list) and "flern.tensor_dtype"
 *    (layout: golib/arrowio/tensor.go).
 *  - All calls may be made without holding Python's GIL and from any thread.
 */
#ifndef FLERN_H
#define FLERN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header; flern_abi_version() must return the same. */
#define FLERN_ABI_VERSION 1

/* Library version string ("0.1.0"); static, do not free. */
const char *flern_version(void);

/* ABI version the library implements. */
int flern_abi_version(void);

/* Compile a plan (wire format: golib/ir/wire/wire.go) of `len` bytes.
 * options_json may be NULL or {"disable": ["fold", ...], "dump": true, "no_opt": false,
 * "executor": "runtime" | "interp", "memory_limit": "2GB" ("" or absent: none)}.
 * On success *out is a new plan handle. */
int flern_plan_compile(const char *plan, int64_t len, const char *options_json,
                       uintptr_t *out, char **err);

/* Run a compiled plan. inputs: array of n_inputs pointers to ArrowArrayStream
 * (moved into libflern). outputs: array of n_outputs pointers to
 * zero-initialized ArrowArrayStream structs, filled on success (owned by the
 * caller). n_outputs must equal the plan's number of outputs. */
int flern_plan_run(uintptr_t plan, void **inputs, int64_t n_inputs,
                   void **outputs, int64_t n_outputs, char **err);

/* The optimized plan as text (verbose != 0 adds the recorded plan and the
 * optimizer's pass table). Returns a string freed with flern_string_free, or
 * NULL on error. */
char *flern_plan_explain(uintptr_t plan, int verbose, char **err);

/* The output schemas and input index levels as JSON:
 * {"outputs": [{"fields": [{"name","type","nullable"}], "index": [...],
 *               "tensor": {"dtype": "float32", "shape": [2, -1]} (tensor outputs only;
 *               -1 = size known only at run time)} | null, ...],
 *  "input_index_levels": [0, 1, ...]}. Freed with flern_string_free. */
char *flern_plan_info(uintptr_t plan, char **err);

/* Release a plan handle. Releasing 0 is a no-op. */
void flern_plan_release(uintptr_t plan);

/* Free a string returned by libflern (err strings, explain, info). */
void flern_string_free(char *s);

#ifdef __cplusplus
}
#endif

#endif /* FLERN_H */
