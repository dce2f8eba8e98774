package ipcio

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/flern/flern/golib/ir"
)

// guardFault runs f with faults on memory accesses turned into panics (see
// debug.SetPanicOnFault) and turns such a panic into an IO error: a mapped
// file that shrinks while it is read faults beyond its new end.
func guardFault(path string, f func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			if re, ok := r.(runtime.Error); ok {
				if _, isFault := r.(interface{ Addr() uintptr }); isFault {
					err = &ir.Error{Kind: "IO", Msg: fmt.Sprintf("%s changed while it was being read", path), Err: re}
					return
				}
			}
			panic(r)
		}
	}()
	return f()
}
