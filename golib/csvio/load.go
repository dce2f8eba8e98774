package csvio

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/flern/flern/golib/ir"
)

// readAll reads an open file (of any kind) to the end.
func readAll(f *os.File, fi fs.FileInfo) ([]byte, error) {
	if fi.IsDir() {
		return nil, fmt.Errorf("read %s: is a directory", f.Name())
	}
	if fi.Mode().IsRegular() && fi.Size() > 0 {
		buf := make([]byte, fi.Size())
		n, err := io.ReadFull(f, buf)
		if err == io.ErrUnexpectedEOF { // shrank meanwhile
			return buf[:n], nil
		}
		return buf[:n], err
	}
	return io.ReadAll(f)
}

// guardFault runs f with faults on memory accesses turned into panics
// (see debug.SetPanicOnFault), and turns such a panic into an IO error:
// a memory-mapped file that shrinks while it is read faults beyond its new
// end. Other panics propagate.
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
