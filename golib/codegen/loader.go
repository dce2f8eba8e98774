package codegen

// The only cgo in golib/codegen: dlopen/dlsym and one trampoline that calls
// any kernel (they all share flern_kernel's signature).

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

typedef void (*fl_kernel_fn)(const uintptr_t *, const uintptr_t *, int64_t, int64_t);

static void fl_call(void *f, const uintptr_t *in, const uintptr_t *out, int64_t begin, int64_t end) {
	((fl_kernel_fn)f)(in, out, begin, end);
}

static void *fl_open(const char *path, const char **err) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) *err = dlerror();
	return h;
}

static void *fl_sym(void *h, const char *name, const char **err) {
	void *f = dlsym(h, name);
	if (!f) *err = dlerror();
	return f;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// library is a loaded kernel: the dlopen handle, the kernel's address and
// that of its streaming variant (nil when the loop has none).
type library struct {
	handle unsafe.Pointer
	fn     unsafe.Pointer
	stream unsafe.Pointer
}

// open loads the shared object at path and finds flern_kernel in it.
func open(path string) (*library, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cerr *C.char
	h := C.fl_open(cpath, &cerr)
	if h == nil {
		return nil, fmt.Errorf("dlopen %s: %s", path, C.GoString(cerr))
	}
	name := C.CString("flern_kernel")
	defer C.free(unsafe.Pointer(name))
	f := C.fl_sym(h, name, &cerr)
	if f == nil {
		return nil, fmt.Errorf("dlsym flern_kernel in %s: %s", path, C.GoString(cerr))
	}
	lib := &library{handle: h, fn: f}
	sname := C.CString("flern_kernel_stream")
	defer C.free(unsafe.Pointer(sname))
	lib.stream = C.fl_sym(h, sname, &cerr) // optional: nil when absent
	return lib, nil
}

// call runs the kernel on rows [begin, end). in and out hold buffer
// addresses as integers (no Go pointers cross into C memory); the caller
// keeps the buffers alive for the duration of the call.
func (l *library) call(fn unsafe.Pointer, in, out []uintptr, begin, end int) {
	var pin, pout *C.uintptr_t
	if len(in) > 0 {
		pin = (*C.uintptr_t)(unsafe.Pointer(&in[0]))
	}
	if len(out) > 0 {
		pout = (*C.uintptr_t)(unsafe.Pointer(&out[0]))
	}
	C.fl_call(fn, pin, pout, C.int64_t(begin), C.int64_t(end))
}
