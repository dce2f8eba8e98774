//go:build unix

package ipcio

import (
	"os"
	"runtime"
	"syscall"
)

// mapping is a file's bytes: memory-mapped for a regular file, read
// otherwise. Columns that alias the bytes keep the mapping reachable (their
// Keep); it is unmapped when the last of them is collected.
type mapping struct{ data []byte }

func mapFile(path string) (*mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if st.Mode().IsRegular() && size > 0 && size == int64(int(size)) {
		if b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
			m := &mapping{data: b}
			runtime.SetFinalizer(m, func(m *mapping) { _ = syscall.Munmap(m.data) })
			return m, nil
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &mapping{data: b}, nil
}
