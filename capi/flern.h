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
#define FLERN_ABI_VERSION 4

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

/* A new plan handle running plan with state key keys[2i] replaced by
 * keys[2i+1] for i < n (a compiled step or prediction rebound to another
 * model's parameters and optimizer state of the same shapes); release it
 * like any plan. */
int flern_plan_rebind(uintptr_t plan, const int64_t *keys, int64_t n, uintptr_t *out, char **err);

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
 *  "input_index_levels": [0, 1, ...],
 *  "cached_read": [keys], "cached_kept": [keys], "cached_kept_at": [positions],
 *  "cached_pending": [keys], "cached_pending_at": [positions], "cached_held": n}
 *  (the result-cache entries the plan reads instead of computing, those each run
 *  keeps, and the probed subplans each run counts without keeping them yet;
 *  positions index the compile option "keep"; n: the frames of read entries the
 *  plan holds). Freed with flern_string_free. */
char *flern_plan_info(uintptr_t plan, char **err);

/* 1 when the compiled plan is still what compiling its bytes would give now
 * (its scanned files unchanged, the cached results it reads still cached, no
 * subplan it computes cached since), else 0. Callers that keep compiled
 * plans recompile on 0. ABI version 2. */
int flern_plan_fresh(uintptr_t plan);

/* A plan holds the frame of every cached result it reads. Once such an
 * entry is no longer cached, *out is a new plan handle running the same
 * compiled plan without those frames (0 when the plan holds none): fresh
 * again, without a compile, when the same subplan is cached again; run while
 * it is not, it fails. plan is unchanged; release both like any plan. */
int flern_plan_unheld(uintptr_t plan, uintptr_t *out, char **err);

/* The result cache (golib/exec/resultcache.go): cmd is JSON
 * {"op": "stats"} | {"op": "clear"} | {"op": "drop", "key": k} |
 * {"op": "budget", "budget": bytes}; returns the statistics after the command
 * as JSON {"entries","bytes","budget","hits","stores","evictions","dropped",
 * "too_big"} (freed with flern_string_free), or NULL with *err set. */
char *flern_result_cache(const char *cmd, char **err);

/* Release a plan handle. Releasing 0 is a no-op. */
void flern_plan_release(uintptr_t plan);

/* Free a string returned by libflern (err strings, explain, info). */
void flern_string_free(char *s);

/* ---- Go-resident state ------------------------------------------------
 * A store of named tensors that lives in libflern across plan runs
 * (parameters, gradients, optimizer buffers, learning rates, training
 * batches). Plans read an entry with a `state` node {"key": K, "dtype",
 * "shape"} and replace one with `state_write` {"key": K} (golib/tensor/optim.go).
 * Keys are int64 > 0. The store owns its tensors: new/write COPY the caller's
 * row-major data (bool: one byte per element); read copies out. Each key
 * returned by flern_state_new is released exactly once with
 * flern_state_release (releasing an unknown key is a no-op). */

/* Store a copy of `nbytes` of data as a tensor of dtype ("float32",
 * "float64", "int64", "bool") and shape[ndim]; *key receives its key. */
int flern_state_new(const char *dtype, const int64_t *shape, int64_t ndim, const void *data,
                    int64_t nbytes, int64_t *key, char **err);

/* flern_state_new without the copy: the entry reads the caller's buffer in
 * place. The caller keeps the buffer alive and unchanged until it releases
 * the entry, and the entry is only read (training inputs). */
int flern_state_borrow(const char *dtype, const int64_t *shape, int64_t ndim, const void *data, int64_t nbytes,
                       int64_t *key, char **err);

/* Replace the tensor under key with a copy of data (any dtype/shape). */
int flern_state_write(int64_t key, const char *dtype, const int64_t *shape, int64_t ndim,
                      const void *data, int64_t nbytes, char **err);

/* {"dtype": "float32", "shape": [2, 3]} of the entry; freed with flern_string_free. */
char *flern_state_info(int64_t key, char **err);

/* Copy the entry's data into dst (nbytes must equal its size). */
int flern_state_read(int64_t key, void *dst, int64_t nbytes, char **err);

/* Drop the entry. */
void flern_state_release(int64_t key);

/* flern_plan_run for a plan whose outputs include state_write nodes (an
 * optimizer step): those stay in the store and are not exported; outputs
 * receives only the other (tensor) outputs, in order, and n_outputs counts
 * only them. */
int flern_plan_run_step(uintptr_t plan, void **inputs, int64_t n_inputs,
                        void **outputs, int64_t n_outputs, char **err);

/* ---- Staged training (golib/exec/train.go) ------------------------------
 * A trainer runs a compiled step plan (output 0: the loss; the other outputs
 * state_writes) once per mini-batch, filling the batch entries from the
 * full data entries in the caller's row order. spec_json:
 * {"x": K, "y": K, "xb": K, "yb": K, "x_tail": K, "y_tail": K,
 *  "batch_size": B, "check_finite": true}; tail_plan (0: none) runs the last
 * partial batch. The trainer keeps references to both plans' graphs (the plan
 * handles may be released). Release it once with flern_trainer_release. */
int flern_trainer_new(uintptr_t step_plan, uintptr_t tail_plan, const char *spec_json,
                      uintptr_t *out, char **err);

/* One epoch over perm[n] (row indices): losses[i] receives step i's loss
 * (n_losses >= the number of steps); *done the number of steps completed.
 * Returns 0 also when cancelled (then *done is short); on error (e.g. a
 * non-finite loss with check_finite) the completed steps stay applied. */
int flern_trainer_epoch(uintptr_t trainer, const int64_t *perm, int64_t n, double *losses,
                        int64_t n_losses, int64_t *done, char **err);

/* `epochs` epochs in one call: perms[n] holds the row indices of every epoch,
 * one epoch after the other (n = epochs x rows); losses receives every step's loss (epochs x steps per epoch, at most
 * n_losses); val_plan (0: none) is a compiled plan run after each completed
 * epoch, its loss written to val_losses (at most n_val). *steps and *done
 * receive the steps and epochs completed; cancellation and errors as in
 * flern_trainer_epoch. */
int flern_trainer_run(uintptr_t trainer, const int64_t *perms, int64_t n, int64_t epochs,
                      double *losses, int64_t n_losses, uintptr_t val_plan, double *val_losses,
                      int64_t n_val, int64_t *steps, int64_t *done, char **err);

/* numpy's Generator(PCG64).permutation(n) into out[n], bit for bit, from
 * the bit generator's state st[6] (state high, state low, increment high,
 * increment low as 64-bit halves, has_uint32, uinteger); st receives the
 * state after the draws. */
int flern_pcg64_permutation(uint64_t *st, int64_t n, int64_t *out, char **err);

/* Ask a running epoch to stop after its current step (any thread). */
void flern_trainer_cancel(uintptr_t trainer);

/* Release a trainer handle. Releasing 0 is a no-op. */
void flern_trainer_release(uintptr_t trainer);

/* ---- GEMM (golib/blas) -----------------------------------------------------
 * Route matrix products to a CBLAS library loaded with dlopen (the Python
 * package passes scipy-openblas32's libscipy_openblas.so at load time);
 * without one, gonum's pure-Go BLAS is used. */
int flern_blas_load(const char *path, char **err);

/* "openblas (<path>)" or "gonum"; freed with flern_string_free. */
char *flern_blas_backend(void);

/* The process is exiting: stop releasing imported Arrow arrays from Go
 * finalizers (their exporter may already be tearing down). Call it from an
 * exit handler that runs before the exporter's; nothing else changes. */
void flern_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* FLERN_H */
