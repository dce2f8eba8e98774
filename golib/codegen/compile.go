package codegen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/flern/flern/golib/lower"
)

// Flags are the compiler flags of every kernel (part of the cache key).
// -fno-math-errno lets sqrt vectorize and -fno-trapping-math lets the
// compiler if-convert the range checks of fl_exp (emit.go) on float
// inputs; neither changes any result (they concern errno and FP exception
// flags, which kernels never read). -ffp-contract=off keeps a*b+c two
// rounded operations, as in Go and the interpreter (an FMA would give other
// last bits, and a number where a float32 product overflows to NaN).
var Flags = []string{"-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-shared", "-fPIC"}

// Kernel is a compiled, loaded loop kernel.
type Kernel struct {
	lib    *library
	Source string        // the C source
	Key    string        // sha256 of (source, compiler identity, flags, CPU)
	Path   string        // the cached shared object
	Cached bool          // found in the disk cache (no compile this process)
	Build  time.Duration // time spent compiling (0 when cached)
}

type compiler struct {
	path, ident, cpu string
	err              error
}

var (
	ccOnce sync.Once
	cc     compiler
)

// Compiler returns the C compiler kernels are built with and its identity
// for the cache key (resolved path, size and modification time: a new
// compiler version is a new binary), or an error saying why there is none
// (FLERN_CC, then CC, then cc, gcc, clang on PATH). It runs no process, so
// a process that only loads cached kernels pays no compiler start-up.
func Compiler() (path, ident string, err error) {
	ccOnce.Do(func() {
		var cands []string
		for _, env := range []string{"FLERN_CC", "CC"} {
			if v := os.Getenv(env); v != "" {
				cands = append(cands, v)
			}
		}
		cands = append(cands, "cc", "gcc", "clang")
		for _, c := range cands {
			p, err := exec.LookPath(c)
			if err != nil {
				continue
			}
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				continue
			}
			st, err := os.Stat(real)
			if err != nil {
				continue
			}
			cc = compiler{path: p, ident: fmt.Sprintf("%s|%d|%d", real, st.Size(), st.ModTime().UnixNano()), cpu: cpuModel()}
			return
		}
		cc.err = fmt.Errorf("no C compiler found (tried %s)", strings.Join(cands, ", "))
	})
	return cc.path, cc.ident, cc.err
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") || strings.HasPrefix(line, "flags") {
			return runtime.GOARCH + " " + line
		}
	}
	return runtime.GOARCH
}

// CacheDir is where kernels are cached: $FLERN_KERNEL_CACHE, else
// $XDG_CACHE_HOME/flern/kernels, else ~/.cache/flern/kernels.
func CacheDir() (string, error) {
	if d := os.Getenv("FLERN_KERNEL_CACHE"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("codegen: no cache directory: %w", err)
	}
	return filepath.Join(base, "flern", "kernels"), nil
}

var (
	mu      sync.Mutex
	loaded  = map[string]*entry{} // key -> kernel, once per process
	pending = map[string]bool{}   // keys compiling in the background
	nBuilds int
)

// entry is one kernel of the process table; mu is held while it loads or
// compiles.
type entry struct {
	mu          sync.Mutex
	done        bool // k/err are final
	diskChecked bool
	k           *Kernel
	err         error
}

// Builds is the number of kernels this process has compiled (not loaded
// from the disk cache); tests use it to show a second run pays no compile.
func Builds() int {
	mu.Lock()
	defer mu.Unlock()
	return nBuilds
}

// prepare emits l's C and finds its table entry (created if new).
func prepare(l *lower.Loop) (e *entry, src, key, cc string, err error) {
	src, err = Emit(l)
	if err != nil {
		return nil, "", "", "", err
	}
	cc, _, err = Compiler()
	if err != nil {
		return nil, "", "", "", err
	}
	key = cacheKey(src)
	mu.Lock()
	e = loaded[key]
	if e == nil {
		e = &entry{}
		loaded[key] = e
	}
	mu.Unlock()
	return e, src, key, cc, nil
}

// Compile returns the loaded kernel of l: from this process's table, else
// from the disk cache (checksum verified), else compiled now and cached.
// Concurrent callers (goroutines or processes) are safe.
func Compile(l *lower.Loop) (*Kernel, error) {
	e, src, key, cc, err := prepare(l)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.done {
		e.k, e.err = load(cc, src, key)
		e.done = true
	}
	return e.k, e.err
}

