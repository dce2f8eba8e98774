//go:build unix

package csvio

import (
	"os"
	"syscall"
	"unsafe"
)

// loadFile returns the file's bytes: memory-mapped (mapped) for a regular file
// (no copy, no zeroed buffer), read otherwise. release unmaps; the bytes
// must not be used after it. Readers of mapped bytes run under
// guardFault, so a file truncated meanwhile gives an error, not a crash.
func loadFile(path string) (data []byte, release func(), mapped bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, false, err
	}
	size := fi.Size()
	if fi.Mode().IsRegular() && size > 0 && size == int64(int(size)) {
		if m, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
			_ = syscall.Madvise(m, syscall.MADV_WILLNEED)
			return m, func() { _ = syscall.Munmap(m) }, true, nil
		}
	}
	data, err = readAll(f, fi)
	return data, func() {}, false, err
}

// dropPages tells the kernel that this process is done with the mapped
// bytes b (whole pages inside b only): they leave the process's resident
// set but stay in the page cache, and are read again if touched.
func dropPages(b []byte) {
	ps := syscall.Getpagesize()
	if len(b) < 2*ps {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := int((uintptr(ps) - start%uintptr(ps)) % uintptr(ps))
	hi := lo + (len(b)-lo)/ps*ps
	if hi > lo {
		_ = syscall.Madvise(b[lo:hi], syscall.MADV_DONTNEED)
	}
}
