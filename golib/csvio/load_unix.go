//go:build unix

package csvio

import (
	"os"
	"syscall"
)

// loadFile returns the file's bytes: memory-mapped for a regular file
// (no copy, no zeroed buffer), read otherwise. release unmaps; the bytes
// must not be used after it. Readers of mapped bytes run under
// guardFault, so a file truncated meanwhile gives an error, not a crash.
func loadFile(path string) (data []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	if fi.Mode().IsRegular() && size > 0 && size == int64(int(size)) {
		if m, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
			_ = syscall.Madvise(m, syscall.MADV_WILLNEED)
			return m, func() { _ = syscall.Munmap(m) }, nil
		}
	}
	data, err = readAll(f, fi)
	return data, func() {}, err
}