// Ready returns l's kernel when it is available without compiling: loaded
// in this process, or in the disk cache (a load costs about a millisecond).
// It returns nil while a background compile (CompileAsync) is running.
func Ready(l *lower.Loop) *Kernel {
	e, src, key, _, err := prepare(l)
	if err != nil {
		return nil
	}
	if !e.mu.TryLock() {
		return nil // being compiled
	}
	defer e.mu.Unlock()
	if !e.done && !e.diskChecked {
		e.diskChecked = true
		if k, _ := loadCached(src, key); k != nil {
			e.k, e.done = k, true
		}
	}
	if e.done {
		return e.k
	}
	return nil
}

// CompileAsync starts compiling l's kernel in the background (once); Ready
// returns it when done.
func CompileAsync(l *lower.Loop) {
	mu.Lock()
	defer mu.Unlock()
	src, err := Emit(l)
	if err != nil {
		return
	}
	key := cacheKey(src)
	if pending[key] {
		return
	}
	pending[key] = true
	go Compile(l) // the result lands in the process table
}

// cacheKey is sha256(source, compiler identity, CPU, flags): a kernel is
// reused only by the same compiler on the same kind of CPU.
func cacheKey(src string) string {
	h := sha256.New()
	for _, part := range append([]string{src, cc.ident, cc.cpu}, Flags...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// load finds the kernel in the disk cache or builds it.
func load(cc, src, key string) (*Kernel, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("codegen: cache directory: %w", err)
	}
	so := filepath.Join(dir, key+".so")
	sum := so + ".sha256"
	if k, _ := loadCached(src, key); k != nil {
		return k, nil
	}
	// missing or corrupt: build into temp files, then rename into place
	removeStaleBuilds(dir)
	start := time.Now()
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	defer os.RemoveAll(tmp)
	cfile := filepath.Join(tmp, "k.c")
	if err := os.WriteFile(cfile, []byte(src), 0o644); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	sofile := filepath.Join(tmp, "k.so")
	args := append(append([]string{}, Flags...), "-o", sofile, cfile, "-lm")
	var stderr bytes.Buffer
	cmd := exec.Command(cc, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("codegen: %s failed: %v: %s", filepath.Base(cc), err, strings.TrimSpace(stderr.String()))
	}
	data, err := os.ReadFile(sofile)
	if err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	digest := sha256.Sum256(data)
	sumfile := filepath.Join(tmp, "k.sha256")
	if err := os.WriteFile(sumfile, []byte(hex.EncodeToString(digest[:])), 0o644); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	_ = os.WriteFile(filepath.Join(dir, key+".c"), []byte(src), 0o644) // for people reading the cache
	if err := os.Rename(sofile, so); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	if err := os.Rename(sumfile, sum); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	lib, err := openVerified(so, sum)
	if err != nil {
		return nil, err
	}
	mu.Lock()
	nBuilds++
	mu.Unlock()
	return &Kernel{lib: lib, Source: src, Key: key, Path: so, Build: time.Since(start)}, nil
}

// removeStaleBuilds deletes build directories left by processes that
// exited mid-compile (older than an hour: no compile takes that long).
func removeStaleBuilds(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, "build-*"))
	for _, d := range old {
		if st, err := os.Stat(d); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.RemoveAll(d)
		}
	}
}

// loadCached loads the kernel from the disk cache (nil if absent or corrupt).
func loadCached(src, key string) (*Kernel, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	so := filepath.Join(dir, key+".so")
	lib, err := openVerified(so, so+".sha256")
	if err != nil {
		return nil, nil
	}
	return &Kernel{lib: lib, Source: src, Key: key, Path: so, Cached: true}, nil
}

