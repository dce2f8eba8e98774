package main

/*
#include <stdint.h>
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// flern_trainer_run runs `epochs` epochs of a trainer in one call
// (exec.Trainer.Run): perms holds epochs*rows row indices, epoch after
// epoch; losses receives every step's loss (epochs x steps per epoch); val
// (a compiled plan handle, 0 for none) is run after each completed epoch
// and its loss written to valLosses. *steps and *done receive the steps and
// epochs completed. python/flern/train.py's fit calls it when nothing runs
// in Python between epochs.
//
//export flern_trainer_run
func flern_trainer_run(h C.uintptr_t, perms *C.int64_t, n C.int64_t, epochs C.int64_t, losses *C.double, nLosses C.int64_t, val C.uintptr_t, valLosses *C.double, nVal C.int64_t, steps *C.int64_t, done *C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_trainer_run")
	clearErr(err)
	*steps, *done = 0, 0
	t, e := trainer(h)
	if e != nil {
		return setErr(err, e)
	}
	var vg *ir.Graph
	if val != 0 {
		vp, e := program(val)
		if e != nil {
			return setErr(err, e)
		}
		vg = vp.Graph
	}
	var rows []int64
	if n > 0 {
		rows = unsafe.Slice((*int64)(unsafe.Pointer(perms)), int(n))
	}
	var ls, vs []float64
	if nLosses > 0 {
		ls = unsafe.Slice((*float64)(unsafe.Pointer(losses)), int(nLosses))
	}
	if nVal > 0 {
		vs = unsafe.Slice((*float64)(unsafe.Pointer(valLosses)), int(nVal))
	}
	kd, e := offThread(func() ([2]int, error) { // off Python's locked thread (offThread)
		k, d, e := t.Run(context.Background(), rows, int(epochs), ls, vg, vs)
		return [2]int{k, d}, e
	})
	k, d := kd[0], kd[1]
	*steps, *done = C.int64_t(k), C.int64_t(d)
	if e != nil {
		return setErr(err, e)
	}
	return 0
}

// flern_pcg64_permutation writes numpy's Generator(PCG64).permutation(n)
// into out[n] (interp.PCG64), from the bit generator state st[6] = state
// high, state low, increment high, increment low (64-bit halves),
// has_uint32, uinteger, and writes the state after back into st: fit's
// shuffled epochs draw the same orders as numpy, 3x faster.
//
//export flern_pcg64_permutation
func flern_pcg64_permutation(st *C.uint64_t, n C.int64_t, out *C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_pcg64_permutation")
	clearErr(err)
	if n < 0 {
		return setErr(err, ir.Errorf("Value", "permutation of %d rows", int64(n)))
	}
	s := unsafe.Slice((*uint64)(unsafe.Pointer(st)), 6)
	p := interp.PCG64{StateHi: s[0], StateLo: s[1], IncHi: s[2], IncLo: s[3], HasUint32: s[4] != 0, Uinteger: uint32(s[5])}
	if n > 0 {
		p.Permutation(unsafe.Slice((*int64)(unsafe.Pointer(out)), int(n)))
	}
	s[0], s[1], s[2], s[3], s[5] = p.StateHi, p.StateLo, p.IncHi, p.IncLo, uint64(p.Uinteger)
	s[4] = 0
	if p.HasUint32 {
		s[4] = 1
	}
	return 0
}