// openVerified dlopens so after checking it against its checksum file.
func openVerified(so, sum string) (*library, error) {
	want, err := os.ReadFile(sum)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(so)
	if err != nil {
		return nil, err
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != strings.TrimSpace(string(want)) {
		return nil, fmt.Errorf("codegen: %s does not match its checksum", so)
	}
	return open(so)
}

// Range is the kernel as a lower.RangeFunc over the given inputs (the loop
// must be the one the kernel was compiled from). It uses the streaming
// variant (non-temporal stores, see Emit) when the loop's outputs are at
// least StreamMin bytes: too large to stay in the cache for a next reader.
func (k *Kernel) Range(l *lower.Loop, in []lower.Buf) lower.RangeFunc {
	return k.RangeWith(l, in, Auto)
}

// Variant selects a kernel's plain or streaming loop.
type Variant int

const (
	// Auto streams when the outputs are at least StreamMin bytes.
	Auto Variant = iota
	// Plain always uses the plain loop.
	Plain
	// Stream uses the streaming loop when the kernel has one.
	Stream
)

// HasStream reports whether the kernel has a streaming variant.
func (k *Kernel) HasStream() bool { return k.lib.stream != nil }

// RangeWith is Range with the variant chosen by the caller (tests).
func (k *Kernel) RangeWith(l *lower.Loop, in []lower.Buf, v Variant) lower.RangeFunc {
	inAddr := make([]uintptr, len(in))
	for i, b := range in {
		inAddr[i] = bufAddr(b)
	}
	for i, li := range l.Inputs { // indexed inputs' codes, after the inputs (emitDecls)
		if li.Indexed && i < len(in) && len(in[i].Codes) > 0 {
			inAddr = append(inAddr, uintptr(unsafe.Pointer(&in[i].Codes[0])))
		} else if li.Indexed {
			inAddr = append(inAddr, 0)
		}
	}
	return func(begin, end int, out *lower.Outputs) {
		outAddr := make([]uintptr, len(l.Builders), len(l.Builders)+1)
		if out.Selected != nil { // a compacting loop's count for this morsel
			outAddr = append(outAddr, uintptr(unsafe.Pointer(&out.Selected[begin/lower.Morsel])))
		}
		if l.Scatters() { // the run's target rows
			outAddr = append(outAddr, uintptr(unsafe.Pointer(&out.Dest[0])))
		}
		bytes := 0
		for i, b := range l.Builders {
			switch b.Kind {
			case lower.Append:
				outAddr[i] = bufAddr(out.Append[i])
				if b.Stride == 0 || b.Offset == 0 {
					bytes += bufBytes(out.Append[i])
				}
			case lower.Merge:
				outAddr[i] = uintptr(unsafe.Pointer(&out.Merge[i]))
			case lower.GroupMerge:
				if len(out.Groups[i]) > 0 {
					outAddr[i] = uintptr(unsafe.Pointer(&out.Groups[i][0]))
				}
			case lower.VecMerge:
				outAddr[i] = bufAddr(out.Vec[i])
			}
		}
		fn := k.lib.fn
		if k.lib.stream != nil && (v == Stream || v == Auto && int64(bytes) >= StreamMin()) {
			fn = k.lib.stream
		}
		k.lib.call(fn, inAddr, outAddr, begin, end)
		runtime.KeepAlive(in)
		runtime.KeepAlive(out)
	}
}

var (
	streamOnce sync.Once
	streamMin  int64
)

// StreamMin is the output size (bytes) from which kernels store with
// non-temporal stores: the last-level cache's size (sysfs; 32 MiB when
// unknown), or FLERN_STREAM_MIN.
func StreamMin() int64 {
	streamOnce.Do(func() {
		streamMin = 32 << 20
		if v, err := strconv.ParseInt(os.Getenv("FLERN_STREAM_MIN"), 10, 64); err == nil && v > 0 {
			streamMin = v
			return
		}
		for _, idx := range []string{"index3", "index2"} {
			b, err := os.ReadFile("/sys/devices/system/cpu/cpu0/cache/" + idx + "/size")
			if err != nil {
				continue
			}
			if n := parseCacheSize(strings.TrimSpace(string(b))); n > 0 {
				streamMin = n
				return
			}
		}
	})
	return streamMin
}

// parseCacheSize reads sysfs cache sizes such as "32768K" or "2M".
func parseCacheSize(s string) int64 {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n * mult
}

func bufBytes(b lower.Buf) int {
	return 4*len(b.F32) + 8*len(b.F64) + 8*len(b.I64) + len(b.B)
}

func bufAddr(b lower.Buf) uintptr {
	switch {
	case len(b.F32) > 0:
		return uintptr(unsafe.Pointer(&b.F32[0]))
	case len(b.F64) > 0:
		return uintptr(unsafe.Pointer(&b.F64[0]))
	case len(b.I64) > 0:
		return uintptr(unsafe.Pointer(&b.I64[0]))
	case len(b.B) > 0:
		return uintptr(unsafe.Pointer(&b.B[0]))
	case len(b.Bits) > 0:
		return uintptr(unsafe.Pointer(&b.Bits[0]))
	}
	return 0
}

// LoadForTest loads l's kernel bypassing this process's table, as a new
// process would (disk cache, else compile).
func LoadForTest(l *lower.Loop) (*Kernel, error) {
	src, err := Emit(l)
	if err != nil {
		return nil, err
	}
	path, _, err := Compiler()
	if err != nil {
		return nil, err
	}
	return load(path, src, cacheKey(src))
}

// CachePathForTest is where l's kernel is cached.
func CachePathForTest(l *lower.Loop) string {
	src, _ := Emit(l)
	Compiler()
	dir, _ := CacheDir()
	return filepath.Join(dir, cacheKey(src)+".so")
}
